#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace hubchat::bench {

// What one worker process measured, sent to the coordinator as one JSON line through its
// pipe and summed there.
struct WorkerResult {
    std::int64_t connections_ready = 0;
    std::int64_t setup_failures = 0;

    std::int64_t messages_sent = 0;
    std::int64_t messages_sent_in_window = 0;
    std::int64_t expected_deliveries = 0;  // sum of fan-out over messages sent
    std::int64_t unique_deliveries = 0;    // first receipts, in any order
    std::int64_t window_deliveries = 0;    // first receipts inside the measured window

    std::int64_t duplicated = 0;     // a (sender, seq) received twice by one recipient
    std::int64_t reordered = 0;      // arrived after a later message of the same sender
    std::int64_t misattributed = 0;  // wrong sender name, wrong recipient or room
    std::int64_t corrupted = 0;      // text not in the form the sender wrote
    std::int64_t missing = 0;        // gaps in a sender's sequence never filled

    std::int64_t errors = 0;  // refused requests, failed connects, unexpected closes
    std::int64_t disconnects = 0;
    std::vector<std::string> error_samples;

    std::int64_t cycles = 0;  // churn: completed over the whole run
    std::int64_t cycles_in_window = 0;

    std::int64_t max_send_lag_ns = 0;   // open loop: how far behind schedule sends fell
    std::int64_t cpu_ns_in_window = 0;  // this worker's own CPU time

    LatencyHistogram latency;  // deliveries (churn: connect to registered) in the window

    void merge(const WorkerResult& other);
    boost::json::object to_json() const;
    static WorkerResult from_json(const boost::json::value& value);
};

}  // namespace hubchat::bench
