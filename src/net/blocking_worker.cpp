#include "net/blocking_worker.hpp"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdint>
#include <system_error>
#include <vector>

namespace hubchat::net {

namespace {

int make_eventfd() {
    const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    return fd;
}

// The workers created on this thread (the loop's), for take_ready_results().
std::vector<BlockingWorker*>& workers_of_this_thread() {
    thread_local std::vector<BlockingWorker*> workers;
    return workers;
}

// Linux keeps a nice value per thread (PRIO_PROCESS with 0 is the calling thread there),
// and a new thread starts with its creator's. Raising it needs no privilege; if it fails
// the worker runs at the loop's priority, as it would have anyway.
void lower_priority(int by) {
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, 0);
    if (errno != 0) return;
    ::setpriority(PRIO_PROCESS, 0, std::min(current + by, 19));
}

}  // namespace

BlockingWorker::BlockingWorker(boost::asio::io_context& io, int nicer)
    : nicer_(nicer),
      wakeup_fd_(make_eventfd()),
      wakeup_(io, wakeup_fd_),
      thread_([this] { run(); }) {
    wait_for_results();
    workers_of_this_thread().push_back(this);
}

BlockingWorker::~BlockingWorker() {
    std::erase(workers_of_this_thread(), this);
    *alive_ = false;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    work_ready_.notify_one();
    thread_.join();  // before wakeup_ (which owns the eventfd) is destroyed
}

void BlockingWorker::stop() {
    stopped_ = true;  // also when called from a continuation, between two waits
    {
        std::lock_guard lock(mutex_);
        jobs_.clear();
    }
    boost::system::error_code ignored;
    wakeup_.cancel(ignored);
}

void BlockingWorker::submit(Job job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    ++submitted_;
    work_ready_.notify_one();
}

void BlockingWorker::run() {
    if (nicer_ > 0) lower_priority(nicer_);
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        Continuation continuation = job();
        {
            std::lock_guard lock(mutex_);
            done_.push_back(std::move(continuation));
        }
        finished_.fetch_add(1, std::memory_order_release);
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(wakeup_fd_, &one, sizeof one);
    }
}

void BlockingWorker::wait_for_results() {
    if (stopped_) return;
    wakeup_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this](boost::system::error_code ec) {
                           if (ec) return;  // the loop is being torn down
                           std::uint64_t count = 0;
                           [[maybe_unused]] const auto n = ::read(wakeup_fd_, &count, sizeof count);
                           take_results();
                           wait_for_results();
                       });
}

void BlockingWorker::take_ready_results() {
    auto& workers = workers_of_this_thread();
    // By index: a continuation may create or destroy a worker.
    for (std::size_t i = 0; i < workers.size(); ++i) {
        BlockingWorker* worker = workers[i];
        if (!worker->stopped_ && worker->has_results()) worker->take_results();
    }
}

void BlockingWorker::poll_soon() {
    if (poll_posted_ || stopped_) return;
    poll_posted_ = true;
    boost::asio::post(wakeup_.get_executor(), [this, alive = alive_] {
        if (!*alive) return;
        poll_posted_ = false;
        if (has_results()) take_results();
    });
}

void BlockingWorker::take_results() {
    // The eventfd is left as it is: its wait may complete later and find nothing to take.
    std::deque<Continuation> ready;
    {
        std::lock_guard lock(mutex_);
        ready.swap(done_);
    }
    taken_ += ready.size();
    for (auto& continuation : ready) {
        if (stopped_) return;  // stop() drops what had not run yet
        ++completed_;
        if (continuation) continuation();
    }
}

}  // namespace hubchat::net
