#include "event_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

#include "payload.hpp"

namespace hubchat::bench {

EventLoop::EventLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

EventLoop::~EventLoop() {
    ::close(epoll_fd_);
}

void EventLoop::watch(int fd, Handler& handler, std::uint32_t events) {
    epoll_event event{};
    event.events = events | EPOLLET;
    event.data.ptr = &handler;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl(ADD)");
}

void EventLoop::unwatch(int fd) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::at(std::int64_t deadline_ns, Callback callback) {
    const TimerId id = next_timer_id_++;
    timers_.emplace(std::pair{deadline_ns, id}, std::move(callback));
    timer_deadlines_.emplace(id, deadline_ns);
    return id;
}

void EventLoop::cancel(TimerId timer) {
    auto found = timer_deadlines_.find(timer);
    if (found == timer_deadlines_.end()) return;
    timers_.erase(std::pair{found->second, timer});
    timer_deadlines_.erase(found);
}

void EventLoop::defer(Callback callback) {
    deferred_.push_back(std::move(callback));
}

void EventLoop::run_due_timers() {
    const std::int64_t now = monotonic_ns();
    // Timers added by a callback for "now" run in the next round, so a timer that
    // re-arms itself for an overdue deadline cannot starve I/O.
    std::vector<Callback> due;
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
        auto first = timers_.begin();
        timer_deadlines_.erase(first->first.second);
        due.push_back(std::move(first->second));
        timers_.erase(first);
    }
    for (auto& callback : due) callback();
}

void EventLoop::run_deferred() {
    // Deferred work may defer more; run until quiet.
    while (!deferred_.empty()) {
        std::vector<Callback> batch;
        batch.swap(deferred_);
        for (auto& callback : batch) callback();
    }
    if (after_batch_) after_batch_();
}

void EventLoop::run() {
    constexpr int kMaxEvents = 512;
    epoll_event events[kMaxEvents];
    stopping_ = false;
    while (!stopping_) {
        timespec timeout{};
        timespec* timeout_pointer = nullptr;
        if (!deferred_.empty()) {
            timeout_pointer = &timeout;  // poll: there is work to do now
        } else if (!timers_.empty()) {
            const std::int64_t wait = timers_.begin()->first.first - monotonic_ns();
            if (wait > 0) {
                timeout.tv_sec = wait / 1'000'000'000;
                timeout.tv_nsec = wait % 1'000'000'000;
            }
            timeout_pointer = &timeout;
        }
        const int ready = epoll_pwait2(epoll_fd_, events, kMaxEvents, timeout_pointer, nullptr);
        if (ready < 0 && errno != EINTR)
            throw std::system_error(errno, std::generic_category(), "epoll_pwait2");
        for (int i = 0; i < ready; ++i) {
            static_cast<Handler*>(events[i].data.ptr)->on_io(events[i].events);
        }
        run_due_timers();
        run_deferred();
    }
}

}  // namespace hubchat::bench
