// Message history in the hub's database (issue 5): every accepted message with its
// server-assigned id, for history queries, resume after a disconnect and offline delivery.
//
// Threads: a HistoryStore belongs to one thread at a time, like the Database it uses (see
// database.hpp). The server keeps it on a worker thread behind net::HistoryLog, which
// batches appends and runs queries off the event loop.
//
// Ids: increasing, never reused, continuing after a restart and after retention has
// deleted everything (the schema keeps the highest id ever used). Callers either leave
// NewMessage::id at 0 (the store assigns the next one) or give ids above last_id() in
// increasing order, as HistoryLog does so that callers know an id before the commit.
//
// Costs (schema in schema.cpp): an append writes the batch's messages into one row of
// `message_blocks` (several for a large batch), plus a row per room target; nothing per
// user target or sender until a chunk of kChunkIds ids is complete, when the chunk's
// postings are written at once. So a user's replay (visible_after) and a conversation
// read one postings row per chunk they cover: replay from after_id to now, a conversation
// backwards until `limit` are found (for a pair that rarely talks, back to the oldest
// message kept). Room queries are one index range, as before. Reading a message reads and
// decodes the block that holds it (once for several messages of one block).
//
// Names: targets and senders are given as spelled; keys are folded with names::fold
// ("ALL" stays "ALL", which no folded name can be). This class does not check name rules;
// any bytes are stored and returned exactly, invalid UTF-8 included. Only export, which
// must write valid JSON, replaces invalid sequences with U+FFFD.
//
// Errors: StoreError (database.hpp) for SQLite failures; std::invalid_argument for a
// caller's bug (a message with no target, ids out of order).
#pragma once

#include "store/database.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hubchat::store {

// A message to write.
struct NewMessage {
    std::int64_t id = 0;     // 0: the store assigns the next id
    std::int64_t ts_ms = 0;  // Unix milliseconds
    std::string sender;      // as spelled
    std::string dest;        // the target list as shown to recipients ("bob,carol", "#dev")
    std::vector<std::string> targets;  // user names, "#room", "ALL"; at least one
    std::string text;
    // Registered recipients who were offline: the message waits in their inbox until
    // mark_delivered. Usually a subset of the user targets.
    std::vector<std::string> offline_recipients;
};

// The same, as views of strings kept elsewhere (the server hands over the hub's own
// message this way rather than copying it). They must stay put until append() returns.
struct MessageRef {
    std::int64_t id = 0;
    std::int64_t ts_ms = 0;
    std::string_view sender;
    std::string_view dest;
    std::span<const std::string> targets;
    std::string_view text;
    std::span<const std::string> offline_recipients;

    static MessageRef of(const NewMessage& message) {
        return {message.id,
                message.ts_ms,
                message.sender,
                message.dest,
                message.targets,
                message.text,
                message.offline_recipients};
    }
};

// A message read back.
struct HistoryMessage {
    std::int64_t id = 0;
    std::int64_t ts_ms = 0;
    std::string sender;
    std::string sender_key;
    std::string dest;
    std::vector<std::string> targets;  // keys (folded; "ALL"), sorted
    std::string text;

    friend bool operator==(const HistoryMessage&, const HistoryMessage&) = default;
};

// The key a target is stored and queried under: "ALL" for ALL in any case, else the
// folded name ("#Dev" -> "#dev", "Bob" -> "bob").
std::string history_target_key(std::string_view target);

class HistoryStore {
  public:
    // "Before the newest": for room_before and conversation.
    static constexpr std::int64_t kLatest = std::numeric_limits<std::int64_t>::max();
    // Ids per postings chunk (user_postings in schema.cpp). The open chunk is kept in
    // memory, 8 bytes per sender and per user target of each message (2 MiB of ids for
    // direct messages), rebuilt from the blocks on open (at most kChunkIds messages read).
    // Each complete chunk costs a row per user who sent or received in it, so larger
    // chunks cost the writer less per message when many users talk: 1000 users
    // exchanging direct messages wrote a row per 8 messages with chunks of 16384 ids.
    static constexpr int kChunkBits = 17;
    static constexpr std::int64_t kChunkIds = std::int64_t{1} << kChunkBits;

    // Prepares its statements on `db`, which must outlive the store and have the history
    // schema (Database::schema_migrations()).
    explicit HistoryStore(Database& db);
    ~HistoryStore();
    HistoryStore(const HistoryStore&) = delete;
    HistoryStore& operator=(const HistoryStore&) = delete;

    // Writes `batch` in one transaction (group commit: one WAL append and sync for the
    // lot) and returns the ids, in order. All or nothing: on StoreError nothing is kept.
    std::vector<std::int64_t> append(std::span<const NewMessage> batch);
    // The same for messages whose strings are kept elsewhere.
    std::vector<std::int64_t> append_refs(std::span<const MessageRef> batch);

    // The highest id ever written (0 for none), including ids of messages since deleted.
    std::int64_t last_id();
    std::size_t count();

    // (a) What `user` may see after `after_id`, oldest first, at most `limit`: messages
    // to ALL, to any of `rooms`, to `user`, and those `user` sent. For resume: call
    // again after the last id returned until fewer than `limit` come back.
    std::vector<HistoryMessage> visible_after(std::string_view user,
                                              std::span<const std::string> rooms,
                                              std::int64_t after_id, std::size_t limit);
    // (b) The last `limit` messages to `room` (or "ALL") with an id below `before_id`,
    // oldest first.
    std::vector<HistoryMessage> room_before(std::string_view room, std::int64_t before_id,
                                            std::size_t limit);
    // (c) The last `limit` messages between `a` and `b` (a to b and b to a, multi-target
    // messages included) below `before_id`, oldest first.
    std::vector<HistoryMessage> conversation(std::string_view a, std::string_view b,
                                             std::int64_t before_id, std::size_t limit);
    // (d) `user`'s undelivered offline messages after `after_id`, oldest first.
    std::vector<HistoryMessage> inbox(std::string_view user, std::int64_t after_id,
                                      std::size_t limit);
    std::size_t inbox_size(std::string_view user);
    // Removes `user`'s inbox entries up to and including `through_id` (what was sent to
    // them); returns how many.
    std::size_t mark_delivered(std::string_view user, std::int64_t through_id);

    // (e) Retention. Each call is one short transaction that removes at most `max_rows`
    // and returns how many it removed; call again while it returns `max_rows`, letting
    // other work (appends) run in between, so a prune never holds the write lock long.
    //
    // Removes the oldest messages sent before `cutoff_ms`, in id order, stopping at the
    // first one that is newer (so after a wall-clock step backwards a few may be kept
    // longer; never one that is too young). Their targets and inbox entries go with them.
    std::size_t prune_older_than(std::int64_t cutoff_ms, std::size_t max_rows);
    // Keeps the newest `keep` messages of `room` (or "ALL"): older ones leave the room;
    // a message left with no target at all is deleted. Returns target rows removed.
    std::size_t prune_room(std::string_view room, std::size_t keep, std::size_t max_rows);
    // Keys of every room that has history, and "ALL" if it has: one index seek each.
    std::vector<std::string> rooms();

    // (f) Every message, oldest first, one JSON object per line:
    // {"id":1,"ts":1764052800123,"from":"alice","dest":"#dev","targets":["#dev"],"text":"hi"}
    // Reads in one snapshot; appends made meanwhile by other connections are not seen.
    // Returns the number of lines.
    std::size_t export_json_lines(std::ostream& out);

    // The SQL of the read statements, by name, for tests that check their query plans.
    static std::span<const std::pair<std::string_view, std::string_view>> read_queries();

  private:
    // Message ids concerning users, by chunk of kChunkIds ids: to them and from them,
    // by user key (see user_postings in schema.cpp, where the keys are 't' + key and
    // 's' + key).
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const {
            return std::hash<std::string_view>{}(key);
        }
    };
    using PostingMap =
        std::unordered_map<std::string, std::vector<std::int64_t>, KeyHash, std::equal_to<>>;
    struct ChunkPostings {
        PostingMap to;
        PostingMap from;
    };
    // What append() writes for one message, worked out before the transaction. Elements
    // are reused batch after batch, so their strings keep their buffers.
    struct Prepared {
        std::string sender_key;
        std::vector<std::string> keys;  // the first key_count are the keys, sorted, distinct
        std::size_t key_count = 0;
        std::string dest;  // only when the message gave none
    };
    // Finds messages by id in their blocks for one read; a block retention rewrites
    // (history.cpp).
    class BlockCursor;
    struct EditedBlock;

    std::vector<HistoryMessage> load(BlockCursor& cursor, const std::vector<std::int64_t>& ids);
    // The open chunks: built on first use from the blocks past the written chunks, then
    // kept up to date by append() and by catch_up() for rows other connections wrote.
    void ensure_tail();
    void catch_up();
    template <typename Keys>
    void add_to_tail(std::int64_t id, std::string_view sender_key, const Keys& keys);
    // Writes the tail's chunks below `chunk` to user_postings, in the caller's
    // transaction, and returns the floor to set (and the chunks to drop from memory)
    // once that commits.
    std::int64_t write_chunks_below(std::int64_t chunk);
    // Ids of messages to (or from) a user in `chunk`, ascending, from memory or the table.
    std::vector<std::int64_t> postings(std::int64_t chunk, bool to, std::string_view user_key);
    std::int64_t first_id();
    // PRAGMA data_version: changes when another connection commits.
    std::int64_t data_version();
    // Replaces a block retention changed (or deletes it, left empty), in the caller's
    // transaction, keeping the highest id ever used.
    void rewrite_block(const EditedBlock& block);

    Database& db_;
    Statement insert_block_;
    std::vector<Statement> room_inserts_;
    Statement insert_inbox_;
    Statement select_last_id_;
    Statement select_count_;
    Statement select_first_id_;
    Statement select_data_version_;
    Statement select_block_;
    Statement select_blocks_from_;
    Statement select_written_chunk_;
    Statement select_postings_;
    Statement insert_postings_;
    Statement delete_postings_below_;
    Statement ids_room_after_;
    Statement ids_room_before_;
    Statement ids_inbox_after_;
    Statement select_inbox_size_;
    Statement delete_inbox_through_;
    Statement select_oldest_blocks_;
    Statement delete_block_;
    Statement delete_blocks_through_;
    Statement raise_last_id_;
    Statement delete_room_through_;
    Statement delete_inbox_of_messages_through_;
    Statement select_room_cutoff_;
    Statement ids_room_through_;
    Statement delete_room_row_;
    Statement delete_inbox_of_message_;
    Statement select_rooms_;

    // append()'s work space, reused batch after batch.
    std::vector<Prepared> prepared_;
    std::vector<std::pair<std::string_view, std::int64_t>> room_rows_;
    std::string block_;  // a buffer for BlockWriter (history.cpp)
    std::string folded_;

    // Set by a committed append: data_version then, and the highest id it used. Cleared
    // by retention, which may move the highest id to history_meta.
    bool appended_ = false;
    std::int64_t appended_version_ = 0;
    std::int64_t appended_last_id_ = 0;

    bool tail_ready_ = false;
    std::int64_t tail_floor_ = 0;    // chunks below are in user_postings
    std::int64_t tail_last_id_ = 0;  // the highest id the tail has seen
    std::map<std::int64_t, ChunkPostings> tail_;
};

// Schema step 4's code (schema.cpp): re-encodes the rows of schema 3's `messages` table
// into message blocks, then drops the table. Runs inside the migration's transaction.
void migrate_messages_to_blocks(Database& db);

}  // namespace hubchat::store
