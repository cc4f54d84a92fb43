// The last message id this user saw on each server, under each name, so that the next
// start picks up where the last one stopped (issue 5): `since` in the first hello. One
// entry a line,
//
//     host:port name id
//     chat.lan:7002 alice 1234
//
// `host:port` as host_port_text() writes it. At most kMaxLastSeenEntries lines, the least
// recently updated dropped first. The file is $XDG_STATE_HOME/hubchat/last_seen (by
// default ~/.local/state/hubchat/last_seen), mode 0600, replaced whole on each save.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubchat::client {

inline constexpr std::size_t kMaxLastSeenEntries = 100;

struct LastSeenEntry {
    std::string server;  // host:port
    std::string name;
    std::uint64_t id = 0;
    bool operator==(const LastSeenEntry&) const = default;
};

// The entries of a last_seen file, oldest update first; malformed lines are skipped.
std::vector<LastSeenEntry> parse_last_seen(std::string_view text);
std::string format_last_seen(const std::vector<LastSeenEntry>& entries);
// Sets the id of (server, name) (names without case), moving it to the end as the most
// recent; drops the oldest entries beyond kMaxLastSeenEntries.
void update_last_seen(std::vector<LastSeenEntry>& entries, std::string_view server,
                      std::string_view name, std::uint64_t id);
std::optional<std::uint64_t> find_last_seen(const std::vector<LastSeenEntry>& entries,
                                            std::string_view server, std::string_view name);

// $XDG_STATE_HOME/hubchat/last_seen when that is an absolute path, else
// $HOME/.local/state/hubchat/last_seen; nullopt with neither.
using GetEnv = std::function<const char*(const char*)>;
std::optional<std::filesystem::path> default_last_seen_path(const GetEnv& getenv);

class LastSeenFile {
  public:
    explicit LastSeenFile(std::filesystem::path path) : path_(std::move(path)) {}
    const std::filesystem::path& path() const { return path_; }

    // nullopt when there is no entry, or (with `error`) when the file cannot be read.
    std::optional<std::uint64_t> find(std::string_view server, std::string_view name,
                                      std::string& error) const;
    // Reads the file again (another client may have saved meanwhile), updates these
    // entries and replaces it. false with `error`.
    bool save(std::string_view server,
              const std::vector<std::pair<std::string, std::uint64_t>>& ids_by_name,
              std::string& error) const;

  private:
    std::filesystem::path path_;
};

// What a session knows of the file: the last id seen by a name on this server, and each
// id as it is seen. The runtime saves them now and then, and at exit.
class ResumePoints {
  public:
    virtual ~ResumePoints() = default;
    virtual std::optional<std::uint64_t> last_seen(std::string_view name) = 0;
    virtual void seen(std::string_view name, std::uint64_t id) = 0;
};

}  // namespace hubchat::client
