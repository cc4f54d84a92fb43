// Time left until a test's deadline, for the waits that take a timeout.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace hubchat::test {

// Milliseconds from now to `deadline`, never negative: a deadline that has passed leaves
// one last look without waiting. An int, as poll() takes it.
inline int millis_until(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

}  // namespace hubchat::test
