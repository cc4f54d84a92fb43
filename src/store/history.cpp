#include "store/history.hpp"

#include "core/names.hpp"

#include <sqlite3.h>
#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <iterator>
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

// Target keys inline in messages.targets: sorted, distinct, joined by ',', with '\' and
// ',' escaped by '\'. A message always has a target, so "" is the one empty key.
std::string encode_targets(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& key : keys) {
        if (&key != &keys.front()) out += ',';
        for (char c : key) {
            if (c == '\\' || c == ',') out += '\\';
            out += c;
        }
    }
    return out;
}

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

std::string join_ids(const std::vector<std::int64_t>& ids) {
    std::string out;
    out.reserve(ids.size() * 8);
    char buffer[24];
    for (std::int64_t id : ids) {
        if (!out.empty()) out += ',';
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, id);
        out.append(buffer, end);
    }
    return out;
}

std::vector<std::int64_t> split_ids(std::string_view text) {
    std::vector<std::int64_t> ids;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    while (p < end) {
        std::int64_t id = 0;
        auto [next, ec] = std::from_chars(p, end, id);
        if (ec != std::errc()) throw StoreError("history: a damaged user_postings row", 0);
        ids.push_back(id);
        p = next < end ? next + 1 : next;  // skip the ','
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

constexpr int kRowsPerInsert = 32;
constexpr int kColumnsPerRow = 7;

// One INSERT of `rows` messages: a statement's fixed cost (and, with AUTOINCREMENT, its
// sqlite_sequence update) is paid once per kRowsPerInsert messages.
//
// Without the id column SQLite picks the next id itself (the highest ever used + 1, as
// last_id() counts) and appends at the end of the table from where its cursor already is.
// With the id given, it checks that the id is free: a descent from the root of the table
// per row, a third of what a row cost. So append() names the id only where a batch's ids
// are not consecutive (after a failed batch left a gap).
std::string insert_messages_sql(int rows, bool with_id) {
    std::string sql = with_id ? "INSERT INTO messages (id, ts, sender, sender_key, dest, "
                                "targets, text) VALUES "
                              : "INSERT INTO messages (ts, sender, sender_key, dest, "
                                "targets, text) VALUES ";
    const int columns = with_id ? kColumnsPerRow : kColumnsPerRow - 1;
    for (int row = 0; row < rows; ++row) {
        if (row > 0) sql += ',';
        sql += '(';
        for (int column = 1; column <= columns; ++column) {
            if (column > 1) sql += ',';
            sql += '?' + std::to_string(row * columns + column);
        }
        sql += ')';
    }
    return sql;
}

// The statements, by name, so that tests can check the plans of the read ones.
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

// Room rows go in kRowsPerInsert at a time too: a statement per row opened a cursor and
// walked down the table each time.
std::string insert_rooms_sql(int rows) {
    std::string sql = "INSERT INTO room_messages (room_key, message_id) VALUES ";
    for (int row = 0; row < rows; ++row) {
        if (row > 0) sql += ',';
        sql += "(?" + std::to_string(2 * row + 1) + ",?" + std::to_string(2 * row + 2) + ')';
    }
    return sql + " ON CONFLICT DO NOTHING";
}

constexpr std::string_view kInsertInbox =
    "INSERT INTO inbox (recipient_key, message_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
constexpr std::string_view kSelectLastId =
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0), "
    "coalesce((SELECT max(id) FROM messages), 0))";
constexpr std::string_view kSelectCount = "SELECT count(*) FROM messages";
constexpr std::string_view kSelectFirstId = "SELECT coalesce(min(id), 0) FROM messages";
constexpr std::string_view kSelectMessage =
    "SELECT id, ts, sender, sender_key, dest, targets, text FROM messages WHERE id = ?1";
constexpr std::string_view kSelectExists = "SELECT 1 FROM messages WHERE id = ?1";
constexpr std::string_view kSelectAfter =
    "SELECT id, sender_key, targets FROM messages WHERE id > ?1 ORDER BY id";
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
constexpr std::string_view kSelectOldest = "SELECT id, ts FROM messages ORDER BY id LIMIT ?1";
constexpr std::string_view kDeleteMessagesThrough = "DELETE FROM messages WHERE id <= ?1";
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
constexpr std::string_view kSelectTargets = "SELECT targets FROM messages WHERE id = ?1";
constexpr std::string_view kUpdateTargets = "UPDATE messages SET targets = ?2 WHERE id = ?1";
constexpr std::string_view kDeleteMessage = "DELETE FROM messages WHERE id = ?1";
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
constexpr std::string_view kSelectAll =
    "SELECT id, ts, sender, dest, targets, text FROM messages ORDER BY id";

constexpr std::array<std::pair<std::string_view, std::string_view>, 15> kReadQueries{{
    {"last_id", kSelectLastId},
    {"first_id", kSelectFirstId},
    {"message", kSelectMessage},
    {"exists", kSelectExists},
    {"after", kSelectAfter},
    {"written_chunk", kSelectWrittenChunk},
    {"postings", kSelectPostings},
    {"room_after", kIdsRoomAfter},
    {"room_before", kIdsRoomBefore},
    {"inbox_after", kIdsInboxAfter},
    {"inbox_size", kSelectInboxSize},
    {"room_cutoff", kSelectRoomCutoff},
    {"room_through", kIdsRoomThrough},
    {"targets", kSelectTargets},
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

std::string history_target_key(std::string_view target) {
    if (names::is_all(target)) return std::string(names::kAllRoom);
    return names::fold(target);
}

HistoryStore::HistoryStore(Database& db)
    : db_(db),
      insert_message_with_id_(db, insert_messages_sql(1, true)),
      insert_inbox_(db, kInsertInbox),
      select_last_id_(db, kSelectLastId),
      select_count_(db, kSelectCount),
      select_first_id_(db, kSelectFirstId),
      select_message_(db, kSelectMessage),
      select_exists_(db, kSelectExists),
      select_after_(db, kSelectAfter),
      select_written_chunk_(db, kSelectWrittenChunk),
      select_postings_(db, kSelectPostings),
      insert_postings_(db, kInsertPostings),
      delete_postings_below_(db, kDeletePostingsBelow),
      ids_room_after_(db, kIdsRoomAfter),
      ids_room_before_(db, kIdsRoomBefore),
      ids_inbox_after_(db, kIdsInboxAfter),
      select_inbox_size_(db, kSelectInboxSize),
      delete_inbox_through_(db, kDeleteInboxThrough),
      select_oldest_(db, kSelectOldest),
      delete_messages_through_(db, kDeleteMessagesThrough),
      delete_room_through_(db, kDeleteRoomThrough),
      delete_inbox_of_messages_through_(db, kDeleteInboxOfMessagesThrough),
      select_room_cutoff_(db, kSelectRoomCutoff),
      ids_room_through_(db, kIdsRoomThrough),
      delete_room_row_(db, kDeleteRoomRow),
      select_targets_(db, kSelectTargets),
      update_targets_(db, kUpdateTargets),
      delete_message_(db, kDeleteMessage),
      delete_inbox_of_message_(db, kDeleteInboxOfMessage),
      select_rooms_(db, kSelectRooms),
      select_all_(db, kSelectAll) {
    for (int rows = kRowsPerInsert; rows > 0; rows /= 2) {
        message_inserts_.emplace_back(db, insert_messages_sql(rows, false));
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

std::int64_t HistoryStore::first_id() {
    auto in_use = select_first_id_.use();
    return select_first_id_.step() ? select_first_id_.integer(0) : 0;
}

bool HistoryStore::exists(std::int64_t id) {
    auto in_use = select_exists_.use();
    select_exists_.bind(1, id);
    return select_exists_.step();
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
    // Elements are reused, not cleared away, so that their strings keep their buffers.
    if (prepared_.size() < batch.size()) prepared_.resize(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const MessageRef& message = batch[i];
        Prepared& p = prepared_[i];
        p.sender_key = names::fold(message.sender);
        p.keys.clear();
        for (const auto& target : message.targets) p.keys.push_back(history_target_key(target));
        std::sort(p.keys.begin(), p.keys.end());
        p.keys.erase(std::unique(p.keys.begin(), p.keys.end()), p.keys.end());
        p.targets = encode_targets(p.keys);
        p.dest.clear();
        if (message.dest.empty()) {
            for (const auto& target : message.targets) {
                if (!p.dest.empty()) p.dest += ',';
                p.dest += target;
            }
        }
    }
    const auto& prepared = prepared_;

    ensure_tail();
    ids.reserve(batch.size());
    Transaction transaction(db_);
    catch_up();  // rows another connection wrote since
    const std::int64_t last_before = last_id();
    std::int64_t previous = last_before;
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

    // Binds row i's columns after the id from parameter first + 1 on.
    auto bind_row = [&](Statement& statement, int first, std::size_t i) {
        const MessageRef& message = batch[i];
        const Prepared& p = prepared[i];
        // Unowned: the batch and prepared_ stay as they are until execute() has reset.
        statement.bind(first + 1, message.ts_ms)
            .bind_unowned(first + 2, message.sender)
            .bind_unowned(first + 3, p.sender_key)
            .bind_unowned(first + 4, message.dest.empty() ? std::string_view(p.dest)
                                                          : std::string_view(message.dest))
            .bind_unowned(first + 5, p.targets)
            .bind_unowned(first + 6, message.text);
    };
    // Runs of consecutive ids: the first row of a run that does not follow the highest id
    // so far names its id; the rest let SQLite number them, which must come out the same.
    std::int64_t highest = last_before;
    for (std::size_t begin = 0; begin < batch.size();) {
        if (ids[begin] != highest + 1) {
            insert_message_with_id_.bind(1, ids[begin]);
            bind_row(insert_message_with_id_, 1, begin);
            insert_message_with_id_.execute();
            highest = ids[begin++];
            continue;
        }
        std::size_t end = begin + 1;
        while (end < batch.size() && ids[end] == ids[end - 1] + 1) ++end;
        insert_rows(message_inserts_, begin, end, [&](Statement& statement, int r, std::size_t i) {
            bind_row(statement, r * (kColumnsPerRow - 1), i);
        });
        if (sqlite3_last_insert_rowid(db_.handle()) != ids[end - 1]) {
            throw StoreError("history: SQLite numbered the messages " + std::to_string(ids[begin]) +
                                 " to " + std::to_string(ids[end - 1]) + " differently",
                             0);
        }
        highest = ids[end - 1];
        begin = end;
    }
    // Room rows in key order, as the table keeps them: each room's go to the end of its
    // range one after another.
    room_rows_.clear();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        for (const auto& key : prepared[i].keys) {
            if (kind_of_key(key) != TargetKind::user) room_rows_.emplace_back(key, ids[i]);
        }
    }
    std::stable_sort(room_rows_.begin(), room_rows_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    insert_rows(room_inserts_, 0, room_rows_.size(),
                [&](Statement& statement, int r, std::size_t i) {
                    statement.bind_unowned(2 * r + 1, room_rows_[i].first)
                        .bind(2 * r + 2, room_rows_[i].second);
                });
    for (std::size_t i = 0; i < batch.size(); ++i) {
        for (const auto& recipient : batch[i].offline_recipients) {
            insert_inbox_.bind(1, names::fold(recipient)).bind(2, ids[i]);
            insert_inbox_.execute();
        }
    }
    transaction.commit();

    // Only now: a batch that failed must not be in the tail.
    for (auto it = tail_.begin(); it != tail_.end() && it->first < new_floor;) it = tail_.erase(it);
    tail_floor_ = std::max(tail_floor_, new_floor);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        add_to_tail(ids[i], prepared[i].sender_key, prepared[i].keys);
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
    {
        auto in_use = select_after_.use();
        select_after_.bind(1, tail_last_id_);
        while (select_after_.step()) {
            const std::int64_t id = select_after_.integer(0);
            const std::int64_t chunk = chunk_of(id, kChunkBits);
            if (!tail_.empty() && tail_.begin()->first < chunk) {
                tail_floor_ = write_chunks_below(chunk);
                tail_.erase(tail_.begin(), tail_.lower_bound(tail_floor_));
            }
            add_to_tail(id, select_after_.text(1), decode_targets(select_after_.text(2)));
        }
    }
    transaction.commit();
    tail_ready_ = true;
}

void HistoryStore::catch_up() {
    auto in_use = select_after_.use();
    select_after_.bind(1, tail_last_id_);
    while (select_after_.step()) {
        const std::int64_t id = select_after_.integer(0);
        add_to_tail(id, select_after_.text(1), decode_targets(select_after_.text(2)));
    }
}

void HistoryStore::add_to_tail(std::int64_t id, std::string_view sender_key,
                               const std::vector<std::string>& keys) {
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
        for (const auto& [key, ids] : sorted) {
            insert_postings_.bind(1, it->first).bind(2, key).bind(3, join_ids(*ids));
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
    return select_postings_.step() ? split_ids(select_postings_.text(0))
                                   : std::vector<std::int64_t>{};
}

std::vector<HistoryMessage> HistoryStore::load(const std::vector<std::int64_t>& ids) {
    std::vector<HistoryMessage> messages;
    messages.reserve(ids.size());
    for (std::int64_t id : ids) {
        auto in_use = select_message_.use();
        select_message_.bind(1, id);
        if (!select_message_.step()) continue;  // deleted meanwhile by another connection
        HistoryMessage message;
        message.id = select_message_.integer(0);
        message.ts_ms = select_message_.integer(1);
        message.sender = select_message_.text(2);
        message.sender_key = select_message_.text(3);
        message.dest = select_message_.text(4);
        message.targets = decode_targets(select_message_.text(5));
        message.text = select_message_.text(6);
        messages.push_back(std::move(message));
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
                if (id <= after_id || !exists(id)) continue;
                ids.push_back(id);
                if (++found == limit) break;
            }
        }
    }
    keep_ids(ids, limit, true);
    return load(ids);
}

std::vector<HistoryMessage> HistoryStore::room_before(std::string_view room, std::int64_t before_id,
                                                      std::size_t limit) {
    if (limit == 0) return {};
    ReadSnapshot snapshot(db_);
    std::vector<std::int64_t> ids;
    ids_room_before_.bind(1, history_target_key(room)).bind(2, before_id).bind(3, as_limit(limit));
    collect_ids(ids_room_before_, ids);
    keep_ids(ids, limit, false);
    return load(ids);
}

std::vector<HistoryMessage> HistoryStore::conversation(std::string_view a, std::string_view b,
                                                       std::int64_t before_id, std::size_t limit) {
    if (limit == 0) return {};
    const std::string key_a = names::fold(a);
    const std::string key_b = names::fold(b);
    ensure_tail();
    ReadSnapshot snapshot(db_);
    catch_up();
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
            if (*it < before_id && exists(*it)) ids.push_back(*it);
        }
    }
    keep_ids(ids, limit, false);
    return load(ids);
}

std::vector<HistoryMessage> HistoryStore::inbox(std::string_view user, std::int64_t after_id,
                                                std::size_t limit) {
    if (limit == 0) return {};
    ReadSnapshot snapshot(db_);
    std::vector<std::int64_t> ids;
    ids_inbox_after_.bind(1, names::fold(user)).bind(2, after_id).bind(3, as_limit(limit));
    collect_ids(ids_inbox_after_, ids);
    return load(ids);
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

std::size_t HistoryStore::prune_older_than(std::int64_t cutoff_ms, std::size_t max_rows) {
    if (max_rows == 0) return 0;
    Transaction transaction(db_);
    std::int64_t through = 0;
    std::size_t removed = 0;
    {
        auto in_use = select_oldest_.use();
        select_oldest_.bind(1, as_limit(max_rows));
        while (select_oldest_.step()) {
            if (select_oldest_.integer(1) >= cutoff_ms) break;
            through = select_oldest_.integer(0);
            ++removed;
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
        delete_messages_through_.bind(1, through);
        delete_messages_through_.execute();
    }
    transaction.commit();
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
    for (std::int64_t id : ids) {
        delete_room_row_.bind(1, key).bind(2, id);
        delete_room_row_.execute();
        std::vector<std::string> keys;
        {
            auto in_use = select_targets_.use();
            select_targets_.bind(1, id);
            if (!select_targets_.step()) continue;
            keys = decode_targets(select_targets_.text(0));
        }
        keys.erase(std::remove(keys.begin(), keys.end(), key), keys.end());
        if (keys.empty()) {
            delete_message_.bind(1, id);
            delete_message_.execute();
            delete_inbox_of_message_.bind(1, id);
            delete_inbox_of_message_.execute();
        } else {
            update_targets_.bind(1, id).bind(2, encode_targets(keys));
            update_targets_.execute();
        }
    }
    transaction.commit();
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
    auto in_use = select_all_.use();
    while (select_all_.step()) {
        boost::json::array targets;
        for (const auto& key : decode_targets(select_all_.text(4))) {
            targets.emplace_back(valid_utf8(key));
        }
        boost::json::object line;
        line["id"] = select_all_.integer(0);
        line["ts"] = select_all_.integer(1);
        line["from"] = valid_utf8(select_all_.text(2));
        line["dest"] = valid_utf8(select_all_.text(3));
        line["targets"] = std::move(targets);
        line["text"] = valid_utf8(select_all_.text(5));
        out << boost::json::serialize(line) << '\n';
        ++lines;
    }
    return lines;
}

}  // namespace hubchat::store
