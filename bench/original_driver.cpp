// The original dialect: the JSON of the seed's Python client (docs/PROTOCOL.md, "Original
// dialect"). Requests are written byte for byte as its json.dumps writes them. The server
// answers with objects that have no terminator and may arrive back to back or split
// across reads, so frames end where the first object's braces balance.
#include "flat_object_reader.hpp"
#include "protocol_driver.hpp"

namespace hubchat::bench {

namespace {

// The sender of errors and notices; hubchat reserves the name.
constexpr std::string_view kServerUser = "server";

constexpr std::size_t npos = std::string_view::npos;

// Skips the rest of a string whose opening quote is behind `at`. Returns the offset just
// past its closing quote, or received.size() if it goes on in the next read (then
// scan.in_string stays set). memchr for the quote and for backslashes before it: the
// payload, the bulk of every string, has neither.
std::size_t skip_string(std::string_view received, std::size_t at, FrameScan& scan) {
    if (scan.escaped) {  // the previous read ended on a backslash
        if (at == received.size()) return at;
        scan.escaped = false;
        ++at;
    }
    std::size_t quote = received.find('"', at);
    for (;;) {
        const std::size_t backslash = received.substr(0, quote).find('\\', at);
        if (backslash == npos) {
            if (quote == npos) return received.size();
            scan.in_string = false;
            return quote + 1;
        }
        at = backslash + 2;  // the escaped byte, maybe a quote, cannot end the string
        if (at > received.size()) {
            scan.escaped = true;
            return received.size();
        }
        if (quote != npos && quote < at) quote = received.find('"', at);
    }
}

class OriginalDriver final : public ProtocolDriver {
  public:
    void append_register(std::string& out, std::string_view name) const override {
        // No hello: the first frame registers its `user`, and asking for the user list
        // makes the server answer once it has.
        append_user_list_request(out, name);
    }
    void append_join(std::string& out, std::string_view own_name, std::string_view) const override {
        // Everyone registered is in ALL, the only room this dialect has: the join is a
        // round trip that only confirms it.
        append_user_list_request(out, own_name);
    }
    void append_message_head(std::string& out, std::string_view own_name,
                             std::string_view) const override {
        out += R"({"user": ")";
        out += own_name;
        out += R"(", "message": ")";
    }
    void append_message_tail(std::string& out, std::string_view dest) const override {
        out += R"(", "dest": ")";
        out += dest;
        out += "\"}";
    }
    void append_quit(std::string&) const override {}
    void append_pong(std::string&, std::string_view) const override {}
    void append_ping(std::string& out, std::string_view own_name) const override {
        // The server answers in order, so the list comes after everything queued before.
        append_user_list_request(out, own_name);
    }

    std::size_t frame_end(std::string_view received, FrameScan& scan) const override {
        std::size_t at = 0;
        while (at < received.size()) {
            if (scan.in_string) {
                at = skip_string(received, at, scan);
                continue;
            }
            switch (received[at++]) {
                case '"':
                    scan.in_string = true;
                    break;
                case '{':
                    ++scan.depth;
                    break;
                case '}':
                    // A stray '}' outside any object ends a frame too, so that the parser
                    // reports it instead of the carried-over bytes growing without end.
                    if (scan.depth <= 1) {
                        scan = {};
                        return at;
                    }
                    --scan.depth;
                    break;
                default:
                    break;
            }
        }
        return npos;
    }

    Inbound parse(std::string_view frame, std::string_view, std::string_view) const override {
        std::string_view user, dest, message;
        bool has_message = false, has_client_list = false;
        FlatObjectReader reader{frame};
        const bool ok = reader.read([&](std::string_view key, std::string_view value) {
            if (key == "user") {
                user = value;
            } else if (key == "dest") {
                dest = value;
            } else if (key == "message") {
                message = value;
                has_message = true;
            } else if (key == "client-list") {
                has_client_list = true;
            }
        });
        if (!ok) {
            // Whitespace between objects (a trailing newline) is not a frame.
            if (frame.find_first_not_of(" \t\r\n") == npos) return {};
            return Inbound::of(Inbound::Kind::malformed, frame);
        }
        if (has_client_list) return Inbound::of(Inbound::Kind::user_list);
        if (!has_message) return Inbound::of(Inbound::Kind::malformed, frame);
        // Refusals and notices come as chat from the reserved user: nothing else would.
        if (user == kServerUser) return Inbound::of(Inbound::Kind::error, frame);
        return Inbound::chat(user, dest, message);
    }

    // ALL includes its sender.
    bool echoes_room_messages() const override { return true; }
    bool server_closes_after_quit() const override { return false; }

  private:
    static void append_user_list_request(std::string& out, std::string_view own_name) {
        out += R"({"user": ")";
        out += own_name;
        out += R"(", "request": "ClientList"})";
    }
};

}  // namespace

std::unique_ptr<ProtocolDriver> make_original_driver() {
    return std::make_unique<OriginalDriver>();
}

}  // namespace hubchat::bench
