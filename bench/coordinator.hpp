#pragma once

#include "options.hpp"

namespace hubchat::bench {

// Plans the run, forks the workers, paces the phases (set-up, warm-up, measurement,
// drain), samples the server from /proc, prints progress and the one-line JSON summary.
// Returns the exit status: 0 clean, 1 any fault.
int run_coordinator(const BenchOptions& options);

}  // namespace hubchat::bench
