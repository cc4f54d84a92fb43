#include "client/commands.hpp"

#include <algorithm>
#include <cctype>

namespace hubchat::client {
namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Splits "word rest" at the first space; rest is left-trimmed.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
    const auto space = s.find(' ');
    if (space == std::string_view::npos) return {s, {}};
    std::string_view rest = s.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return {s.substr(0, space), rest};
}

}  // namespace

bool is_blank(std::string_view text) {
    return trim(text).empty();
}

Action interpret(std::string_view line) {
    // As in the original: exact (case-insensitive) words; an empty line is refused, a
    // line of spaces is a message.
    if (line.empty()) return action::Empty{};
    const std::string word = upper(line);
    if (word == "Q" || word == "QUIT" || word == "EXIT") return action::Quit{};
    if (word == "L") return action::ListUsers{};
    if (word == "H") return action::Help{};

    if (line.front() == '@' || line.front() == '#') {
        auto [target, text] = split_word(line);
        if (line.front() == '@') target.remove_prefix(1);
        if (target.empty()) return action::Problem{"Say who to send to: @name message"};
        if (text.empty()) return action::Problem{"Nothing to send after " + std::string(target)};
        return action::Send{std::string(target), std::string(text)};
    }
    if (line.front() == '/') {
        auto [command, arg] = split_word(line);
        const std::string name = upper(command);
        const std::string_view argument = trim(arg);
        if (name == "/QUIT" || name == "/EXIT") return action::Quit{};
        if (name == "/HELP") return action::Help{};
        if (name == "/ROOMS") return action::Rooms{};
        if (name == "/WHO" || name == "/LIST") return action::Who{std::string(argument)};
        if (name == "/JOIN" || name == "/LEAVE" || name == "/PART") {
            if (argument.empty()) {
                return action::Problem{"Which room? " + std::string(command) + " #room"};
            }
            std::string room(argument);
            if (room.front() != '#') room.insert(room.begin(), '#');
            if (name == "/JOIN") return action::Join{room};
            return action::Leave{room};
        }
        return action::Problem{"Unknown command " + std::string(command) + " (try /help)"};
    }
    return action::AskDest{std::string(line)};
}

}  // namespace hubchat::client
