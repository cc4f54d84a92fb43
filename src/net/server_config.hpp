#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hubchat::net {

struct ServerConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 7002;
    bool verbose = false;
    std::size_t max_message = 64 * 1024;      // largest accepted frame
    std::size_t max_queue = 4 * 1024 * 1024;  // output queue cap per connection
    std::size_t presence_limit = 500;         // see HubLimits::presence_max_members
    // Frames to original-dialect clients are spaced this far apart: its client breaks
    // when two objects arrive in one read.
    std::chrono::milliseconds original_pacing{5};
    // How long a closing connection may take to read its last frames (for a client cut
    // off for not reading, the time it has to read what is in flight plus the final error).
    std::chrono::milliseconds close_linger{5000};
};

}  // namespace hubchat::net
