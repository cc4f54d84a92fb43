#pragma once

#include <cstdint>
#include <optional>

namespace hubchat::bench {

// The server as /proc sees it. Readers return nullopt once the process is gone.

// utime + stime of every thread, live and exited, in nanoseconds (kernel clock ticks:
// 10 ms resolution, enough over a window of seconds).
std::optional<std::int64_t> process_cpu_ns(int pid);
// VmRSS from /proc/PID/status, in KiB.
std::optional<std::int64_t> process_rss_kib(int pid);
// This process's own CPU time (CLOCK_PROCESS_CPUTIME_ID), nanoseconds.
std::int64_t own_cpu_ns();

// Raises the soft open-file limit to the hard one; returns the limit now in force.
std::uint64_t raise_open_file_limit();
// The local port range connect() draws from, as a count of ports.
int ephemeral_port_count();

}  // namespace hubchat::bench
