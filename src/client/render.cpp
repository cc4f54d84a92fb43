#include "client/render.hpp"

#include <ctime>
#include <type_traits>

#include "core/names.hpp"

namespace hubchat::client {
namespace {

// The original client wrapped chat in these, with a space inside each end.
constexpr std::string_view kRedOn = "\033[031m";
constexpr std::string_view kColorOff = "\033[0m";

bool is_room_name(std::string_view dest) {
    return !dest.empty() && dest.front() == '#';
}

std::string in_red(std::string line, bool color) {
    if (!color) return line;
    return std::string(kRedOn) + " " + line + " " + std::string(kColorOff);
}

std::string live_chat_line(const event::Chat& chat, bool color) {
    std::string line = "Message from " + printable(chat.from);
    if (is_room_name(chat.dest)) line += " in " + printable(chat.dest);
    line += ": " + printable(chat.text);
    return in_red(std::move(line), color);
}

std::string plural(std::size_t count, std::string_view word) {
    return std::to_string(count) + " " + std::string(word) + (count == 1 ? "" : "s");
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

std::string topic_line(const event::Topic& topic) {
    const std::string where = "* topic of " + printable(topic.room);
    if (topic.text.empty()) return where + " cleared by " + printable(topic.user);
    return where + " set by " + printable(topic.user) + ": " + printable(topic.text);
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
        "/history [N]       the last N (default 20) messages where you last wrote, or ALL",
        "/history N #room   ...of a room you are in, ALL, or with someone: /history 50 bob",
        "/register          make your name yours, with a password (asked twice, not shown)",
        "/login NAME        connect again as NAME, a registered name (asks its password)",
    };
}

std::vector<std::string> lines_for_person(const ServerEvent& event, bool color) {
    return std::visit(
        [color](const auto& e) -> std::vector<std::string> {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, event::Chat>) {
                return {live_chat_line(e, color)};
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
            } else if constexpr (std::is_same_v<E, event::Renamed>) {
                return {"* " + printable(e.from) + " is now known as " + printable(e.to)};
            } else if constexpr (std::is_same_v<E, event::Topic>) {
                return {topic_line(e)};
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

std::string time_label(std::int64_t ts_ms, std::int64_t now_ms) {
    // Floor division: a time before 1970 still falls in the right second.
    const auto seconds_of = [](std::int64_t ms) {
        return static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    };
    const std::time_t when = seconds_of(ts_ms);
    const std::time_t now = seconds_of(now_ms);
    std::tm at{};
    std::tm today{};
    if (::localtime_r(&when, &at) == nullptr || ::localtime_r(&now, &today) == nullptr) {
        return "[?]";
    }
    char text[32];
    const bool same_day = at.tm_year == today.tm_year && at.tm_yday == today.tm_yday;
    std::strftime(text, sizeof text, same_day ? "[%H:%M]" : "[%Y-%m-%d %H:%M]", &at);
    return text;
}

std::string chat_line(const event::Chat& chat, bool color, std::string_view self,
                      std::int64_t now_ms) {
    if (!chat.replay && !chat.offline) return live_chat_line(chat, color);
    std::string line = chat.ts ? time_label(*chat.ts, now_ms) + " " : std::string();
    const bool own_direct = !self.empty() && names::same(chat.from, self) &&
                            !is_room_name(chat.dest) && !names::is_all(chat.dest);
    if (own_direct) {
        line += "Message to " + printable(chat.dest);
    } else {
        line += "Message from " + printable(chat.from);
        if (is_room_name(chat.dest)) line += " in " + printable(chat.dest);
    }
    if (chat.offline) line += " (while you were away)";
    line += ": " + printable(chat.text);
    return in_red(std::move(line), color);
}

std::optional<std::string> replay_summary_line(std::size_t shown) {
    if (shown == 0) return std::nullopt;
    return "-- " + plural(shown, "message") + " while you were away --";
}

std::vector<std::string> history_lines(const event::History& history, std::int64_t now_ms) {
    const std::string with = printable(history.with);
    const std::string where = is_room_name(history.with)    ? " in " + with
                              : names::is_all(history.with) ? " to " + with
                                                            : " with " + with;
    if (history.messages.empty()) return {"-- No messages" + where + " --"};
    std::vector<std::string> lines{"-- Last " + plural(history.messages.size(), "message") + where +
                                   " --"};
    for (const auto& m : history.messages) {
        lines.push_back(time_label(m.ts, now_ms) + " " + printable(m.from) + ": " +
                        printable(m.text));
    }
    return lines;
}

std::optional<std::string> kept_for_line(const event::Ack& ack) {
    if (ack.offline.empty()) return std::nullopt;
    std::string names;
    for (const auto& name : ack.offline) {
        if (!names.empty()) names += ", ";
        names += printable(name);
    }
    return names + (ack.offline.size() == 1 ? " is" : " are") +
           " not connected; kept for them until they log in.";
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
