#include "client/known_servers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "client/private_file.hpp"

namespace hubchat::client {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeader =
    "# Servers hubchat trusted on first use: host:port SHA-256-fingerprint, one a line.\n"
    "# hubchat refuses a server whose certificate changed; if the change is expected,\n"
    "# delete that server's line and connect again.\n";

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

}  // namespace

std::vector<KnownServerEntry> find_known_server(std::string_view file_text,
                                                std::string_view host_port) {
    std::vector<KnownServerEntry> found;
    std::size_t line_number = 0;
    while (!file_text.empty()) {
        const auto end = file_text.find('\n');
        std::string_view line = trim(file_text.substr(0, end));
        file_text.remove_prefix(end == std::string_view::npos ? file_text.size() : end + 1);
        ++line_number;
        if (line.empty() || line.front() == '#') continue;
        const auto gap = std::find_if(line.begin(), line.end(), is_blank) - line.begin();
        if (line.substr(0, static_cast<std::size_t>(gap)) != host_port) continue;
        // A line for this server whose fingerprint is missing or mangled still counts: it
        // can match nothing, so the server is refused rather than trusted afresh.
        std::string_view fingerprint = trim(line.substr(static_cast<std::size_t>(gap)));
        fingerprint =
            fingerprint.substr(0, std::find_if(fingerprint.begin(), fingerprint.end(), is_blank) -
                                      fingerprint.begin());
        found.push_back({std::string(fingerprint), line_number});
    }
    return found;
}

std::optional<fs::path> default_known_servers_path(const GetEnv& getenv) {
    // The XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and ignored.
    const char* config_home = getenv("XDG_CONFIG_HOME");
    if (config_home != nullptr && config_home[0] == '/') {
        return fs::path(config_home) / "hubchat" / "known_servers";
    }
    const char* home = getenv("HOME");
    if (home != nullptr && home[0] != '\0') {
        return fs::path(home) / ".config" / "hubchat" / "known_servers";
    }
    return std::nullopt;
}

std::optional<std::vector<KnownServerEntry>> KnownServersFile::lookup(std::string_view host_port,
                                                                      std::string& error) const {
    const auto text = read_text(path_, error);
    if (!text) {
        if (!error.empty()) return std::nullopt;
        return std::vector<KnownServerEntry>{};
    }
    return find_known_server(*text, host_port);
}

std::optional<std::size_t> KnownServersFile::remember(std::string_view host_port,
                                                      std::string_view fingerprint,
                                                      std::string& error) const {
    if (!make_private_directories(path_.parent_path(), error)) return std::nullopt;
    std::string existing = read_text(path_, error).value_or("");
    if (!error.empty()) return std::nullopt;

    std::string addition;
    if (existing.empty()) addition = kHeader;
    if (!existing.empty() && existing.back() != '\n') addition += '\n';
    const auto lines_before =
        static_cast<std::size_t>(std::count(existing.begin(), existing.end(), '\n') +
                                 std::count(addition.begin(), addition.end(), '\n'));
    addition.append(host_port).append(" ").append(fingerprint).append("\n");

    // Created 0600 from the start; O_APPEND so that two clients trusting at once both land.
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot write " + path_.string() + ": " + std::strerror(errno);
        return std::nullopt;
    }
    const ssize_t written = ::write(fd, addition.data(), addition.size());
    const int write_errno = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(addition.size())) {
        error = "cannot write " + path_.string() + ": " +
                (written < 0 ? std::strerror(write_errno) : "short write");
        return std::nullopt;
    }
    return lines_before + 1;
}

}  // namespace hubchat::client
