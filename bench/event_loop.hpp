#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

namespace hubchat::bench {

// A single-threaded epoll loop. Every descriptor is registered once, edge-triggered, for
// both directions, so that steady traffic costs no epoll_ctl at all: a handler drains a
// readable socket to EAGAIN and writes until EAGAIN, then waits for the next edge. (Asio's
// reactor re-arms with epoll_ctl on each async_wait; the generator shares the machine's
// two cores with the server it measures, so its own system calls matter.)
class EventLoop {
  public:
    class Handler {
      public:
        virtual void on_io(std::uint32_t events) = 0;

      protected:
        ~Handler() = default;
    };
    using Callback = std::function<void()>;
    using TimerId = std::uint64_t;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Throws std::system_error when the kernel refuses (e.g. out of memory).
    void watch(int fd, Handler& handler, std::uint32_t events);
    void unwatch(int fd);

    // Deadlines are CLOCK_MONOTONIC nanoseconds, to the nanosecond (epoll_pwait2).
    TimerId at(std::int64_t deadline_ns, Callback callback);
    void cancel(TimerId timer);

    // Runs `callback` once the current batch of events and timers has been handled.
    void defer(Callback callback);
    // Runs after every batch: where buffered output is flushed, so that everything a batch
    // produced for one connection leaves in one write.
    void set_after_batch(Callback callback) { after_batch_ = std::move(callback); }

    void run();  // until stop()
    void stop() { stopping_ = true; }

  private:
    void run_due_timers();
    void run_deferred();

    int epoll_fd_ = -1;
    bool stopping_ = false;
    TimerId next_timer_id_ = 1;
    std::map<std::pair<std::int64_t, TimerId>, Callback> timers_;
    std::unordered_map<TimerId, std::int64_t> timer_deadlines_;
    std::vector<Callback> deferred_;
    Callback after_batch_;
};

}  // namespace hubchat::bench
