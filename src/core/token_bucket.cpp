#include "core/token_bucket.hpp"

#include <algorithm>

namespace hubchat {
namespace {

// Keeps burst * period within 64 bits whatever the caller passes.
constexpr std::int64_t kMaxPeriodMs = 24 * 60 * 60 * 1000;

}  // namespace

TokenBucket::TokenBucket(std::uint32_t burst, std::uint32_t rate_per_second)
    : TokenBucket(burst, rate_per_second, std::chrono::seconds(1)) {}

TokenBucket::TokenBucket(std::uint32_t burst, std::uint32_t tokens,
                         std::chrono::milliseconds period)
    : token_(std::clamp<std::int64_t>(period.count(), 1, kMaxPeriodMs)),
      units_per_ms_(std::max<std::uint32_t>(tokens, 1)),
      capacity_(static_cast<std::int64_t>(std::max<std::uint32_t>(burst, 1)) * token_),
      level_(capacity_) {}

std::int64_t TokenBucket::level_at(TimestampMs now_ms) const {
    if (!started_ || now_ms <= last_ms_) return level_;
    // Unsigned: the gap between any two int64 values fits, however far apart.
    const auto elapsed = static_cast<std::uint64_t>(now_ms) - static_cast<std::uint64_t>(last_ms_);
    const auto missing = static_cast<std::uint64_t>(capacity_ - level_);
    const auto per_ms = static_cast<std::uint64_t>(units_per_ms_);
    // Compare before multiplying, so a gap of years cannot overflow.
    if (elapsed >= (missing + per_ms - 1) / per_ms) return capacity_;
    return level_ + static_cast<std::int64_t>(elapsed * per_ms);
}

std::int64_t TokenBucket::try_take(TimestampMs now_ms) {
    level_ = level_at(now_ms);
    last_ms_ = now_ms;
    started_ = true;
    if (level_ >= token_) {
        level_ -= token_;
        return 0;
    }
    return (token_ - level_ + units_per_ms_ - 1) / units_per_ms_;
}

bool TokenBucket::full_at(TimestampMs now_ms) const {
    return level_at(now_ms) == capacity_;
}

}  // namespace hubchat
