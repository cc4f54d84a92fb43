// The optional password every client must give to use the server, read from a file so
// that it never appears on a command line (where `ps` would show it to every user).
#pragma once

#include <array>
#include <filesystem>
#include <string_view>

namespace hubchat::store {

class ServerPassword {
  public:
    static constexpr std::size_t kMaxBytes = 1024;

    // The file's first line, without its line ending ("\n" or "\r\n"); spaces are kept,
    // as part of the password. Throws std::runtime_error, with a message naming the file,
    // when it cannot be read, is not a regular file, is readable or writable by other
    // users (fix: chmod o-rwx; group access is allowed so a service group can share it),
    // or when the password is empty or longer than kMaxBytes.
    static ServerPassword from_file(const std::filesystem::path& file);

    // Throws std::invalid_argument when empty or longer than kMaxBytes.
    explicit ServerPassword(std::string_view password);

    // Constant time in the password: both sides are reduced to a BLAKE2b digest and the
    // digests compared with sodium_memcmp, so neither a prefix nor the length leaks
    // through timing. Only the digest is kept, not the password.
    bool matches(std::string_view attempt) const;

  private:
    using Digest = std::array<unsigned char, 32>;
    static Digest digest_of(std::string_view text);

    Digest digest_{};
};

}  // namespace hubchat::store
