// IRC client side (RFC 1459/2812): NICK/USER registration, JOIN, PRIVMSG, PING/PONG.
#include <array>

#include "protocol_driver.hpp"

namespace hubchat::bench {

namespace {

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

struct IrcLine {
    std::string_view prefix;  // without the ':'
    std::string_view command;
    std::array<std::string_view, 4> params{};  // the first few middle parameters
    std::size_t param_count = 0;
    std::string_view trailing;  // after " :", or the last parameter
};

std::string_view next_token(std::string_view& rest) {
    const auto space = rest.find(' ');
    std::string_view token = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    while (rest.starts_with(' ')) rest.remove_prefix(1);
    return token;
}

IrcLine split(std::string_view line) {
    IrcLine parsed;
    if (line.starts_with(':')) {
        line.remove_prefix(1);
        parsed.prefix = next_token(line);
    }
    parsed.command = next_token(line);
    while (!line.empty()) {
        if (line.starts_with(':')) {
            parsed.trailing = line.substr(1);
            break;
        }
        std::string_view param = next_token(line);
        if (parsed.param_count < parsed.params.size()) parsed.params[parsed.param_count++] = param;
        parsed.trailing = param;
    }
    return parsed;
}

class IrcDriver final : public ProtocolDriver {
  public:
    void append_register(std::string& out, std::string_view name) const override {
        out += "NICK ";
        out += name;
        out += "\r\nUSER ";
        out += name;
        out += " 0 * :hubchat-bench\r\n";
    }
    void append_join(std::string& out, std::string_view, std::string_view room) const override {
        out += "JOIN ";
        out += room;
        out += "\r\n";
    }
    void append_message_head(std::string& out, std::string_view,
                             std::string_view dest) const override {
        out += "PRIVMSG ";
        out += dest;
        out += " :";
    }
    void append_message_tail(std::string& out, std::string_view) const override { out += "\r\n"; }
    void append_quit(std::string& out) const override { out += "QUIT :bench done\r\n"; }
    void append_ping(std::string& out, std::string_view) const override {
        out += "PING :hubchat-bench\r\n";
    }
    void append_pong(std::string& out, std::string_view token) const override {
        out += "PONG :";
        out += token;
        out += "\r\n";
    }

    Inbound parse(std::string_view line, std::string_view, std::string_view room) const override {
        if (line.empty()) return {};
        const IrcLine parsed = split(line);
        const std::string_view command = parsed.command;
        if (command == "PRIVMSG") {
            const std::string_view nick = parsed.prefix.substr(0, parsed.prefix.find('!'));
            const std::string_view dest = parsed.param_count > 0 ? parsed.params[0] : "";
            return Inbound::chat(nick, dest, parsed.trailing);
        }
        if (command == "PING") return Inbound::of(Inbound::Kind::ping, parsed.trailing);
        if (command == "PONG") return Inbound::of(Inbound::Kind::pong);
        if (command == "001") return Inbound::of(Inbound::Kind::registered);
        // 366 RPL_ENDOFNAMES closes the burst that answers our JOIN: we are a member.
        if (command == "366" && parsed.param_count > 1 &&
            equal_ignoring_ascii_case(parsed.params[1], room)) {
            return Inbound::of(Inbound::Kind::joined);
        }
        if (command == "ERROR") return Inbound::of(Inbound::Kind::closing, line);
        // 4xx/5xx numerics refuse a command; 422 (no MOTD) only reports a missing file.
        if (command.size() == 3 && (command[0] == '4' || command[0] == '5') && command != "422") {
            return Inbound::of(Inbound::Kind::error, line);
        }
        if (command.empty()) return Inbound::of(Inbound::Kind::malformed, line);
        return {};
    }

    bool echoes_room_messages() const override { return false; }
    bool server_closes_after_quit() const override { return true; }
};

}  // namespace

std::unique_ptr<ProtocolDriver> make_irc_driver() {
    return std::make_unique<IrcDriver>();
}

}  // namespace hubchat::bench
