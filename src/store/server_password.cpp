#include "store/server_password.hpp"

#include "store/password_hasher.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace hubchat::store {
namespace {

static_assert(crypto_generichash_BYTES == 32);

[[noreturn]] void refuse(const std::filesystem::path& file, const std::string& why) {
    throw std::runtime_error("server password file " + file.string() + ": " + why);
}

class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

std::string mode_text(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace

ServerPassword ServerPassword::from_file(const std::filesystem::path& file) {
    // Checked on the opened descriptor, so the file judged is the file read.
    FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) refuse(file, std::strerror(errno));
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) refuse(file, std::strerror(errno));
    if (!S_ISREG(status.st_mode)) refuse(file, "not a regular file");
    if ((status.st_mode & (S_IROTH | S_IWOTH)) != 0) {
        refuse(file, "readable or writable by other users (mode " + mode_text(status.st_mode) +
                         "); run: chmod o-rwx " + file.string());
    }

    // Enough for the longest password, its line ending, and one byte to tell "too long".
    std::string content(kMaxBytes + 3, '\0');
    std::size_t filled = 0;
    while (filled < content.size()) {
        ssize_t got = ::read(fd.get(), content.data() + filled, content.size() - filled);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) refuse(file, std::strerror(errno));
        if (got == 0) break;
        filled += static_cast<std::size_t>(got);
    }
    std::string_view line(content.data(), filled);
    line = line.substr(0, line.find('\n'));
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) {
        sodium_memzero(content.data(), content.size());
        refuse(file, "the first line is empty");
    }
    if (line.size() > kMaxBytes) {
        sodium_memzero(content.data(), content.size());
        refuse(file, "the first line is longer than " + std::to_string(kMaxBytes) + " bytes");
    }
    ServerPassword password(line);
    sodium_memzero(content.data(), content.size());
    return password;
}

ServerPassword::ServerPassword(std::string_view password) {
    if (password.empty() || password.size() > kMaxBytes) {
        throw std::invalid_argument("server password must be 1 to " + std::to_string(kMaxBytes) +
                                    " bytes");
    }
    digest_ = digest_of(password);
}

ServerPassword::Digest ServerPassword::digest_of(std::string_view text) {
    ensure_sodium_ready();
    Digest digest;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    crypto_generichash(digest.data(), digest.size(), text.empty() ? nullptr : bytes, text.size(),
                       nullptr, 0);
    return digest;
}

bool ServerPassword::matches(std::string_view attempt) const {
    Digest attempt_digest = digest_of(attempt);
    return sodium_memcmp(attempt_digest.data(), digest_.data(), digest_.size()) == 0;
}

}  // namespace hubchat::store
