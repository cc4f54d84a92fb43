#include "store/history.hpp"

#include "core/names.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstring>
#include <iterator>
#include <optional>
#include <ostream>
#include <stdexcept>

namespace hubchat::store {
namespace {

enum class TargetKind : std::int64_t { all = 0, room = 1, user = 2 };

TargetKind kind_of_key(std::string_view key) {
    if (key == names::kAllRoom) return TargetKind::all;
    if (names::is_room(key)) return TargetKind::room;
    return TargetKind::user;
}

// SQLite takes LIMIT as a signed 64-bit integer; a huge size_t would wrap negative, which
// SQLite reads as "no limit". Clamp instead.
std::int64_t as_limit(std::size_t limit) {
    constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    return static_cast<std::int64_t>(std::min(limit, kMax));
}

// Invalid UTF-8 replaced by U+FFFD, one per maximal bad subsequence start byte: JSON text
// must be UTF-8 (RFC 8259), and Boost.JSON's serializer copies bytes as they are.
std::string valid_utf8(std::string_view text) {
    if (names::utf8_length(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 8);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        std::size_t len = b0 < 0x80             ? 1
                          : (b0 & 0xE0) == 0xC0 ? 2
                          : (b0 & 0xF0) == 0xE0 ? 3
                          : (b0 & 0xF8) == 0xF0 ? 4
                                                : 0;
        if (len > 0 && i + len <= text.size() && names::utf8_length(text.substr(i, len))) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out.append("\xEF\xBF\xBD");
            ++i;
        }
    }
    return out;
}

// BEGIN (deferred) ... COMMIT around reads, so that several statements see one snapshot;
// ended on scope exit, since a read transaction left open stops WAL checkpoints.
class ReadSnapshot {
  public:
    explicit ReadSnapshot(Database& db) : db_(db) { db_.execute("BEGIN"); }
    ~ReadSnapshot() {
        try {
            db_.execute("COMMIT");
        } catch (const StoreError&) {
            // Nothing was written; SQLite may have ended the transaction on its own.
        }
    }
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

  private:
    Database& db_;
};

// Target keys as schema 3 kept them inline in messages.targets, read by the migration to
// schema 4: sorted, distinct, joined by ',', with '\' and ',' escaped by '\'. A message
// always has a target, so "" is the one empty key.
std::vector<std::string> decode_targets(std::string_view encoded) {
    std::vector<std::string> keys(1);
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] == ',') {
            keys.emplace_back();
        } else {
            if (encoded[i] == '\\' && i + 1 < encoded.size()) ++i;
            keys.back() += encoded[i];
        }
    }
    // Sorted when written; sorted again for rows written by the migration's SQL.
    std::sort(keys.begin(), keys.end());
    return keys;
}

// ---- Message blocks (schema 4) ----
//
// A block is the messages of one commit (or part of it), in id order, each encoded as:
// the id minus the previous one's (the first: the id), as a varint; the time minus the
// previous one's (the first: the time), zigzag varint; the sender; a flags varint (bit 0:
// the sender key differs from the sender and follows, else it is the sender itself); the
// dest; the number of target keys, varint, and the keys, sorted; the text. A string is its
// length as a varint, then its bytes. Varints are 7 bits a byte, low first, the high bit
// set on all bytes but the last.
//
// A block holds at most kBlockMessages messages and stops growing past kBlockBytes: SQLite
// then writes a batch as a few large rows (the blob spills into overflow pages, copied
// whole) instead of a row per message, and a read decodes at most one block per message.
constexpr std::size_t kBlockMessages = 256;
constexpr std::size_t kBlockBytes = 64 * 1024;

// Writes `value` at `p`, which has room for kMaxVarint bytes; returns the end.
constexpr std::size_t kMaxVarint = 10;
char* put_varint(char* p, std::uint64_t value) {
    while (value >= 0x80) {
        *p++ = static_cast<char>((value & 0x7F) | 0x80);
        value >>= 7;
    }
    *p++ = static_cast<char>(value);
    return p;
}

char* put_bytes(char* p, std::string_view bytes) {
    p = put_varint(p, bytes.size());
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    return p + bytes.size();
}

// Differences computed modulo 2^64, so that any two times encode and decode exactly.
// Reads a varint at `p`, not past `end`, and moves `p` past it.
std::uint64_t get_varint(const char*& p, const char* end, std::string_view what) {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p == end) break;
        const auto byte = static_cast<unsigned char>(*p++);
        value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) return value;
    }
    throw StoreError("history: a damaged " + std::string(what), 0);
}

// Postings as user_postings.ids keeps them (schema 4): the ascending ids as varints, each
// the difference from the one before (the first: the id itself).
void encode_ids(std::string& out, const std::vector<std::int64_t>& ids) {
    out.resize(ids.size() * kMaxVarint);
    char* p = out.data();
    std::int64_t previous = 0;
    for (std::int64_t id : ids) {
        p = put_varint(p, static_cast<std::uint64_t>(id) - static_cast<std::uint64_t>(previous));
        previous = id;
    }
    out.resize(static_cast<std::size_t>(p - out.data()));
}

std::vector<std::int64_t> decode_ids(std::string_view bytes) {
    std::vector<std::int64_t> ids;
    const char* p = bytes.data();
    const char* end = bytes.data() + bytes.size();
    std::uint64_t id = 0;
    while (p < end) {
        id += get_varint(p, end, "user_postings row");
        ids.push_back(static_cast<std::int64_t>(id));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::uint64_t zigzag_delta(std::int64_t value, std::int64_t previous) {
    const auto delta = static_cast<std::int64_t>(static_cast<std::uint64_t>(value) -
                                                 static_cast<std::uint64_t>(previous));
    return (static_cast<std::uint64_t>(delta) << 1) ^ static_cast<std::uint64_t>(delta >> 63);
}

std::int64_t from_zigzag_delta(std::uint64_t encoded, std::int64_t previous) {
    const std::uint64_t delta = (encoded >> 1) ^ (~(encoded & 1) + 1);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(previous) + delta);
}

// Encodes messages into `out`, which it uses as a buffer: the block is the first size()
// bytes (view()); the rest is room kept for the next block, so that writing a message is
// plain stores, with no allocation once the buffer has grown.
class BlockWriter {
  public:
    explicit BlockWriter(std::string& out) : out_(out) {}

    template <typename Keys>
    void add(std::int64_t id, std::int64_t ts, std::string_view sender, std::string_view sender_key,
             std::string_view dest, const Keys& keys, std::string_view text) {
        const bool own_key = sender_key != sender;
        std::size_t bound = 7 * kMaxVarint + sender.size() + dest.size() + text.size() +
                            (own_key ? sender_key.size() : 0);
        for (const auto& key : keys) bound += kMaxVarint + std::string_view(key).size();
        if (out_.size() - size_ < bound) out_.resize(std::max(2 * out_.size(), size_ + bound));
        char* p = out_.data() + size_;
        p = put_varint(p, static_cast<std::uint64_t>(id) - static_cast<std::uint64_t>(last_));
        p = put_varint(p, zigzag_delta(ts, ts_));
        p = put_bytes(p, sender);
        p = put_varint(p, own_key ? 1 : 0);
        if (own_key) p = put_bytes(p, sender_key);
        p = put_bytes(p, dest);
        p = put_varint(p, std::size(keys));
        for (const auto& key : keys) p = put_bytes(p, key);
        p = put_bytes(p, text);
        size_ = static_cast<std::size_t>(p - out_.data());
        if (count_ == 0) {
            first_ = id;
            max_ts_ = ts;
        }
        max_ts_ = std::max(max_ts_, ts);
        last_ = id;
        ts_ = ts;
        ++count_;
    }

    bool full() const { return count_ >= kBlockMessages || size_ >= kBlockBytes; }
    void clear() {
        size_ = 0;
        count_ = 0;
        last_ = 0;
        ts_ = 0;
    }
    std::string_view view() const { return {out_.data(), size_}; }
    std::size_t count() const { return count_; }
    std::int64_t first() const { return first_; }
    std::int64_t last() const { return last_; }
    std::int64_t max_ts() const { return max_ts_; }

  private:
    std::string& out_;
    std::size_t size_ = 0;
    std::size_t count_ = 0;
    std::int64_t first_ = 0;
    std::int64_t last_ = 0;  // the previous id and time, for the differences
    std::int64_t ts_ = 0;
    std::int64_t max_ts_ = 0;
};

// One message of a block, as views of the block's bytes; its keys are key_count views
// from first_key on in the vector the reader filled.
struct BlockEntry {
    std::int64_t id = 0;
    std::int64_t ts = 0;
    std::string_view sender;
    std::string_view sender_key;
    std::string_view dest;
    std::string_view text;
    std::size_t first_key = 0;
    std::size_t key_count = 0;
};

class BlockReader {
  public:
    explicit BlockReader(std::string_view data)
        : p_(data.data()), end_(data.data() + data.size()) {}

    bool done() const { return p_ == end_; }

    // Reads the next message and appends its keys to `keys`.
    void next(BlockEntry& entry, std::vector<std::string_view>& keys) {
        id_ = static_cast<std::int64_t>(static_cast<std::uint64_t>(id_) + varint());
        ts_ = from_zigzag_delta(varint(), ts_);
        entry.id = id_;
        entry.ts = ts_;
        entry.sender = bytes();
        entry.sender_key = (varint() & 1) != 0 ? bytes() : entry.sender;
        entry.dest = bytes();
        const std::uint64_t key_count = varint();
        // A key takes a byte at least: no count can be larger than what is left.
        if (key_count > static_cast<std::uint64_t>(end_ - p_)) damaged();
        entry.first_key = keys.size();
        entry.key_count = static_cast<std::size_t>(key_count);
        for (std::uint64_t k = 0; k < key_count; ++k) keys.push_back(bytes());
        entry.text = bytes();
    }

  private:
    [[noreturn]] static void damaged() { throw StoreError("history: a damaged message block", 0); }

    std::uint64_t varint() { return get_varint(p_, end_, "message block"); }

    std::string_view bytes() {
        const std::uint64_t size = varint();
        if (size > static_cast<std::uint64_t>(end_ - p_)) damaged();
        std::string_view out(p_, static_cast<std::size_t>(size));
        p_ += size;
        return out;
    }

    const char* p_;
    const char* end_;
    std::int64_t id_ = 0;
    std::int64_t ts_ = 0;
};

HistoryMessage to_message(const BlockEntry& entry, const std::vector<std::string_view>& keys) {
    HistoryMessage message;
    message.id = entry.id;
    message.ts_ms = entry.ts;
    message.sender = std::string(entry.sender);
    message.sender_key = std::string(entry.sender_key);
    message.dest = std::string(entry.dest);
    message.targets.reserve(entry.key_count);
    for (std::size_t k = 0; k < entry.key_count; ++k) {
        message.targets.emplace_back(keys[entry.first_key + k]);
    }
    message.text = std::string(entry.text);
    return message;
}

std::vector<HistoryMessage> decode_block(std::string_view data) {
    std::vector<HistoryMessage> messages;
    std::vector<std::string_view> keys;
    BlockEntry entry;
    BlockReader reader(data);
    while (!reader.done()) {
        keys.clear();
        reader.next(entry, keys);
        messages.push_back(to_message(entry, keys));
    }
    return messages;
}

void add_message(BlockWriter& writer, const HistoryMessage& message) {
    writer.add(message.id, message.ts_ms, message.sender, message.sender_key, message.dest,
               message.targets, message.text);
}

// history_target_key into a buffer that keeps its capacity.
void target_key_into(std::string& out, std::string_view target) {
    if (names::is_all(target)) {
        out.assign(names::kAllRoom);
    } else {
        names::fold_into(out, target);
    }
}

// Calls f(entry, keys) for each message with an id above `after`, in id order, reading
// blocks with `from` (kSelectBlocksFrom). Blocks wholly at or below `after` are skipped
// without reading their bytes.
template <typename F>
void each_message_after(Statement& from, std::int64_t after, F f) {
    auto in_use = from.use();
    from.bind(1, after);
    std::vector<std::string_view> keys;
    BlockEntry entry;
    while (from.step()) {
        if (from.integer(1) <= after) continue;
        BlockReader reader(from.bytes(2));
        while (!reader.done()) {
            keys.clear();
            reader.next(entry, keys);
            if (entry.id > after) f(entry, keys);
        }
    }
}

// Writes what `writer` holds as one row with `insert` (kInsertBlock), and clears it.
void insert_block(Statement& insert, BlockWriter& writer) {
    // Unowned: the data stays as it is until execute() has reset.
    insert.bind(1, writer.first())
        .bind(2, writer.last())
        .bind(3, static_cast<std::int64_t>(writer.count()))
        .bind(4, writer.max_ts())
        .bind_blob_unowned(5, writer.view());
    insert.execute();
    writer.clear();
}

constexpr int kRowsPerInsert = 32;

// Writes `count` rows with `by_size` (statements of kRowsPerInsert, half that, ... 1
// rows), largest first: a batch of n rows takes at most n / kRowsPerInsert + 5 statements.
// bind(statement, r, i) binds row i of the batch as the statement's r-th row.
// Rows [begin, end) of the batch.
template <typename Bind>
void insert_rows(std::vector<Statement>& by_size, std::size_t begin, std::size_t end, Bind bind) {
    std::size_t row = begin;
    for (std::size_t k = 0; k < by_size.size(); ++k) {
        const std::size_t rows = static_cast<std::size_t>(kRowsPerInsert) >> k;
        for (; end - row >= rows; row += rows) {
            for (std::size_t r = 0; r < rows; ++r) bind(by_size[k], static_cast<int>(r), row + r);
            by_size[k].execute();
        }
    }
}

// Room rows go in kRowsPerInsert at a time: a statement per row opened a cursor and
// walked down the table each time.
std::string insert_rooms_sql(int rows) {
    std::string sql = "INSERT INTO room_messages (room_key, message_id) VALUES ";
    for (int row = 0; row < rows; ++row) {
        if (row > 0) sql += ',';
        sql += "(?" + std::to_string(2 * row + 1) + ",?" + std::to_string(2 * row + 2) + ')';
    }
    return sql + " ON CONFLICT DO NOTHING";
}

constexpr std::string_view kInsertBlock =
    "INSERT INTO message_blocks (first_id, last_id, count, max_ts, data) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kInsertInbox =
    "INSERT INTO inbox (recipient_key, message_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
constexpr std::string_view kSelectLastId =
    "SELECT max(coalesce((SELECT last_id FROM history_meta), 0), "
    "coalesce((SELECT last_id FROM message_blocks WHERE first_id = "
    "(SELECT max(first_id) FROM message_blocks)), 0))";
constexpr std::string_view kSelectCount = "SELECT coalesce(sum(count), 0) FROM message_blocks";
constexpr std::string_view kSelectFirstId = "SELECT coalesce(min(first_id), 0) FROM message_blocks";
// The block that holds id ?1, if any does: blocks do not overlap.
constexpr std::string_view kSelectBlock =
    "SELECT first_id, last_id, data FROM message_blocks WHERE first_id <= ?1 "
    "ORDER BY first_id DESC LIMIT 1";
// The blocks holding ids above ?1: the one that holds ?1 (its first part is skipped) and
// every one after.
constexpr std::string_view kSelectBlocksFrom =
    "SELECT first_id, last_id, data FROM message_blocks WHERE first_id >= coalesce("
    "(SELECT first_id FROM message_blocks WHERE first_id <= ?1 ORDER BY first_id DESC LIMIT 1), 0) "
    "ORDER BY first_id";
constexpr std::string_view kSelectWrittenChunk = "SELECT max(chunk) FROM user_postings";
constexpr std::string_view kSelectPostings =
    "SELECT ids FROM user_postings WHERE chunk = ?1 AND key = ?2";
constexpr std::string_view kInsertPostings =
    "INSERT OR REPLACE INTO user_postings (chunk, key, ids) VALUES (?1, ?2, ?3)";
constexpr std::string_view kDeletePostingsBelow = "DELETE FROM user_postings WHERE chunk < ?1";
constexpr std::string_view kIdsRoomAfter =
    "SELECT message_id FROM room_messages WHERE room_key = ?1 AND message_id > ?2 "
    "ORDER BY message_id LIMIT ?3";
constexpr std::string_view kIdsRoomBefore =
    "SELECT message_id FROM room_messages WHERE room_key = ?1 AND message_id < ?2 "
    "ORDER BY message_id DESC LIMIT ?3";
constexpr std::string_view kIdsInboxAfter =
    "SELECT message_id FROM inbox WHERE recipient_key = ?1 AND message_id > ?2 "
    "ORDER BY message_id LIMIT ?3";
constexpr std::string_view kSelectInboxSize = "SELECT count(*) FROM inbox WHERE recipient_key = ?1";
constexpr std::string_view kDeleteInboxThrough =
    "DELETE FROM inbox WHERE recipient_key = ?1 AND message_id <= ?2";
// The data column last: a block removed whole is not read.
constexpr std::string_view kSelectOldestBlocks =
    "SELECT first_id, last_id, count, max_ts, data FROM message_blocks ORDER BY first_id";
constexpr std::string_view kDeleteBlock = "DELETE FROM message_blocks WHERE first_id = ?1";
constexpr std::string_view kDeleteBlocksThrough = "DELETE FROM message_blocks WHERE first_id <= ?1";
constexpr std::string_view kRaiseLastId =
    "UPDATE history_meta SET last_id = max(last_id, ?1) WHERE key = 1";
constexpr std::string_view kDeleteRoomThrough =
    "DELETE FROM room_messages WHERE room_key = ?1 AND message_id <= ?2";
constexpr std::string_view kDeleteInboxOfMessagesThrough =
    "DELETE FROM inbox WHERE message_id <= ?1";
// The id of the newest message past those to keep; OFFSET walks `keep` index entries.
constexpr std::string_view kSelectRoomCutoff =
    "SELECT message_id FROM room_messages WHERE room_key = ?1 "
    "ORDER BY message_id DESC LIMIT 1 OFFSET ?2";
constexpr std::string_view kIdsRoomThrough =
    "SELECT message_id FROM room_messages WHERE room_key = ?1 AND message_id <= ?2 "
    "ORDER BY message_id LIMIT ?3";
constexpr std::string_view kDeleteRoomRow =
    "DELETE FROM room_messages WHERE room_key = ?1 AND message_id = ?2";
constexpr std::string_view kDeleteInboxOfMessage = "DELETE FROM inbox WHERE message_id = ?1";
// A loose index scan: each step seeks the next distinct key after the previous one, so
// the cost is one seek per room, not one step per message. Room keys start with '#'
// (0x23); '$' (0x24) bounds them.
constexpr std::string_view kSelectRooms =
    "WITH RECURSIVE rooms(key) AS ("
    " SELECT (SELECT min(room_key) FROM room_messages WHERE room_key >= '#' AND room_key < '$')"
    " UNION ALL"
    " SELECT (SELECT min(room_key) FROM room_messages WHERE room_key > rooms.key"
    " AND room_key < '$')"
    " FROM rooms WHERE rooms.key IS NOT NULL)"
    " SELECT key FROM rooms WHERE key IS NOT NULL"
    " UNION ALL"
    " SELECT 'ALL' WHERE EXISTS (SELECT 1 FROM room_messages WHERE room_key = 'ALL')";

constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kReadQueries{{
    {"last_id", kSelectLastId},
    {"first_id", kSelectFirstId},
    {"block", kSelectBlock},
    {"blocks_from", kSelectBlocksFrom},
    {"written_chunk", kSelectWrittenChunk},
    {"postings", kSelectPostings},
    {"room_after", kIdsRoomAfter},
    {"room_before", kIdsRoomBefore},
    {"inbox_after", kIdsInboxAfter},
    {"inbox_size", kSelectInboxSize},
    {"room_cutoff", kSelectRoomCutoff},
    {"room_through", kIdsRoomThrough},
    {"rooms", kSelectRooms},
}};

std::int64_t chunk_of(std::int64_t id, int bits) {
    return id >> bits;
}

std::string to_key(std::string_view user_key) {
    return "t" + std::string(user_key);
}

std::string from_key(std::string_view user_key) {
    return "s" + std::string(user_key);
}

}  // namespace

// Finds messages by id for one read: keeps the last block it decoded, so the ids of one
// block (asked for in increasing order, as reads do) cost one block read between them.
class HistoryStore::BlockCursor {
  public:
    explicit BlockCursor(Statement& select_block) : select_(select_block) {}

    // The message with `id`, or nullptr if there is none (never was, or deleted).
    const BlockEntry* find(std::int64_t id) {
        if (id < first_ || id > last_) fetch(id);
        auto it = std::lower_bound(entries_.begin(), entries_.end(), id,
                                   [](const BlockEntry& e, std::int64_t v) { return e.id < v; });
        return it != entries_.end() && it->id == id ? &*it : nullptr;
    }
    const std::vector<std::string_view>& keys() const { return keys_; }

  private:
    void fetch(std::int64_t id) {
        entries_.clear();
        keys_.clear();
        first_ = 1;
        last_ = 0;
        auto in_use = select_.use();
        select_.bind(1, id);
        if (!select_.step()) return;
        data_.assign(select_.bytes(2));
        BlockReader reader(data_);
        while (!reader.done()) reader.next(entries_.emplace_back(), keys_);
        first_ = select_.integer(0);
        last_ = select_.integer(1);
    }

    Statement& select_;
    std::int64_t first_ = 1;  // the ids the block spans; none at first
    std::int64_t last_ = 0;
    std::string data_;
    std::vector<BlockEntry> entries_;
    std::vector<std::string_view> keys_;
};

// A block retention is changing: its key and last id as stored, and what is left of it.
struct HistoryStore::EditedBlock {
    std::int64_t first_id = 0;
    std::int64_t last_id = 0;
    std::vector<HistoryMessage> messages;
    bool changed = false;
};

void migrate_messages_to_blocks(Database& db) {
    std::string data;
    Statement insert(db, kInsertBlock);
    {
        Statement select(db,
                         "SELECT id, ts, sender, sender_key, dest, targets, text FROM messages "
                         "ORDER BY id");
        auto in_use = select.use();
        BlockWriter writer(data);
        while (select.step()) {
            writer.add(select.integer(0), select.integer(1), select.text(2), select.text(3),
                       select.text(4), decode_targets(select.text(5)), select.text(6));
            if (writer.full()) insert_block(insert, writer);
        }
        if (writer.count() > 0) insert_block(insert, writer);
    }
    db.execute("DROP TABLE messages");
}

std::string history_target_key(std::string_view target) {
    std::string key;
    target_key_into(key, target);
    return key;
}

HistoryStore::HistoryStore(Database& db)
    : db_(db),
      insert_block_(db, kInsertBlock),
      insert_inbox_(db, kInsertInbox),
      select_last_id_(db, kSelectLastId),
      select_count_(db, kSelectCount),
      select_first_id_(db, kSelectFirstId),
      select_data_version_(db, "PRAGMA data_version"),
      select_block_(db, kSelectBlock),
      select_blocks_from_(db, kSelectBlocksFrom),
      select_written_chunk_(db, kSelectWrittenChunk),
      select_postings_(db, kSelectPostings),
      insert_postings_(db, kInsertPostings),
      delete_postings_below_(db, kDeletePostingsBelow),
      ids_room_after_(db, kIdsRoomAfter),
      ids_room_before_(db, kIdsRoomBefore),
      ids_inbox_after_(db, kIdsInboxAfter),
      select_inbox_size_(db, kSelectInboxSize),
      delete_inbox_through_(db, kDeleteInboxThrough),
      select_oldest_blocks_(db, kSelectOldestBlocks),
      delete_block_(db, kDeleteBlock),
      delete_blocks_through_(db, kDeleteBlocksThrough),
      raise_last_id_(db, kRaiseLastId),
      delete_room_through_(db, kDeleteRoomThrough),
      delete_inbox_of_messages_through_(db, kDeleteInboxOfMessagesThrough),
      select_room_cutoff_(db, kSelectRoomCutoff),
      ids_room_through_(db, kIdsRoomThrough),
      delete_room_row_(db, kDeleteRoomRow),
      delete_inbox_of_message_(db, kDeleteInboxOfMessage),
      select_rooms_(db, kSelectRooms) {
    for (int rows = kRowsPerInsert; rows > 0; rows /= 2) {
        room_inserts_.emplace_back(db, insert_rooms_sql(rows));
    }
}

std::span<const std::pair<std::string_view, std::string_view>> HistoryStore::read_queries() {
    return kReadQueries;
}

std::int64_t HistoryStore::last_id() {
    auto in_use = select_last_id_.use();
    return select_last_id_.step() ? select_last_id_.integer(0) : 0;
}

std::size_t HistoryStore::count() {
    auto in_use = select_count_.use();
    return select_count_.step() ? static_cast<std::size_t>(select_count_.integer(0)) : 0;
}

std::int64_t HistoryStore::data_version() {
    auto in_use = select_data_version_.use();
    return select_data_version_.step() ? select_data_version_.integer(0) : 0;
}

std::int64_t HistoryStore::first_id() {
    auto in_use = select_first_id_.use();
    return select_first_id_.step() ? select_first_id_.integer(0) : 0;
}

HistoryStore::~HistoryStore() = default;

std::vector<std::int64_t> HistoryStore::append(std::span<const NewMessage> batch) {
    std::vector<MessageRef> refs;
    refs.reserve(batch.size());
    for (const NewMessage& message : batch) refs.push_back(MessageRef::of(message));
    return append_refs(refs);
}

std::vector<std::int64_t> HistoryStore::append_refs(std::span<const MessageRef> batch) {
    std::vector<std::int64_t> ids;
    if (batch.empty()) return ids;
    for (const MessageRef& message : batch) {
        if (message.targets.empty()) {
            throw std::invalid_argument("a history message needs at least one target");
        }
    }
    // Elements, and their keys, are reused rather than cleared away, so that their strings
    // keep their buffers: no allocation per message once the buffers have grown.
    if (prepared_.size() < batch.size()) prepared_.resize(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const MessageRef& message = batch[i];
        Prepared& p = prepared_[i];
        names::fold_into(p.sender_key, message.sender);
        const std::size_t targets = message.targets.size();
        if (p.keys.size() < targets) p.keys.resize(targets);
        for (std::size_t t = 0; t < targets; ++t) target_key_into(p.keys[t], message.targets[t]);
        const auto end = p.keys.begin() + static_cast<std::ptrdiff_t>(targets);
        if (targets > 1) std::sort(p.keys.begin(), end);
        p.key_count = static_cast<std::size_t>(std::unique(p.keys.begin(), end) - p.keys.begin());
        p.dest.clear();
        if (message.dest.empty()) {
            for (const auto& target : message.targets) {
                if (!p.dest.empty()) p.dest += ',';
                p.dest += target;
            }
        }
    }
    const auto& prepared = prepared_;
    auto keys_of = [&](std::size_t i) {
        return std::span<const std::string>(prepared[i].keys.data(), prepared[i].key_count);
    };

    ensure_tail();
    ids.reserve(batch.size());
    Transaction transaction(db_);
    // Under the write lock: when no other connection has committed since this store's
    // last append (the usual case: the server has one writer), the tail and the last id
    // are as that append left them, and the two queries that would say so are skipped.
    const std::int64_t version = data_version();
    std::int64_t previous = 0;
    if (appended_ && version == appended_version_) {
        previous = appended_last_id_;
    } else {
        catch_up();  // rows another connection wrote since
        previous = last_id();
    }
    // Every id below the next one is used or never will be: those chunks are complete.
    const std::int64_t new_floor = write_chunks_below(chunk_of(previous + 1, kChunkBits));
    for (const MessageRef& message : batch) {
        if (message.id != 0 && message.id <= previous) {
            throw std::invalid_argument("history id " + std::to_string(message.id) +
                                        " is not above the last one, " + std::to_string(previous));
        }
        previous = message.id != 0 ? message.id : previous + 1;
        ids.push_back(previous);
    }

    // The messages, as few blocks as the caps allow.
    BlockWriter writer(block_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const MessageRef& message = batch[i];
        const Prepared& p = prepared[i];
        writer.add(ids[i], message.ts_ms, message.sender, p.sender_key,
                   message.dest.empty() ? std::string_view(p.dest) : message.dest, keys_of(i),
                   message.text);
        if (writer.full() || i + 1 == batch.size()) insert_block(insert_block_, writer);
    }
    // Room rows in key order, as the table keeps them: each room's go to the end of its
    // range one after another.
    room_rows_.clear();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        for (const auto& key : keys_of(i)) {
            if (kind_of_key(key) != TargetKind::user) room_rows_.emplace_back(key, ids[i]);
        }
    }
    if (room_rows_.size() > 1) {
        std::stable_sort(room_rows_.begin(), room_rows_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    insert_rows(room_inserts_, 0, room_rows_.size(),
                [&](Statement& statement, int r, std::size_t i) {
                    statement.bind_unowned(2 * r + 1, room_rows_[i].first)
                        .bind(2 * r + 2, room_rows_[i].second);
                });
    for (std::size_t i = 0; i < batch.size(); ++i) {
        for (const auto& recipient : batch[i].offline_recipients) {
            names::fold_into(folded_, recipient);
            insert_inbox_.bind_unowned(1, folded_).bind(2, ids[i]);
            insert_inbox_.execute();
        }
    }
    transaction.commit();
    appended_ = true;
    appended_version_ = version;
    appended_last_id_ = ids.back();

    // Only now: a batch that failed must not be in the tail.
    for (auto it = tail_.begin(); it != tail_.end() && it->first < new_floor;) it = tail_.erase(it);
    tail_floor_ = std::max(tail_floor_, new_floor);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        add_to_tail(ids[i], prepared[i].sender_key, keys_of(i));
    }
    return ids;
}

void HistoryStore::ensure_tail() {
    if (tail_ready_) return;
    tail_.clear();
    tail_floor_ = 0;
    {
        auto in_use = select_written_chunk_.use();
        if (select_written_chunk_.step() && !select_written_chunk_.is_null(0)) {
            tail_floor_ = select_written_chunk_.integer(0) + 1;
        }
    }
    tail_last_id_ = std::max<std::int64_t>((tail_floor_ << kChunkBits) - 1, 0);
    if (chunk_of(last_id(), kChunkBits) <= tail_floor_) {
        catch_up();  // the usual case: at most the open chunk to read back
        tail_ready_ = true;
        return;
    }
    // Complete chunks with no postings: after the upgrade to schema 3, or a crash between
    // filling a chunk and writing it. Write each as soon as the scan has passed it, so
    // that memory holds one chunk at a time however long the history.
    Transaction transaction(db_);
    each_message_after(select_blocks_from_, tail_last_id_,
                       [&](const BlockEntry& entry, const std::vector<std::string_view>& keys) {
                           const std::int64_t chunk = chunk_of(entry.id, kChunkBits);
                           if (!tail_.empty() && tail_.begin()->first < chunk) {
                               tail_floor_ = write_chunks_below(chunk);
                               tail_.erase(tail_.begin(), tail_.lower_bound(tail_floor_));
                           }
                           add_to_tail(entry.id, entry.sender_key,
                                       std::span(keys).subspan(entry.first_key, entry.key_count));
                       });
    transaction.commit();
    tail_ready_ = true;
}

void HistoryStore::catch_up() {
    each_message_after(select_blocks_from_, tail_last_id_,
                       [&](const BlockEntry& entry, const std::vector<std::string_view>& keys) {
                           add_to_tail(entry.id, entry.sender_key,
                                       std::span(keys).subspan(entry.first_key, entry.key_count));
                       });
}

template <typename Keys>
void HistoryStore::add_to_tail(std::int64_t id, std::string_view sender_key, const Keys& keys) {
    tail_last_id_ = std::max(tail_last_id_, id);
    const std::int64_t chunk = chunk_of(id, kChunkBits);
    if (chunk < tail_floor_) return;  // written already, by another connection
    ChunkPostings& postings = tail_[chunk];
    auto add = [id](PostingMap& map, std::string_view key) {
        auto it = map.find(key);
        if (it == map.end()) it = map.emplace(std::string(key), std::vector<std::int64_t>()).first;
        it->second.push_back(id);
    };
    add(postings.from, sender_key);
    for (const auto& key : keys) {
        if (kind_of_key(key) == TargetKind::user) add(postings.to, key);
    }
}

std::int64_t HistoryStore::write_chunks_below(std::int64_t chunk) {
    if (chunk <= tail_floor_) return tail_floor_;
    for (auto it = tail_.begin(); it != tail_.end() && it->first < chunk; ++it) {
        // In key order, so that the rows go in sorted, as the table keeps them.
        std::vector<std::pair<std::string, const std::vector<std::int64_t>*>> sorted;
        sorted.reserve(it->second.to.size() + it->second.from.size());
        for (const auto& [key, ids] : it->second.to) sorted.emplace_back(to_key(key), &ids);
        for (const auto& [key, ids] : it->second.from) sorted.emplace_back(from_key(key), &ids);
        std::sort(sorted.begin(), sorted.end());
        std::string ids_buffer;
        for (const auto& [key, ids] : sorted) {
            encode_ids(ids_buffer, *ids);
            insert_postings_.bind(1, it->first).bind(2, key).bind_blob_unowned(3, ids_buffer);
            insert_postings_.execute();
        }
    }
    return chunk;
}

std::vector<std::int64_t> HistoryStore::postings(std::int64_t chunk, bool to,
                                                 std::string_view user_key) {
    if (chunk >= tail_floor_) {
        auto in_chunk = tail_.find(chunk);
        if (in_chunk == tail_.end()) return {};
        const PostingMap& map = to ? in_chunk->second.to : in_chunk->second.from;
        auto ids = map.find(user_key);
        return ids == map.end() ? std::vector<std::int64_t>{} : ids->second;
    }
    auto in_use = select_postings_.use();
    select_postings_.bind(1, chunk).bind(2, to ? to_key(user_key) : from_key(user_key));
    return select_postings_.step() ? decode_ids(select_postings_.bytes(0))
                                   : std::vector<std::int64_t>{};
}

std::vector<HistoryMessage> HistoryStore::load(BlockCursor& cursor,
                                               const std::vector<std::int64_t>& ids) {
    std::vector<HistoryMessage> messages;
    messages.reserve(ids.size());
    for (std::int64_t id : ids) {
        const BlockEntry* entry = cursor.find(id);
        if (entry == nullptr) continue;  // deleted meanwhile by another connection
        messages.push_back(to_message(*entry, cursor.keys()));
    }
    return messages;
}

namespace {

// Runs a statement that yields one id per row and appends the ids to `ids`.
void collect_ids(Statement& statement, std::vector<std::int64_t>& ids) {
    auto in_use = statement.use();
    while (statement.step()) ids.push_back(statement.integer(0));
}

// Sorted, without duplicates; the first `limit` when `oldest` is true, else the last
// `limit` (still in increasing order).
void keep_ids(std::vector<std::int64_t>& ids, std::size_t limit, bool oldest) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() <= limit) return;
    if (oldest) {
        ids.resize(limit);
    } else {
        ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(limit));
    }
}

std::vector<std::int64_t> united(const std::vector<std::int64_t>& a,
                                 const std::vector<std::int64_t>& b) {
    std::vector<std::int64_t> out;
    out.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

std::vector<std::int64_t> common(const std::vector<std::int64_t>& a,
                                 const std::vector<std::int64_t>& b) {
    std::vector<std::int64_t> out;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

}  // namespace

std::vector<HistoryMessage> HistoryStore::visible_after(std::string_view user,
                                                        std::span<const std::string> rooms,
                                                        std::int64_t after_id, std::size_t limit) {
    if (limit == 0) return {};
    std::vector<std::string> keys{std::string(names::kAllRoom)};
    for (const auto& room : rooms) keys.push_back(history_target_key(room));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const std::string user_key = names::fold(user);

    ensure_tail();
    // A read transaction makes the ranges, the postings and the loads one snapshot.
    ReadSnapshot snapshot(db_);
    catch_up();
    BlockCursor cursor(select_block_);
    // Rooms: one bounded index range per key, each at most `limit` ids.
    std::vector<std::int64_t> ids;
    for (const auto& key : keys) {
        ids_room_after_.bind(1, key).bind(2, after_id).bind(3, as_limit(limit));
        collect_ids(ids_room_after_, ids);
    }
    // The user's own: chunk by chunk from after_id until `limit` are found. Postings may
    // name a message that retention deleted since; only those still there count.
    const std::int64_t first = std::max(first_id(), after_id + 1);
    if (first > 0 && first <= tail_last_id_) {
        std::size_t found = 0;
        for (std::int64_t chunk = chunk_of(first, kChunkBits);
             chunk <= chunk_of(tail_last_id_, kChunkBits) && found < limit; ++chunk) {
            for (std::int64_t id :
                 united(postings(chunk, true, user_key), postings(chunk, false, user_key))) {
                if (id <= after_id || cursor.find(id) == nullptr) continue;
                ids.push_back(id);
                if (++found == limit) break;
            }
        }
    }
    keep_ids(ids, limit, true);
    return load(cursor, ids);
}

std::vector<HistoryMessage> HistoryStore::room_before(std::string_view room, std::int64_t before_id,
                                                      std::size_t limit) {
    if (limit == 0) return {};
    ReadSnapshot snapshot(db_);
    std::vector<std::int64_t> ids;
    ids_room_before_.bind(1, history_target_key(room)).bind(2, before_id).bind(3, as_limit(limit));
    collect_ids(ids_room_before_, ids);
    keep_ids(ids, limit, false);
    BlockCursor cursor(select_block_);
    return load(cursor, ids);
}

std::vector<HistoryMessage> HistoryStore::conversation(std::string_view a, std::string_view b,
                                                       std::int64_t before_id, std::size_t limit) {
    if (limit == 0) return {};
    const std::string key_a = names::fold(a);
    const std::string key_b = names::fold(b);
    ensure_tail();
    ReadSnapshot snapshot(db_);
    catch_up();
    BlockCursor cursor(select_block_);
    std::vector<std::int64_t> ids;
    const std::int64_t first = first_id();
    const std::int64_t top = std::min(before_id - 1, tail_last_id_);
    if (first == 0 || top < first) return {};
    // Newest chunk first, until `limit` are found: messages to b from a, and to a from b.
    for (std::int64_t chunk = chunk_of(top, kChunkBits);
         chunk >= chunk_of(first, kChunkBits) && ids.size() < limit; --chunk) {
        auto candidates = common(postings(chunk, true, key_b), postings(chunk, false, key_a));
        if (key_a != key_b) {
            candidates = united(
                candidates, common(postings(chunk, true, key_a), postings(chunk, false, key_b)));
        }
        for (auto it = candidates.rbegin(); it != candidates.rend() && ids.size() < limit; ++it) {
            if (*it < before_id && cursor.find(*it) != nullptr) ids.push_back(*it);
        }
    }
    keep_ids(ids, limit, false);
    return load(cursor, ids);
}

std::vector<HistoryMessage> HistoryStore::inbox(std::string_view user, std::int64_t after_id,
                                                std::size_t limit) {
    if (limit == 0) return {};
    ReadSnapshot snapshot(db_);
    std::vector<std::int64_t> ids;
    ids_inbox_after_.bind(1, names::fold(user)).bind(2, after_id).bind(3, as_limit(limit));
    collect_ids(ids_inbox_after_, ids);
    BlockCursor cursor(select_block_);
    return load(cursor, ids);
}

std::size_t HistoryStore::inbox_size(std::string_view user) {
    auto in_use = select_inbox_size_.use();
    select_inbox_size_.bind(1, names::fold(user));
    return select_inbox_size_.step() ? static_cast<std::size_t>(select_inbox_size_.integer(0)) : 0;
}

std::size_t HistoryStore::mark_delivered(std::string_view user, std::int64_t through_id) {
    delete_inbox_through_.bind(1, names::fold(user)).bind(2, through_id);
    return static_cast<std::size_t>(delete_inbox_through_.execute());
}

void HistoryStore::rewrite_block(const EditedBlock& block) {
    delete_block_.bind(1, block.first_id);
    delete_block_.execute();
    // The block may have held the highest id ever used: keep it for last_id().
    raise_last_id_.bind(1, block.last_id);
    raise_last_id_.execute();
    if (block.messages.empty()) return;
    // What is left of one block fits the caps of one.
    BlockWriter writer(block_);
    for (const HistoryMessage& message : block.messages) add_message(writer, message);
    insert_block(insert_block_, writer);
}

std::size_t HistoryStore::prune_older_than(std::int64_t cutoff_ms, std::size_t max_rows) {
    if (max_rows == 0) return 0;
    Transaction transaction(db_);
    std::int64_t through = 0;      // the last message removed
    std::int64_t whole_first = 0;  // the key of the last block removed whole
    std::int64_t whole_last = 0;   // and its last id
    std::size_t removed = 0;
    std::optional<EditedBlock> cut;  // the block cut in two, if one is
    {
        auto in_use = select_oldest_blocks_.use();
        while (removed < max_rows && select_oldest_blocks_.step()) {
            const auto count = static_cast<std::size_t>(select_oldest_blocks_.integer(2));
            if (select_oldest_blocks_.integer(3) < cutoff_ms && count <= max_rows - removed) {
                // All of it, unread.
                whole_first = select_oldest_blocks_.integer(0);
                whole_last = select_oldest_blocks_.integer(1);
                through = whole_last;
                removed += count;
                continue;
            }
            EditedBlock block{select_oldest_blocks_.integer(0), select_oldest_blocks_.integer(1),
                              decode_block(select_oldest_blocks_.bytes(4)), true};
            std::size_t dropped = 0;
            while (dropped < block.messages.size() && removed < max_rows &&
                   block.messages[dropped].ts_ms < cutoff_ms) {
                through = block.messages[dropped++].id;
                ++removed;
            }
            if (dropped > 0) {
                block.messages.erase(block.messages.begin(),
                                     block.messages.begin() + static_cast<std::ptrdiff_t>(dropped));
                cut = std::move(block);
            }
            break;  // at a young message, or at max_rows
        }
    }
    if (removed > 0) {
        // What refers to the messages goes with them: room rows room by room (one range
        // each), inbox rows, and the postings of chunks now wholly deleted. Postings of
        // the chunk cut in two stay; readers check that a message is still there.
        for (const auto& room : rooms()) {
            delete_room_through_.bind(1, room).bind(2, through);
            delete_room_through_.execute();
        }
        delete_inbox_of_messages_through_.bind(1, through);
        delete_inbox_of_messages_through_.execute();
        delete_postings_below_.bind(1, chunk_of(through + 1, kChunkBits));
        delete_postings_below_.execute();
        if (whole_first != 0) {
            delete_blocks_through_.bind(1, whole_first);
            delete_blocks_through_.execute();
            raise_last_id_.bind(1, whole_last);
            raise_last_id_.execute();
        }
        if (cut) rewrite_block(*cut);
    }
    transaction.commit();
    appended_ = false;  // the last id may have moved to history_meta
    return removed;
}

std::size_t HistoryStore::prune_room(std::string_view room, std::size_t keep,
                                     std::size_t max_rows) {
    if (max_rows == 0) return 0;
    const std::string key = history_target_key(room);
    Transaction transaction(db_);
    std::int64_t cutoff = 0;
    {
        auto in_use = select_room_cutoff_.use();
        select_room_cutoff_.bind(1, key).bind(2, as_limit(keep));
        if (!select_room_cutoff_.step()) return 0;  // no more than `keep`: rolls back nothing
        cutoff = select_room_cutoff_.integer(0);
    }
    std::vector<std::int64_t> ids;
    ids_room_through_.bind(1, key).bind(2, cutoff).bind(3, as_limit(max_rows));
    collect_ids(ids_room_through_, ids);
    // Ids ascend, so each block is read, changed for all its ids, and written back once.
    std::optional<EditedBlock> block;
    for (std::int64_t id : ids) {
        delete_room_row_.bind(1, key).bind(2, id);
        delete_room_row_.execute();
        if (!block || id < block->first_id || id > block->last_id) {
            if (block && block->changed) rewrite_block(*block);
            block.reset();
            auto in_use = select_block_.use();
            select_block_.bind(1, id);
            if (!select_block_.step()) continue;
            block = EditedBlock{select_block_.integer(0), select_block_.integer(1),
                                decode_block(select_block_.bytes(2)), false};
        }
        auto& messages = block->messages;
        auto it =
            std::lower_bound(messages.begin(), messages.end(), id,
                             [](const HistoryMessage& m, std::int64_t v) { return m.id < v; });
        if (it == messages.end() || it->id != id) continue;
        auto& keys = it->targets;
        keys.erase(std::remove(keys.begin(), keys.end(), key), keys.end());
        block->changed = true;
        if (keys.empty()) {
            messages.erase(it);
            delete_inbox_of_message_.bind(1, id);
            delete_inbox_of_message_.execute();
        }
    }
    if (block && block->changed) rewrite_block(*block);
    transaction.commit();
    appended_ = false;  // the last id may have moved to history_meta
    return ids.size();
}

std::vector<std::string> HistoryStore::rooms() {
    std::vector<std::string> keys;
    auto in_use = select_rooms_.use();
    while (select_rooms_.step()) keys.push_back(select_rooms_.text(0));
    return keys;
}

std::size_t HistoryStore::export_json_lines(std::ostream& out) {
    std::size_t lines = 0;
    ReadSnapshot snapshot(db_);
    each_message_after(select_blocks_from_, 0,
                       [&](const BlockEntry& entry, const std::vector<std::string_view>& keys) {
                           boost::json::array targets;
                           for (std::size_t k = 0; k < entry.key_count; ++k) {
                               targets.emplace_back(valid_utf8(keys[entry.first_key + k]));
                           }
                           boost::json::object line;
                           line["id"] = entry.id;
                           line["ts"] = entry.ts;
                           line["from"] = valid_utf8(entry.sender);
                           line["dest"] = valid_utf8(entry.dest);
                           line["targets"] = std::move(targets);
                           line["text"] = valid_utf8(entry.text);
                           out << boost::json::serialize(line) << '\n';
                           ++lines;
                       });
    return lines;
}

}  // namespace hubchat::store
