#include "store/accounts.hpp"

#include "core/names.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace hubchat::store {

std::string_view describe(AccountError error) {
    switch (error) {
        case AccountError::name_taken:
            return "That name is already registered.";
        case AccountError::no_such_account:
            return "No such account.";
        case AccountError::wrong_password:
            return "Wrong password.";
        case AccountError::password_too_short:
            return "Password too short: use at least 8 characters.";
        case AccountError::password_too_long:
            return "Password too long: use at most 1024 bytes.";
    }
    return "Account error.";
}

std::optional<AccountError> check_password_rules(std::string_view password) {
    if (password.size() > kMaxPasswordBytes) return AccountError::password_too_long;
    std::size_t chars = names::utf8_length(password).value_or(password.size());
    if (chars < kMinPasswordChars) return AccountError::password_too_short;
    return std::nullopt;
}

AccountStore::AccountStore(Database& db, PasswordHashCost cost)
    : hasher_(cost),
      select_hash_(db, "SELECT password_hash FROM accounts WHERE name_key = ?1"),
      select_account_(db,
                      "SELECT name_key, display_name, created_at, password_changed_at "
                      "FROM accounts WHERE name_key = ?1"),
      // ON CONFLICT DO NOTHING: a name registered by someone else between our check and
      // this insert shows up as zero rows changed rather than as an exception.
      insert_account_(db,
                      "INSERT INTO accounts (name_key, display_name, password_hash) "
                      "VALUES (?1, ?2, ?3) ON CONFLICT (name_key) DO NOTHING"),
      update_password_(db,
                       "UPDATE accounts SET password_hash = ?2, password_changed_at = unixepoch() "
                       "WHERE name_key = ?1"),
      // Only if the hash is still the one verified: a password changed meanwhile wins.
      replace_hash_(db,
                    "UPDATE accounts SET password_hash = ?3 "
                    "WHERE name_key = ?1 AND password_hash = ?2"),
      delete_account_(db, "DELETE FROM accounts WHERE name_key = ?1"),
      select_keys_(db, "SELECT name_key FROM accounts") {}

std::optional<std::string> AccountStore::stored_hash(std::string_view name_key) {
    auto in_use = select_hash_.use();
    select_hash_.bind(1, name_key);
    if (!select_hash_.step()) return std::nullopt;
    return select_hash_.text(0);
}

const std::string& AccountStore::decoy_hash() {
    if (!decoy_hash_) {
        std::array<unsigned char, 32> random_password;
        randombytes_buf(random_password.data(), random_password.size());
        decoy_hash_ = hasher_.hash(std::string_view(
            reinterpret_cast<const char*>(random_password.data()), random_password.size()));
    }
    return *decoy_hash_;
}

std::optional<AccountError> AccountStore::register_account(std::string_view name_key,
                                                           std::string_view display_name,
                                                           std::string_view password) {
    if (name_key.empty() || names::fold(display_name) != name_key) {
        throw std::invalid_argument("account key \"" + std::string(name_key) +
                                    "\" is not the folded form of \"" + std::string(display_name) +
                                    "\"");
    }
    if (auto refused = check_password_rules(password)) return refused;
    // Checked before hashing so that a taken name costs no Argon2 run; the insert below
    // still settles a race with another registration.
    if (exists(name_key)) return AccountError::name_taken;

    std::string hash = hasher_.hash(password);
    insert_account_.bind(1, name_key).bind(2, display_name).bind(3, hash);
    if (insert_account_.execute() == 0) return AccountError::name_taken;
    return std::nullopt;
}

Verification AccountStore::verify(std::string_view name_key, std::string_view password) {
    // Over-long input is refused before any work; it cannot be a stored password.
    if (password.size() > kMaxPasswordBytes) return {};
    std::optional<std::string> stored = stored_hash(name_key);
    if (!stored) {
        (void)hasher_.verify(decoy_hash(), password);
        return {};
    }
    if (!hasher_.verify(*stored, password)) return {};

    Verification result{.accepted = true};
    if (hasher_.needs_rehash(*stored)) {
        std::string fresh = hasher_.hash(password);
        try {
            replace_hash_.bind(1, name_key).bind(2, *stored).bind(3, fresh);
            result.rehashed = replace_hash_.execute() == 1;
        } catch (const StoreError&) {
            // The upgrade is an improvement, not part of logging in: a busy or full
            // database must not turn a correct password away. It is tried again at the
            // next login.
        }
    }
    return result;
}

bool AccountStore::exists(std::string_view name_key) {
    return stored_hash(name_key).has_value();
}

std::vector<std::string> AccountStore::name_keys() {
    auto in_use = select_keys_.use();
    std::vector<std::string> keys;
    while (select_keys_.step()) keys.push_back(select_keys_.text(0));
    return keys;
}

std::optional<Account> AccountStore::find(std::string_view name_key) {
    auto in_use = select_account_.use();
    select_account_.bind(1, name_key);
    if (!select_account_.step()) return std::nullopt;
    return Account{
        .name_key = select_account_.text(0),
        .display_name = select_account_.text(1),
        .created_at = select_account_.integer(2),
        .password_changed_at = select_account_.integer(3),
    };
}

std::optional<AccountError> AccountStore::change_password(std::string_view name_key,
                                                          std::string_view current_password,
                                                          std::string_view new_password) {
    if (auto refused = check_password_rules(new_password)) return refused;
    std::optional<std::string> stored = stored_hash(name_key);
    if (!stored) return AccountError::no_such_account;
    if (!hasher_.verify(*stored, current_password)) return AccountError::wrong_password;

    std::string hash = hasher_.hash(new_password);
    update_password_.bind(1, name_key).bind(2, hash);
    if (update_password_.execute() == 0) return AccountError::no_such_account;  // removed meanwhile
    return std::nullopt;
}

bool AccountStore::remove(std::string_view name_key) {
    delete_account_.bind(1, name_key);
    return delete_account_.execute() == 1;
}

}  // namespace hubchat::store
