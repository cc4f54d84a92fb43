// One background thread for work that must not stall the event loop (password hashing
// takes tens of milliseconds). Jobs run there in order; each returns a continuation that
// runs back on the event loop. The loop is woken through an eventfd rather than a post,
// because the io_context runs without internal locking (one thread owns it).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace hubchat::net {

class BlockingWorker {
  public:
    using Continuation = std::function<void()>;
    using Job = std::function<Continuation()>;

    // `nicer`: how much lower than the loop's the worker thread's priority is (its nice
    // value that much higher, at most 19), for background work that should give way to
    // the loop and other workers when they want the same core.
    explicit BlockingWorker(boost::asio::io_context& io, int nicer = 0);
    ~BlockingWorker();  // finishes the job in hand, drops the rest
    BlockingWorker(const BlockingWorker&) = delete;
    BlockingWorker& operator=(const BlockingWorker&) = delete;

    // From the loop thread: runs `job` on the worker, then what it returns on the loop.
    void submit(Job job);
    // Stops waiting for results, so the event loop can run out of work and return; jobs
    // still queued are dropped. For server shutdown.
    void stop();
    std::size_t pending() const { return submitted_ - completed_; }
    // From the loop thread: takes the results of finished jobs at the end of the loop's
    // current turn (a posted handler, at most one at a time) instead of when the eventfd
    // is next seen. A busy loop sees that only after every socket that became ready
    // before it (a whole sweep over thousands of connections, milliseconds), so a caller
    // waiting on a job while the loop is busy calls this from its busy path.
    void poll_soon();
    // For the transports, between two read handlers (never from inside a continuation
    // or the hub): runs the continuations of finished jobs of every worker created on
    // this thread. Under load a read handler ends every few microseconds, so a result
    // waits that long instead of the rest of the loop's turn (poll_soon: up to a
    // millisecond with hundreds of busy connections). A relaxed load per worker when
    // nothing is ready.
    static void take_ready_results();
    // From the loop thread: some finished job's continuation has not been taken yet.
    bool has_results() const { return finished_.load(std::memory_order_acquire) != taken_; }

  private:
    void run();
    void wait_for_results();
    void take_results();

    const int nicer_;
    const int wakeup_fd_;                           // eventfd: the worker writes to it...
    boost::asio::posix::stream_descriptor wakeup_;  // ...and the loop waits on it
    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::deque<Job> jobs_;                   // guarded by mutex_
    std::deque<Continuation> done_;          // guarded by mutex_
    bool stopping_ = false;                  // guarded by mutex_
    std::size_t submitted_ = 0;              // loop thread only
    std::size_t completed_ = 0;              // loop thread only
    bool stopped_ = false;                   // loop thread only
    bool poll_posted_ = false;               // loop thread only
    std::atomic<std::size_t> finished_ = 0;  // jobs whose continuation is in done_
    std::size_t taken_ = 0;                  // loop thread only: continuations taken
    // Read by the posted poll, which may outlive this object in the io_context's queue.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::thread thread_;
};

}  // namespace hubchat::net
