#include "net/history_log.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <span>
#include <stdexcept>
#include <utility>

#include "net/loop_activity.hpp"
#include "store/database.hpp"

namespace hubchat::net {

namespace {

constexpr std::size_t kOverheadBytes = 128;  // the view, the hub's or our own copy
// The writer's own checkpoint, inside a commit, when the log reaches this length: the
// last resort should the checkpointer fall behind.
constexpr std::size_t kWriterCheckpointBytes = std::size_t{32} * 1024 * 1024;

std::size_t size_of(std::string_view sender, std::string_view dest, std::string_view text,
                    std::span<const std::string> targets,
                    std::span<const std::string> offline_recipients) {
    std::size_t bytes = kOverheadBytes + sender.size() + dest.size() + text.size();
    for (const auto& target : targets) bytes += target.size() + 32;
    for (const auto& name : offline_recipients) bytes += name.size() + 32;
    return bytes;
}

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr std::string_view kStopping = "history is shutting down";

// The checkpointer's thread gives way to the loop and the writer when they want its core:
// a copy that finishes a little later costs nobody anything, a message's commit or
// delivery that waits for a core is latency (100 members at 1 000 msg/s with history,
// alternating runs: p99 915 -> 839 us and 999 -> 821 us, medians of 6 and of 8). Not
// more: at 10, under a sustained load of direct messages it fell so far behind that the
// log reached 32 MiB and SQLite copied it inside a commit (an 80 ms stall), which at 5
// it never did.
constexpr int kCheckpointerNicer = 5;

}  // namespace

struct HistoryLog::PruneRun {
    Retention retention;
    std::int64_t cutoff_ms = 0;
    enum class Phase { age, list_rooms, rooms } phase = Phase::age;
    std::vector<std::string> rooms;
    std::size_t room = 0;  // index into rooms
    bool started = false;
    PruneResult result;
    std::function<void(PruneResult)> done;
};

HistoryLog::HistoryLog(boost::asio::io_context& io, HistoryLogSettings settings)
    : settings_(std::move(settings)),
      timer_(io),
      checkpointer_(io, kCheckpointerNicer),
      worker_(io) {
    if (settings_.batch_size == 0) settings_.batch_size = 1;
    try {
        db_ = std::make_unique<store::Database>(settings_.data_dir);
        // This connection writes every message: a page cache big enough for the indexes'
        // hot pages, pages read through a memory map rather than copied by read(), and
        // its own checkpoints only as a last resort (the checkpointer's come first).
        db_->execute("PRAGMA cache_size = -32768; PRAGMA mmap_size = 268435456;");
        const auto page_size = static_cast<std::size_t>(db_->page_size());
        const auto writer_checkpoint_pages = kWriterCheckpointBytes / page_size;
        db_->watch_log(static_cast<int>(writer_checkpoint_pages));
        store_ = std::make_unique<store::HistoryStore>(*db_);
        if (settings_.checkpoint_bytes > 0) {
            checkpoint_db_ = std::make_unique<store::Database>(settings_.data_dir);
            // Well before the writer's own: the checkpointer's come first.
            checkpoint_pages_ = static_cast<int>(std::clamp<std::size_t>(
                settings_.checkpoint_bytes / page_size, 1, writer_checkpoint_pages / 2));
        }
        // Read here, before any job: the worker thread touches the store only through
        // jobs, and submitting one orders it after this.
        next_id_ = store_->last_id() + 1;
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot open the history database in " +
                                 settings_.data_dir.string() + ": " + e.what());
    }
}

HistoryLog::~HistoryLog() {
    *alive_ = false;
}

std::optional<std::int64_t> HistoryLog::append(store::NewMessage message, Committed on_committed) {
    const std::size_t bytes = size_of(message.sender, message.dest, message.text, message.targets,
                                      message.offline_recipients);
    auto owned = std::make_unique<Owned>();
    owned->message = std::move(message);
    owned->on_committed = std::move(on_committed);
    const store::MessageRef ref = store::MessageRef::of(owned->message);
    return enqueue(ref, bytes, std::move(owned));
}

std::optional<std::int64_t> HistoryLog::append_in_place(
    const ChatMessage& message, std::span<const std::string> targets,
    std::span<const std::string> offline_recipients) {
    const store::MessageRef ref{0,       message.ts,   message.from,      message.dest,
                                targets, message.text, offline_recipients};
    return enqueue(ref,
                   size_of(message.from, message.dest, message.text, targets, offline_recipients),
                   nullptr);
}

std::optional<std::int64_t> HistoryLog::enqueue(store::MessageRef ref, std::size_t bytes,
                                                std::unique_ptr<Owned> owned) {
    // An empty queue takes any one message, so a single large one cannot be refused for
    // ever.
    if (stopping_ || (queued_bytes_ > 0 && queued_bytes_ + bytes > settings_.max_queued_bytes)) {
        ++stats_.refused;
        return std::nullopt;
    }
    const std::int64_t id = next_id_++;
    ref.id = id;
    if (ref.ts_ms == 0) ref.ts_ms = unix_ms_now();
    queued_bytes_ += bytes;
    ++stats_.appended;
    if (pending_.empty()) pending_since_ = Clock::now();
    pending_.refs.push_back(ref);
    pending_.bytes += bytes;
    if (owned) {
        owned->id = id;
        pending_.owned.push_back(std::move(owned));
    } else {
        pending_.last_in_place = id;
    }
    if (write_in_flight_) {
        // Goes in the next transaction, when this one ends. The loop is busy: see that end
        // as soon as this turn is over, so the next write starts without delay.
        worker_.poll_soon();
        return id;
    }
    write_or_wait();
    return id;
}

void HistoryLog::write_or_wait() {
    if (pending_.empty()) return;
    if (stopping_ || pending_.size() >= settings_.batch_size) return flush();
    if (timer_armed_) return;  // counting from the first message already
    if (Clock::now() - pending_since_ >= settings_.flush_delay) return flush();
    arm_timer();
    watch_for_quiet();
}

void HistoryLog::watch_for_quiet() {
    if (quiet_check_posted_) return;
    quiet_check_posted_ = true;
    reads_at_quiet_check_ = loop_activity::reads;
    boost::asio::post(timer_.get_executor(), [this, alive = alive_] {
        if (!*alive) return;
        quiet_check_posted_ = false;
        if (write_in_flight_ || pending_.empty()) return;
        // Input came in since the last look: more messages may be on their way.
        if (loop_activity::reads != reads_at_quiet_check_) return watch_for_quiet();
        flush();
    });
}

void HistoryLog::arm_timer() {
    if (timer_armed_) return;
    timer_armed_ = true;
    // flush_delay after the first waiting message arrived (which may be in the past).
    timer_.expires_at(pending_since_ + settings_.flush_delay);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;  // cancelled by a flush, or the log is being destroyed
        timer_armed_ = false;
        if (!write_in_flight_ && !pending_.empty()) flush();
    });
}

void HistoryLog::flush() {
    if (timer_armed_) {
        timer_armed_ = false;
        timer_.cancel();
    }
    std::swap(writing_, pending_);  // pending_ takes the empty vectors writing_ had
    // The worker reads writing_ in place: the loop leaves writing_ alone until
    // on_written, which runs after the job.
    write_in_flight_ = true;
    ++stats_.transactions;
    stats_.largest_batch = std::max(stats_.largest_batch, writing_.size());
    submit([this, batch = std::span<const store::MessageRef>(
                      writing_.refs)]() -> BlockingWorker::Continuation {
        bool ok = true;
        std::string error;
        try {
            store_->append_refs(batch);
        } catch (const std::exception& e) {
            ok = false;
            error = e.what();
        }
        return [this, ok, error = std::move(error), log_pages = db_->log_pages()] {
            on_written(ok, error, log_pages);
        };
    });
    // Jobs that asked to come after what was queued: it is all in this batch.
    auto parked = std::move(parked_);
    parked_.clear();
    for (auto& job : parked) submit(std::move(job));
}

void HistoryLog::on_written(bool ok, const std::string& error, int log_pages) {
    write_in_flight_ = false;
    // Callbacks may append and even start the next write, which takes writing_: work on
    // the batch from a local, and give writing_ the spare vectors meanwhile.
    Queue written = std::move(writing_);
    writing_ = std::move(spare_);
    writing_.clear();
    if (!ok) {
        spdlog::error("history: a batch of {} message(s) was not stored: {}", written.size(),
                      error);
    }
    queued_bytes_ -= written.bytes;
    (ok ? stats_.committed : stats_.failed) += written.size();
    if (ok && checkpoint_db_) {
        // Shorter than when the last checkpoint began: the log was started over.
        if (log_pages < log_pages_checkpointed_) log_pages_checkpointed_ = 0;
        if (!checkpoint_in_flight_ && !stopping_ &&
            log_pages - log_pages_checkpointed_ >= checkpoint_pages_) {
            checkpoint(log_pages);
        }
    }
    // What was appended during the write goes to the worker now if it is a full batch
    // or has waited flush_delay, and before the callbacks, so that the next commit is
    // written while the loop delivers this one's messages. Less waits for the timer:
    // the loop hears of a finished write within microseconds (take_ready_results), and
    // handing over every few messages would cost a transaction each (~30 us of the
    // writer's time: under load, a third of a core).
    write_or_wait();
    for (auto& owned : written.owned) {
        if (owned->on_committed) owned->on_committed(owned->id, ok);
    }
    if (written.last_in_place != 0 && on_stored_) on_stored_(written.last_in_place, ok);
    written.clear();
    spare_ = std::move(written);
    // Appended by a callback above, with no write in flight: the same rule.
    if (!write_in_flight_) write_or_wait();
}

void HistoryLog::checkpoint(int log_pages) {
    checkpoint_in_flight_ = true;
    log_pages_checkpointed_ = log_pages;
    checkpoint_passes_ = 0;
    checkpoint_pass();
}

void HistoryLog::checkpoint_pass() {
    ++checkpoint_passes_;
    pass_in_flight_ = true;
    // A job on the writer now may commit after the pass has read how long the log is.
    pass_saw_write_ = writer_jobs_ > 0;
    submit_to(checkpointer_, [this]() -> BlockingWorker::Continuation {
        std::string error;
        bool copied_all = false;
        try {
            // PASSIVE: copies what it can without waiting for the writer or blocking it.
            copied_all = checkpoint_db_->checkpoint();
        } catch (const std::exception& e) {
            error = e.what();
        }
        return
            [this, copied_all, error = std::move(error)] { on_checkpoint_pass(copied_all, error); };
    });
}

void HistoryLog::on_checkpoint_pass(bool copied_all, const std::string& error) {
    pass_in_flight_ = false;
    ++stats_.checkpoint_passes;
    if (!error.empty() || stopping_) {
        // Nothing is lost: the log keeps the pages for the next checkpoint.
        if (!error.empty()) spdlog::warn("history: checkpoint failed: {}", error);
        return checkpoint_finished();
    }
    // SQLite starts the log over only at a commit that finds all of it copied. This pass
    // copied the log as it began, and the writer committed nothing while it ran: the
    // next commit starts the log over. (An account saved meanwhile, on a connection of
    // its own, is rare; at worst it puts the start-over off to the next checkpoint.)
    if (copied_all && !pass_saw_write_) return checkpoint_finished();
    // Commits made during the pass are still to copy, a few pages where the first pass
    // had megabytes. Another pass copies them, here rather than on the writer: a copy
    // syncs the log and the database file, which held up the commit behind it for
    // 0.5-2 ms (one message per commit at 1 000/s, ~4 times a second).
    if (checkpoint_passes_ < kCheckpointPasses) {
        // Started right after the writer's job ends: the widest gap between commits.
        if (writer_jobs_ > 0) {
            pass_wanted_ = true;
        } else {
            checkpoint_pass();
        }
        return;
    }
    // Commits kept coming during every pass (a busy hub): the writer copies the few
    // pages left between two of its transactions, and the log stays short. The
    // checkpoint counts as running until then: had the next one started meanwhile (when
    // the log grew a whole checkpoint's length during a slow sync), the writer's copy
    // would find it busy, copy nothing, and the log would not start over.
    ++stats_.writer_copies;
    submit([this]() -> BlockingWorker::Continuation {
        try {
            db_->checkpoint();
        } catch (const std::exception& e) {
            spdlog::warn("history: checkpoint failed: {}", e.what());
        }
        return [this] { checkpoint_finished(); };
    });
}

void HistoryLog::checkpoint_finished() {
    checkpoint_in_flight_ = false;
    pass_wanted_ = false;
    ++stats_.checkpoints;
}

void HistoryLog::submit(BlockingWorker::Job job) {
    // Any job of the writer's may commit (appends, prunes, marks): a checkpoint pass
    // running meanwhile may then not have copied the whole log.
    if (pass_in_flight_) pass_saw_write_ = true;
    ++writer_jobs_;
    submit_to(worker_, [this, job = std::move(job)]() -> BlockingWorker::Continuation {
        BlockingWorker::Continuation then = job();
        return [this, then = std::move(then)] {
            --writer_jobs_;
            if (pass_wanted_) {
                pass_wanted_ = false;
                if (stopping_) {
                    checkpoint_finished();
                } else {
                    checkpoint_pass();
                }
            }
            if (then) then();
        };
    });
}

void HistoryLog::submit_to(BlockingWorker& worker, BlockingWorker::Job job) {
    ++jobs_in_flight_;  // stop() waits for it
    worker.submit([this, job = std::move(job)]() -> BlockingWorker::Continuation {
        BlockingWorker::Continuation then = job();
        return [this, then = std::move(then)] {
            --jobs_in_flight_;
            if (then) then();
            maybe_finish_stop();
        };
    });
}

void HistoryLog::submit_after_appends(BlockingWorker::Job job) {
    if (pending_.empty()) {
        submit(std::move(job));  // behind any write in flight: the worker runs jobs in order
    } else if (!write_in_flight_) {
        flush();
        submit(std::move(job));
    } else {
        parked_.push_back(std::move(job));  // submitted by the flush after the write ends
    }
}

void HistoryLog::query(std::function<std::vector<store::HistoryMessage>(store::HistoryStore&)> work,
                       Answered done) {
    if (stopping_) return done(Answer{{}, std::string(kStopping)});
    submit_after_appends([this, work = std::move(work),
                          done = std::move(done)]() mutable -> BlockingWorker::Continuation {
        Answer answer;
        try {
            answer.messages = work(*store_);
        } catch (const std::exception& e) {
            answer.error = std::string("history query failed: ") + e.what();
        }
        return [answer = std::move(answer), done = std::move(done)]() mutable {
            done(std::move(answer));
        };
    });
}

void HistoryLog::visible_after(std::string user, std::vector<std::string> rooms,
                               std::int64_t after_id, std::size_t limit, Answered done) {
    query(
        [user = std::move(user), rooms = std::move(rooms), after_id,
         limit](store::HistoryStore& store) {
            return store.visible_after(user, rooms, after_id, limit);
        },
        std::move(done));
}

void HistoryLog::room_before(std::string room, std::int64_t before_id, std::size_t limit,
                             Answered done) {
    query([room = std::move(room), before_id,
           limit](store::HistoryStore& store) { return store.room_before(room, before_id, limit); },
          std::move(done));
}

void HistoryLog::conversation(std::string a, std::string b, std::int64_t before_id,
                              std::size_t limit, Answered done) {
    query([a = std::move(a), b = std::move(b), before_id, limit](
              store::HistoryStore& store) { return store.conversation(a, b, before_id, limit); },
          std::move(done));
}

void HistoryLog::inbox(std::string user, std::int64_t after_id, std::size_t limit, Answered done) {
    query([user = std::move(user), after_id,
           limit](store::HistoryStore& store) { return store.inbox(user, after_id, limit); },
          std::move(done));
}

void HistoryLog::mark_delivered(std::string user, std::int64_t through_id,
                                std::function<void(std::string)> done) {
    if (stopping_) {
        if (done) done(std::string(kStopping));
        return;
    }
    submit_after_appends([this, user = std::move(user), through_id,
                          done = std::move(done)]() mutable -> BlockingWorker::Continuation {
        std::string error;
        try {
            store_->mark_delivered(user, through_id);
        } catch (const std::exception& e) {
            error = std::string("history: marking delivered failed: ") + e.what();
        }
        return [error = std::move(error), done = std::move(done)] {
            if (!error.empty()) spdlog::error("{}", error);
            if (done) done(error);
        };
    });
}

void HistoryLog::prune(Retention retention, std::function<void(PruneResult)> done) {
    auto run = std::make_shared<PruneRun>();
    run->retention = retention;
    if (run->retention.chunk == 0) run->retention.chunk = 1;
    if (retention.max_age) run->cutoff_ms = unix_ms_now() - retention.max_age->count();
    run->phase = retention.max_age ? PruneRun::Phase::age : PruneRun::Phase::list_rooms;
    run->done = std::move(done);
    prune_step(std::move(run));
}

// One chunk per job; the continuation submits the next, so writes queued meanwhile run
// between two chunks and a prune never holds the write lock for long.
void HistoryLog::prune_step(std::shared_ptr<PruneRun> run) {
    auto finish = [](const std::shared_ptr<PruneRun>& ended, bool complete) {
        ended->result.complete = complete;
        if (ended->done) ended->done(ended->result);
    };
    if (stopping_) return finish(run, false);
    if (run->phase == PruneRun::Phase::list_rooms && run->retention.max_per_room == 0) {
        return finish(run, true);
    }
    if (run->phase == PruneRun::Phase::rooms && run->room >= run->rooms.size()) {
        return finish(run, true);
    }
    const auto phase = run->phase;
    const auto chunk = run->retention.chunk;
    const auto keep = run->retention.max_per_room;
    const auto cutoff = run->cutoff_ms;
    std::string room = phase == PruneRun::Phase::rooms ? run->rooms[run->room] : std::string();
    // The first chunk comes after what was appended before prune() was called, so that
    // "older than" and "beyond the count" apply to all of it; later chunks take their turn
    // among the writes.
    auto submit_chunk = [this,
                         first = !std::exchange(run->started, true)](BlockingWorker::Job job) {
        if (first) {
            submit_after_appends(std::move(job));
        } else {
            submit(std::move(job));
        }
    };
    submit_chunk([this, run, phase, chunk, keep, cutoff,
                  room = std::move(room)]() mutable -> BlockingWorker::Continuation {
        std::size_t removed = 0;
        std::vector<std::string> rooms;
        std::string error;
        try {
            switch (phase) {
                case PruneRun::Phase::age:
                    removed = store_->prune_older_than(cutoff, chunk);
                    break;
                case PruneRun::Phase::list_rooms:
                    rooms = store_->rooms();
                    break;
                case PruneRun::Phase::rooms:
                    removed = store_->prune_room(room, keep, chunk);
                    break;
            }
        } catch (const std::exception& e) {
            error = std::string("history: pruning failed: ") + e.what();
        }
        return [this, run = std::move(run), removed, rooms = std::move(rooms),
                error = std::move(error), chunk]() mutable {
            if (!error.empty()) {
                spdlog::error("{}", error);
                run->result.error = std::move(error);
                run->result.complete = false;
                if (run->done) run->done(run->result);
                return;
            }
            switch (run->phase) {
                case PruneRun::Phase::age:
                    run->result.messages_removed += removed;
                    if (removed < chunk) run->phase = PruneRun::Phase::list_rooms;
                    break;
                case PruneRun::Phase::list_rooms:
                    run->rooms = std::move(rooms);
                    run->phase = PruneRun::Phase::rooms;
                    break;
                case PruneRun::Phase::rooms:
                    run->result.room_rows_removed += removed;
                    if (removed < chunk) ++run->room;
                    break;
            }
            prune_step(std::move(run));
        };
    });
}

void HistoryLog::stop(std::function<void()> done) {
    if (stopped_) {
        if (done) done();
        return;
    }
    if (done) on_stopped_.push_back(std::move(done));
    if (stopping_) {
        maybe_finish_stop();
        return;
    }
    stopping_ = true;
    if (!write_in_flight_ && !pending_.empty()) flush();
    maybe_finish_stop();
}

void HistoryLog::maybe_finish_stop() {
    if (!stopping_ || stopped_) return;
    if (!pending_.empty() || write_in_flight_ || !parked_.empty() || jobs_in_flight_ > 0) return;
    stopped_ = true;
    if (timer_armed_) {
        timer_armed_ = false;
        timer_.cancel();
    }
    worker_.stop();
    checkpointer_.stop();
    auto callbacks = std::move(on_stopped_);
    on_stopped_.clear();
    for (auto& callback : callbacks) callback();
}

}  // namespace hubchat::net
