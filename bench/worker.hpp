#pragma once

#include <vector>

#include "run_plan.hpp"
#include "shared_board.hpp"

namespace hubchat::bench {

// The descriptors a forked worker talks through.
struct WorkerChannels {
    // Read end: "sync", "go T0 TBEGIN TEND" and "finish" from the coordinator.
    int control_fd = -1;
    // Write end: "ready OK FAILED", "synced", then "result {json}".
    int report_fd = -1;
    // One eventfd per worker: written when a message of one of that worker's senders has
    // been received by its last recipient in another process.
    std::vector<int> wakeup_fds;
};

// Runs worker `index` of `plan` in this (forked) process until the coordinator says
// "finish". Returns the process exit status.
int run_worker(const RunPlan& plan, int index, SharedBoard& board, const WorkerChannels& channels);

}  // namespace hubchat::bench
