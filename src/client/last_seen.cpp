#include "client/last_seen.hpp"

#include <algorithm>
#include <charconv>

#include "client/private_file.hpp"
#include "core/names.hpp"

namespace hubchat::client {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeader =
    "# The last message hubchat showed, per server and name: resumed from at the next "
    "start.\n";

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// The next blank-separated word of `line`, removed from it.
std::string_view next_word(std::string_view& line) {
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    const auto end = std::find_if(line.begin(), line.end(), is_blank) - line.begin();
    const std::string_view word = line.substr(0, static_cast<std::size_t>(end));
    line.remove_prefix(word.size());
    return word;
}

bool matches(const LastSeenEntry& entry, std::string_view server, std::string_view name) {
    return entry.server == server && names::same(entry.name, name);
}

}  // namespace

std::vector<LastSeenEntry> parse_last_seen(std::string_view text) {
    std::vector<LastSeenEntry> entries;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        const std::string_view server = next_word(line);
        if (server.empty() || server.front() == '#') continue;
        const std::string_view name = next_word(line);
        const std::string_view id_text = next_word(line);
        std::uint64_t id = 0;
        const auto [rest, ec] =
            std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
        if (name.empty() || ec != std::errc{} || rest != id_text.data() + id_text.size() ||
            !next_word(line).empty()) {
            continue;
        }
        update_last_seen(entries, server, name, id);  // a repeated entry: the later wins
    }
    return entries;
}

std::string format_last_seen(const std::vector<LastSeenEntry>& entries) {
    std::string text(kHeader);
    for (const auto& entry : entries) {
        text.append(entry.server).append(" ").append(entry.name).append(" ");
        text.append(std::to_string(entry.id)).append("\n");
    }
    return text;
}

void update_last_seen(std::vector<LastSeenEntry>& entries, std::string_view server,
                      std::string_view name, std::uint64_t id) {
    std::erase_if(entries, [&](const LastSeenEntry& e) { return matches(e, server, name); });
    entries.push_back({std::string(server), std::string(name), id});
    if (entries.size() > kMaxLastSeenEntries) {
        entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(
                                                             entries.size() - kMaxLastSeenEntries));
    }
}

std::optional<std::uint64_t> find_last_seen(const std::vector<LastSeenEntry>& entries,
                                            std::string_view server, std::string_view name) {
    for (const auto& entry : entries) {
        if (matches(entry, server, name)) return entry.id;
    }
    return std::nullopt;
}

std::optional<fs::path> default_last_seen_path(const GetEnv& getenv) {
    // The XDG base directory spec: a relative XDG_STATE_HOME is invalid and ignored.
    const char* state_home = getenv("XDG_STATE_HOME");
    if (state_home != nullptr && state_home[0] == '/') {
        return fs::path(state_home) / "hubchat" / "last_seen";
    }
    const char* home = getenv("HOME");
    if (home != nullptr && home[0] != '\0') {
        return fs::path(home) / ".local" / "state" / "hubchat" / "last_seen";
    }
    return std::nullopt;
}

std::optional<std::uint64_t> LastSeenFile::find(std::string_view server, std::string_view name,
                                                std::string& error) const {
    const auto text = read_text(path_, error);
    if (!text) return std::nullopt;
    return find_last_seen(parse_last_seen(*text), server, name);
}

bool LastSeenFile::save(std::string_view server,
                        const std::vector<std::pair<std::string, std::uint64_t>>& ids_by_name,
                        std::string& error) const {
    const auto text = read_text(path_, error);
    if (!error.empty()) return false;
    std::vector<LastSeenEntry> entries = parse_last_seen(text.value_or(""));
    for (const auto& [name, id] : ids_by_name) update_last_seen(entries, server, name, id);
    return replace_file(path_, format_last_seen(entries), error);
}

}  // namespace hubchat::client
