#include "store/history.hpp"

#include "core/names.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
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

// The statements, by name, so that tests can check the plans of the read ones.
constexpr std::string_view kInsertMessage =
    "INSERT INTO messages (id, ts, sender, sender_key, dest, text) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
// Folded duplicates ("bob,Bob") are one target.
constexpr std::string_view kInsertTarget =
    "INSERT INTO message_targets (message_id, target, kind, sender_key) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";
constexpr std::string_view kInsertInbox =
    "INSERT INTO inbox (recipient_key, message_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
constexpr std::string_view kSelectLastId =
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0), "
    "coalesce((SELECT max(id) FROM messages), 0))";
constexpr std::string_view kSelectCount = "SELECT count(*) FROM messages";
constexpr std::string_view kSelectMessage =
    "SELECT id, ts, sender, sender_key, dest, text FROM messages WHERE id = ?1";
constexpr std::string_view kSelectTargets =
    "SELECT target FROM message_targets WHERE message_id = ?1 ORDER BY target";
constexpr std::string_view kIdsToTargetAfter =
    "SELECT message_id FROM message_targets WHERE target = ?1 AND message_id > ?2 "
    "ORDER BY message_id LIMIT ?3";
constexpr std::string_view kIdsFromSenderAfter =
    "SELECT id FROM messages WHERE sender_key = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
constexpr std::string_view kIdsToTargetBefore =
    "SELECT message_id FROM message_targets WHERE target = ?1 AND message_id < ?2 "
    "ORDER BY message_id DESC LIMIT ?3";
// kind = 2 spelled out so that the planner may use the partial index.
constexpr std::string_view kIdsDirectBefore =
    "SELECT message_id FROM message_targets "
    "WHERE kind = 2 AND target = ?1 AND sender_key = ?2 AND message_id < ?3 "
    "ORDER BY message_id DESC LIMIT ?4";
constexpr std::string_view kIdsInboxAfter =
    "SELECT message_id FROM inbox WHERE recipient_key = ?1 AND message_id > ?2 "
    "ORDER BY message_id LIMIT ?3";
constexpr std::string_view kSelectInboxSize = "SELECT count(*) FROM inbox WHERE recipient_key = ?1";
constexpr std::string_view kDeleteInboxThrough =
    "DELETE FROM inbox WHERE recipient_key = ?1 AND message_id <= ?2";
constexpr std::string_view kSelectOldest = "SELECT id, ts FROM messages ORDER BY id LIMIT ?1";
constexpr std::string_view kDeleteMessagesThrough = "DELETE FROM messages WHERE id <= ?1";
// The id of the newest message past those to keep; OFFSET walks `keep` index entries.
constexpr std::string_view kSelectRoomCutoff =
    "SELECT message_id FROM message_targets WHERE target = ?1 "
    "ORDER BY message_id DESC LIMIT 1 OFFSET ?2";
constexpr std::string_view kIdsRoomThrough =
    "SELECT message_id FROM message_targets WHERE target = ?1 AND message_id <= ?2 "
    "ORDER BY message_id LIMIT ?3";
constexpr std::string_view kDeleteTarget =
    "DELETE FROM message_targets WHERE message_id = ?1 AND target = ?2";
constexpr std::string_view kDeleteIfOrphan =
    "DELETE FROM messages WHERE id = ?1 "
    "AND NOT EXISTS (SELECT 1 FROM message_targets WHERE message_id = ?1)";
// A loose index scan: each step seeks the next distinct key after the previous one, so
// the cost is one seek per room, not one step per message. Room keys start with '#'
// (0x23); '$' (0x24) bounds them.
constexpr std::string_view kSelectRooms =
    "WITH RECURSIVE rooms(key) AS ("
    " SELECT (SELECT min(target) FROM message_targets WHERE target >= '#' AND target < '$')"
    " UNION ALL"
    " SELECT (SELECT min(target) FROM message_targets WHERE target > rooms.key AND target < '$')"
    " FROM rooms WHERE rooms.key IS NOT NULL)"
    " SELECT key FROM rooms WHERE key IS NOT NULL"
    " UNION ALL"
    " SELECT 'ALL' WHERE EXISTS (SELECT 1 FROM message_targets WHERE target = 'ALL')";
constexpr std::string_view kSelectAll =
    "SELECT id, ts, sender, sender_key, dest, text FROM messages ORDER BY id";

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kReadQueries{{
    {"last_id", kSelectLastId},
    {"message", kSelectMessage},
    {"targets", kSelectTargets},
    {"to_target_after", kIdsToTargetAfter},
    {"from_sender_after", kIdsFromSenderAfter},
    {"to_target_before", kIdsToTargetBefore},
    {"direct_before", kIdsDirectBefore},
    {"inbox_after", kIdsInboxAfter},
    {"inbox_size", kSelectInboxSize},
    {"room_cutoff", kSelectRoomCutoff},
    {"room_through", kIdsRoomThrough},
    {"rooms", kSelectRooms},
}};

}  // namespace

std::string history_target_key(std::string_view target) {
    if (names::is_all(target)) return std::string(names::kAllRoom);
    return names::fold(target);
}

HistoryStore::HistoryStore(Database& db)
    : db_(db),
      insert_message_(db, kInsertMessage),
      insert_target_(db, kInsertTarget),
      insert_inbox_(db, kInsertInbox),
      select_last_id_(db, kSelectLastId),
      select_count_(db, kSelectCount),
      select_message_(db, kSelectMessage),
      select_targets_(db, kSelectTargets),
      ids_to_target_after_(db, kIdsToTargetAfter),
      ids_from_sender_after_(db, kIdsFromSenderAfter),
      ids_to_target_before_(db, kIdsToTargetBefore),
      ids_direct_before_(db, kIdsDirectBefore),
      ids_inbox_after_(db, kIdsInboxAfter),
      select_inbox_size_(db, kSelectInboxSize),
      delete_inbox_through_(db, kDeleteInboxThrough),
      select_oldest_(db, kSelectOldest),
      delete_messages_through_(db, kDeleteMessagesThrough),
      select_room_cutoff_(db, kSelectRoomCutoff),
      ids_room_through_(db, kIdsRoomThrough),
      delete_target_(db, kDeleteTarget),
      delete_if_orphan_(db, kDeleteIfOrphan),
      select_rooms_(db, kSelectRooms),
      select_all_(db, kSelectAll) {}

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

std::vector<std::int64_t> HistoryStore::append(std::span<const NewMessage> batch) {
    std::vector<std::int64_t> ids;
    if (batch.empty()) return ids;
    ids.reserve(batch.size());
    Transaction transaction(db_);
    std::int64_t previous = last_id();
    for (const NewMessage& message : batch) {
        if (message.targets.empty()) {
            throw std::invalid_argument("a history message needs at least one target");
        }
        if (message.id != 0 && message.id <= previous) {
            throw std::invalid_argument("history id " + std::to_string(message.id) +
                                        " is not above the last one, " + std::to_string(previous));
        }
        previous = insert(message);
        ids.push_back(previous);
    }
    transaction.commit();
    return ids;
}

std::int64_t HistoryStore::insert(const NewMessage& message) {
    const std::int64_t id = message.id;
    const std::string sender_key = names::fold(message.sender);
    std::string dest = message.dest;
    if (dest.empty()) {
        for (const auto& target : message.targets) {
            if (!dest.empty()) dest += ',';
            dest += target;
        }
    }
    std::int64_t stored_id = 0;
    {
        auto in_use = insert_message_.use();
        if (id != 0) {
            insert_message_.bind(1, id);
        } else {
            insert_message_.bind_null(1);
        }
        insert_message_.bind(2, message.ts_ms)
            .bind(3, message.sender)
            .bind(4, sender_key)
            .bind(5, dest)
            .bind(6, message.text);
        if (!insert_message_.step()) throw StoreError("INSERT ... RETURNING returned no id", 0);
        stored_id = insert_message_.integer(0);
        // Step to the end so the insert is complete before the next statement.
        while (insert_message_.step()) {
        }
    }
    for (const auto& target : message.targets) {
        const std::string key = history_target_key(target);
        insert_target_.bind(1, stored_id)
            .bind(2, key)
            .bind(3, static_cast<std::int64_t>(kind_of_key(key)))
            .bind(4, sender_key);
        insert_target_.execute();
    }
    for (const auto& recipient : message.offline_recipients) {
        insert_inbox_.bind(1, names::fold(recipient)).bind(2, stored_id);
        insert_inbox_.execute();
    }
    return stored_id;
}

std::vector<HistoryMessage> HistoryStore::load(const std::vector<std::int64_t>& ids) {
    std::vector<HistoryMessage> messages;
    messages.reserve(ids.size());
    for (std::int64_t id : ids) {
        HistoryMessage message;
        {
            auto in_use = select_message_.use();
            select_message_.bind(1, id);
            if (!select_message_.step()) continue;  // deleted meanwhile by another connection
            message.id = select_message_.integer(0);
            message.ts_ms = select_message_.integer(1);
            message.sender = select_message_.text(2);
            message.sender_key = select_message_.text(3);
            message.dest = select_message_.text(4);
            message.text = select_message_.text(5);
        }
        {
            auto in_use = select_targets_.use();
            select_targets_.bind(1, id);
            while (select_targets_.step()) message.targets.push_back(select_targets_.text(0));
        }
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

}  // namespace

std::vector<HistoryMessage> HistoryStore::visible_after(std::string_view user,
                                                        std::span<const std::string> rooms,
                                                        std::int64_t after_id, std::size_t limit) {
    if (limit == 0) return {};
    std::vector<std::string> keys{std::string(names::kAllRoom), names::fold(user)};
    for (const auto& room : rooms) keys.push_back(history_target_key(room));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

    // One bounded index range per key, merged: each yields at most `limit` ids, so the
    // work is (keys + 1) * limit however long ago after_id was. A read transaction makes
    // the ranges and the loads one snapshot.
    ReadSnapshot snapshot(db_);
    std::vector<std::int64_t> ids;
    for (const auto& key : keys) {
        ids_to_target_after_.bind(1, key).bind(2, after_id).bind(3, as_limit(limit));
        collect_ids(ids_to_target_after_, ids);
    }
    ids_from_sender_after_.bind(1, names::fold(user)).bind(2, after_id).bind(3, as_limit(limit));
    collect_ids(ids_from_sender_after_, ids);
    keep_ids(ids, limit, true);
    return load(ids);
}

std::vector<HistoryMessage> HistoryStore::room_before(std::string_view room, std::int64_t before_id,
                                                      std::size_t limit) {
    if (limit == 0) return {};
    std::vector<std::int64_t> ids;
    ids_to_target_before_.bind(1, history_target_key(room))
        .bind(2, before_id)
        .bind(3, as_limit(limit));
    collect_ids(ids_to_target_before_, ids);
    keep_ids(ids, limit, false);
    return load(ids);
}

std::vector<HistoryMessage> HistoryStore::conversation(std::string_view a, std::string_view b,
                                                       std::int64_t before_id, std::size_t limit) {
    if (limit == 0) return {};
    const std::string key_a = names::fold(a);
    const std::string key_b = names::fold(b);
    std::vector<std::int64_t> ids;
    ids_direct_before_.bind(1, key_b).bind(2, key_a).bind(3, before_id).bind(4, as_limit(limit));
    collect_ids(ids_direct_before_, ids);
    if (key_a != key_b) {
        ids_direct_before_.bind(1, key_a)
            .bind(2, key_b)
            .bind(3, before_id)
            .bind(4, as_limit(limit));
        collect_ids(ids_direct_before_, ids);
    }
    keep_ids(ids, limit, false);
    return load(ids);
}

std::vector<HistoryMessage> HistoryStore::inbox(std::string_view user, std::int64_t after_id,
                                                std::size_t limit) {
    if (limit == 0) return {};
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
        delete_target_.bind(1, id).bind(2, key);
        delete_target_.execute();
        delete_if_orphan_.bind(1, id);
        delete_if_orphan_.execute();
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
    ReadSnapshot snapshot(db_);  // one snapshot for the messages and their targets
    auto in_use = select_all_.use();
    while (select_all_.step()) {
        const std::int64_t id = select_all_.integer(0);
        boost::json::array targets;
        {
            auto targets_in_use = select_targets_.use();
            select_targets_.bind(1, id);
            while (select_targets_.step()) {
                targets.emplace_back(valid_utf8(select_targets_.text(0)));
            }
        }
        boost::json::object line;
        line["id"] = id;
        line["ts"] = select_all_.integer(1);
        line["from"] = valid_utf8(select_all_.text(2));
        line["dest"] = valid_utf8(select_all_.text(4));
        line["targets"] = std::move(targets);
        line["text"] = valid_utf8(select_all_.text(5));
        out << boost::json::serialize(line) << '\n';
        ++lines;
    }
    return lines;
}

}  // namespace hubchat::store
