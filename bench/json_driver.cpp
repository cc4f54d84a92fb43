// hubchat's JSON-lines dialect (docs/PROTOCOL.md, "hubchat dialect").
#include "flat_object_reader.hpp"
#include "protocol_driver.hpp"

namespace hubchat::bench {

namespace {

// Reads the string value that starts right after `at` in `line` if the bytes there are
// exactly `field` (a key with its colon and opening quote); moves `at` past its closing
// quote. The value keeps its escapes, as FlatObjectReader's do.
bool read_field_at(std::string_view line, std::size_t& at, std::string_view field,
                   std::string_view& value) {
    if (line.substr(at, field.size()) != field) return false;
    const std::size_t start = at + field.size();
    const std::size_t quote = find_closing_quote(line, start);
    if (quote == std::string_view::npos) return false;
    value = line.substr(start, quote - start);
    at = quote + 1;
    return true;
}

// True when `members` is nothing but ,"key":integer members (the id and time ahead of
// the names), so that skipping them skips nothing the general reader would reject.
bool only_integer_members(std::string_view members) {
    std::size_t i = 0;
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < members.size()) {
        if (members.substr(i, 2) != R"(,")") return false;
        i += 2;
        const std::size_t key = i;
        while (i < members.size() && members[i] >= 'a' && members[i] <= 'z') ++i;
        if (i == key || members.substr(i, 2) != R"(":)") return false;
        i += 2;
        if (i < members.size() && members[i] == '-') ++i;
        const std::size_t digits = i;
        while (i < members.size() && is_digit(members[i])) ++i;
        if (i == digits) return false;
    }
    return true;
}

// The server's chat frames, nearly every line a run reads, in the order hubchat-server
// writes their fields: {"type":"message","id":N,"ts":N,"user":"..","dest":"..","message":".."
// and then "}" or more fields. This reads them with three string scans instead of visiting
// every member (the general reader was a third of the generator's CPU in a broadcast run,
// which leaves less of the two cores to the server). Any other shape: false, and the
// general reader decides. A quoted `,"user":"` cannot occur inside a string value, where
// quotes are escaped, so the search cannot land in one.
bool read_chat_fast(std::string_view line, Inbound& out) {
    constexpr std::string_view kType = R"({"type":"message",)";
    if (!line.starts_with(kType)) return false;
    const std::size_t user_at = line.find(R"(,"user":")", kType.size() - 1);
    if (user_at == std::string_view::npos) return false;
    if (!only_integer_members(line.substr(kType.size() - 1, user_at - (kType.size() - 1)))) {
        return false;
    }
    std::size_t at = user_at;
    std::string_view user, dest, message;
    if (!read_field_at(line, at, R"(,"user":")", user) ||
        !read_field_at(line, at, R"(,"dest":")", dest) ||
        !read_field_at(line, at, R"(,"message":")", message)) {
        return false;
    }
    if (at >= line.size() || (line[at] != '}' && line[at] != ',')) return false;
    out = Inbound::chat(user, dest, message);
    return true;
}

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
        if (Inbound chat; read_chat_fast(line, chat)) return chat;
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
