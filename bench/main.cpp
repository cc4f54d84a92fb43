// hubchat-bench: load generator for hubchat-server and, through its IRC driver, for
// InspIRCd and ngIRCd. See docs/BENCHMARKS.md for the methodology.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "coordinator.hpp"
#include "options.hpp"

namespace {

// For bench/run: a port nobody listens on right now (the kernel's choice for port 0).
int print_free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        std::perror("hubchat-bench: --free-port");
        return 2;
    }
    std::printf("%u\n", ntohs(address.sin_port));
    ::close(fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = hubchat::bench::parse_options(argc, argv);
    if (parsed.exit_code) return *parsed.exit_code;
    if (parsed.print_free_port) return print_free_port();
    // Writes to a worker that died must fail with EPIPE, not kill the coordinator.
    std::signal(SIGPIPE, SIG_IGN);
    return hubchat::bench::run_coordinator(parsed.options);
}
