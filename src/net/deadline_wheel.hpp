// Coarse deadlines for many connections on one event loop, for the price of one timer.
// Every connection needs a deadline (registration, a stalled frame, keepalive), and an
// idle connection must stay cheap: a steady_timer each, plus its pending wait, would cost
// more than the rest of an idle connection together. Here a connection embeds an Entry
// (three pointers and a tick, no allocation), and one loop-wide timer ticks once a second
// while any entry is armed. Deadlines are rounded up to the next tick: fine for timeouts
// counted in seconds.
//
// The wheel is an Asio service of the io_context, so it exists once per loop, needs no
// wiring, and goes away with the loop. Single-threaded, like everything on the loop.
#pragma once

#include <array>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

namespace hubchat::net {

class DeadlineWheel : public boost::asio::execution_context::service {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kTick{1000};
    using Tick = std::uint32_t;  // ticks since the wheel started; 136 years at 1 s

    struct Link {
        Link* prev = nullptr;
        Link* next = nullptr;
        bool linked() const { return next != nullptr; }
        void unlink() {
            if (next == nullptr) return;
            prev->next = next;
            next->prev = prev;
            prev = next = nullptr;
        }
        void push_back(Link& item) {  // on a sentinel, which links to itself when empty
            item.prev = prev;
            item.next = this;
            prev->next = &item;
            prev = &item;
        }
    };

    // Embedded in whatever needs a deadline. It unlinks itself when destroyed, so an owner
    // may go away with its deadline armed.
    class Entry : private Link {
      public:
        explicit Entry(DeadlineWheel& wheel) : wheel_(&wheel) {}
        Entry(const Entry&) = delete;
        Entry& operator=(const Entry&) = delete;

      protected:
        ~Entry() { disarm(); }
        DeadlineWheel& wheel() const { return *wheel_; }
        bool armed() const { return linked(); }
        Tick due() const { return due_; }
        // Calls on_deadline() once tick `due` has come (on the next tick if it has),
        // replacing any deadline armed before.
        void arm(Tick due) { wheel_->arm(*this, due); }
        void disarm() {
            if (linked()) --wheel_->armed_;
            unlink();
        }
        // The deadline passed. Called on the loop, disarmed; may arm again.
        virtual void on_deadline() = 0;

      private:
        friend class DeadlineWheel;
        DeadlineWheel* wheel_;
        Tick due_ = 0;
    };

    static inline boost::asio::execution_context::id id;  // NOLINT: Asio's service key

    explicit DeadlineWheel(boost::asio::execution_context& context)
        : boost::asio::execution_context::service(context) {
        for (Link& slot : slots_) slot.prev = slot.next = &slot;
    }

    // The wheel of the loop `executor` runs on.
    template <typename Executor>
    static DeadlineWheel& of(const Executor& executor) {
        return boost::asio::use_service<DeadlineWheel>(
            boost::asio::query(executor, boost::asio::execution::context));
    }

    // The current tick; differences of two are elapsed ticks.
    Tick now() const { return tick_at(Clock::now()); }
    // The first tick by which at least `duration` has passed since something happened
    // during tick `since` (which may have been near its end: hence the extra tick).
    static Tick due_after(Tick since, std::chrono::milliseconds duration) {
        return since + 1 +
               static_cast<Tick>((duration.count() + kTick.count() - 1) / kTick.count());
    }

    // Stops the tick at once if nothing is armed, rather than at the next tick: a loop
    // that has nothing else to do then ends without waiting up to a second (shutdown).
    void stop_if_idle() {
        if (armed_ > 0 || !ticking_) return;
        ticking_ = false;
        ++wait_generation_;  // the cancelled wait must not touch ticking_ once it runs
        timer_->cancel();
    }

  private:
    static constexpr std::size_t kSlots = 64;

    void arm(Entry& entry, Tick due) {
        entry.disarm();
        if (!ticking_) done_ = now();  // nothing was armed, so no tick was missed
        if (due <= done_) due = done_ + 1;
        entry.wheel_ = this;
        entry.due_ = due;
        slots_[due % kSlots].push_back(entry);
        ++armed_;
        if (!ticking_) start_ticking();
    }

    Tick tick_at(Clock::time_point t) const { return static_cast<Tick>((t - origin_) / kTick); }

    void start_ticking() {
        if (shut_down_) return;
        if (!timer_) timer_ = std::make_unique<boost::asio::steady_timer>(context_executor());
        ticking_ = true;
        wait_next_tick();
    }

    // A wake-up a second while anything is armed is cheap, and simpler than aiming at the
    // earliest deadline. ticking_ stays true while entries run, so that arming from
    // on_deadline() neither starts a second wait nor skips a tick.
    void wait_next_tick() {
        timer_->expires_at(origin_ + kTick * (std::int64_t{done_} + 1));
        timer_->async_wait([this, generation = wait_generation_](boost::system::error_code ec) {
            if (generation != wait_generation_) return;  // stop_if_idle() ended this wait
            if (ec || shut_down_) {
                ticking_ = false;
                return;
            }
            run_due();
            if (armed_ > 0) {
                wait_next_tick();
            } else {
                ticking_ = false;
            }
        });
    }

    // Fires every entry whose tick has passed; each slot is visited once per tick.
    void run_due() {
        const Tick now_tick = now();
        Link due;
        due.prev = due.next = &due;
        for (; done_ < now_tick; ++done_) {
            Link& slot = slots_[(done_ + 1) % kSlots];
            for (Link* link = slot.next; link != &slot;) {
                Link* following = link->next;
                if (static_cast<Entry*>(link)->due_ <= now_tick) {
                    link->unlink();
                    due.push_back(*link);
                }
                link = following;
            }
        }
        // An entry's handler may arm it again, or disarm others: take them one by one.
        while (due.next != &due) {
            auto* entry = static_cast<Entry*>(due.next);
            entry->disarm();
            entry->on_deadline();
        }
    }

    boost::asio::any_io_executor context_executor() {
        return static_cast<boost::asio::io_context&>(context()).get_executor();
    }

    void shutdown() override {
        shut_down_ = true;
        if (timer_) timer_->cancel();
        timer_.reset();
    }

    const Clock::time_point origin_ = Clock::now();
    std::array<Link, kSlots> slots_;
    std::unique_ptr<boost::asio::steady_timer> timer_;
    std::size_t armed_ = 0;
    std::uint32_t wait_generation_ = 0;
    Tick done_ = 0;  // every tick up to this one has been run
    bool ticking_ = false;
    bool shut_down_ = false;
};

}  // namespace hubchat::net
