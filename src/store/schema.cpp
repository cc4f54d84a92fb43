// hubchat's schema, as the ordered list of steps that build it. A database records in
// PRAGMA user_version how many of these it has had, and Database applies the rest.
// Append new steps at the end; never change one that has shipped, since databases in
// the field already ran it.
#include "store/database.hpp"

#include <array>

namespace hubchat::store {
namespace {

constexpr std::array kMigrations{
    Migration{
        "accounts",
        // name_key is the folded name (names::fold), so Alice and ALICE are one account;
        // display_name keeps the spelling chosen at registration. password_hash is
        // libsodium's self-describing string (algorithm, cost, salt and hash).
        R"sql(
CREATE TABLE accounts (
    name_key            TEXT    NOT NULL PRIMARY KEY,
    display_name        TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    created_at          INTEGER NOT NULL DEFAULT (unixepoch()),
    password_changed_at INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;
)sql",
    },
};

}  // namespace

std::span<const Migration> Database::schema_migrations() {
    return kMigrations;
}

}  // namespace hubchat::store
