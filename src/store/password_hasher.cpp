#include "store/password_hasher.hpp"

#include <sodium.h>

#include <stdexcept>

namespace hubchat::store {
namespace {

// libsodium's arguments are declared non-null; an empty view may hold a null pointer.
const char* bytes_of(std::string_view text) {
    return text.data() != nullptr ? text.data() : "";
}

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

}  // namespace

PasswordHashCost PasswordHashCost::recommended() {
    return {2, std::size_t{19} << 20};
}

PasswordHashCost PasswordHashCost::interactive() {
    return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PasswordHashCost PasswordHashCost::minimum() {
    return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

void ensure_sodium_ready() {
    // A function-local static is initialized once, even with several threads racing.
    static const bool ready = sodium_init() >= 0;  // 1 means "already initialized"
    if (!ready) throw std::runtime_error("libsodium failed to initialize");
}

PasswordHasher::PasswordHasher(PasswordHashCost cost) : cost_(cost) {
    ensure_sodium_ready();
    if (cost.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
        cost.opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
        cost.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
        cost.memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
        throw std::invalid_argument("Argon2id cost out of libsodium's range");
    }
}

std::string PasswordHasher::hash(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    // The algorithm is named rather than left to crypto_pwhash_str's default, so a
    // libsodium that changed its default could not change what we store.
    if (crypto_pwhash_str_alg(out, bytes_of(password), password.size(), cost_.opslimit,
                              cost_.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("password hashing failed: not enough memory for Argon2id");
    }
    return std::string(out);
}

bool PasswordHasher::verify(std::string_view stored, std::string_view password) const {
    // libsodium reads `stored` as a C string of at most STRBYTES: anything longer is not
    // one of ours, and the copy supplies the terminator.
    if (stored.size() >= crypto_pwhash_STRBYTES) return false;
    std::string terminated(stored);
    return crypto_pwhash_str_verify(terminated.c_str(), bytes_of(password), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
    // libsodium would judge an Argon2i string by Argon2i's cost alone; we want Argon2id.
    if (stored.size() >= crypto_pwhash_STRBYTES || !stored.starts_with(kArgon2idPrefix)) {
        return true;
    }
    std::string terminated(stored);
    // 1: other cost; -1: not an Argon2 string at all. Either way a new hash is due.
    return crypto_pwhash_str_needs_rehash(terminated.c_str(), cost_.opslimit, cost_.memlimit) != 0;
}

}  // namespace hubchat::store
