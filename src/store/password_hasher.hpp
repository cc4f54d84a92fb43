// Argon2id password hashes through libsodium. Slow on purpose: with the default cost a
// hash or a verification takes tens of milliseconds of CPU and 19 MiB of memory, so
// never call these on the event loop thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hubchat::store {

// Argon2id's work factors: passes over memory, and memory in bytes.
struct PasswordHashCost {
    unsigned long long opslimit;
    std::size_t memlimit;

    // The default: 2 passes over 19 MiB, OWASP's recommended minimum for Argon2id. Sized
    // for a Raspberry Pi: measured at about 75 ms of CPU per hash on a shared x86 server,
    // where libsodium's "interactive" level below took 260 ms; a Pi is slower still.
    static PasswordHashCost recommended();
    // libsodium's "interactive" level (2 passes, 64 MiB), for a faster machine that can
    // spend more. Raising the cost is safe: hashes are upgraded at each user's next login.
    static PasswordHashCost interactive();
    // The smallest libsodium accepts (1 pass, 8 KiB): for tests only, never for real
    // passwords.
    static PasswordHashCost minimum();

    friend bool operator==(const PasswordHashCost&, const PasswordHashCost&) = default;
};

// Initializes libsodium once per process; thread-safe. Throws std::runtime_error if the
// library cannot start (no source of randomness).
void ensure_sodium_ready();

class PasswordHasher {
  public:
    explicit PasswordHasher(PasswordHashCost cost);

    // A self-describing string ("$argon2id$v=19$m=...,t=...,p=1$salt$hash") with a fresh
    // random salt. Throws std::runtime_error if the memory cannot be had.
    std::string hash(std::string_view password) const;
    // True when `stored` is a hash of `password`; false for a wrong password or a
    // malformed string. Takes as long as hash() at the cost recorded in `stored`.
    bool verify(std::string_view stored, std::string_view password) const;
    // True when `stored` was made with another cost (or algorithm) than this hasher's, so
    // that the next successful login should store a fresh hash.
    bool needs_rehash(std::string_view stored) const;

    PasswordHashCost cost() const { return cost_; }

  private:
    PasswordHashCost cost_;
};

}  // namespace hubchat::store
