#include "client/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hubchat::client {
namespace {

// Closes the descriptor whatever way the read ends.
class Descriptor {
  public:
    explicit Descriptor(int fd) : fd_(fd) {}
    ~Descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace

std::optional<std::string> read_secret_file(const std::filesystem::path& path,
                                            std::string_view what, std::string& error) {
    const std::string named = std::string(what) + " " + path.string();
    // The permissions are checked on the descriptor that is read, not on the name, so
    // the file cannot be swapped in between.
    Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0) {
        error = "cannot read " + named + ": " + std::strerror(errno);
        return std::nullopt;
    }
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) {
        error = "cannot read " + named + ": " + std::strerror(errno);
        return std::nullopt;
    }
    if (!S_ISREG(status.st_mode)) {
        error = named + " is not a regular file";
        return std::nullopt;
    }
    if ((status.st_mode & 077) != 0) {
        error = "permissions " + octal_mode(status.st_mode) + " for " + named +
                " are too open: it must not be accessible by group or others (chmod 600 " +
                path.string() + ")";
        return std::nullopt;
    }
    // Only the first line is wanted; a password file is small, so read a bounded amount.
    std::string content;
    char buffer[4096];
    constexpr std::size_t kMostBytes = 64 * 1024;
    while (content.size() < kMostBytes && content.find('\n') == std::string::npos) {
        const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = "cannot read " + named + ": " + std::strerror(errno);
            return std::nullopt;
        }
        if (n == 0) break;
        content.append(buffer, static_cast<std::size_t>(n));
    }
    std::string secret = content.substr(0, content.find('\n'));
    std::fill(content.begin(), content.end(), '\0');
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();  // written on Windows
    if (secret.empty()) {
        error = named + " is empty: put the password on its first line";
        return std::nullopt;
    }
    return secret;
}

}  // namespace hubchat::client
