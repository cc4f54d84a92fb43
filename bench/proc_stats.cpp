#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace hubchat::bench {

std::optional<std::int64_t> process_cpu_ns(int pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string content;
    if (!std::getline(file, content)) return std::nullopt;
    // The command name (field 2) may contain spaces and parentheses: fields are counted
    // from the last ')'. After it come state (3) ... utime (14), stime (15).
    const auto close = content.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(content.substr(close + 1));
    std::string skipped;
    for (int field = 3; field <= 13; ++field) fields >> skipped;
    long long utime = 0, stime = 0;
    if (!(fields >> utime >> stime)) return std::nullopt;
    static const long ticks_per_second = sysconf(_SC_CLK_TCK);
    return (utime + stime) * (1'000'000'000LL / ticks_per_second);
}

std::optional<std::int64_t> process_rss_kib(int pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(file, line)) {
        if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
    }
    return std::nullopt;
}

std::int64_t own_cpu_ns() {
    timespec used{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
    return static_cast<std::int64_t>(used.tv_sec) * 1'000'000'000 + used.tv_nsec;
}

std::uint64_t raise_open_file_limit() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

int ephemeral_port_count() {
    std::ifstream file("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 32768, high = 60999;
    file >> low >> high;
    return high - low + 1;
}

}  // namespace hubchat::bench
