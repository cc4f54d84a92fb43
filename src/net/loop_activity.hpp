// How much input the event loop has handled: the transports count every read, so that
// work held back to be batched can tell a loop that is still busy from one that has gone
// quiet, when waiting longer would only add delay.
//
// And the wall clock as the hub reads it: once per read handled rather than once per
// message. Under load a read holds a dozen messages or more, each of which read the
// clock (~1.5 % of the loop's time in direct messages); all of one read now get the
// same time, the time the read was handled. Outside a read handler (timers, history
// answers) the clock is read every time.
#pragma once

#include <chrono>
#include <cstdint>

namespace hubchat::net::loop_activity {

inline thread_local std::uint64_t reads = 0;

inline void read_handled() {
    ++reads;
}

namespace detail {
inline thread_local bool in_read = false;
inline thread_local std::int64_t read_at_ms = 0;  // 0: not read yet in this read
}  // namespace detail

// Marks a read handler's extent, for wall_ms(). Not nested: one handler at a time.
class ReadScope {
  public:
    ReadScope() {
        detail::in_read = true;
        detail::read_at_ms = 0;
    }
    ~ReadScope() { detail::in_read = false; }
    ReadScope(const ReadScope&) = delete;
    ReadScope& operator=(const ReadScope&) = delete;
};

// Unix time in milliseconds: read once per ReadScope, else each time.
inline std::int64_t wall_ms() {
    if (detail::in_read && detail::read_at_ms != 0) return detail::read_at_ms;
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    if (detail::in_read) detail::read_at_ms = now;
    return now;
}

}  // namespace hubchat::net::loop_activity
