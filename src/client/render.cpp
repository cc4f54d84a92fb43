#include "client/render.hpp"

#include <type_traits>

namespace hubchat::client {
namespace {

// The original client wrapped chat in these, with a space inside each end.
constexpr std::string_view kRedOn = "\033[031m";
constexpr std::string_view kColorOff = "\033[0m";

bool is_room_name(std::string_view dest) {
    return !dest.empty() && dest.front() == '#';
}

std::string chat_line(const event::Chat& chat, bool color) {
    std::string line = "Message from " + printable(chat.from);
    if (is_room_name(chat.dest)) line += " in " + printable(chat.dest);
    line += ": " + printable(chat.text);
    if (!color) return line;
    return std::string(kRedOn) + " " + line + " " + std::string(kColorOff);
}

std::vector<std::string> client_list(std::string_view heading,
                                     const std::vector<std::string>& users) {
    std::vector<std::string> lines;
    lines.emplace_back(heading);
    for (const auto& user : users) lines.push_back("- Client [" + printable(user) + "]");
    return lines;
}

std::string left_line(const event::Left& left) {
    std::string line = "* " + printable(left.user) + " left " + printable(left.room);
    // Leaving ALL means leaving the server; say how.
    if (left.room == "ALL" && !left.reason.empty()) line += " (" + printable(left.reason) + ")";
    return line;
}

}  // namespace

std::vector<std::string> banner_lines(std::string_view host, std::uint16_t port, bool tls) {
    return {
        "Usage is:",
        "hubchat [--machine-name:127.0.0.1] [--port:7002] [--verbose:true|false]",
        "\twhere --machine-name: and --port: must match the server's settings.",
        "",
        "connecting to " + std::string(host) + " port " + std::to_string(port) +
            (tls ? " over TLS" : ""),
    };
}

std::vector<std::string> help_lines() {
    return {
        "To exit, type Q, QUIT, or EXIT (lower or upper case)",
        "To get the list of connected clients, type L (lower or upper case)",
        "To see this message again, type H (lower or upper case)",
        "Type /help for one-line sends (@name text, #room text) and rooms",
    };
}

std::vector<std::string> command_lines() {
    return {
        "Q, QUIT, EXIT      leave (Ctrl-D and Ctrl-C too)",
        "L                  list connected clients (also /who)",
        "H                  the short help",
        "text               asks Dest name> (a name, name1,name2, ALL or #room)",
        "@bob text          send in one line; also @bob,carol text and @ALL text",
        "#room text         send to a room you joined",
        "/join #room        join a room (created if new); /leave #room leaves it",
        "/rooms             list rooms and their sizes",
        "/who #room         list a room's members",
        "/register          make your name yours, with a password (asked twice, not shown)",
        "/login NAME        connect again as NAME, a registered name (asks its password)",
    };
}

std::vector<std::string> lines_for_person(const ServerEvent& event, bool color) {
    return std::visit(
        [color](const auto& e) -> std::vector<std::string> {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, event::Chat>) {
                return {chat_line(e, color)};
            } else if constexpr (std::is_same_v<E, event::UserList>) {
                // The original printed an empty line before the count.
                auto lines = client_list(std::to_string(e.users.size()) + " Client(s):", e.users);
                lines.insert(lines.begin(), "");
                return lines;
            } else if constexpr (std::is_same_v<E, event::Members>) {
                return client_list(
                    std::to_string(e.users.size()) + " Client(s) in " + printable(e.room) + ":",
                    e.users);
            } else if constexpr (std::is_same_v<E, event::RoomList>) {
                std::vector<std::string> lines{std::to_string(e.rooms.size()) + " Room(s):"};
                for (const auto& room : e.rooms) {
                    lines.push_back("- Room [" + printable(room.name) + "] " +
                                    std::to_string(room.members) + " member(s)");
                }
                return lines;
            } else if constexpr (std::is_same_v<E, event::Joined>) {
                return {"* " + printable(e.user) + " joined " + printable(e.room)};
            } else if constexpr (std::is_same_v<E, event::Left>) {
                return {left_line(e)};
            } else if constexpr (std::is_same_v<E, event::Error>) {
                return {"Error: " + printable(e.message)};
            } else if constexpr (std::is_same_v<E, event::Shutdown>) {
                return {"Server: " + printable(e.message)};
            } else {
                return {};  // welcome, ack, pong, unknown: nothing to show
            }
        },
        event);
}

std::string listen_line(const event::Chat& chat) {
    std::string line = printable(chat.from);
    if (is_room_name(chat.dest)) line += " in " + printable(chat.dest);
    return line + ": " + printable(chat.text);
}

std::vector<std::string> script_refusal_lines(const event::Error& error, std::string_view name,
                                              bool signing_up) {
    std::vector<std::string> lines{"hubchat: " + printable(error.message)};
    const std::string who = printable(name);
    if (error.code == "name_registered") {
        lines.push_back(signing_up ? "hubchat: " + who +
                                         " has an account already: log in without --sign-up"
                                   : "hubchat: give its password with --password-file FILE");
    } else if (error.code == "account_required") {
        lines.push_back("hubchat: " + who +
                        " has no account here: create it with --sign-up --password-file FILE");
    } else if (error.code == "login_failed") {
        lines.push_back("hubchat: if " + who + " has no account yet, --sign-up creates it");
    } else if (error.code == "access_denied") {
        lines.push_back("hubchat: give the server's password with --server-password-file FILE");
    }
    return lines;
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const auto byte = static_cast<unsigned char>(c);
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) {
            // A C1 control (U+0080..U+009F) in UTF-8: U+009B is CSI to many terminals.
            out += '?';
            ++i;
        } else if (byte < 0x20 && byte != '\t') {
            out += '^';
            out += static_cast<char>(byte + 0x40);
        } else if (byte == 0x7f) {
            out += "^?";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace hubchat::client
