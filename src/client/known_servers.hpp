// The certificates this client trusted on first use, one server a line:
//
//     host:port SHA256-FINGERPRINT
//     chat.lan:7002 3F:A0:...:9C
//
// `host:port` as host_port_text() writes it (IPv6 in brackets, names in lower case); the
// fingerprint as hubchat-server prints it. Lines starting with `#` and blank lines are
// skipped. The file is $XDG_CONFIG_HOME/hubchat/known_servers (by default
// ~/.config/hubchat/known_servers), made with mode 0600 in directories made with mode 0700:
// it says which servers this user talks to.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubchat::client {

struct KnownServerEntry {
    std::string fingerprint;  // as written in the file
    std::size_t line = 0;     // 1-based; 0 for a pin held only in memory
};

// Every entry for `host_port` in the text of a known_servers file, in file order.
std::vector<KnownServerEntry> find_known_server(std::string_view file_text,
                                                std::string_view host_port);

// Where the file lives: $XDG_CONFIG_HOME/hubchat/known_servers when that is an absolute
// path, else $HOME/.config/hubchat/known_servers; nullopt with neither. `getenv` is
// injected so tests need not change the process environment.
using GetEnv = std::function<const char*(const char*)>;
std::optional<std::filesystem::path> default_known_servers_path(const GetEnv& getenv);

class KnownServersFile {
  public:
    explicit KnownServersFile(std::filesystem::path path) : path_(std::move(path)) {}
    const std::filesystem::path& path() const { return path_; }

    // The entries for `host_port`; none when the file does not exist yet. nullopt, with
    // `error`, when it exists but cannot be read: then nothing is known to be safe.
    std::optional<std::vector<KnownServerEntry>> lookup(std::string_view host_port,
                                                        std::string& error) const;
    // Appends an entry, creating the directories and the file if needed. The line number
    // of the new entry, or nullopt with `error`.
    std::optional<std::size_t> remember(std::string_view host_port, std::string_view fingerprint,
                                        std::string& error) const;

  private:
    std::filesystem::path path_;
};

}  // namespace hubchat::client
