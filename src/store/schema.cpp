// hubchat's schema, as the ordered list of steps that build it. A database records in
// PRAGMA user_version how many of these it has had, and Database applies the rest.
// Append new steps at the end; never change one that has shipped, since databases in
// the field already ran it.
#include "store/database.hpp"
#include "store/history.hpp"

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
    Migration{
        "history",
        // Every accepted message, for history, resume and offline delivery (issue 5).
        //
        // messages.id is given by the server in increasing order. AUTOINCREMENT keeps the
        // highest id ever used in sqlite_sequence, so ids keep increasing after a restart
        // even when retention has deleted every message: a client resuming "after id N"
        // never sees a newer message with a smaller id. sender_key and the target keys
        // are folded (names::fold); sender and dest keep the spelling shown to people.
        //
        // message_targets has one row per distinct target: a user's key, a room's key
        // ("#dev") or "ALL" (upper case, which no folded name can be). Clustered by
        // message id, so appends go to the end and retention deletes a leading range;
        // by_target serves "a room's or a user's messages around id N", and direct_pairs
        // (user targets only) serves "the conversation of a and b". sender_key is copied
        // here so that the latter is one index range per direction.
        //
        // inbox holds direct messages for registered users who were offline when they
        // were sent, until delivered. Deleting a message (retention) deletes its rows in
        // both child tables through the foreign keys.
        R"sql(
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         INTEGER NOT NULL,
    sender     TEXT    NOT NULL,
    sender_key TEXT    NOT NULL,
    dest       TEXT    NOT NULL,
    text       TEXT    NOT NULL
) STRICT;
CREATE INDEX messages_by_sender ON messages (sender_key, id);

CREATE TABLE message_targets (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    target     TEXT    NOT NULL,
    kind       INTEGER NOT NULL,  -- 0: ALL, 1: room, 2: user
    sender_key TEXT    NOT NULL,
    PRIMARY KEY (message_id, target)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_targets_by_target ON message_targets (target, message_id);
CREATE INDEX message_targets_direct_pairs ON message_targets (target, sender_key, message_id)
    WHERE kind = 2;

CREATE TABLE inbox (
    recipient_key TEXT    NOT NULL,
    message_id    INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (recipient_key, message_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX inbox_by_message ON inbox (message_id);
)sql",
    },
    Migration{
        "history: one row per message",
        // Storing a message was an insert into messages and one into message_targets per
        // target, each feeding secondary indexes keyed by a name (sender, target, pair):
        // every message dirtied a different page in each, and each commit wrote those
        // pages to the WAL whole. Now a message is one row, appended at the end of
        // `messages` (its id is the key), with its target keys inline.
        //
        // messages.targets: the distinct target keys, sorted, joined by ',' with '\' and
        // ',' escaped by '\' ("#dev,bob"). AUTOINCREMENT still keeps the highest id ever
        // used, carried over below.
        //
        // room_messages: one row per room (or ALL) target, for room history, replay of
        // rooms and per-room retention. Direct messages do not pay for it, and a busy
        // room's messages go to the end of one key range.
        //
        // user_postings: which messages concern each user, for replay and conversations,
        // one row per 16384 ids (a "chunk") and key: 't' + user key for messages to the
        // user, 's' + user key for messages from them; `ids` the ascending ids, joined by
        // ','. HistoryStore writes a chunk once all its ids are used and keeps the open
        // chunk in memory, rebuilding it from `messages` when opened. Rows sort by chunk,
        // so writing a chunk appends; a user's lookup is one seek per chunk.
        //
        // inbox is unchanged but without foreign keys: HistoryStore deletes an inbox
        // row when it deletes its message, so writes need no foreign-key checks.
        // Children are dropped before `messages`, whose DROP would otherwise cascade.
        R"sql(
CREATE TABLE messages_v3 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         INTEGER NOT NULL,
    sender     TEXT    NOT NULL,
    sender_key TEXT    NOT NULL,
    dest       TEXT    NOT NULL,
    targets    TEXT    NOT NULL,
    text       TEXT    NOT NULL
) STRICT;
INSERT INTO messages_v3 (id, ts, sender, sender_key, dest, targets, text)
SELECT m.id, m.ts, m.sender, m.sender_key, m.dest,
       coalesce((SELECT group_concat(replace(replace(t.target, '\', '\\'), ',', '\,'), ',')
                 FROM (SELECT target FROM message_targets WHERE message_id = m.id
                       ORDER BY target) AS t), ''),
       m.text
FROM messages AS m ORDER BY m.id;
DELETE FROM sqlite_sequence WHERE name = 'messages_v3';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'messages_v3', max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0),
                          coalesce((SELECT max(id) FROM messages_v3), 0));

CREATE TABLE room_messages (
    room_key   TEXT    NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (room_key, message_id)
) STRICT, WITHOUT ROWID;
INSERT INTO room_messages (room_key, message_id)
SELECT target, message_id FROM message_targets WHERE kind IN (0, 1) ORDER BY target, message_id;

CREATE TABLE inbox_v3 (
    recipient_key TEXT    NOT NULL,
    message_id    INTEGER NOT NULL,
    PRIMARY KEY (recipient_key, message_id)
) STRICT, WITHOUT ROWID;
INSERT INTO inbox_v3 (recipient_key, message_id) SELECT recipient_key, message_id FROM inbox;

DROP TABLE inbox;
DROP TABLE message_targets;
DROP TABLE messages;
ALTER TABLE messages_v3 RENAME TO messages;
ALTER TABLE inbox_v3 RENAME TO inbox;
CREATE INDEX inbox_by_message ON inbox (message_id);

CREATE TABLE user_postings (
    chunk INTEGER NOT NULL,
    key   TEXT    NOT NULL,
    ids   TEXT    NOT NULL,
    PRIMARY KEY (chunk, key)
) STRICT, WITHOUT ROWID;
)sql",
    },
    Migration{
        "history: message blocks",
        // A row per message still cost SQLite a record, a b-tree insert and its binds for
        // every message, more than all the rest of storing it. Now the messages of one
        // commit go into one row of `message_blocks` (more rows when there are many: at
        // most 256 messages or about 64 KiB each), encoded by HistoryStore (history.cpp:
        // per message its id, time, sender, sender key, dest, target keys and text).
        // first_id is the key; blocks never overlap, so the block holding id N is the last
        // one with first_id <= N. max_ts lets retention by age drop whole blocks unread.
        // Retention rewrites a block it removes only some messages from.
        //
        // history_meta keeps the highest id ever used where AUTOINCREMENT's sqlite_sequence
        // kept it: HistoryStore raises it when it removes a block's last message, and
        // last_id is the larger of it and the last block's last_id.
        //
        // user_postings.ids becomes a BLOB: the ascending ids as varints, each the
        // difference from the one before (the first: the id), a third of the decimal text
        // and no number formatting. The table is emptied: HistoryStore writes the complete
        // chunks again from the blocks when first opened, as after the upgrade to schema 3.
        //
        // room_messages and inbox are unchanged (they name message ids).
        // The rows of `messages` are re-encoded by migrate_messages_to_blocks (history.cpp),
        // which then drops the table.
        R"sql(
CREATE TABLE message_blocks (
    first_id INTEGER PRIMARY KEY,
    last_id  INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    max_ts   INTEGER NOT NULL,
    data     BLOB    NOT NULL
) STRICT;

CREATE TABLE history_meta (
    key     INTEGER PRIMARY KEY CHECK (key = 1),
    last_id INTEGER NOT NULL
) STRICT;
INSERT INTO history_meta (key, last_id)
SELECT 1, max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0),
              coalesce((SELECT max(id) FROM messages), 0));

DROP TABLE user_postings;
CREATE TABLE user_postings (
    chunk INTEGER NOT NULL,
    key   TEXT    NOT NULL,
    ids   BLOB    NOT NULL,
    PRIMARY KEY (chunk, key)
) STRICT, WITHOUT ROWID;
)sql",
        migrate_messages_to_blocks,
    },
    Migration{
        "history: postings chunks of 131072 ids",
        // user_postings chunks grow from 16384 ids to HistoryStore::kChunkIds (131072):
        // with many users talking, a chunk's rows (one per user who sent or received in
        // it) had cost the writer more than the messages' blocks. Rows written for the
        // old size are dropped; HistoryStore writes the complete chunks again from the
        // blocks when first opened, as after the upgrade to schema 4.
        R"sql(
DELETE FROM user_postings;
)sql",
    },
};

}  // namespace

std::span<const Migration> Database::schema_migrations() {
    return kMigrations;
}

}  // namespace hubchat::store
