// The token bucket on a clock the test moves by hand.
#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace hubchat {
namespace {

constexpr TimestampMs kStart = 1'764'052'800'000;  // a realistic wall-clock value

TEST(TokenBucket, BurstPassesThenRefuses) {
    TokenBucket bucket(10, 5);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(bucket.try_take(kStart), 0) << i;
    // 5 a second: one token every 200 ms.
    EXPECT_EQ(bucket.try_take(kStart), 200);
    EXPECT_EQ(bucket.try_take(kStart), 200);  // a refusal takes nothing
}

TEST(TokenBucket, RetryTimeIsExactlyWhenATokenArrives) {
    TokenBucket bucket(1, 5);
    ASSERT_EQ(bucket.try_take(kStart), 0);
    EXPECT_EQ(bucket.try_take(kStart + 50), 150);
    EXPECT_EQ(bucket.try_take(kStart + 199), 1);
    EXPECT_EQ(bucket.try_take(kStart + 200), 0);  // told 150 at +50: +200 works
    EXPECT_EQ(bucket.try_take(kStart + 200), 200);
}

TEST(TokenBucket, RefillsAtTheRateUpToTheBurst) {
    TokenBucket bucket(3, 10);  // a token per 100 ms
    for (int i = 0; i < 3; ++i) ASSERT_EQ(bucket.try_take(kStart), 0);
    ASSERT_NE(bucket.try_take(kStart), 0);
    // 250 ms: two whole tokens and half of a third.
    EXPECT_EQ(bucket.try_take(kStart + 250), 0);
    EXPECT_EQ(bucket.try_take(kStart + 250), 0);
    EXPECT_EQ(bucket.try_take(kStart + 250), 50);
    // A long pause fills it only to the burst.
    EXPECT_FALSE(bucket.full_at(kStart + 250));
    EXPECT_TRUE(bucket.full_at(kStart + 10'000));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.try_take(kStart + 10'000), 0);
    EXPECT_NE(bucket.try_take(kStart + 10'000), 0);
}

TEST(TokenBucket, RatesThatDoNotDivideASecondDoNotDrift) {
    // 3 a second is 333.33 ms a token. Taken one millisecond at a time, as soon as
    // allowed, for 10 minutes: the burst of 2, then the 1799 that refill in 599.999 s.
    // (A burst of 2 so the bucket never sits full: a full bucket rightly drops refill.)
    TokenBucket bucket(2, 3);
    int taken = 0;
    for (TimestampMs t = kStart; t < kStart + 600'000; ++t) {
        while (bucket.try_take(t) == 0) ++taken;
    }
    EXPECT_EQ(taken, 2 + 1799);
}

TEST(TokenBucket, WaitingAsToldAlwaysSucceeds) {
    TokenBucket bucket(2, 7);
    TimestampMs t = kStart;
    for (int i = 0; i < 1000; ++i) {
        const auto wait = bucket.try_take(t);
        if (wait == 0) continue;
        ASSERT_GT(wait, 0);
        ASSERT_NE(bucket.try_take(t + wait - 1), 0) << "told too late at " << i;
        t += wait;
        ASSERT_EQ(bucket.try_take(t), 0) << "told too early at " << i;
    }
    // Over a long run the rate holds: 1000 tokens at 7/s, less the 2 of the burst.
    EXPECT_NEAR(static_cast<double>(t - kStart), (1000 - 2) * 1000.0 / 7, 1.0);
}

TEST(TokenBucket, HugeGapsNeitherOverflowNorOverfill) {
    TokenBucket bucket(1'000'000, 1'000'000);
    ASSERT_EQ(bucket.try_take(std::numeric_limits<TimestampMs>::min()), 0);
    constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
    EXPECT_TRUE(bucket.full_at(kMax));
    EXPECT_EQ(bucket.try_take(kMax), 0);
    // The same with a slow refill and a gap of decades.
    TokenBucket slow(5, 1);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(slow.try_take(0), 0);
    const TimestampMs decades = 60LL * 365 * 24 * 3600 * 1000;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(slow.try_take(decades), 0);
    EXPECT_EQ(slow.try_take(decades), 1000);
}

TEST(TokenBucket, ClockGoingBackwardsRefillsNothingAndHoldsNothingAgainstYou) {
    TokenBucket bucket(1, 1);
    ASSERT_EQ(bucket.try_take(kStart), 0);
    // The wall clock is set back an hour: no refill, but the wait is still one second
    // from the new time, not an hour and a second.
    EXPECT_EQ(bucket.try_take(kStart - 3'600'000), 1000);
    EXPECT_EQ(bucket.try_take(kStart - 3'600'000 + 1000), 0);
}

TEST(TokenBucket, SlowRatesUseAPeriod) {
    // 3 a minute, as admission control uses it: a token every 20 s.
    TokenBucket bucket(3, 3, std::chrono::minutes(1));
    for (int i = 0; i < 3; ++i) ASSERT_EQ(bucket.try_take(kStart), 0);
    EXPECT_EQ(bucket.try_take(kStart), 20'000);
    EXPECT_EQ(bucket.try_take(kStart + 19'999), 1);
    EXPECT_EQ(bucket.try_take(kStart + 20'000), 0);
    EXPECT_EQ(bucket.burst(), 3u);
}

TEST(TokenBucket, ZeroBurstOrRateIsTreatedAsOne) {
    TokenBucket bucket(0, 0);
    EXPECT_EQ(bucket.burst(), 1u);
    EXPECT_EQ(bucket.try_take(kStart), 0);
    EXPECT_EQ(bucket.try_take(kStart), 1000);
}

TEST(TokenBucket, StartsFull) {
    TokenBucket bucket(4, 1);
    EXPECT_TRUE(bucket.full_at(kStart));
    ASSERT_EQ(bucket.try_take(kStart), 0);
    EXPECT_FALSE(bucket.full_at(kStart));
    EXPECT_FALSE(bucket.full_at(kStart + 999));
    EXPECT_TRUE(bucket.full_at(kStart + 1000));
}

}  // namespace
}  // namespace hubchat
