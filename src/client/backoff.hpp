// Delays between reconnection attempts: 0.5 s, doubling, at most 10 s, back to the start
// once connected. Pure.
#pragma once

#include <algorithm>
#include <chrono>

namespace hubchat::client {

class Backoff {
  public:
    using Delay = std::chrono::milliseconds;
    static constexpr Delay kFirst{500};
    static constexpr Delay kMost{10'000};

    // The delay before the next attempt; each call doubles the one after.
    Delay next() {
        const Delay delay = next_;
        next_ = std::min(next_ * 2, kMost);
        return delay;
    }
    void reset() { next_ = kFirst; }

  private:
    Delay next_ = kFirst;
};

}  // namespace hubchat::client
