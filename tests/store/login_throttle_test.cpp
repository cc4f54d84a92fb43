#include "store/login_throttle.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hubchat::store {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// A clock the test moves by hand: no sleeping.
struct FakeClock {
    milliseconds now{1'000'000};
    void advance(milliseconds by) { now += by; }
};

TEST(LoginThrottle, FreeFailuresThenDoublingWaits) {
    LoginThrottle throttle;
    FakeClock clock;
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(throttle.check("alice", "10.0.0.1", clock.now).allowed()) << i;
        throttle.record_failure("alice", "10.0.0.1", clock.now);
    }
    // The sixth failure is the first to cost a wait; then each doubles it.
    milliseconds expected = seconds(1);
    for (int failure = 6; failure <= 10; ++failure) {
        EXPECT_TRUE(throttle.check("alice", "10.0.0.1", clock.now).allowed());
        throttle.record_failure("alice", "10.0.0.1", clock.now);
        ThrottleVerdict verdict = throttle.check("alice", "10.0.0.1", clock.now);
        EXPECT_FALSE(verdict.allowed());
        EXPECT_EQ(verdict.retry_after, expected) << "failure " << failure;
        clock.advance(expected - milliseconds(1));
        EXPECT_EQ(throttle.check("alice", "10.0.0.1", clock.now).retry_after, milliseconds(1));
        clock.advance(milliseconds(1));
        expected *= 2;
    }
}

TEST(LoginThrottle, WaitStopsGrowingAtTheCap) {
    LoginThrottle throttle;
    FakeClock clock;
    for (int i = 0; i < 100; ++i) {
        throttle.record_failure("alice", "10.0.0.1", clock.now);
        clock.advance(throttle.check("alice", "10.0.0.1", clock.now).retry_after);
    }
    throttle.record_failure("alice", "10.0.0.1", clock.now);
    EXPECT_EQ(throttle.check("alice", "10.0.0.1", clock.now).retry_after, minutes(15));
}

TEST(LoginThrottle, SuccessClearsTheAccountButNotTheAddress) {
    LoginThrottle throttle;
    FakeClock clock;
    for (int i = 0; i < 6; ++i) throttle.record_failure("alice", "10.0.0.1", clock.now);
    EXPECT_FALSE(throttle.check("alice", "10.0.0.2", clock.now).allowed());
    clock.advance(seconds(1));
    throttle.record_success("alice");
    EXPECT_TRUE(throttle.check("alice", "10.0.0.2", clock.now).allowed());
    // One more failure starts again from zero: still free.
    throttle.record_failure("alice", "10.0.0.2", clock.now);
    EXPECT_TRUE(throttle.check("alice", "10.0.0.2", clock.now).allowed());
}

TEST(LoginThrottle, AccountLimitHoldsFromEveryAddress) {
    LoginThrottle throttle;
    FakeClock clock;
    for (int i = 0; i < 6; ++i) {
        throttle.record_failure("alice", "10.0.0." + std::to_string(i), clock.now);
    }
    EXPECT_FALSE(throttle.check("alice", "192.168.1.9", clock.now).allowed());
    EXPECT_TRUE(throttle.check("bob", "192.168.1.9", clock.now).allowed());
}

TEST(LoginThrottle, AddressLimitHoldsForEveryAccount) {
    LoginThrottle throttle;
    FakeClock clock;
    // One guess at each of many names: no account reaches its limit, the address does.
    for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(throttle.check("user" + std::to_string(i), "10.0.0.1", clock.now).allowed());
        throttle.record_failure("user" + std::to_string(i), "10.0.0.1", clock.now);
    }
    EXPECT_TRUE(throttle.check("fresh", "10.0.0.1", clock.now).allowed());
    throttle.record_failure("user20", "10.0.0.1", clock.now);
    EXPECT_EQ(throttle.check("fresh", "10.0.0.1", clock.now).retry_after, seconds(1));
    EXPECT_TRUE(throttle.check("fresh", "10.0.0.2", clock.now).allowed());
    // Logging in to one account does not lift the address's wait.
    throttle.record_success("user3");
    EXPECT_FALSE(throttle.check("fresh", "10.0.0.1", clock.now).allowed());
}

TEST(LoginThrottle, UnknownAndKnownNamesAreTreatedAlike) {
    // The throttle has no idea which names exist: the same failures give the same verdict
    // and the same text.
    LoginThrottle throttle;
    FakeClock clock;
    for (int i = 0; i < 7; ++i) {
        throttle.record_failure("registered", "10.0.0.1", clock.now);
        throttle.record_failure("nobody", "10.0.0.2", clock.now);
    }
    ThrottleVerdict a = throttle.check("registered", "10.0.0.9", clock.now);
    ThrottleVerdict b = throttle.check("nobody", "10.0.0.9", clock.now);
    EXPECT_EQ(a.retry_after, b.retry_after);
    EXPECT_EQ(describe(a), describe(b));
}

TEST(LoginThrottle, OldFailuresAreForgotten) {
    LoginThrottle throttle;
    FakeClock clock;
    for (int i = 0; i < 5; ++i) throttle.record_failure("alice", "10.0.0.1", clock.now);
    clock.advance(hours(1));
    // Five more would now be free again, and the first of them costs nothing.
    throttle.record_failure("alice", "10.0.0.1", clock.now);
    EXPECT_TRUE(throttle.check("alice", "10.0.0.1", clock.now).allowed());
}

TEST(LoginThrottle, MemoryStaysBounded) {
    ThrottleLimits limits;
    limits.max_entries = 100;
    LoginThrottle throttle(limits);
    FakeClock clock;
    for (int i = 0; i < 10'000; ++i) {
        throttle.record_failure("name" + std::to_string(i), "addr" + std::to_string(i % 3000),
                                clock.now);
        clock.advance(milliseconds(1));
        EXPECT_LE(throttle.tracked_accounts(), 100u);
        EXPECT_LE(throttle.tracked_addresses(), 100u);
    }
    // The newest records survive a prune; the oldest went first.
    for (int i = 0; i < 6; ++i) throttle.record_failure("name9999", "x", clock.now);
    EXPECT_FALSE(throttle.check("name9999", "y", clock.now).allowed());
}

TEST(LoginThrottle, ExpiredRecordsArePrunedBeforeLiveOnes) {
    ThrottleLimits limits;
    limits.max_entries = 10;
    LoginThrottle throttle(limits);
    FakeClock clock;
    for (int i = 0; i < 6; ++i) throttle.record_failure("target", "a", clock.now);
    clock.advance(seconds(1));
    for (int i = 0; i < 9; ++i) throttle.record_failure("n" + std::to_string(i), "b", clock.now);
    clock.advance(hours(2));  // all of those are now forgettable
    for (int i = 0; i < 6; ++i) throttle.record_failure("target", "c", clock.now);
    for (int i = 9; i < 20; ++i) throttle.record_failure("n" + std::to_string(i), "d", clock.now);
    EXPECT_LE(throttle.tracked_accounts(), 10u);
}

TEST(LoginThrottle, RefusalText) {
    EXPECT_EQ(describe({milliseconds(1)}), "Too many failed logins; try again in 1 second.");
    EXPECT_EQ(describe({milliseconds(1001)}), "Too many failed logins; try again in 2 seconds.");
    EXPECT_EQ(describe({seconds(90)}), "Too many failed logins; try again in 90 seconds.");
    EXPECT_EQ(describe({minutes(15)}), "Too many failed logins; try again in 15 minutes.");
}

}  // namespace
}  // namespace hubchat::store
