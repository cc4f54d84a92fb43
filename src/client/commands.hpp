// What a line typed at `You say  > ` means. Pure, so it is unit-tested without a terminal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace hubchat::client {

namespace action {
struct Quit {};
struct ListUsers {};
struct Help {};      // `H`: the original's short help
struct Commands {};  // `/help`: every command
struct Empty {};
struct AskDest {  // a plain line: ask `Dest name> ` as the original did
    std::string text;
};
struct Send {  // `@bob hi`, `@bob,carol hi`, `@ALL hi`, `#room hi`
    std::string dest;
    std::string text;
};
struct Join {
    std::string room;
};
struct Leave {
    std::string room;
};
struct Rooms {};
struct Who {
    std::string room;  // empty: everyone connected
};
struct Register {};  // `/register`: the name in use becomes this user's, with a password
struct Login {       // `/login NAME`: connect again as NAME, with its password
    std::string name;
};
inline constexpr std::uint32_t kDefaultHistory = 20;
inline constexpr std::uint32_t kMaxHistory = 500;  // what the server gives at most
struct History {  // `/history [N] [#room|name]`: the last N messages of a conversation
    std::uint32_t count = kDefaultHistory;
    std::string with;  // "#dev", "bob", "ALL"; empty: the current conversation
};
struct Problem {  // a malformed command: tell the user, send nothing
    std::string text;
};
}  // namespace action

using Action =
    std::variant<action::Quit, action::ListUsers, action::Help, action::Commands, action::Empty,
                 action::AskDest, action::Send, action::Join, action::Leave, action::Rooms,
                 action::Who, action::Register, action::Login, action::History, action::Problem>;

Action interpret(std::string_view line);

// The original's rule for the `Dest name> ` and `Your name> ` answers: blank means ask again.
bool is_blank(std::string_view text);

// A typed recipient list as the server wants it: `" bob , carol "` -> `"bob,carol"`.
std::string normalize_dest(std::string_view typed);

}  // namespace hubchat::client
