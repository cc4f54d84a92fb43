#include "store/password_hasher.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hubchat::store {
namespace {

TEST(PasswordHasher, HashVerifiesOnlyItsOwnPassword) {
    PasswordHasher hasher(PasswordHashCost::minimum());
    std::string hash = hasher.hash("correct horse");
    EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
    EXPECT_TRUE(hasher.verify(hash, "correct horse"));
    EXPECT_FALSE(hasher.verify(hash, "correct horsE"));
    EXPECT_FALSE(hasher.verify(hash, "correct hors"));
    EXPECT_FALSE(hasher.verify(hash, ""));
}

TEST(PasswordHasher, SaltsEveryHash) {
    PasswordHasher hasher(PasswordHashCost::minimum());
    EXPECT_NE(hasher.hash("same password"), hasher.hash("same password"));
}

TEST(PasswordHasher, KeepsEveryByte) {
    PasswordHasher hasher(PasswordHashCost::minimum());
    std::string with_nul("pass\0word", 9);
    std::string hash = hasher.hash(with_nul);
    EXPECT_TRUE(hasher.verify(hash, with_nul));
    EXPECT_FALSE(hasher.verify(hash, "pass"));  // no C-string truncation
    EXPECT_TRUE(hasher.verify(hasher.hash(""), ""));
}

TEST(PasswordHasher, RejectsMalformedStoredHashes) {
    PasswordHasher hasher(PasswordHashCost::minimum());
    EXPECT_FALSE(hasher.verify("", "anything"));
    EXPECT_FALSE(hasher.verify("plaintext", "plaintext"));
    EXPECT_FALSE(hasher.verify(std::string(500, '$'), "x"));
    EXPECT_TRUE(hasher.needs_rehash("plaintext"));
}

TEST(PasswordHasher, NeedsRehashWhenTheCostChanged) {
    PasswordHasher cheap(PasswordHashCost::minimum());
    PasswordHasher dearer(
        {PasswordHashCost::minimum().opslimit + 1, PasswordHashCost::minimum().memlimit * 2});
    std::string hash = cheap.hash("a password");
    EXPECT_FALSE(cheap.needs_rehash(hash));
    EXPECT_TRUE(dearer.needs_rehash(hash));
    // Verification follows the cost recorded in the hash, not the hasher's.
    EXPECT_TRUE(dearer.verify(hash, "a password"));
}

TEST(PasswordHasher, RefusesACostLibsodiumWouldReject) {
    EXPECT_THROW(PasswordHasher({0, PasswordHashCost::minimum().memlimit}), std::invalid_argument);
    EXPECT_THROW(PasswordHasher({1, 1024}), std::invalid_argument);
    // Construction is cheap: no hashing.
    EXPECT_NO_THROW(PasswordHasher{PasswordHashCost::recommended()});
    EXPECT_NO_THROW(PasswordHasher{PasswordHashCost::interactive()});
}

}  // namespace
}  // namespace hubchat::store
