// Registered accounts: a name and an Argon2id password hash, in the hub's database.
//
// Slow calls: register_account, verify and change_password hash a password, which takes
// tens of milliseconds and 19 MiB at the default cost. The caller MUST NOT run them on
// the event loop thread; hand them to a worker thread and post the outcome back.
//
// Threads: an AccountStore belongs to one thread at a time, like the Database it uses
// (see database.hpp): no mutex inside. One worker thread owning a Database and an
// AccountStore is the intended set-up; it also caps Argon2's memory at one hash at a time.
// To verify on several workers at once, give each worker its own Database and
// AccountStore on the same data directory.
//
// Names: the caller passes the folded key (names::fold) and the spelling to display.
// Name rules (length, characters) are the caller's; this class only stores names.
#pragma once

#include "store/database.hpp"
#include "store/password_hasher.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubchat::store {

// Counted in characters (UTF-8 code points; bytes if the password is not valid UTF-8),
// so that the rule reads as people count.
inline constexpr std::size_t kMinPasswordChars = 8;
// Counted in bytes: a bound on the work one login request can ask for.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

enum class AccountError {
    name_taken,
    no_such_account,
    wrong_password,
    password_too_short,
    password_too_long,
};

// A sentence fit to show the user.
std::string_view describe(AccountError error);

// nullopt when `password` may be chosen, else password_too_short or password_too_long.
std::optional<AccountError> check_password_rules(std::string_view password);

struct Account {
    std::string name_key;
    std::string display_name;
    std::int64_t created_at = 0;  // Unix seconds
    std::int64_t password_changed_at = 0;
};

struct Verification {
    bool accepted = false;
    // The stored hash was made with another cost and has just been replaced by one made
    // with the current cost (worth a log line).
    bool rehashed = false;

    explicit operator bool() const { return accepted; }
};

class AccountStore {
  public:
    // Prepares its statements on `db`, which must outlive the store.
    explicit AccountStore(Database& db, PasswordHashCost cost = PasswordHashCost::recommended());

    // nullopt when the account was created; name_taken, password_too_short or
    // password_too_long otherwise. Throws std::invalid_argument if `name_key` is not the
    // folded `display_name`: that is a bug in the caller, not a user mistake.
    std::optional<AccountError> register_account(std::string_view name_key,
                                                 std::string_view display_name,
                                                 std::string_view password);

    // Whether `password` is the account's. An unknown account is rejected after the same
    // amount of work as a wrong password, so neither the answer nor its timing tells an
    // attacker which names are registered. On success, a hash made with another cost is
    // replaced by one with the current cost.
    Verification verify(std::string_view name_key, std::string_view password);

    bool exists(std::string_view name_key);
    // Every account's key, in no particular order.
    std::vector<std::string> name_keys();
    std::optional<Account> find(std::string_view name_key);

    // nullopt when changed; otherwise no_such_account, wrong_password (the current
    // password did not match), password_too_short or password_too_long.
    std::optional<AccountError> change_password(std::string_view name_key,
                                                std::string_view current_password,
                                                std::string_view new_password);

    // True when the account existed and is gone.
    bool remove(std::string_view name_key);

    const PasswordHasher& hasher() const { return hasher_; }

  private:
    std::optional<std::string> stored_hash(std::string_view name_key);
    const std::string& decoy_hash();

    PasswordHasher hasher_;
    Statement select_hash_;
    Statement select_account_;
    Statement insert_account_;
    Statement update_password_;
    Statement replace_hash_;
    Statement delete_account_;
    Statement select_keys_;
    // A hash of a random password, verified against when the account is unknown so that
    // the rejection costs what a wrong password costs. Made on first need.
    std::optional<std::string> decoy_hash_;
};

}  // namespace hubchat::store
