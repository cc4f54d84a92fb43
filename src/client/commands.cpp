#include "client/commands.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/names.hpp"

namespace hubchat::client {
namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Splits "word rest" at the first blank; rest loses its leading blanks (not its trailing
// ones: a message is sent as typed).
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
    const auto blank = std::find_if(s.begin(), s.end(), is_space);
    if (blank == s.end()) return {s, {}};
    const auto word_size = static_cast<std::size_t>(blank - s.begin());
    std::string_view rest = s.substr(word_size);
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    return {s.substr(0, word_size), rest};
}

Action room_command(std::string_view command, std::string_view argument, bool join) {
    if (argument.empty()) return action::Problem{"Which room? " + std::string(command) + " #room"};
    std::string room(argument);
    if (room.front() != '#') room.insert(room.begin(), '#');
    if (join) return action::Join{std::move(room)};
    return action::Leave{std::move(room)};
}

// `/history [N] [#room|name]`, the two in either order.
Action history_command(std::string_view arguments) {
    const std::string usage =
        "Usage: /history [N] [#room|name], N from 1 to " + std::to_string(action::kMaxHistory);
    action::History history;
    bool counted = false;
    while (!arguments.empty()) {
        auto [word, rest] = split_word(arguments);
        arguments = trim(rest);
        if (std::all_of(word.begin(), word.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
            if (counted || word.size() > 4) return action::Problem{usage};
            history.count = static_cast<std::uint32_t>(std::stoul(std::string(word)));
            if (history.count == 0 || history.count > action::kMaxHistory) {
                return action::Problem{usage};
            }
            counted = true;
        } else {
            if (!history.with.empty()) return action::Problem{usage};
            history.with = names::is_all(word) ? std::string(names::kAllRoom) : std::string(word);
        }
    }
    return history;
}

}  // namespace

bool is_blank(std::string_view text) {
    return trim(text).empty();
}

std::string normalize_dest(std::string_view typed) {
    std::string dest;
    while (true) {
        const auto comma = typed.find(',');
        const std::string_view part = trim(typed.substr(0, comma));
        if (!part.empty()) {
            if (!dest.empty()) dest += ',';
            dest += part;
        }
        if (comma == std::string_view::npos) break;
        typed.remove_prefix(comma + 1);
    }
    return dest;
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
        const std::string dest = normalize_dest(target);
        if (dest.empty()) return action::Problem{"Say who to send to: @name message"};
        if (text.empty()) return action::Problem{"Nothing to send to " + dest};
        return action::Send{dest, std::string(text)};
    }
    if (line.front() == '/') {
        auto [command, rest] = split_word(line);
        const std::string name = upper(command);
        const std::string_view argument = trim(rest);
        if (name == "/QUIT" || name == "/EXIT") return action::Quit{};
        if (name == "/HELP") return action::Commands{};
        if (name == "/ROOMS") return action::Rooms{};
        if (name == "/WHO" || name == "/LIST" || name == "/NAMES") {
            if (argument.empty()) return action::Who{};
            std::string room(argument);
            if (room.front() != '#') room.insert(room.begin(), '#');
            return action::Who{std::move(room)};
        }
        if (name == "/REGISTER") return action::Register{};
        if (name == "/HISTORY") return history_command(argument);
        if (name == "/LOGIN") {
            if (argument.empty()) return action::Problem{"Which name? /login NAME"};
            return action::Login{std::string(argument)};
        }
        if (name == "/JOIN") return room_command(command, argument, true);
        if (name == "/LEAVE" || name == "/PART") return room_command(command, argument, false);
        return action::Problem{"Unknown command " + std::string(command) + " (try /help)"};
    }
    return action::AskDest{std::string(line)};
}

}  // namespace hubchat::client
