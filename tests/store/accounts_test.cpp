#include "store/accounts.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace hubchat::store {
namespace {

using testing::TempDir;

// Every test hashes at libsodium's minimum cost: the logic is the same and the suite
// stays fast.
class Accounts : public ::testing::Test {
  protected:
    std::string stored_hash(std::string_view name_key) {
        Statement query(db_, "SELECT password_hash FROM accounts WHERE name_key = ?1");
        auto in_use = query.use();
        query.bind(1, name_key);
        return query.step() ? query.text(0) : std::string();
    }

    TempDir temp_;
    Database db_{temp_.path()};
    AccountStore store_{db_, PasswordHashCost::minimum()};
};

TEST_F(Accounts, RegisterThenVerify) {
    EXPECT_FALSE(store_.exists("alice"));
    EXPECT_EQ(store_.register_account("alice", "Alice", "wonderland"), std::nullopt);
    EXPECT_TRUE(store_.exists("alice"));
    EXPECT_TRUE(store_.verify("alice", "wonderland"));
    EXPECT_FALSE(store_.verify("alice", "Wonderland"));
    EXPECT_FALSE(store_.verify("alice", ""));
    EXPECT_FALSE(store_.verify("bob", "wonderland"));  // unknown account: the same "no"
    EXPECT_FALSE(store_.exists("bob"));
}

TEST_F(Accounts, KeepsTheDisplaySpelling) {
    ASSERT_EQ(store_.register_account("alice", "AlIcE", "wonderland"), std::nullopt);
    auto account = store_.find("alice");
    ASSERT_TRUE(account.has_value());
    EXPECT_EQ(account->name_key, "alice");
    EXPECT_EQ(account->display_name, "AlIcE");
    EXPECT_GT(account->created_at, 1'600'000'000);  // unix seconds, set by the database
    EXPECT_EQ(account->password_changed_at, account->created_at);
    EXPECT_FALSE(store_.find("bob").has_value());
}

TEST_F(Accounts, StoresAHashNotThePassword) {
    ASSERT_EQ(store_.register_account("alice", "alice", "wonderland"), std::nullopt);
    std::string hash = stored_hash("alice");
    EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
    EXPECT_EQ(hash.find("wonderland"), std::string::npos);
}

TEST_F(Accounts, ANameIsRegisteredOnceWhateverItsCase) {
    ASSERT_EQ(store_.register_account("alice", "Alice", "wonderland"), std::nullopt);
    EXPECT_EQ(store_.register_account("alice", "ALICE", "other password"),
              AccountError::name_taken);
    EXPECT_TRUE(store_.verify("alice", "wonderland"));  // the first owner keeps it
    EXPECT_EQ(store_.find("alice")->display_name, "Alice");
}

TEST_F(Accounts, TheKeyMustBeTheFoldedDisplayName) {
    EXPECT_THROW(store_.register_account("Alice", "Alice", "wonderland"), std::invalid_argument);
    EXPECT_THROW(store_.register_account("bob", "Alice", "wonderland"), std::invalid_argument);
    EXPECT_THROW(store_.register_account("", "", "wonderland"), std::invalid_argument);
    EXPECT_FALSE(store_.exists("alice"));
}

TEST_F(Accounts, PasswordLengthRules) {
    EXPECT_EQ(store_.register_account("a", "a", "1234567"), AccountError::password_too_short);
    EXPECT_EQ(store_.register_account("a", "a", ""), AccountError::password_too_short);
    // Eight characters, however many bytes: "é" is two bytes but one character.
    EXPECT_EQ(store_.register_account("a", "a", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
              AccountError::password_too_short);
    EXPECT_EQ(store_.register_account("a", "a", std::string(kMaxPasswordBytes + 1, 'x')),
              AccountError::password_too_long);
    EXPECT_FALSE(store_.exists("a"));

    EXPECT_EQ(store_.register_account("b", "b", "12345678"), std::nullopt);
    EXPECT_EQ(store_.register_account("c", "c",
                                      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                      "\xc3\xa9\xc3\xa9"),
              std::nullopt);
    std::string longest(kMaxPasswordBytes, 'x');
    EXPECT_EQ(store_.register_account("d", "d", longest), std::nullopt);
    EXPECT_TRUE(store_.verify("d", longest));
    EXPECT_FALSE(store_.verify("d", longest + "x"));  // over the limit: refused unhashed
}

TEST_F(Accounts, ErrorTextsAreSentences) {
    for (auto error :
         {AccountError::name_taken, AccountError::no_such_account, AccountError::wrong_password,
          AccountError::password_too_short, AccountError::password_too_long}) {
        std::string_view text = describe(error);
        EXPECT_FALSE(text.empty());
        EXPECT_TRUE(text.ends_with('.')) << text;
    }
    EXPECT_NE(describe(AccountError::password_too_short).find('8'), std::string_view::npos);
}

TEST_F(Accounts, ChangePassword) {
    ASSERT_EQ(store_.register_account("alice", "Alice", "wonderland"), std::nullopt);
    EXPECT_EQ(store_.change_password("alice", "not it at all", "looking glass"),
              AccountError::wrong_password);
    EXPECT_EQ(store_.change_password("alice", "wonderland", "short"),
              AccountError::password_too_short);
    EXPECT_EQ(store_.change_password("bob", "wonderland", "looking glass"),
              AccountError::no_such_account);
    EXPECT_TRUE(store_.verify("alice", "wonderland"));  // nothing changed so far

    EXPECT_EQ(store_.change_password("alice", "wonderland", "looking glass"), std::nullopt);
    EXPECT_FALSE(store_.verify("alice", "wonderland"));
    EXPECT_TRUE(store_.verify("alice", "looking glass"));
}

TEST_F(Accounts, Remove) {
    ASSERT_EQ(store_.register_account("alice", "Alice", "wonderland"), std::nullopt);
    EXPECT_TRUE(store_.remove("alice"));
    EXPECT_FALSE(store_.remove("alice"));
    EXPECT_FALSE(store_.exists("alice"));
    EXPECT_FALSE(store_.verify("alice", "wonderland"));
    EXPECT_EQ(store_.register_account("alice", "ALICE", "a new start"), std::nullopt);
}

TEST_F(Accounts, ListsEveryKey) {
    EXPECT_TRUE(store_.name_keys().empty());
    ASSERT_EQ(store_.register_account("alice", "Alice", "wonderland"), std::nullopt);
    ASSERT_EQ(store_.register_account("bob", "Bob", "builder's yard"), std::nullopt);
    ASSERT_EQ(store_.register_account("carol", "Carol", "christmas"), std::nullopt);
    ASSERT_TRUE(store_.remove("bob"));
    auto keys = store_.name_keys();
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, (std::vector<std::string>{"alice", "carol"}));
}

TEST_F(Accounts, RehashesOnLoginWhenTheCostChanged) {
    ASSERT_EQ(store_.register_account("alice", "Alice", "wonderland"), std::nullopt);
    std::string old_hash = stored_hash("alice");

    PasswordHashCost dearer{PasswordHashCost::minimum().opslimit + 1,
                            PasswordHashCost::minimum().memlimit * 2};
    AccountStore upgraded(db_, dearer);
    EXPECT_FALSE(upgraded.verify("alice", "wrong password"));
    EXPECT_EQ(stored_hash("alice"), old_hash);  // a failed login changes nothing

    Verification first = upgraded.verify("alice", "wonderland");
    EXPECT_TRUE(first.accepted);
    EXPECT_TRUE(first.rehashed);
    std::string new_hash = stored_hash("alice");
    EXPECT_NE(new_hash, old_hash);
    EXPECT_FALSE(upgraded.hasher().needs_rehash(new_hash));

    Verification second = upgraded.verify("alice", "wonderland");
    EXPECT_TRUE(second.accepted);
    EXPECT_FALSE(second.rehashed);
    // The old cost still verifies the new hash: the cost travels inside the string.
    EXPECT_TRUE(store_.verify("alice", "wonderland").accepted);
}

TEST_F(Accounts, PersistAcrossReopen) {
    ASSERT_EQ(store_.register_account("alice", "Alice", "wonderland"), std::nullopt);
    Database reopened(temp_.path());
    AccountStore other(reopened, PasswordHashCost::minimum());
    EXPECT_TRUE(other.exists("alice"));
    EXPECT_TRUE(other.verify("alice", "wonderland"));
    // A second connection's registration is seen by the first: both go through the file.
    ASSERT_EQ(other.register_account("bob", "Bob", "builder!"), std::nullopt);
    EXPECT_EQ(store_.register_account("bob", "bob", "another one"), AccountError::name_taken);
}

TEST(PasswordRules, CountCharactersAndBytes) {
    EXPECT_EQ(check_password_rules("12345678"), std::nullopt);
    EXPECT_EQ(check_password_rules("1234567"), AccountError::password_too_short);
    // Not UTF-8: counted in bytes.
    EXPECT_EQ(check_password_rules("\xff\xff\xff\xff\xff\xff\xff\xff"), std::nullopt);
    EXPECT_EQ(check_password_rules(std::string(kMaxPasswordBytes, 'x')), std::nullopt);
    EXPECT_EQ(check_password_rules(std::string(kMaxPasswordBytes + 1, 'x')),
              AccountError::password_too_long);
}

}  // namespace
}  // namespace hubchat::store
