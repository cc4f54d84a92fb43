#include "client/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hubchat::client {
namespace fs = std::filesystem;

std::optional<std::string> read_text(const fs::path& path, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) error = "cannot read " + path.string() + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::string text;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
        text.append(buffer, static_cast<std::size_t>(n));
    const int read_errno = errno;
    ::close(fd);
    if (n < 0) {
        error = "cannot read " + path.string() + ": " + std::strerror(read_errno);
        return std::nullopt;
    }
    return text;
}

bool make_private_directories(const fs::path& directory, std::string& error) {
    fs::path so_far;
    for (const auto& part : directory) {
        so_far /= part;
        if (::mkdir(so_far.c_str(), 0700) != 0 && errno != EEXIST) {
            error = "cannot create " + so_far.string() + ": " + std::strerror(errno);
            return false;
        }
    }
    return true;
}

bool replace_file(const fs::path& path, std::string_view text, std::string& error) {
    if (!make_private_directories(path.parent_path(), error)) return false;
    // Unique per writer, so two clients saving at once never write into one temporary.
    std::string temporary = path.string() + ".XXXXXX";
    const int fd = ::mkstemp(temporary.data());  // mode 0600
    if (fd < 0) {
        error = "cannot write " + path.string() + ": " + std::strerror(errno);
        return false;
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    const int write_errno = errno;
    // No fsync: losing the last few seconds in a power cut only shows a few messages
    // twice; a rename never leaves half a file.
    if (::close(fd) != 0 || done != text.size() || ::rename(temporary.c_str(), path.c_str()) != 0) {
        error = "cannot write " + path.string() + ": " +
                std::strerror(done != text.size() ? write_errno : errno);
        ::unlink(temporary.c_str());
        return false;
    }
    return true;
}

}  // namespace hubchat::client
