// BlockingWorker: jobs run off the event loop's thread, their continuations back on it,
// in order; stop() lets the loop return with jobs still queued. Run under TSan in CI.
#include "net/blocking_worker.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <optional>
#include <thread>
#include <vector>

namespace hubchat::net {
namespace {

namespace asio = boost::asio;

TEST(BlockingWorker, JobsRunElsewhereAndTheirContinuationsRunOnTheLoopInOrder) {
    asio::io_context io(1);
    BlockingWorker worker(io);
    const auto loop_thread = std::this_thread::get_id();
    std::vector<int> order;
    int jobs_on_loop_thread = 0;
    int continuations_elsewhere = 0;
    constexpr int kJobs = 50;
    for (int i = 0; i < kJobs; ++i) {
        worker.submit([&, i]() -> BlockingWorker::Continuation {
            const bool on_loop = std::this_thread::get_id() == loop_thread;
            return [&, i, on_loop] {
                if (on_loop) ++jobs_on_loop_thread;
                if (std::this_thread::get_id() != loop_thread) ++continuations_elsewhere;
                order.push_back(i);
                if (order.size() == kJobs) worker.stop();  // lets run() return
            };
        });
    }
    EXPECT_EQ(worker.pending(), static_cast<std::size_t>(kJobs));
    io.run();
    ASSERT_EQ(order.size(), static_cast<std::size_t>(kJobs));
    for (int i = 0; i < kJobs; ++i) EXPECT_EQ(order[i], i);
    EXPECT_EQ(jobs_on_loop_thread, 0);
    EXPECT_EQ(continuations_elsewhere, 0);
    EXPECT_EQ(worker.pending(), 0u);
}

// A worker made `nicer` runs its jobs at a nice value that much above the loop thread's
// (Linux keeps one per thread); the loop's own is untouched.
TEST(BlockingWorker, ANicerWorkerRunsBelowTheLoopsPriority) {
    asio::io_context io(1);
    const int loop_nice = ::getpriority(PRIO_PROCESS, 0);
    BlockingWorker plain(io);
    BlockingWorker nicer(io, 3);
    std::optional<int> plain_nice;
    std::optional<int> nicer_nice;
    auto record = [&](std::optional<int>& into) {
        return [&]() -> BlockingWorker::Continuation {
            const int nice = ::getpriority(PRIO_PROCESS, 0);
            return [&, nice] {
                into = nice;
                if (plain_nice && nicer_nice) {  // both in: let run() return
                    plain.stop();
                    nicer.stop();
                }
            };
        };
    };
    plain.submit(record(plain_nice));
    nicer.submit(record(nicer_nice));
    io.run();
    EXPECT_EQ(plain_nice, loop_nice);
    EXPECT_EQ(nicer_nice, std::min(loop_nice + 3, 19));
    EXPECT_EQ(::getpriority(PRIO_PROCESS, 0), loop_nice);
}

TEST(BlockingWorker, PollSoonTakesFinishedResultsAtTheEndOfTheLoopsTurn) {
    asio::io_context io(1);
    BlockingWorker worker(io);
    bool continued = false;
    worker.submit([&]() -> BlockingWorker::Continuation { return [&] { continued = true; }; });
    while (!worker.has_results()) std::this_thread::yield();
    // Without poll_soon() the continuation waits for the eventfd's handler, which the
    // loop queues only when it next polls the reactor: after the marker posted below.
    worker.poll_soon();
    bool continued_before_marker = false;
    asio::post(io, [&] {
        continued_before_marker = continued;
        worker.stop();
    });
    io.run();
    EXPECT_TRUE(continued_before_marker);
    EXPECT_FALSE(worker.has_results());
    EXPECT_EQ(worker.pending(), 0u);
}

TEST(BlockingWorker, TakeReadyResultsRunsFinishedContinuationsOfEveryWorkerAtOnce) {
    asio::io_context io(1);
    BlockingWorker first(io);
    BlockingWorker second(io);
    std::vector<int> ran;
    first.submit([&]() -> BlockingWorker::Continuation { return [&] { ran.push_back(1); }; });
    second.submit([&]() -> BlockingWorker::Continuation { return [&] { ran.push_back(2); }; });
    while (!first.has_results() || !second.has_results()) std::this_thread::yield();
    BlockingWorker::take_ready_results();  // no handler of the loop has run
    EXPECT_EQ(ran, (std::vector<int>{1, 2}));
    EXPECT_EQ(first.pending(), 0u);
    EXPECT_EQ(second.pending(), 0u);
    BlockingWorker::take_ready_results();  // nothing ready: nothing runs twice
    EXPECT_EQ(ran.size(), 2u);
    first.stop();
    second.stop();
    io.run();  // the eventfd waits end, finding nothing to take
    EXPECT_EQ(ran.size(), 2u);
}

TEST(BlockingWorker, StopLetsTheLoopReturnWithJobsStillQueued) {
    asio::io_context io(1);
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<int> started = 0;
    bool continued = false;
    {
        BlockingWorker worker(io);
        // The first job blocks until released; the rest wait behind it.
        worker.submit([&]() -> BlockingWorker::Continuation {
            ++started;
            released.wait();
            return [&] { continued = true; };
        });
        for (int i = 0; i < 5; ++i) {
            worker.submit([&]() -> BlockingWorker::Continuation {
                ++started;
                return {};
            });
        }
        worker.stop();
        io.run();  // must return: nothing else keeps the loop busy
        release.set_value();
    }  // the destructor finishes the job in hand and drops the queued ones
    EXPECT_LE(started.load(), 1);
    EXPECT_FALSE(continued);  // the loop had stopped waiting for results
}

}  // namespace
}  // namespace hubchat::net
