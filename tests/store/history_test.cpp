// HistoryStore: what each query returns and in what order, ids across restarts and
// retention, the migration from the schema before history, pruning, export, odd bytes.
#include "store/history.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace hubchat::store {
namespace {

using testing::TempDir;

NewMessage msg(std::string sender, std::vector<std::string> targets, std::string text,
               std::int64_t ts_ms = 1'764'052'800'000) {
    NewMessage message;
    message.sender = std::move(sender);
    message.targets = std::move(targets);
    message.text = std::move(text);
    message.ts_ms = ts_ms;
    return message;
}

// How many schema steps come before the one described as `description` (the database
// "the previous version" had); every step's count if none is.
std::size_t steps_before(std::string_view description) {
    const auto all = Database::schema_migrations();
    std::size_t step = 0;
    while (step < all.size() && all[step].description != description) ++step;
    return step;
}

std::vector<std::int64_t> ids_of(const std::vector<HistoryMessage>& messages) {
    std::vector<std::int64_t> ids;
    for (const auto& message : messages) ids.push_back(message.id);
    return ids;
}

std::vector<std::string> texts_of(const std::vector<HistoryMessage>& messages) {
    std::vector<std::string> texts;
    for (const auto& message : messages) texts.push_back(message.text);
    return texts;
}

using Ids = std::vector<std::int64_t>;
using Texts = std::vector<std::string>;

class HistoryStoreTest : public ::testing::Test {
  protected:
    std::int64_t add(NewMessage message) {
        return store.append(std::span<const NewMessage>(&message, 1)).at(0);
    }

    TempDir temp;
    Database db{temp.path()};
    HistoryStore store{db};
};

TEST_F(HistoryStoreTest, AppendWritesABatchAndAssignsIncreasingIds) {
    EXPECT_EQ(store.last_id(), 0);
    std::vector<NewMessage> batch{msg("alice", {"ALL"}, "one"), msg("bob", {"#dev"}, "two"),
                                  msg("carol", {"alice"}, "three")};
    EXPECT_EQ(store.append(batch), (Ids{1, 2, 3}));
    EXPECT_EQ(store.last_id(), 3);
    EXPECT_EQ(store.count(), 3u);
    EXPECT_EQ(store.append({}), Ids{});

    auto all = store.room_before("ALL", HistoryStore::kLatest, 10);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].id, 1);
    EXPECT_EQ(all[0].ts_ms, 1'764'052'800'000);
    EXPECT_EQ(all[0].sender, "alice");
    EXPECT_EQ(all[0].sender_key, "alice");
    EXPECT_EQ(all[0].dest, "ALL");  // built from the targets when not given
    EXPECT_EQ(all[0].targets, Texts{"ALL"});
    EXPECT_EQ(all[0].text, "one");
}

TEST_F(HistoryStoreTest, ABatchIsOneTransactionAllOrNothing) {
    add(msg("alice", {"ALL"}, "kept"));
    std::vector<NewMessage> batch{msg("alice", {"ALL"}, "a"), msg("bob", {"ALL"}, "b"),
                                  msg("carol", {}, "no target: a caller's bug")};
    EXPECT_THROW(store.append(batch), std::invalid_argument);
    EXPECT_EQ(store.count(), 1u);
    EXPECT_EQ(store.last_id(), 1);
    EXPECT_EQ(texts_of(store.room_before("ALL", HistoryStore::kLatest, 10)), Texts{"kept"});
}

TEST_F(HistoryStoreTest, GivenIdsAreKeptAndMustIncrease) {
    auto first = msg("alice", {"ALL"}, "ten");
    first.id = 10;
    EXPECT_EQ(add(first), 10);
    EXPECT_EQ(add(msg("alice", {"ALL"}, "next")), 11);  // assigned after a given one

    auto stale = msg("alice", {"ALL"}, "old id");
    stale.id = 11;
    EXPECT_THROW(add(stale), std::invalid_argument);
    std::vector<NewMessage> backwards{msg("a", {"ALL"}, "x"), msg("a", {"ALL"}, "y")};
    backwards[0].id = 20;
    backwards[1].id = 15;
    EXPECT_THROW(store.append(backwards), std::invalid_argument);
    EXPECT_EQ(store.last_id(), 11);
    EXPECT_EQ(store.count(), 2u);
}

// A failed batch leaves a gap in HistoryLog's ids: the next batch starts above it, and
// may hold runs of given ids with gaps inside (the store numbers runs itself).
TEST_F(HistoryStoreTest, GivenIdsWithGapsInsideABatchAreKeptExactly) {
    add(msg("alice", {"ALL"}, "one"));  // 1
    std::vector<NewMessage> batch;
    for (std::int64_t id : {5, 6, 7, 9, 40, 41}) {
        batch.push_back(msg("bob", {"alice"}, std::to_string(id)));
        batch.back().id = id;
    }
    batch.push_back(msg("bob", {"alice"}, "next"));  // 0: the store assigns 42
    EXPECT_EQ(store.append(batch), (Ids{5, 6, 7, 9, 40, 41, 42}));
    EXPECT_EQ(store.last_id(), 42);
    const auto seen = store.visible_after("alice", {}, 0, 100);
    EXPECT_EQ(ids_of(seen), (Ids{1, 5, 6, 7, 9, 40, 41, 42}));
    EXPECT_EQ(texts_of(seen), (Texts{"one", "5", "6", "7", "9", "40", "41", "next"}));
    EXPECT_EQ(add(msg("carol", {"ALL"}, "after")), 43);
}

TEST(HistoryStore, IdsContinueAfterARestartEvenWhenEverythingWasPruned) {
    TempDir temp;
    {
        Database db(temp.path());
        HistoryStore store(db);
        std::vector<NewMessage> batch{msg("alice", {"ALL"}, "1", 1000),
                                      msg("bob", {"ALL"}, "2", 1000)};
        EXPECT_EQ(store.append(batch), (Ids{1, 2}));
    }
    {
        Database db(temp.path());
        HistoryStore store(db);
        EXPECT_EQ(store.last_id(), 2);
        std::vector<NewMessage> batch{msg("carol", {"ALL"}, "3", 1000)};
        EXPECT_EQ(store.append(batch), Ids{3});
        EXPECT_EQ(store.prune_older_than(5000, 100), 3u);
        EXPECT_EQ(store.count(), 0u);
    }
    {
        Database db(temp.path());
        HistoryStore store(db);
        EXPECT_EQ(store.last_id(), 3);  // not 0: a resuming client must not see id 1 again
        std::vector<NewMessage> batch{msg("dave", {"ALL"}, "4")};
        EXPECT_EQ(store.append(batch), Ids{4});
    }
}

TEST_F(HistoryStoreTest, VisibleAfterIsAllTheUsersRoomsAndDirectMessagesInIdOrder) {
    add(msg("alice", {"ALL"}, "to all"));                      // 1 yes
    add(msg("bob", {"#dev"}, "in dev"));                       // 2 yes
    add(msg("bob", {"#ops"}, "in ops"));                       // 3 no: not in #ops
    add(msg("bob", {"Carol"}, "bob to carol"));                // 4 yes
    add(msg("bob", {"dave"}, "bob to dave"));                  // 5 no
    add(msg("CAROL", {"bob"}, "carol to bob"));                // 6 yes: she sent it
    add(msg("erin", {"dave", "carol"}, "to dave and carol"));  // 7 yes
    add(msg("erin", {"#DEV", "#ops"}, "dev and ops"));         // 8 yes, once
    add(msg("carol", {"#ops"}, "carol in ops"));               // 9 yes: she sent it

    const std::vector<std::string> rooms{"#Dev"};
    auto seen = store.visible_after("carol", rooms, 0, 100);
    EXPECT_EQ(ids_of(seen), (Ids{1, 2, 4, 6, 7, 8, 9}));
    EXPECT_EQ(ids_of(store.visible_after("CAROL", rooms, 4, 100)), (Ids{6, 7, 8, 9}));
    EXPECT_EQ(ids_of(store.visible_after("carol", rooms, 9, 100)), Ids{});

    // Paging: the first `limit` in order, then on from the last one seen.
    EXPECT_EQ(ids_of(store.visible_after("carol", rooms, 0, 3)), (Ids{1, 2, 4}));
    EXPECT_EQ(ids_of(store.visible_after("carol", rooms, 4, 3)), (Ids{6, 7, 8}));
    EXPECT_EQ(ids_of(store.visible_after("carol", rooms, 8, 3)), (Ids{9}));
    EXPECT_TRUE(store.visible_after("carol", rooms, 0, 0).empty());

    // No rooms: only ALL and direct messages.
    EXPECT_EQ(ids_of(store.visible_after("dave", {}, 0, 100)), (Ids{1, 5, 7}));
}

TEST_F(HistoryStoreTest, VisibleAfterTakesTheOldestWhenOneTargetIsBusy) {
    // 50 room messages, then a direct one: with limit 10 the direct one (newest) must not
    // push out older room messages, and paging reaches it last.
    for (int i = 0; i < 50; ++i) add(msg("bob", {"#busy"}, "r" + std::to_string(i)));
    add(msg("bob", {"alice"}, "dm"));
    const std::vector<std::string> rooms{"#busy"};
    auto page = store.visible_after("alice", rooms, 0, 10);
    EXPECT_EQ(page.front().id, 1);
    EXPECT_EQ(page.back().id, 10);
    std::int64_t after = 0;
    std::vector<std::int64_t> all;
    for (;;) {
        auto next = store.visible_after("alice", rooms, after, 10);
        for (const auto& m : next) all.push_back(m.id);
        if (next.size() < 10) break;
        after = next.back().id;
    }
    ASSERT_EQ(all.size(), 51u);
    EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
    EXPECT_EQ(all.back(), 51);
}

TEST_F(HistoryStoreTest, RoomBeforeIsTheLastNBeforeAnIdOldestFirst) {
    for (int i = 1; i <= 10; ++i) {
        add(msg("bob", {i % 2 == 0 ? "#dev" : "#ops"}, std::to_string(i)));
    }
    EXPECT_EQ(texts_of(store.room_before("#dev", HistoryStore::kLatest, 3)),
              (Texts{"6", "8", "10"}));
    EXPECT_EQ(texts_of(store.room_before("#DEV", 8, 3)), (Texts{"2", "4", "6"}));
    EXPECT_EQ(texts_of(store.room_before("#dev", 3, 10)), (Texts{"2"}));
    EXPECT_TRUE(store.room_before("#dev", 2, 10).empty());
    EXPECT_TRUE(store.room_before("#nowhere", HistoryStore::kLatest, 10).empty());
    add(msg("bob", {"all"}, "ALL in any case"));
    EXPECT_EQ(texts_of(store.room_before("ALL", HistoryStore::kLatest, 10)),
              Texts{"ALL in any case"});
}

TEST_F(HistoryStoreTest, ConversationIsBothDirectionsBetweenTwoUsers) {
    add(msg("alice", {"bob"}, "a1"));            // 1 yes
    add(msg("bob", {"alice"}, "b1"));            // 2 yes
    add(msg("alice", {"carol"}, "to carol"));    // 3 no
    add(msg("carol", {"bob"}, "carol to bob"));  // 4 no
    add(msg("alice", {"Bob", "carol"}, "a2"));   // 5 yes: bob is among the targets
    add(msg("bob", {"#dev", "alice"}, "b2"));    // 6 yes
    add(msg("alice", {"#dev"}, "room"));         // 7 no
    add(msg("Bob", {"ALICE"}, "b3"));            // 8 yes
    EXPECT_EQ(texts_of(store.conversation("alice", "bob", HistoryStore::kLatest, 100)),
              (Texts{"a1", "b1", "a2", "b2", "b3"}));
    EXPECT_EQ(store.conversation("alice", "bob", HistoryStore::kLatest, 100),
              store.conversation("BOB", "Alice", HistoryStore::kLatest, 100));
    EXPECT_EQ(texts_of(store.conversation("alice", "bob", HistoryStore::kLatest, 2)),
              (Texts{"b2", "b3"}));
    EXPECT_EQ(texts_of(store.conversation("alice", "bob", 6, 2)), (Texts{"b1", "a2"}));
    // Notes to oneself are a conversation too, counted once.
    add(msg("alice", {"alice"}, "note"));
    EXPECT_EQ(texts_of(store.conversation("alice", "alice", HistoryStore::kLatest, 10)),
              Texts{"note"});
}

TEST_F(HistoryStoreTest, InboxHoldsOfflineMessagesInOrderUntilDelivered) {
    auto dm = [](std::string from, std::string text) {
        auto m = msg(std::move(from), {"Dana"}, std::move(text));
        m.offline_recipients = {"Dana"};
        return m;
    };
    add(dm("alice", "first"));                    // 1
    add(msg("alice", {"dana"}, "while online"));  // 2: not in the inbox
    add(dm("bob", "second"));                     // 3
    auto multi = msg("carol", {"dana", "erin"}, "third");
    multi.offline_recipients = {"DANA", "erin"};
    add(multi);  // 4

    EXPECT_EQ(store.inbox_size("dana"), 3u);
    EXPECT_EQ(texts_of(store.inbox("DANA", 0, 100)), (Texts{"first", "second", "third"}));
    EXPECT_EQ(texts_of(store.inbox("dana", 0, 2)), (Texts{"first", "second"}));
    EXPECT_EQ(texts_of(store.inbox("dana", 3, 2)), (Texts{"third"}));
    EXPECT_EQ(texts_of(store.inbox("erin", 0, 10)), (Texts{"third"}));

    EXPECT_EQ(store.mark_delivered("Dana", 3), 2u);
    EXPECT_EQ(texts_of(store.inbox("dana", 0, 100)), (Texts{"third"}));
    EXPECT_EQ(store.mark_delivered("dana", 3), 0u);  // again: nothing left up to 3
    EXPECT_EQ(store.mark_delivered("dana", 100), 1u);
    EXPECT_TRUE(store.inbox("dana", 0, 100).empty());
    EXPECT_EQ(store.inbox_size("erin"), 1u);  // someone else's inbox is untouched
    EXPECT_EQ(store.count(), 4u);             // delivered messages stay in history
}

TEST_F(HistoryStoreTest, PruneByAgeRemovesTheOldestInChunksWithTheirTargetsAndInbox) {
    for (int i = 0; i < 25; ++i) {
        auto m = msg("alice", {"bob", "#dev"}, "old" + std::to_string(i), 1000 + i);
        m.offline_recipients = {"bob"};
        add(m);
    }
    for (int i = 0; i < 5; ++i) add(msg("alice", {"bob"}, "new" + std::to_string(i), 9000));

    EXPECT_EQ(store.prune_older_than(5000, 10), 10u);  // a full chunk: call again
    EXPECT_EQ(store.prune_older_than(5000, 10), 10u);
    EXPECT_EQ(store.prune_older_than(5000, 10), 5u);  // fewer: done
    EXPECT_EQ(store.prune_older_than(5000, 10), 0u);
    EXPECT_EQ(store.count(), 5u);
    EXPECT_EQ(store.inbox_size("bob"), 0u);
    EXPECT_TRUE(store.room_before("#dev", HistoryStore::kLatest, 100).empty());
    EXPECT_EQ(texts_of(store.conversation("alice", "bob", HistoryStore::kLatest, 100)),
              (Texts{"new0", "new1", "new2", "new3", "new4"}));
    Statement orphans(db,
                      "SELECT (SELECT count(*) FROM room_messages WHERE message_id < "
                      "(SELECT min(first_id) FROM message_blocks)) + (SELECT count(*) FROM inbox)");
    auto in_use = orphans.use();
    ASSERT_TRUE(orphans.step());
    EXPECT_EQ(orphans.integer(0), 0);
}

TEST_F(HistoryStoreTest, PruneByAgeStopsAtTheFirstYoungMessage) {
    add(msg("a", {"ALL"}, "old", 1000));
    add(msg("a", {"ALL"}, "young", 9000));
    add(msg("a", {"ALL"}, "old after a clock step back", 1000));
    EXPECT_EQ(store.prune_older_than(5000, 100), 1u);
    EXPECT_EQ(texts_of(store.room_before("ALL", HistoryStore::kLatest, 10)),
              (Texts{"young", "old after a clock step back"}));
}

TEST_F(HistoryStoreTest, PruneRoomKeepsTheNewestAndOnlyDeletesMessagesLeftWithNoTarget) {
    for (int i = 1; i <= 6; ++i) add(msg("bob", {"#dev"}, "d" + std::to_string(i)));
    add(msg("bob", {"#dev", "alice"}, "d7 and alice"));  // 7
    add(msg("bob", {"#dev"}, "d8"));                     // 8
    add(msg("bob", {"#ops"}, "o1"));                     // 9
    for (int i = 0; i < 4; ++i) add(msg("bob", {"ALL"}, "all"));

    EXPECT_EQ(store.rooms(), (Texts{"#dev", "#ops", "ALL"}));
    EXPECT_EQ(store.prune_room("#DEV", 1, 3), 3u);  // chunked
    EXPECT_EQ(store.prune_room("#dev", 1, 100), 4u);
    EXPECT_EQ(store.prune_room("#dev", 1, 100), 0u);
    EXPECT_EQ(texts_of(store.room_before("#dev", HistoryStore::kLatest, 100)), Texts{"d8"});
    // Message 7 left #dev but is still alice's; 1..6 are gone altogether.
    EXPECT_EQ(texts_of(store.visible_after("alice", {}, 0, 100)),
              (Texts{"d7 and alice", "all", "all", "all", "all"}));
    EXPECT_EQ(store.count(), 7u);
    EXPECT_EQ(store.prune_room("ALL", 2, 100), 2u);
    EXPECT_EQ(store.room_before("ALL", HistoryStore::kLatest, 100).size(), 2u);
    EXPECT_EQ(store.prune_room("#ops", 5, 100), 0u);  // under the limit
    EXPECT_EQ(store.count(), 5u);
}

TEST_F(HistoryStoreTest, ExportWritesOneJsonObjectPerMessageThatParsesBack) {
    auto tricky = msg("Ünïcode", {"#Dev", "bob"},
                      "quote \" backslash \\ newline \n tab \t "
                      "nul \x01 emoji \xF0\x9F\x98\x80");
    tricky.dest = "#Dev,bob";
    add(tricky);
    add(msg("bob", {"ALL"}, ""));
    std::ostringstream out;
    EXPECT_EQ(store.export_json_lines(out), 2u);

    std::istringstream lines(out.str());
    std::string line;
    std::vector<boost::json::value> parsed;
    while (std::getline(lines, line)) parsed.push_back(boost::json::parse(line));
    ASSERT_EQ(parsed.size(), 2u);
    const auto& first = parsed[0].as_object();
    EXPECT_EQ(first.at("id").as_int64(), 1);
    EXPECT_EQ(first.at("ts").as_int64(), 1'764'052'800'000);
    EXPECT_EQ(first.at("from").as_string(), "Ünïcode");
    EXPECT_EQ(first.at("dest").as_string(), "#Dev,bob");
    EXPECT_EQ(first.at("targets").as_array().size(), 2u);
    EXPECT_EQ(first.at("targets").as_array()[0].as_string(), "#dev");
    EXPECT_EQ(first.at("targets").as_array()[1].as_string(), "bob");
    EXPECT_EQ(std::string(first.at("text").as_string()), tricky.text);
    EXPECT_EQ(parsed[1].as_object().at("text").as_string(), "");

    std::ostringstream empty;
    Database other_db(temp.path() / "other");
    HistoryStore other(other_db);
    EXPECT_EQ(other.export_json_lines(empty), 0u);
    EXPECT_EQ(empty.str(), "");
}

TEST_F(HistoryStoreTest, InvalidUtf8IsStoredExactlyAndExportedAsReplacementCharacters) {
    const std::string bad = std::string("ok \xC3\x28 lone \x80 overlong \xC0\xAF end \xE2\x82");
    const std::string bad_name = std::string("n\xFF");
    add(msg(bad_name, {"#r\xFE"}, bad));
    auto back = store.room_before("#r\xFE", HistoryStore::kLatest, 10);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].text, bad);  // byte for byte
    EXPECT_EQ(back[0].sender, bad_name);

    std::ostringstream out;
    ASSERT_EQ(store.export_json_lines(out), 1u);
    boost::json::value parsed;
    ASSERT_NO_THROW(parsed = boost::json::parse(out.str()));  // the parser checks UTF-8
    EXPECT_EQ(parsed.at("text").as_string(),
              "ok \xEF\xBF\xBD( lone \xEF\xBF\xBD overlong \xEF\xBF\xBD\xEF\xBF\xBD end "
              "\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(parsed.at("from").as_string(), "n\xEF\xBF\xBD");
}

TEST_F(HistoryStoreTest, OddNamesAreKeysNotSqlAndStayInTheirPlace) {
    // Characters that matter to SQL, to LIKE, to the room-key range ('"' sorts just before
    // '#', '$' just after) and to case folding.
    const std::vector<std::string> users{
        "'; DROP TABLE messages; --", "%_", "\"quoted", "$cash", "Ünï", "ÜNÏ", "a\\b"};
    for (const auto& user : users) add(msg("alice", {user}, "to " + user));
    add(msg("alice", {"#\xC3\xA9t\xC3\xA9"}, "room été"));
    add(msg("alice", {"#$"}, "room $"));
    add(msg("alice", {"bob", "BOB", "Bob"}, "bob once"));

    EXPECT_EQ(store.count(), users.size() + 3);
    for (const auto& user : users) {
        auto box = store.conversation(user, "alice", HistoryStore::kLatest, 10);
        // ASCII folding only: "Ünï" and "ÜNÏ" differ in non-ASCII letters, so they are two.
        ASSERT_EQ(box.size(), 1u) << user;
        EXPECT_EQ(box[0].text, "to " + user);
    }
    EXPECT_EQ(store.rooms(), (Texts{"#$", "#\xC3\xA9t\xC3\xA9"}));
    auto bob = store.visible_after("bob", {}, 0, 10);
    ASSERT_EQ(bob.size(), 1u);
    EXPECT_EQ(bob[0].targets, Texts{"bob"});
    EXPECT_EQ(bob[0].dest, "bob,BOB,Bob");  // what was shown stays as given
    EXPECT_EQ(history_target_key("aLl"), "ALL");
    EXPECT_EQ(history_target_key("#DeV"), "#dev");
}

TEST(HistoryStore, MigratesADatabaseFromTheSchemaBeforeHistory) {
    TempDir temp;
    const auto all = Database::schema_migrations();
    ASSERT_GE(all.size(), 2u);
    // Every step before the one that added history is "the previous version".
    const std::size_t history_step = steps_before("history");
    ASSERT_LT(history_step, all.size());
    {
        Database old_db(temp.path(), all.first(history_step));
        EXPECT_EQ(old_db.schema_version(), static_cast<int>(history_step));
        old_db.execute(
            "INSERT INTO accounts (name_key, display_name, password_hash) "
            "VALUES ('alice', 'Alice', 'x')");
        EXPECT_THROW(HistoryStore{old_db}, StoreError);  // no history tables yet
    }
    Database db(temp.path());
    EXPECT_EQ(db.schema_version(), static_cast<int>(all.size()));
    Statement account(db, "SELECT display_name FROM accounts WHERE name_key = 'alice'");
    {
        auto in_use = account.use();
        ASSERT_TRUE(account.step());
        EXPECT_EQ(account.text(0), "Alice");
    }
    HistoryStore store(db);
    EXPECT_EQ(store.last_id(), 0);
    std::vector<NewMessage> batch{msg("alice", {"ALL"}, "after the upgrade")};
    EXPECT_EQ(store.append(batch), Ids{1});
}

// Each read is an index search, never a scan of a whole table and never a sort: the work
// is bounded by the rows it returns, not by the size of the history.
TEST_F(HistoryStoreTest, ReadQueriesUseIndexesNotScansOrSorts) {
    for (const auto& [name, sql] : HistoryStore::read_queries()) {
        Statement plan(db, "EXPLAIN QUERY PLAN " + std::string(sql));
        auto in_use = plan.use();
        std::string details;
        while (plan.step()) details += plan.text(3) + "\n";
        SCOPED_TRACE(std::string(name) + ":\n" + details);
        for (const std::string_view table :
             {"SCAN message_blocks", "SCAN room_messages", "SCAN user_postings", "SCAN inbox"}) {
            EXPECT_EQ(details.find(table), std::string::npos);
        }
        EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos);
    }
}

// Postings are written a chunk (kChunkIds ids) at a time; the open chunk lives in memory and
// is rebuilt from the messages on open. Queries must give the same answers whichever
// side of a chunk boundary, and of a restart, a message is on.
TEST(HistoryStore, UserQueriesAreTheSameAcrossChunksAndRestarts) {
    TempDir temp;
    constexpr int kPairs = 20;
    // Two and a half chunks: two written, the third open.
    constexpr int kMessages = static_cast<int>(5 * HistoryStore::kChunkIds / 2);
    auto user = [](int i) { return "u" + std::to_string(i); };
    std::vector<std::vector<std::int64_t>> expected(kPairs * 2);  // ids each user sees
    {
        Database db(temp.path());
        HistoryStore store(db);
        std::vector<NewMessage> batch;
        std::int64_t next = 1;
        for (int i = 0; i < kMessages; ++i) {
            const int from = i % (kPairs * 2);
            const int to = from ^ 1;
            if (i % 1000 == 999) {
                batch.push_back(msg(user(from), {"#room"}, "r" + std::to_string(i)));
                expected[static_cast<std::size_t>(from)].push_back(next++);
            } else {
                batch.push_back(msg(user(from), {user(to)}, "d" + std::to_string(i)));
                expected[static_cast<std::size_t>(from)].push_back(next);
                expected[static_cast<std::size_t>(to)].push_back(next++);
            }
            if (batch.size() == 300 || i + 1 == kMessages) {
                store.append(batch);
                batch.clear();
            }
        }
        EXPECT_EQ(store.last_id(), kMessages);
        auto all = store.visible_after(user(3), {}, 0, 100'000);
        EXPECT_EQ(ids_of(all), expected[3]);
    }
    Database db(temp.path());
    Statement chunks(db, "SELECT count(DISTINCT chunk) FROM user_postings");
    auto written_chunks = [&] {
        auto in_use = chunks.use();
        return chunks.step() ? chunks.integer(0) : -1;
    };
    EXPECT_EQ(written_chunks(), 2);  // ids below 2 * kChunkIds: the third is still open
    // As after the upgrade to schema 3: messages and no postings. The store writes the
    // complete chunks again when first used.
    db.execute("DELETE FROM user_postings");
    HistoryStore store(db);
    for (int u : {0, 7, 39}) {
        const auto& mine = expected[static_cast<std::size_t>(u)];
        // Everything, then paging across the chunk boundaries from odd places.
        EXPECT_EQ(ids_of(store.visible_after(user(u), {}, 0, 100'000)), mine) << u;
        std::vector<std::int64_t> paged;
        std::int64_t after = 0;
        for (;;) {
            auto page = store.visible_after(user(u), {}, after, 333);
            for (const auto& m : page) paged.push_back(m.id);
            if (page.size() < 333) break;
            after = page.back().id;
        }
        EXPECT_EQ(paged, mine) << u;
        // The conversation with the partner: the direct ones, newest before an id.
        std::vector<std::int64_t> direct;
        for (std::int64_t id : mine) {
            if (id % 1000 != 0) direct.push_back(id);
        }
        // The 50 before it span the first chunk boundary.
        const std::int64_t before = HistoryStore::kChunkIds + 30;
        auto last = store.conversation(user(u), user(u ^ 1), before, 50);
        std::vector<std::int64_t> want;
        for (std::int64_t id : direct) {
            if (id < before) want.push_back(id);
        }
        want.erase(want.begin(), want.end() - 50);
        EXPECT_EQ(ids_of(last), want) << u;
    }
    EXPECT_EQ(written_chunks(), 2);
    // Writing on after the restart goes on from the open chunk.
    std::vector<NewMessage> more{msg("u0", {"u1"}, "after restart")};
    EXPECT_EQ(store.append(more), Ids{kMessages + 1});
    auto tail = store.visible_after("u1", {}, kMessages - 100, 1000);
    ASSERT_FALSE(tail.empty());
    EXPECT_EQ(tail.back().text, "after restart");
}

// Two stores on one database (the server's writer and, say, a second process): each sees
// what the other wrote, through its open chunk as well as through written ones.
TEST(HistoryStore, AStoreSeesWhatAnotherConnectionWrote) {
    TempDir temp;
    Database db_a(temp.path());
    Database db_b(temp.path());
    HistoryStore a(db_a);
    HistoryStore b(db_b);
    std::vector<NewMessage> first{msg("alice", {"bob"}, "from a")};
    EXPECT_EQ(a.append(first), Ids{1});
    EXPECT_EQ(texts_of(b.visible_after("bob", {}, 0, 10)), Texts{"from a"});
    std::vector<NewMessage> second{msg("bob", {"alice"}, "from b")};
    EXPECT_EQ(b.append(second), Ids{2});
    EXPECT_EQ(texts_of(a.conversation("alice", "bob", HistoryStore::kLatest, 10)),
              (Texts{"from a", "from b"}));
    // Past a chunk boundary, written by one and read by the other.
    const auto count = static_cast<std::size_t>(HistoryStore::kChunkIds + 4000);
    std::vector<NewMessage> many;
    for (std::size_t i = 0; i < count; ++i) {
        many.push_back(msg("carol", {"dave"}, std::to_string(i)));
    }
    a.append(many);
    std::vector<NewMessage> last{msg("dave", {"carol"}, "reply")};
    b.append(last);
    EXPECT_EQ(a.visible_after("dave", {}, 0, 1'000'000).size(), count + 1);
    EXPECT_EQ(b.conversation("carol", "dave", HistoryStore::kLatest, 2).back().text, "reply");
}

// A store skips re-reading what it wrote itself when no other connection has committed
// since: appends that alternate between two connections must still number correctly.
TEST(HistoryStore, AppendsAlternatingBetweenConnectionsNumberOnFromEachOther) {
    TempDir temp;
    Database db_a(temp.path());
    Database db_b(temp.path());
    HistoryStore a(db_a);
    HistoryStore b(db_b);
    std::vector<NewMessage> one{msg("alice", {"bob"}, "x")};
    EXPECT_EQ(a.append(one), Ids{1});
    EXPECT_EQ(a.append(one), Ids{2});
    EXPECT_EQ(b.append(one), Ids{3});
    EXPECT_EQ(a.append(one), Ids{4});
    EXPECT_EQ(b.append(one), Ids{5});
    // Retention elsewhere that removes the newest message keeps its id used.
    EXPECT_EQ(b.prune_older_than(std::numeric_limits<std::int64_t>::max(), 100), 5u);
    EXPECT_EQ(a.append(one), Ids{6});
    EXPECT_EQ(ids_of(b.conversation("alice", "bob", HistoryStore::kLatest, 10)), Ids{6});
    EXPECT_EQ(a.prune_older_than(std::numeric_limits<std::int64_t>::max(), 100), 1u);
    EXPECT_EQ(a.append(one), Ids{7});
}

// A message whose only target was a room is deleted when the room is pruned, but its
// sender's postings still name it: paging by `limit` must still fill whole pages.
TEST_F(HistoryStoreTest, PrunedRoomMessagesDoNotShortenTheSendersPages) {
    for (int i = 0; i < 10; ++i) add(msg("alice", {"#dev"}, "room" + std::to_string(i)));
    for (int i = 0; i < 10; ++i) add(msg("alice", {"bob"}, "dm" + std::to_string(i)));
    EXPECT_EQ(store.prune_room("#dev", 0, 100), 10u);
    EXPECT_EQ(store.count(), 10u);
    EXPECT_EQ(texts_of(store.visible_after("alice", {}, 0, 3)), (Texts{"dm0", "dm1", "dm2"}));
    EXPECT_EQ(store.visible_after("alice", {}, 0, 100).size(), 10u);
}

TEST(HistoryStore, PruneByAgeDropsThePostingsOfWholeChunks) {
    TempDir temp;
    Database db(temp.path());
    HistoryStore store(db);
    std::vector<NewMessage> old_ones;
    for (std::int64_t i = 0; i < 5 * HistoryStore::kChunkIds / 2; ++i) {
        old_ones.push_back(msg("alice", {"bob"}, "old", 1000));
    }
    store.append(old_ones);
    std::vector<NewMessage> young{msg("alice", {"bob"}, "young", 9000)};
    store.append(young);
    while (store.prune_older_than(5000, 50'000) == 50'000) {
    }
    EXPECT_EQ(store.count(), 1u);
    Statement postings(db, "SELECT count(*) FROM user_postings");
    {
        auto in_use = postings.use();
        ASSERT_TRUE(postings.step());
        EXPECT_EQ(postings.integer(0), 0);  // chunks 0 and 1 are gone; 2 is in memory
    }
    EXPECT_EQ(texts_of(store.visible_after("bob", {}, 0, 10)), Texts{"young"});
    EXPECT_EQ(texts_of(store.conversation("bob", "alice", HistoryStore::kLatest, 10)),
              Texts{"young"});
}

// The schema before one row per message (version 3): a database with messages, accounts
// and an offline inbox upgrades and answers every query as before.
TEST(HistoryStore, MigratesADatabaseFromTheSchemaWithMessageTargets) {
    TempDir temp;
    const auto all = Database::schema_migrations();
    const std::size_t step = steps_before("history: one row per message");
    ASSERT_LT(step, all.size());
    {
        Database old_db(temp.path(), all.first(step));
        old_db.execute(R"sql(
INSERT INTO accounts (name_key, display_name, password_hash) VALUES ('dana', 'Dana', 'x');
INSERT INTO messages (id, ts, sender, sender_key, dest, text) VALUES
    (1, 1000, 'Alice', 'alice', 'ALL', 'hello all'),
    (2, 1001, 'bob', 'bob', '#Dev', 'in dev'),
    (3, 1002, 'alice', 'alice', 'Bob', 'a to b'),
    (4, 1003, 'bob', 'bob', 'Dana,#dev', 'b to dana and dev'),
    (5, 1004, 'carol', 'carol', 'we,ird\x', 'odd name'),
    (7, 1005, 'bob', 'bob', 'alice', 'b to a');
INSERT INTO message_targets (message_id, target, kind, sender_key) VALUES
    (1, 'ALL', 0, 'alice'), (2, '#dev', 1, 'bob'), (3, 'bob', 2, 'alice'),
    (4, 'dana', 2, 'bob'), (4, '#dev', 1, 'bob'), (5, 'we,ird\x', 2, 'carol'),
    (7, 'alice', 2, 'bob');
INSERT INTO inbox (recipient_key, message_id) VALUES ('dana', 4);
UPDATE sqlite_sequence SET seq = 9 WHERE name = 'messages';
)sql");
    }
    Database db(temp.path());
    EXPECT_EQ(db.schema_version(), static_cast<int>(all.size()));
    HistoryStore store(db);
    EXPECT_EQ(store.last_id(), 9);  // 8 and 9 were deleted before the upgrade: not reused
    EXPECT_EQ(store.count(), 6u);
    const std::vector<std::string> dev{"#dev"};
    EXPECT_EQ(ids_of(store.visible_after("bob", dev, 0, 100)), (Ids{1, 2, 3, 4, 7}));
    EXPECT_EQ(ids_of(store.visible_after("alice", {}, 1, 100)), (Ids{3, 7}));
    EXPECT_EQ(ids_of(store.room_before("#DEV", HistoryStore::kLatest, 10)), (Ids{2, 4}));
    EXPECT_EQ(ids_of(store.conversation("alice", "bob", HistoryStore::kLatest, 10)), (Ids{3, 7}));
    EXPECT_EQ(texts_of(store.inbox("dana", 0, 10)), Texts{"b to dana and dev"});
    EXPECT_EQ(store.rooms(), (Texts{"#dev", "ALL"}));
    auto four = store.inbox("dana", 0, 10).at(0);
    EXPECT_EQ(four.targets, (Texts{"#dev", "dana"}));
    EXPECT_EQ(four.dest, "Dana,#dev");
    auto odd = store.conversation("carol", "we,ird\\x", HistoryStore::kLatest, 10);
    ASSERT_EQ(odd.size(), 1u);
    EXPECT_EQ(odd[0].targets, Texts{"we,ird\\x"});
    {
        Statement account(db, "SELECT display_name FROM accounts WHERE name_key = 'dana'");
        auto in_use = account.use();
        ASSERT_TRUE(account.step());
        EXPECT_EQ(account.text(0), "Dana");
    }
    std::vector<NewMessage> next{msg("alice", {"bob"}, "after the upgrade")};
    EXPECT_EQ(store.append(next), Ids{10});
    EXPECT_EQ(ids_of(store.conversation("bob", "alice", HistoryStore::kLatest, 10)),
              (Ids{3, 7, 10}));
    EXPECT_EQ(store.mark_delivered("dana", 10), 1u);
    EXPECT_EQ(store.prune_older_than(1003, 100), 3u);  // 1, 2, 3: with their room rows
    EXPECT_EQ(ids_of(store.room_before("#dev", HistoryStore::kLatest, 10)), Ids{4});
}

// Schema 4 keeps the messages of a commit in one row (several when a batch is large):
// whatever the batch, every message reads back exactly as given, through every query.
TEST_F(HistoryStoreTest, LargeBatchesSpanSeveralBlocksAndReadBackExactly) {
    std::vector<NewMessage> batch;
    std::vector<HistoryMessage> expected;
    const std::int64_t times[] = {0, -5, std::numeric_limits<std::int64_t>::max(),
                                  std::numeric_limits<std::int64_t>::min(), 1'764'052'800'123};
    for (int i = 0; i < 700; ++i) {
        // Texts of 30 KB now and then, so that the size cap splits blocks too.
        std::string text = i % 97 == 0 ? std::string(30'000, static_cast<char>('a' + i % 26))
                                       : "text " + std::to_string(i);
        if (i % 50 == 1) text.clear();
        std::vector<std::string> targets;
        if (i % 3 == 0) targets = {"#Dev"};
        if (i % 3 == 1) targets = {"Bob", "#dev", "bob"};
        if (i % 3 == 2) targets = {"bob"};
        NewMessage m = msg(i % 2 == 0 ? "Alice" : "alice", targets, text,
                           times[static_cast<std::size_t>(i) % std::size(times)]);
        if (i % 5 == 0) m.dest = "Dest " + std::to_string(i);
        batch.push_back(m);
        HistoryMessage h;
        h.id = i + 1;
        h.ts_ms = m.ts_ms;
        h.sender = m.sender;
        h.sender_key = "alice";
        h.dest = !m.dest.empty() ? m.dest
                 : i % 3 == 0    ? "#Dev"
                 : i % 3 == 1    ? "Bob,#dev,bob"
                                 : "bob";
        h.targets = i % 3 == 0 ? Texts{"#dev"} : i % 3 == 1 ? Texts{"#dev", "bob"} : Texts{"bob"};
        h.text = text;
        expected.push_back(h);
    }
    std::vector<std::int64_t> ids(700);
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int64_t>(i) + 1;
    EXPECT_EQ(store.append(batch), ids);
    {
        Statement blocks(db, "SELECT count(*), max(count), sum(count) FROM message_blocks");
        auto in_use = blocks.use();
        ASSERT_TRUE(blocks.step());
        EXPECT_GE(blocks.integer(0), 4);  // 700 messages, at most 256 or ~64 KiB a block
        EXPECT_LE(blocks.integer(1), 256);
        EXPECT_EQ(blocks.integer(2), 700);
    }
    EXPECT_EQ(store.count(), 700u);
    EXPECT_EQ(store.last_id(), 700);
    const std::vector<std::string> dev{"#dev"};
    EXPECT_EQ(store.visible_after("bob", dev, 0, 1000), expected);
    auto room = store.room_before("#dev", HistoryStore::kLatest, 1000);
    std::vector<HistoryMessage> in_room;
    for (const auto& h : expected) {
        if (h.targets.front() == "#dev") in_room.push_back(h);
    }
    EXPECT_EQ(room, in_room);
    auto talk = store.conversation("bob", "ALICE", HistoryStore::kLatest, 1000);
    std::vector<HistoryMessage> to_bob;
    for (const auto& h : expected) {
        if (h.targets.back() == "bob") to_bob.push_back(h);
    }
    EXPECT_EQ(talk, to_bob);
    std::ostringstream out;
    EXPECT_EQ(store.export_json_lines(out), 700u);
}

// Retention removes messages from inside blocks: what is left reads back as before, and
// the highest id stays used even when its message is gone.
TEST_F(HistoryStoreTest, RetentionRewritesBlocksAndKeepsTheHighestId) {
    std::vector<NewMessage> batch;
    for (int i = 0; i < 10; ++i) {
        // Odd ids to the room only, even ones to the room and bob; the last, 10, to the
        // room only too.
        std::vector<std::string> targets{"#dev"};
        if (i % 2 == 1 && i != 9) targets.push_back("bob");
        batch.push_back(msg("alice", targets, "m" + std::to_string(i + 1), 1000 + i));
    }
    store.append(batch);
    EXPECT_EQ(store.prune_room("#dev", 0, 100), 10u);
    EXPECT_EQ(store.count(), 4u);
    EXPECT_EQ(texts_of(store.visible_after("bob", {}, 0, 100)), (Texts{"m2", "m4", "m6", "m8"}));
    for (const auto& m : store.visible_after("bob", {}, 0, 100)) {
        EXPECT_EQ(m.targets, Texts{"bob"});
    }
    EXPECT_TRUE(store.room_before("#dev", HistoryStore::kLatest, 100).empty());
    EXPECT_EQ(store.last_id(), 10);
    // Cut the block in two by age: m2 and m4 are older than 1004.
    EXPECT_EQ(store.prune_older_than(1004, 100), 2u);
    EXPECT_EQ(ids_of(store.conversation("alice", "bob", HistoryStore::kLatest, 100)), (Ids{6, 8}));
    EXPECT_EQ(store.prune_older_than(1004, 100), 0u);
    EXPECT_EQ(store.prune_older_than(1008, 1), 1u);  // max_rows inside a block
    EXPECT_EQ(ids_of(store.visible_after("bob", {}, 0, 100)), Ids{8});
    EXPECT_EQ(store.prune_older_than(5000, 100), 1u);
    EXPECT_EQ(store.count(), 0u);
    EXPECT_EQ(store.last_id(), 10);
    EXPECT_EQ(add(msg("alice", {"bob"}, "next")), 11);
}

// The schema before message blocks (version 3, one row per message): its rows become
// blocks and read back exactly, with the highest id, rooms, postings and inbox.
TEST(HistoryStore, MigratesADatabaseFromTheSchemaWithOneRowPerMessage) {
    TempDir temp;
    const auto all = Database::schema_migrations();
    const std::size_t step = steps_before("history: message blocks");
    ASSERT_LT(step, all.size());
    {
        Database old_db(temp.path(), all.first(step));
        // 600 generated direct messages (more than a block holds), then odd ones.
        old_db.execute(R"sql(
INSERT INTO accounts (name_key, display_name, password_hash) VALUES ('dana', 'Dana', 'x');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT INTO messages (id, ts, sender, sender_key, dest, targets, text)
SELECT i, 1000 + i, 'U' || (i % 4), 'u' || (i % 4), 'u' || ((i + 1) % 4), 'u' || ((i + 1) % 4),
       'text ' || i FROM n;
INSERT INTO messages (id, ts, sender, sender_key, dest, targets, text) VALUES
    (601, 5000, 'Alice', 'alice', 'ALL', 'ALL', 'hello all'),
    (602, 5001, 'bob', 'bob', 'Dana,#dev', '#dev,dana', 'b to dana and dev'),
    (604, 5002, 'carol', 'carol', 'we,ird\x', 'we\,ird\\x', 'odd name'),
    (605, 5003, 'bob', 'bob', '#dev', '#dev', '');
INSERT INTO room_messages (room_key, message_id) VALUES
    ('ALL', 601), ('#dev', 602), ('#dev', 605);
INSERT INTO inbox (recipient_key, message_id) VALUES ('dana', 602);
UPDATE sqlite_sequence SET seq = 609 WHERE name = 'messages';
)sql");
    }
    Database db(temp.path());
    EXPECT_EQ(db.schema_version(), static_cast<int>(all.size()));
    {
        Statement table(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'messages'");
        auto in_use = table.use();
        ASSERT_TRUE(table.step());
        EXPECT_EQ(table.integer(0), 0);
    }
    HistoryStore store(db);
    EXPECT_EQ(store.last_id(), 609);  // 606..609 were deleted before the upgrade
    EXPECT_EQ(store.count(), 604u);
    // Every generated message, to its recipient, exactly.
    auto to_u1 = store.visible_after("u1", {}, 0, 1000);
    std::vector<HistoryMessage> expected;
    for (int i = 1; i <= 600; ++i) {
        if (i % 4 != 1 && (i + 1) % 4 != 1) continue;
        HistoryMessage h;
        h.id = i;
        h.ts_ms = 1000 + i;
        h.sender = "U" + std::to_string(i % 4);
        h.sender_key = "u" + std::to_string(i % 4);
        h.dest = "u" + std::to_string((i + 1) % 4);
        h.targets = {h.dest};
        h.text = "text " + std::to_string(i);
        expected.push_back(h);
    }
    auto all_ones = store.visible_after("nobody", {}, 600, 10);
    EXPECT_EQ(ids_of(all_ones), Ids{601});  // ALL: everyone sees it
    to_u1.erase(
        std::remove_if(to_u1.begin(), to_u1.end(), [](const auto& m) { return m.id > 600; }),
        to_u1.end());
    EXPECT_EQ(to_u1, expected);
    auto four = store.inbox("dana", 0, 10);
    ASSERT_EQ(four.size(), 1u);
    EXPECT_EQ(four[0].targets, (Texts{"#dev", "dana"}));
    EXPECT_EQ(four[0].dest, "Dana,#dev");
    EXPECT_EQ(four[0].text, "b to dana and dev");
    auto odd = store.conversation("carol", "we,ird\\x", HistoryStore::kLatest, 10);
    ASSERT_EQ(odd.size(), 1u);
    EXPECT_EQ(odd[0].targets, Texts{"we,ird\\x"});
    EXPECT_EQ(odd[0].dest, "we,ird\\x");
    auto dev = store.room_before("#dev", HistoryStore::kLatest, 10);
    EXPECT_EQ(ids_of(dev), (Ids{602, 605}));
    EXPECT_EQ(dev.back().text, "");
    std::ostringstream out;
    EXPECT_EQ(store.export_json_lines(out), 604u);
    std::vector<NewMessage> next{msg("alice", {"bob"}, "after the upgrade")};
    EXPECT_EQ(store.append(next), Ids{610});
    EXPECT_EQ(store.prune_older_than(1301, 1000), 300u);  // 1..300, across blocks
    EXPECT_EQ(store.count(), 305u);
    EXPECT_EQ(ids_of(store.visible_after("u1", {}, 0, 2)), (Ids{301, 304}));
}

// Schema 4 wrote postings in chunks of 16384 ids. Read with the larger chunks, such a row
// would stand for a whole new chunk, hiding the messages its old chunk did not cover:
// the upgrade drops them and the store writes them again from the blocks.
TEST(HistoryStore, PostingsOfTheOldChunkSizeAreWrittenAgainOnUpgrade) {
    TempDir temp;
    const auto all = Database::schema_migrations();
    const std::size_t step = steps_before("history: postings chunks of 131072 ids");
    ASSERT_LT(step, all.size());
    {
        Database old_db(temp.path(), all.first(step));
        HistoryStore old_store(old_db);
        std::vector<NewMessage> batch{msg("alice", {"bob"}, "one"), msg("carol", {"dave"}, "two")};
        EXPECT_EQ(old_store.append(batch), (Ids{1, 2}));
        // A written chunk 0 of the old size that says dave was sent message 1 (ids as
        // varint differences: just the 1). Wrong for these messages, on purpose: only
        // the upgrade can make it go away.
        old_db.execute("INSERT INTO user_postings (chunk, key, ids) VALUES (0, 'tdave', x'01')");
    }
    Database db(temp.path());
    EXPECT_EQ(db.schema_version(), static_cast<int>(all.size()));
    HistoryStore store(db);
    EXPECT_EQ(texts_of(store.visible_after("dave", {}, 0, 10)), Texts{"two"});
    EXPECT_EQ(texts_of(store.visible_after("bob", {}, 0, 10)), Texts{"one"});
    EXPECT_EQ(texts_of(store.conversation("dave", "carol", HistoryStore::kLatest, 10)),
              Texts{"two"});
}

}  // namespace
}  // namespace hubchat::store
