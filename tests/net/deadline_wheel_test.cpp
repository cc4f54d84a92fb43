// The loop-wide deadline wheel: entries fire once their tick has come, and the wheel's
// own timer does not keep a loop alive once stop_if_idle() says nothing is armed.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "net/deadline_wheel.hpp"

namespace hubchat::net {
namespace {
using namespace std::chrono_literals;

class Countdown : private DeadlineWheel::Entry {
  public:
    explicit Countdown(DeadlineWheel& wheel) : DeadlineWheel::Entry(wheel) {}
    void arm_next_tick() { arm(wheel().now() + 1); }  // within a second
    void arm_in(std::chrono::milliseconds duration) {
        arm(DeadlineWheel::due_after(wheel().now(), duration));
    }
    void cancel() { disarm(); }
    int fired = 0;

  private:
    void on_deadline() override { ++fired; }
};

TEST(DeadlineWheel, FiresAnArmedEntryOnce) {
    boost::asio::io_context io;
    auto& wheel = DeadlineWheel::of(io.get_executor());
    Countdown entry(wheel);
    entry.arm_next_tick();
    io.run_for(5s);  // returns once nothing is armed: the tick stops after firing
    EXPECT_EQ(entry.fired, 1);
    EXPECT_TRUE(io.stopped());
}

TEST(DeadlineWheel, StopIfIdleLetsTheLoopEndAtOnce) {
    boost::asio::io_context io;
    auto& wheel = DeadlineWheel::of(io.get_executor());
    Countdown entry(wheel);
    entry.arm_in(10s);
    entry.cancel();
    wheel.stop_if_idle();
    const auto start = std::chrono::steady_clock::now();
    io.run_for(5s);
    // Without stop_if_idle() the loop waits for the next tick, up to a second.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
    EXPECT_EQ(entry.fired, 0);
}

TEST(DeadlineWheel, ArmingAfterStopIfIdleStillFires) {
    boost::asio::io_context io;
    auto& wheel = DeadlineWheel::of(io.get_executor());
    Countdown first(wheel);
    Countdown second(wheel);
    first.arm_in(10s);
    first.cancel();
    wheel.stop_if_idle();  // its cancelled wait has not run yet when `second` is armed
    second.arm_next_tick();
    io.run_for(5s);
    EXPECT_EQ(second.fired, 1);
    EXPECT_EQ(first.fired, 0);
}

TEST(DeadlineWheel, StopIfIdleLeavesArmedEntriesAlone) {
    boost::asio::io_context io;
    auto& wheel = DeadlineWheel::of(io.get_executor());
    Countdown entry(wheel);
    entry.arm_next_tick();
    wheel.stop_if_idle();
    io.run_for(5s);
    EXPECT_EQ(entry.fired, 1);
}

}  // namespace
}  // namespace hubchat::net
