// A token bucket for flood control: up to `burst` actions at once, then a steady refill.
// It reads no clock: the caller passes the time, so the hub's clock (and a test's fake
// one) decides what "now" is.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/message.hpp"

namespace hubchat {

class TokenBucket {
  public:
    // `burst` tokens at most, refilled at `rate_per_second`. Both are at least 1: a bucket
    // that never refills would have no retry time to give. (To turn flood control off,
    // have no bucket.)
    TokenBucket(std::uint32_t burst, std::uint32_t rate_per_second);
    // `tokens` added every `period` instead, for rates below one a second (e.g. 30 new
    // connections a minute). The period is cut to one day at most.
    TokenBucket(std::uint32_t burst, std::uint32_t tokens, std::chrono::milliseconds period);

    // Takes one token and returns 0, or takes nothing and returns how many milliseconds
    // from `now_ms` until a token will be there (always at least 1).
    // Time going backwards (a wall clock set back) refills nothing and is not held
    // against the caller: the bucket just starts counting from the new time.
    [[nodiscard]] std::int64_t try_take(TimestampMs now_ms);

    // True when the bucket would be full at `now_ms`: nothing taken recently enough to
    // matter, so a holder may forget it and make a fresh one later.
    bool full_at(TimestampMs now_ms) const;

    std::uint32_t burst() const { return static_cast<std::uint32_t>(capacity_ / token_); }

  private:
    // Fixed point: one token is `token_` units (the period in ms) and every millisecond
    // adds `units_per_ms_` units (tokens per period). Refill is then exact integer
    // arithmetic: no rounding, so no drift however the calls are spaced.
    std::int64_t level_at(TimestampMs now_ms) const;

    std::int64_t token_;         // units per token
    std::int64_t units_per_ms_;  // refill per millisecond
    std::int64_t capacity_;      // burst * token_
    std::int64_t level_;         // units in the bucket at last_ms_
    TimestampMs last_ms_ = 0;
    bool started_ = false;  // last_ms_ is meaningless until the first call
};

}  // namespace hubchat
