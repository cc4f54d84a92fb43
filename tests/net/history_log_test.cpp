// HistoryLog: appends grouped into few transactions, confirmations on the loop in append
// order, queries ordered after earlier appends, bounded queue, stop() flushes. Run under
// TSan in CI: the store is used on the worker thread, the callbacks on the loop's.
#include "net/history_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "net/loop_activity.hpp"
#include "store/database.hpp"
#include "store/history.hpp"

namespace hubchat::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                              "/hubchat-history-log-test-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

store::NewMessage msg(std::string sender, std::vector<std::string> targets, std::string text) {
    store::NewMessage message;
    message.sender = std::move(sender);
    message.targets = std::move(targets);
    message.text = std::move(text);
    return message;
}

// Runs the loop until `done()` holds; fails (instead of hanging) after 20 s.
template <class Predicate>
void run_until(asio::io_context& io, Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "condition never held";
        io.run_one_for(100ms);
    }
}

std::size_t stored_count(const std::filesystem::path& dir) {
    store::Database db(dir);
    store::HistoryStore history(db);
    return history.count();
}

HistoryLogSettings settings_for(const TempDir& temp, std::size_t batch,
                                std::chrono::microseconds delay) {
    HistoryLogSettings settings;
    settings.data_dir = temp.path();
    settings.batch_size = batch;
    settings.flush_delay = delay;
    return settings;
}

TEST(HistoryLog, ManyAppendsAreWrittenInFewTransactions) {
    TempDir temp;
    asio::io_context io(1);
    // A delay long enough never to fire: only the size and the end of a write trigger
    // writes here.
    HistoryLog log(io, settings_for(temp, 64, 1h));
    constexpr int kMessages = 2000;
    int confirmed = 0;
    for (int i = 0; i < kMessages; ++i) {
        ASSERT_TRUE(log.append(msg("alice", {"#dev"}, std::to_string(i)),
                               [&](std::int64_t, bool stored) { confirmed += stored; }));
    }
    // The 64th append started a write; the rest waited for it and go in one more.
    EXPECT_EQ(log.stats().transactions, 1u);
    run_until(io, [&] { return confirmed == kMessages; });
    const auto& stats = log.stats();
    EXPECT_EQ(stats.committed, static_cast<std::uint64_t>(kMessages));
    EXPECT_EQ(stats.failed, 0u);
    EXPECT_EQ(stats.transactions, 2u);
    EXPECT_EQ(stats.largest_batch, static_cast<std::size_t>(kMessages - 64));
    EXPECT_EQ(log.queued(), 0u);
    EXPECT_EQ(log.queued_bytes(), 0u);
    EXPECT_EQ(stored_count(temp.path()), static_cast<std::size_t>(kMessages));
}

TEST(HistoryLog, WhatWaitedDuringAWriteIsHandedOverBeforeThatWritesCallbacks) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 1, 1h));
    std::vector<std::uint64_t> transactions_seen;  // by each callback of the first write
    int confirmed = 0;
    ASSERT_TRUE(log.append(msg("alice", {"bob"}, "first"), [&](std::int64_t, bool stored) {
        transactions_seen.push_back(log.stats().transactions);
        confirmed += stored;
    }));
    EXPECT_EQ(log.stats().transactions, 1u);  // a batch of one: written at once
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(log.append(msg("alice", {"bob"}, "behind"),
                               [&](std::int64_t, bool stored) { confirmed += stored; }));
    }
    run_until(io, [&] { return confirmed == 4; });
    // The three that waited were already on their way to the worker when the first's
    // callback ran: the worker does not wait for the loop's callbacks to get more work.
    EXPECT_EQ(transactions_seen, std::vector<std::uint64_t>{2});
    EXPECT_EQ(log.stats().transactions, 2u);
}

TEST(HistoryLog, AFullBatchIsWrittenAtOnce) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 50, 1h));
    int confirmed = 0;
    for (int round = 1; round <= 10; ++round) {
        for (int i = 0; i < 50; ++i) {
            ASSERT_TRUE(log.append(msg("alice", {"ALL"}, "m"),
                                   [&](std::int64_t, bool stored) { confirmed += stored; }));
        }
        run_until(io, [&] { return confirmed == round * 50; });
    }
    EXPECT_EQ(log.stats().transactions, 10u);  // 500 messages, one transaction per 50
    EXPECT_EQ(log.stats().largest_batch, 50u);
}

TEST(HistoryLog, TheTimerWritesAPartialBatch) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 1000, 1ms));
    int confirmed = 0;
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(log.append(msg("alice", {"ALL"}, "hi"),
                               [&](std::int64_t, bool stored) { confirmed += stored; }));
    }
    EXPECT_EQ(log.stats().transactions, 0u);  // nothing written before the loop runs
    run_until(io, [&] { return confirmed == 10; });
    EXPECT_EQ(log.stats().transactions, 1u);
}

// Nothing else to do: a room's senders may all be waiting for their copies, and waiting
// longer would bring no more messages, only delay.
TEST(HistoryLog, AQuietLoopWritesAPartialBatchWithoutWaitingForTheTimer) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 1000, 1h));  // neither size nor time will do it
    int confirmed = 0;
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(log.append(msg("alice", {"ALL"}, "hi"),
                               [&](std::int64_t, bool stored) { confirmed += stored; }));
    }
    run_until(io, [&] { return confirmed == 10; });
    EXPECT_EQ(log.stats().transactions, 1u);
}

// While the loop is still reading input, more messages may be on their way: the partial
// batch waits for them (here, for a reader that brings one message a turn for 50 turns).
TEST(HistoryLog, WhileInputKeepsComingAPartialBatchWaitsForIt) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 1000, 1h));
    constexpr int kTurns = 50;
    int turns = 0;
    int turns_at_first_commit = -1;
    int confirmed = 0;
    std::function<void()> read_one = [&] {
        ASSERT_TRUE(log.append(msg("alice", {"ALL"}, "hi"), [&](std::int64_t, bool stored) {
            if (turns_at_first_commit < 0) turns_at_first_commit = turns;
            confirmed += stored;
        }));
        loop_activity::read_handled();  // as a transport does after each read
        if (++turns < kTurns) asio::post(io, read_one);
    };
    asio::post(io, read_one);
    run_until(io, [&] { return confirmed == kTurns; });
    EXPECT_EQ(turns_at_first_commit, kTurns);
    EXPECT_EQ(log.stats().transactions, 1u);
    EXPECT_EQ(log.stats().largest_batch, static_cast<std::size_t>(kTurns));
}

TEST(HistoryLog, CommitCallbacksRunOnTheLoopInAppendOrderWithTheReturnedIds) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 7, 1ms));  // batches that do not divide 100
    const auto loop_thread = std::this_thread::get_id();
    std::vector<std::int64_t> returned;
    std::vector<std::int64_t> confirmed;
    int off_loop = 0;
    for (int i = 0; i < 100; ++i) {
        auto id = log.append(msg("bob", {"alice"}, "m"), [&](std::int64_t id, bool stored) {
            EXPECT_TRUE(stored);
            if (std::this_thread::get_id() != loop_thread) ++off_loop;
            confirmed.push_back(id);
        });
        ASSERT_TRUE(id);
        returned.push_back(*id);
        if (i % 10 == 0) io.poll();
    }
    EXPECT_EQ(log.last_id(), returned.back());
    run_until(io, [&] { return confirmed.size() == 100; });
    EXPECT_EQ(confirmed, returned);
    for (std::size_t i = 1; i < returned.size(); ++i) EXPECT_EQ(returned[i], returned[i - 1] + 1);
    EXPECT_EQ(off_loop, 0);
}

TEST(HistoryLog, StopWritesWhatIsQueuedThenLetsTheLoopReturn) {
    TempDir temp;
    asio::io_context io(1);
    {
        HistoryLog log(io, settings_for(temp, 1000, 1h));  // neither trigger would fire
        int confirmed = 0;
        for (int i = 0; i < 100; ++i) {
            ASSERT_TRUE(log.append(msg("alice", {"#dev"}, "m"),
                                   [&](std::int64_t, bool stored) { confirmed += stored; }));
        }
        bool stopped = false;
        int confirmed_at_stop = -1;
        log.stop([&] {
            stopped = true;
            confirmed_at_stop = confirmed;
        });
        EXPECT_FALSE(log.append(msg("alice", {"#dev"}, "late"), {}));  // refused once stopping
        EXPECT_EQ(log.stats().refused, 1u);
        io.run();  // returns only once the log has let go of the loop
        EXPECT_TRUE(stopped);
        EXPECT_EQ(confirmed_at_stop, 100);
        EXPECT_TRUE(log.stopped());
        bool second = false;
        log.stop([&] { second = true; });  // idempotent; a late caller is told at once
        EXPECT_TRUE(second);
    }
    EXPECT_EQ(stored_count(temp.path()), 100u);
}

// Checkpoints run on their own thread beside the writes: the database file (not only the
// log) holds the messages well before SQLite's own checkpoint would come due (32 MiB of
// log), and nothing written meanwhile is lost.
TEST(HistoryLog, CheckpointsRunBesideTheWritesAndLoseNothing) {
    auto write_and_measure = [](const TempDir& temp, std::size_t checkpoint_bytes,
                                std::uint64_t& checkpoints) {
        asio::io_context io(1);
        auto settings = settings_for(temp, 100, 1ms);
        settings.checkpoint_bytes = checkpoint_bytes;
        HistoryLog log(io, settings);
        constexpr int kMessages = 5000;
        int confirmed = 0;
        for (int i = 0; i < kMessages; ++i) {
            EXPECT_TRUE(log.append(msg("alice", {"#dev"}, std::string(200, 'x')),
                                   [&](std::int64_t, bool stored) { confirmed += stored; }));
            if (i % 500 == 499) run_until(io, [&] { return confirmed == i + 1; });
        }
        run_until(io, [&] {
            return confirmed == kMessages && (checkpoint_bytes == 0 || log.stats().checkpoints > 0);
        });
        // Before the connections close: closing the last one checkpoints everything.
        bool stopped = false;
        log.stop([&] { stopped = true; });
        io.run();
        EXPECT_TRUE(stopped);
        checkpoints = log.stats().checkpoints;
        const auto size = std::filesystem::file_size(temp.path() / "hubchat.db");
        EXPECT_EQ(stored_count(temp.path()), static_cast<std::size_t>(kMessages));
        return size;
    };
    TempDir with, without;
    std::uint64_t checkpoints = 0;
    // ~1.2 MB of messages, a checkpoint every 64 KiB of them.
    const auto checkpointed = write_and_measure(with, 64 * 1024, checkpoints);
    EXPECT_GT(checkpoints, 0u);
    EXPECT_GT(checkpointed, 600'000u);
    const auto not_checkpointed = write_and_measure(without, 0, checkpoints);
    EXPECT_EQ(checkpoints, 0u);
    EXPECT_LT(not_checkpointed, 200'000u);  // the messages are still only in the log
}

// How many times the log has been started over: SQLite writes the count into the log's
// header (bytes 12-15, big-endian) whenever it writes the log from its first frame again.
std::uint32_t log_restarts(const std::filesystem::path& dir) {
    std::ifstream log(dir / "hubchat.db-wal", std::ios::binary);
    unsigned char header[16] = {};
    log.read(reinterpret_cast<char*>(header), sizeof header);
    if (!log) return 0;
    return (std::uint32_t{header[12]} << 24) | (std::uint32_t{header[13]} << 16) |
           (std::uint32_t{header[14]} << 8) | std::uint32_t{header[15]};
}

// One short message per commit, as a quiet hub commits, with a checkpoint due every 16
// pages of the log.
class OneMessageCommits : public ::testing::Test {
  protected:
    OneMessageCommits() : log_(io_, settings()), restarts_before_(log_restarts(temp_.path())) {}

    HistoryLogSettings settings() const {
        auto settings = settings_for(temp_, 1, 1ms);
        settings.checkpoint_bytes = 64 * 1024;
        return settings;
    }
    // Appends one message without waiting for it.
    void append() {
        EXPECT_TRUE(log_.append(msg("alice", {"#dev"}, "short line"),
                                [this](std::int64_t, bool stored) { confirmed_ += stored; }));
        ++appended_;
    }
    // Appends one and waits until at most `in_flight` are unconfirmed.
    void append_keeping(int in_flight) {
        append();
        run_until(io_, [&] { return confirmed_ >= appended_ - in_flight; });
    }
    std::uint32_t restarts() const { return log_restarts(temp_.path()) - restarts_before_; }
    const HistoryLogStats& stats() const { return log_.stats(); }
    // Stops the log; every message appended must be in the database.
    void stop_and_count() {
        bool stopped = false;
        log_.stop([&] { stopped = true; });
        io_.run();
        EXPECT_TRUE(stopped);
        EXPECT_EQ(stored_count(temp_.path()), static_cast<std::size_t>(appended_));
    }

    TempDir temp_;
    asio::io_context io_{1};
    HistoryLog log_;
    std::uint32_t restarts_before_;
    int appended_ = 0;
    int confirmed_ = 0;
};

// One message per commit grows the log by a page or more per message, far faster than by
// the messages' own bytes: the checkpoints follow the log's length, and the log starts over
// at the commit after each, instead of growing until SQLite's own checkpoint copies all of
// it inside a commit. How far the log grows while a checkpoint syncs depends on the disk,
// so the test awaits the events, not a file size.
TEST_F(OneMessageCommits, TheLogIsCheckpointedByItsLengthAndStartsOverSmall) {
    for (std::uint64_t cycle = 1; cycle <= 3; ++cycle) {
        // 16 commits of a page or more each, ~2 KB of messages: a checkpoint by the
        // log's length is due, one by the messages' bytes (64 KiB) far from it.
        for (int i = 0; i < 16; ++i) append_keeping(0);
        run_until(io_, [&] { return stats().checkpoints >= cycle; });
        // Each finished checkpoint lets the commit after it write the log from its start
        // again; the next checkpoint is due only once the new log is long enough.
        const auto finished = stats().checkpoints;
        append_keeping(0);
        EXPECT_GE(restarts(), finished) << "cycle " << cycle;
    }
    stop_and_count();
}

// Commits that go on while a checkpoint runs leave pages behind it; later passes (or, when
// commits never pause, the writer) copy them, and the log still starts over after each
// checkpoint, with nothing lost.
TEST_F(OneMessageCommits, TheLogStartsOverWhileCommitsContinue) {
    // Two in flight: a commit is nearly always running, during the checkpoints too.
    append();
    while (stats().checkpoints < 3) append_keeping(1);
    append_keeping(0);
    const auto finished = stats().checkpoints;
    append_keeping(0);
    EXPECT_GE(restarts(), finished);
    stop_and_count();
}

// A pass that ran beside commits leaves their pages behind; once the commits pause, the
// next pass copies them, and the writer copies nothing.
TEST_F(OneMessageCommits, ALaterPassCopiesWhatCommitsLeftBehind) {
    // Two in flight until a pass has ended without finishing its checkpoint.
    append();
    while (stats().checkpoint_passes == stats().checkpoints) append_keeping(1);
    const auto finished_before = stats().checkpoints;
    append_keeping(0);
    run_until(io_, [&] { return stats().checkpoints > finished_before; });
    EXPECT_EQ(stats().writer_copies, 0u);
    EXPECT_GT(stats().checkpoint_passes, stats().checkpoints);
    append_keeping(0);
    EXPECT_GE(restarts(), stats().checkpoints);
    stop_and_count();
}

TEST(HistoryLog, IdsContinueFromTheStoreAfterARestart) {
    TempDir temp;
    std::int64_t last = 0;
    {
        asio::io_context io(1);
        HistoryLog log(io, settings_for(temp, 4, 1ms));
        for (int i = 0; i < 5; ++i) last = *log.append(msg("a", {"ALL"}, "m"), {});
        log.stop();
        io.run();
    }
    EXPECT_EQ(last, 5);
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 4, 1ms));
    EXPECT_EQ(log.last_id(), 5);
    EXPECT_EQ(log.append(msg("a", {"ALL"}, "m"), {}), 6);
    log.stop();
    io.run();
}

TEST(HistoryLog, AQuerySeesEverythingAppendedBeforeItAndAnswersAfterTheirCallbacks) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 1000, 1h));  // only the query can flush
    std::vector<std::string> events;
    for (int i = 0; i < 3; ++i) {
        log.append(msg("bob", {"#dev"}, "m" + std::to_string(i)), [&, i](std::int64_t, bool) {
            events.push_back("committed " + std::to_string(i));
        });
    }
    HistoryLog::Answer answer;
    bool answered = false;
    log.room_before("#dev", store::HistoryStore::kLatest, 10, [&](HistoryLog::Answer a) {
        events.push_back("answer");
        answer = std::move(a);
        answered = true;
    });
    // Appended after the query was asked: goes in a later batch, not in the answer.
    log.append(msg("bob", {"#dev"}, "later"), {});
    run_until(io, [&] { return answered; });
    EXPECT_EQ(answer.error, "");
    ASSERT_EQ(answer.messages.size(), 3u);
    EXPECT_EQ(answer.messages[2].text, "m2");
    EXPECT_EQ(events,
              (std::vector<std::string>{"committed 0", "committed 1", "committed 2", "answer"}));
    log.stop();
    io.run();
}

TEST(HistoryLog, AQueryAskedDuringAWriteWaitsForTheMessagesQueuedBehindIt) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 1, 1h));    // every append writes at once if it can
    log.append(msg("bob", {"carol"}, "first"), {});   // in flight now
    log.append(msg("bob", {"carol"}, "second"), {});  // queued behind the write
    std::vector<std::string> texts;
    bool answered = false;
    log.visible_after("carol", {}, 0, 10, [&](HistoryLog::Answer a) {
        for (auto& m : a.messages) texts.push_back(m.text);
        answered = true;
    });
    run_until(io, [&] { return answered; });
    EXPECT_EQ(texts, (std::vector<std::string>{"first", "second"}));
    log.stop();
    io.run();
}

TEST(HistoryLog, AFullQueueRefusesAppendsUntilWritesCatchUp) {
    TempDir temp;
    asio::io_context io(1);
    auto settings = settings_for(temp, 1000, 1h);
    settings.max_queued_bytes = 4096;
    HistoryLog log(io, settings);
    const std::string text(1000, 'x');
    int accepted = 0;
    int confirmed = 0;
    while (log.append(msg("alice", {"ALL"}, text), [&](std::int64_t, bool) { ++confirmed; })) {
        ++accepted;
        ASSERT_LT(accepted, 100) << "the queue never filled";
    }
    EXPECT_GE(accepted, 2);
    EXPECT_LE(log.queued_bytes(), 4096u);
    EXPECT_EQ(log.stats().refused, 1u);
    EXPECT_EQ(log.last_id(), accepted);  // a refused append takes no id
    // Nothing flushes by itself here (1 h delay, batch of 1000): a query does.
    bool answered = false;
    log.inbox("nobody", 0, 1, [&](HistoryLog::Answer) { answered = true; });
    run_until(io, [&] { return answered; });
    EXPECT_EQ(confirmed, accepted);
    EXPECT_EQ(log.queued_bytes(), 0u);
    EXPECT_TRUE(log.append(msg("alice", {"ALL"}, text), {}));
    log.stop();
    io.run();
}

TEST(HistoryLog, AFailedBatchIsReportedAndLaterBatchesStillWork) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 1000, 1ms));
    std::vector<std::pair<std::int64_t, bool>> results;
    auto record = [&](std::int64_t id, bool stored) { results.emplace_back(id, stored); };
    log.append(msg("alice", {"ALL"}, "good"), record);
    log.append(msg("alice", {}, "no target"), record);  // fails the whole batch
    run_until(io, [&] { return results.size() == 2; });
    EXPECT_EQ(results, (std::vector<std::pair<std::int64_t, bool>>{{1, false}, {2, false}}));
    log.append(msg("alice", {"ALL"}, "after"), record);
    run_until(io, [&] { return results.size() == 3; });
    EXPECT_EQ(results.back(), (std::pair<std::int64_t, bool>{3, true}));
    EXPECT_EQ(log.stats().failed, 2u);
    EXPECT_EQ(log.stats().committed, 1u);
    log.stop();
    io.run();
    EXPECT_EQ(stored_count(temp.path()), 1u);
}

// The hub's way in: its own messages read in place, one report per transaction.
TEST(HistoryLog, InPlaceAppendsAreReadWhereTheyAreAndReportedOncePerBatch) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 7, 1ms));  // batches that do not divide 20
    std::vector<std::pair<std::int64_t, bool>> reports;
    std::vector<std::string> events;
    log.set_on_stored([&](std::int64_t last, bool stored) {
        reports.emplace_back(last, stored);
        events.push_back("report " + std::to_string(last));
    });
    // Where the caller keeps them until reported: nodes that never move.
    std::deque<ChatMessage> messages;
    const std::vector<std::string> targets{"#dev"};
    const std::vector<std::string> offline{"carol"};
    std::vector<std::int64_t> returned;
    for (int i = 0; i < 20; ++i) {
        auto& message = messages.emplace_back();
        message.from = "bob";
        message.dest = "#dev";
        message.text = "message number " + std::to_string(i) + ", not a short one";
        message.ts = 1000 + i;
        if (i == 10) {  // an owned one in between: its callback comes before the report
            ASSERT_TRUE(log.append(msg("alice", {"#dev"}, "owned"), [&](std::int64_t id, bool) {
                events.push_back("committed " + std::to_string(id));
            }));
        }
        const auto to_keep =
            i == 3 ? std::span<const std::string>(offline) : std::span<const std::string>();
        auto id = log.append_in_place(message, targets, to_keep);
        ASSERT_TRUE(id);
        returned.push_back(*id);
    }
    run_until(io, [&] { return !reports.empty() && reports.back().first == returned.back(); });
    EXPECT_EQ(reports.size(), log.stats().transactions);
    for (std::size_t i = 0; i < reports.size(); ++i) {
        EXPECT_TRUE(reports[i].second);
        if (i > 0) {
            EXPECT_GT(reports[i].first, reports[i - 1].first);
        }
    }
    // The owned message got id 11; its batch's report names a later in-place message.
    const auto committed = std::find(events.begin(), events.end(), "committed 11");
    ASSERT_NE(committed, events.end());
    ASSERT_NE(committed + 1, events.end());
    EXPECT_EQ((committed + 1)->rfind("report ", 0), 0u);

    bool answered = false;
    HistoryLog::Answer answer;
    log.room_before("#dev", store::HistoryStore::kLatest, 100, [&](HistoryLog::Answer a) {
        answer = std::move(a);
        answered = true;
    });
    run_until(io, [&] { return answered; });
    ASSERT_EQ(answer.messages.size(), 21u);
    EXPECT_EQ(answer.messages[0].text, "message number 0, not a short one");
    EXPECT_EQ(answer.messages[0].ts_ms, 1000);
    EXPECT_EQ(answer.messages[0].id, returned[0]);
    EXPECT_EQ(answer.messages[20].text, "message number 19, not a short one");
    bool inbox_answered = false;
    log.inbox("carol", 0, 10, [&](HistoryLog::Answer a) {
        ASSERT_EQ(a.messages.size(), 1u);
        EXPECT_EQ(a.messages[0].id, returned[3]);
        inbox_answered = true;
    });
    run_until(io, [&] { return inbox_answered; });
    EXPECT_EQ(log.queued_bytes(), 0u);

    // A failed batch is reported as such, naming its last in-place message.
    reports.clear();
    auto& bad = messages.emplace_back();
    bad.from = "bob";
    bad.text = "no target";
    const auto bad_id = log.append_in_place(bad, {}, {});
    ASSERT_TRUE(bad_id);
    run_until(io, [&] { return !reports.empty(); });
    EXPECT_EQ(reports, (std::vector<std::pair<std::int64_t, bool>>{{*bad_id, false}}));
    log.stop();
    io.run();
}

TEST(HistoryLog, InboxAndMarkDeliveredGoThroughTheWorker) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 16, 1ms));
    for (int i = 0; i < 3; ++i) {
        auto m = msg("alice", {"dana"}, "dm" + std::to_string(i));
        m.offline_recipients = {"dana"};
        log.append(std::move(m), {});
    }
    HistoryLog::Answer first;
    bool answered = false;
    log.inbox("Dana", 0, 10, [&](HistoryLog::Answer a) {
        first = std::move(a);
        answered = true;
    });
    run_until(io, [&] { return answered; });
    ASSERT_EQ(first.messages.size(), 3u);
    std::string marked = "not yet";
    log.mark_delivered("dana", first.messages[1].id, [&](std::string error) { marked = error; });
    answered = false;
    HistoryLog::Answer second;
    log.inbox("dana", 0, 10, [&](HistoryLog::Answer a) {
        second = std::move(a);
        answered = true;
    });
    run_until(io, [&] { return answered; });
    EXPECT_EQ(marked, "");
    ASSERT_EQ(second.messages.size(), 1u);
    EXPECT_EQ(second.messages[0].text, "dm2");
    log.stop();
    io.run();
}

TEST(HistoryLog, PruneRunsInChunksAndInterleavesWithAppends) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 8, 1ms));
    for (int i = 0; i < 40; ++i) {
        auto m = msg("alice", {"#dev"}, "old");
        m.ts_ms = 1000;  // 1970: older than any max_age
        log.append(std::move(m), {});
    }
    for (int i = 0; i < 30; ++i) log.append(msg("alice", {"#ops"}, "new"), {});
    bool pruned = false;
    PruneResult result;
    Retention retention;
    retention.max_age = std::chrono::hours(24);
    retention.max_per_room = 10;
    retention.chunk = 7;
    log.prune(retention, [&](PruneResult r) {
        result = r;
        pruned = true;
    });
    // Appended while the prune runs: written between its chunks.
    int late_confirmed = 0;
    for (int i = 0; i < 5; ++i) {
        log.append(msg("bob", {"#ops"}, "during"),
                   [&](std::int64_t, bool ok) { late_confirmed += ok; });
    }
    run_until(io, [&] { return pruned && late_confirmed == 5; });
    EXPECT_TRUE(result.complete);
    EXPECT_EQ(result.error, "");
    EXPECT_GE(result.messages_removed, 40u);
    EXPECT_GE(result.room_rows_removed, 20u);
    log.stop();
    io.run();
    store::Database db(temp.path());
    store::HistoryStore history(db);
    EXPECT_TRUE(history.room_before("#dev", store::HistoryStore::kLatest, 100).empty());
    EXPECT_EQ(history.room_before("#ops", store::HistoryStore::kLatest, 100).size(), 10u);
}

TEST(HistoryLog, QueriesAfterStopAnswerWithAnError) {
    TempDir temp;
    asio::io_context io(1);
    HistoryLog log(io, settings_for(temp, 16, 1ms));
    log.stop();
    io.run();
    HistoryLog::Answer answer;
    log.room_before("#dev", store::HistoryStore::kLatest, 10,
                    [&](HistoryLog::Answer a) { answer = std::move(a); });
    EXPECT_NE(answer.error, "");
}

}  // namespace
}  // namespace hubchat::net
