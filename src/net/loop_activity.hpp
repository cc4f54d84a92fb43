// How much input the event loop has handled: the transports count every read, so that
// work held back to be batched can tell a loop that is still busy from one that has gone
// quiet, when waiting longer would only add delay.
#pragma once

#include <cstdint>

namespace hubchat::net::loop_activity {

inline thread_local std::uint64_t reads = 0;

inline void read_handled() {
    ++reads;
}

}  // namespace hubchat::net::loop_activity
