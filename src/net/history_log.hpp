// Message history as the event loop uses it (issue 5): appends are batched into one
// transaction each on a worker thread (group commit) and confirmed back on the loop;
// queries run on the same worker and answer on the loop. One per server, on the loop
// thread; it owns its own Database connection and worker.
//
// Contract for the hub: an append is durable only when its on_committed(id, true) has
// run (for append_in_place(), the hub's way in: when on_stored has reported an id at or
// past it, with stored = true). Deliver the message to its recipients and acknowledge
// the sender there, not before, and a crash (kill -9) can only lose messages that nobody
// has seen. "Durable" is the Database's: WAL with synchronous=NORMAL, so a committed
// batch survives the process being killed (it is in the log file, in the kernel's
// cache); a power cut or a kernel crash may lose the last commits, never corrupt the
// file.
//
// Ids: assigned on the loop at append() (the next after the store's highest at start),
// so the caller knows the id at once; they increase in append order. A batch that fails
// to commit leaves a gap: its ids are never used again.
//
// Batching: the queue is written when it holds `batch_size` messages, `flush_delay` after
// its first message, or as soon as the loop has a turn with no input (waiting longer would
// bring no more messages, only delay: a room whose senders wait for their copies),
// whichever comes first. At most one write transaction is in flight: what is appended
// meanwhile waits for it to end (then the same rule applies, the wait counted from its
// first message), so when the disk is slow the batches grow instead of the worker's
// queue.
//
// Backpressure: messages queued or being written are counted in bytes; an append that
// would take that past `max_queued_bytes` is refused (append returns nullopt, and it is
// never reported). The caller must then refuse the message to its sender (an
// error saying to retry), which keeps the guarantee: no ack, no delivery. Memory is
// bounded, and a disk that stalls for good turns into refusals rather than growth.
//
// Ordering of queries: a query sees every message appended before it was asked, and its
// answer runs after those messages' on_committed callbacks and on_stored reports. A
// resume can therefore ask for "everything after id N" and then switch to live delivery
// with no gap and no message twice, provided the hub delivers live traffic from those
// callbacks too.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/message.hpp"
#include "net/blocking_worker.hpp"
#include "store/history.hpp"

namespace hubchat::store {
class Database;
}

namespace hubchat::net {

struct HistoryLogSettings {
    std::filesystem::path data_dir;
    // Write at once when this many are queued. Large: under load the timer and the end
    // of the previous write decide, and bigger commits cost the writer less per message
    // and release deliveries in bigger bursts, which gather more frames per write
    // (direct, 1000 clients, window 16: 64 / 256 / 1024 / 4096 took 4.2 / 4.0 / 3.6 /
    // 3.3 us of server CPU per message).
    std::size_t batch_size = 4096;
    std::chrono::microseconds flush_delay = std::chrono::milliseconds(2);
    // Messages waiting or being written, counted as text + names + a fixed overhead.
    std::size_t max_queued_bytes = std::size_t{32} * 1024 * 1024;
    // A checkpoint (the log's pages copied into the database file, both synced) runs on
    // a thread and connection of its own each time the write-ahead log has grown by this
    // many bytes, beside the writes, which go on meanwhile; further passes there copy the
    // little appended during it (the writer does, when commits never pause), so that the
    // next commit starts the log over. Commits then never wait for a long copy, and
    // seldom for a short one. SQLite's own checkpoint, inside the commit that takes the
    // log to 32 MiB, copied and synced all of it at once (direct messages, window 16:
    // p99 156 -> 69 ms; one message per commit at 1 000/s: a 35 ms stall every 3.5 s).
    // 0: none but SQLite's own.
    std::size_t checkpoint_bytes = std::size_t{8} * 1024 * 1024;
};

struct HistoryLogStats {
    std::uint64_t appended = 0;      // accepted by append()
    std::uint64_t refused = 0;       // refused by append() (full or stopping)
    std::uint64_t committed = 0;     // stored and confirmed
    std::uint64_t failed = 0;        // in a transaction that failed
    std::uint64_t transactions = 0;  // write transactions attempted
    std::size_t largest_batch = 0;
    std::uint64_t checkpoints = 0;        // finished beside the writes
    std::uint64_t checkpoint_passes = 0;  // ended; a checkpoint takes one or more
    // Checkpoints the writer finished, because commits came during each of the
    // checkpointer's passes.
    std::uint64_t writer_copies = 0;
};

// How much history to keep; see HistoryLog::prune.
struct Retention {
    std::optional<std::chrono::milliseconds> max_age;  // none: keep whatever its age
    std::size_t max_per_room = 0;                      // 0: no count limit
    // Rows per transaction: each chunk is a separate job on the worker, so appends queued
    // meanwhile are written between two chunks.
    std::size_t chunk = 1000;
};

struct PruneResult {
    std::size_t messages_removed = 0;   // by age
    std::size_t room_rows_removed = 0;  // by count, per room
    bool complete = false;              // false when stopped or failed midway
    std::string error;                  // empty unless a chunk failed
};

class HistoryLog {
  public:
    // `stored` is false when the message's transaction failed: the message is not in
    // history and must not be delivered or acknowledged.
    using Committed = std::function<void(std::int64_t id, bool stored)>;

    struct Answer {
        std::vector<store::HistoryMessage> messages;
        std::string error;  // empty on success
    };
    using Answered = std::function<void(Answer)>;

    // Opens (creating on first start) the database in settings.data_dir. Throws
    // std::runtime_error with a readable reason.
    HistoryLog(boost::asio::io_context& io, HistoryLogSettings settings);
    ~HistoryLog();  // drops what is still queued: call stop() and let the loop run first
    HistoryLog(const HistoryLog&) = delete;
    HistoryLog& operator=(const HistoryLog&) = delete;

    // Queues `message` (its id field is ignored) and returns the id it will have, or
    // nullopt when refused (queue full, or stop() called). `on_committed` runs on the
    // loop after the transaction holding the message ended, in append order. Never calls
    // back from inside append(). A message with no target is a caller's bug: it fails
    // its whole batch (stored = false for all of them).
    std::optional<std::int64_t> append(store::NewMessage message, Committed on_committed);
    // The same for the hub's MessageStore, with nothing copied: `message` (but for its
    // id, which this does not read), `targets` and `offline_recipients` are read in place,
    // by the worker too, until their batch has been reported to the on_stored callback;
    // the caller keeps them alive and unchanged until then. Refused: nullopt, as above.
    std::optional<std::int64_t> append_in_place(const ChatMessage& message,
                                                std::span<const std::string> targets,
                                                std::span<const std::string> offline_recipients);
    // Reports for append_in_place(): once per transaction that held any, on the loop,
    // naming the last of them (`last_id`); every such message up to it is then stored,
    // or (stored = false) not. After that batch's on_committed callbacks.
    using BatchStored = std::function<void(std::int64_t last_id, bool stored)>;
    void set_on_stored(BatchStored on_stored) { on_stored_ = std::move(on_stored); }

    // Queries, answered on the loop (see HistoryStore for what each returns). Called
    // after stop(), they answer at once with an error.
    void visible_after(std::string user, std::vector<std::string> rooms, std::int64_t after_id,
                       std::size_t limit, Answered done);
    void room_before(std::string room, std::int64_t before_id, std::size_t limit, Answered done);
    void conversation(std::string a, std::string b, std::int64_t before_id, std::size_t limit,
                      Answered done);
    void inbox(std::string user, std::int64_t after_id, std::size_t limit, Answered done);
    // `done` (optional) gets an error text, empty on success.
    void mark_delivered(std::string user, std::int64_t through_id,
                        std::function<void(std::string error)> done = {});

    // Applies `retention` in chunks, oldest first, then each room (and ALL) down to
    // max_per_room; `done` runs on the loop when finished, stopped or failed. Meant to
    // be run from a periodic timer; one prune at a time is the caller's business.
    void prune(Retention retention, std::function<void(PruneResult)> done);

    // Shutdown: refuses new work, writes what is queued at once, and when every write
    // and query in flight has answered, stops the worker (so the event loop can return)
    // and calls `done`. Idempotent; a later call's `done` runs when the first finishes.
    void stop(std::function<void()> done = {});
    bool stopped() const { return stopped_; }

    const HistoryLogStats& stats() const { return stats_; }
    std::size_t queued() const { return pending_.size() + writing_.size(); }
    std::size_t queued_bytes() const { return queued_bytes_; }
    // The id the last accepted append got (or the store's highest at start).
    std::int64_t last_id() const { return next_id_ - 1; }

  private:
    // append()'s message, owned, with its callback. Behind a pointer, so that its
    // strings stay put for the view of it in Queue::refs.
    struct Owned {
        std::int64_t id = 0;
        store::NewMessage message;
        Committed on_committed;
    };
    // The worker's batch as views (of the caller's strings for append_in_place(), of
    // `owned` for append()), in append order, handed over in place. The worker only reads
    // them; owned messages are destroyed on the loop (memory freed on the thread that
    // allocated it stays in that thread's malloc caches), and the vectors are reused, not
    // reallocated, batch after batch.
    struct Queue {
        std::vector<store::MessageRef> refs;
        std::vector<std::unique_ptr<Owned>> owned;
        std::size_t bytes = 0;
        std::int64_t last_in_place = 0;  // the last append_in_place() id; 0: none
        std::size_t size() const { return refs.size(); }
        bool empty() const { return refs.empty(); }
        void clear() {
            refs.clear();
            owned.clear();
            bytes = 0;
            last_in_place = 0;
        }
    };
    struct PruneRun;

    // Takes the message `ref` shows (its id and, if 0, its time set here), counted as
    // `bytes`; `owned` holds it for append().
    std::optional<std::int64_t> enqueue(store::MessageRef ref, std::size_t bytes,
                                        std::unique_ptr<Owned> owned);
    void submit(BlockingWorker::Job job);  // to worker_, counted in writer_jobs_
    // Runs `job` on `worker`, counted in jobs_in_flight_ until its continuation has run.
    void submit_to(BlockingWorker& worker, BlockingWorker::Job job);
    void submit_after_appends(BlockingWorker::Job job);
    void query(std::function<std::vector<store::HistoryMessage>(store::HistoryStore&)> work,
               Answered done);
    // The batching rule, with no write in flight: hands pending_ to the worker when it is
    // full, the log is stopping, or its first message has waited flush_delay; otherwise
    // the timer does when that time comes, or watch_for_quiet() sooner.
    void write_or_wait();
    void arm_timer();
    // Looks at the end of each turn of the loop whether it handled any input since the
    // last look; when it did not, the queue goes to the worker at once.
    void watch_for_quiet();
    void flush();
    void on_written(bool ok, const std::string& error, int log_pages);
    // A checkpoint: passes on the checkpointer's connection until one ran with no commit
    // beside it (then the whole log is copied, and the next commit starts it over), at
    // most kCheckpointPasses; then the writer copies what is left.
    void checkpoint(int log_pages);
    void checkpoint_pass();
    void on_checkpoint_pass(bool copied_all, const std::string& error);
    void checkpoint_finished();
    void prune_step(std::shared_ptr<PruneRun> run);
    void maybe_finish_stop();

    using Clock = boost::asio::steady_timer::clock_type;
    HistoryLogSettings settings_;
    std::unique_ptr<store::Database> db_;             // used only by jobs on the worker thread
    std::unique_ptr<store::HistoryStore> store_;      // likewise
    std::unique_ptr<store::Database> checkpoint_db_;  // used only by jobs on checkpointer_
    int checkpoint_pages_ = 0;                        // checkpoint_bytes in pages of the log
    int log_pages_checkpointed_ = 0;  // the log's length when the last checkpoint began
    bool checkpoint_in_flight_ = false;
    static constexpr int kCheckpointPasses = 8;
    int checkpoint_passes_ = 0;    // in the checkpoint in flight
    bool pass_in_flight_ = false;  // on the checkpointer
    bool pass_saw_write_ = false;  // the writer had a job at some time during the pass
    bool pass_wanted_ = false;     // the next pass, once the writer's job in flight ends
    std::size_t writer_jobs_ = 0;  // submitted to worker_, continuation not yet run
    boost::asio::steady_timer timer_;
    bool timer_armed_ = false;
    bool quiet_check_posted_ = false;
    std::uint64_t reads_at_quiet_check_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted checks
    Queue pending_;                    // appended, not yet handed to the worker
    Clock::time_point pending_since_;  // when pending_'s first message came
    Queue writing_;  // in the transaction in flight: read by the worker until it ends
    Queue spare_;    // empty, keeping its capacity for the next turn
    bool write_in_flight_ = false;
    std::vector<BlockingWorker::Job> parked_;  // to submit right after the next write
    std::size_t queued_bytes_ = 0;
    std::size_t jobs_in_flight_ = 0;
    std::int64_t next_id_ = 1;
    bool stopping_ = false;
    bool stopped_ = false;
    std::vector<std::function<void()>> on_stopped_;
    BatchStored on_stored_;
    HistoryLogStats stats_;
    // Last, so they stop (joining their threads) before the connections their jobs use
    // are destroyed.
    BlockingWorker checkpointer_;
    BlockingWorker worker_;
};

}  // namespace hubchat::net
