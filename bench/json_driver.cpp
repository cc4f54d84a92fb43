// hubchat's JSON-lines dialect (docs/PROTOCOL.md, "hubchat dialect").
#include "flat_object_reader.hpp"
#include "protocol_driver.hpp"

namespace hubchat::bench {

namespace {

class JsonDriver final : public ProtocolDriver {
  public:
    void append_register(std::string& out, std::string_view name) const override {
        out += R"({"type":"hello","protocol":1,"name":")";
        out += name;
        out += "\"}\n";
    }
    void append_join(std::string& out, std::string_view, std::string_view room) const override {
        out += R"({"type":"join","room":")";
        out += room;
        out += "\"}\n";
    }
    void append_message_head(std::string& out, std::string_view,
                             std::string_view dest) const override {
        out += R"({"type":"message","dest":")";
        out += dest;
        out += R"(","message":")";
    }
    void append_message_tail(std::string& out, std::string_view) const override { out += "\"}\n"; }
    void append_quit(std::string& out) const override { out += "{\"type\":\"quit\"}\n"; }
    void append_pong(std::string&, std::string_view) const override {}
    void append_ping(std::string& out, std::string_view) const override {
        out += "{\"type\":\"ping\"}\n";
    }

    Inbound parse(std::string_view line, std::string_view own_name,
                  std::string_view room) const override {
        std::string_view type, user, dest, message, joined_room;
        FlatObjectReader reader{line};
        const bool ok = reader.read([&](std::string_view key, std::string_view value) {
            if (key == "type") {
                type = value;
            } else if (key == "user") {
                user = value;
            } else if (key == "dest") {
                dest = value;
            } else if (key == "message") {
                message = value;
            } else if (key == "room") {
                joined_room = value;
            }
        });
        if (!ok || type.empty()) {
            // Blank lines are framing, not frames.
            if (line.find_first_not_of(" \t\r") == std::string_view::npos) return {};
            return Inbound::of(Inbound::Kind::malformed, line);
        }
        if (type == "message") {
            return Inbound::chat(user, dest, message);
        }
        if (type == "welcome") return Inbound::of(Inbound::Kind::registered);
        if (type == "join") {
            if (user == own_name && joined_room == room) return Inbound::of(Inbound::Kind::joined);
            return {};
        }
        if (type == "pong") return Inbound::of(Inbound::Kind::pong);
        if (type == "error") return Inbound::of(Inbound::Kind::error, line);
        if (type == "shutdown") return Inbound::of(Inbound::Kind::closing, line);
        return {};
    }

    bool echoes_room_messages() const override { return true; }
    bool server_closes_after_quit() const override { return true; }
};

}  // namespace

std::unique_ptr<ProtocolDriver> make_json_driver() {
    return std::make_unique<JsonDriver>();
}

}  // namespace hubchat::bench
