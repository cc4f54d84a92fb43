// Test helpers that start the real binaries: a server on a free port, and programs run
// through a pipe or a pseudo-terminal. Every wait has a deadline; none sleeps blindly.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hubchat::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Reads `fd` (non-blocking) until `needle` appears in `*seen` or the deadline passes.
bool read_until(int fd, std::string& seen, const std::string& needle,
                std::chrono::milliseconds timeout);

// A child process with its stdout+stderr on a pipe (or a pty when `use_pty`).
class Child {
  public:
    Child() = default;
    Child(const std::vector<std::string>& argv, bool use_pty,
          const std::vector<std::string>& env = {});
    ~Child();
    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;

    pid_t pid() const { return pid_; }
    int fd() const { return fd_; }
    // Everything read so far.
    const std::string& output() const { return output_; }
    // Waits until `needle` appears after `from` (an offset into output()).
    bool wait_for(const std::string& needle, std::chrono::milliseconds timeout = 10s,
                  std::size_t from = 0);
    // Reads whatever is available now (no wait).
    void drain();
    void write(const std::string& text);
    void signal(int sig);
    // Waits for exit; returns the exit code (128+signal when killed) or nullopt on timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout = 10s);
    bool running();

  private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string output_;
    std::optional<int> status_;
};

// hubchat-server on 127.0.0.1 and a port of its choosing.
class ServerProcess {
  public:
    explicit ServerProcess(std::vector<std::string> extra_args = {},
                           std::string host = "127.0.0.1");
    std::uint16_t port() const { return port_; }
    const std::string& host() const { return host_; }
    Child& child() { return child_; }
    // SIGTERM and wait; returns the exit code.
    std::optional<int> terminate();

  private:
    Child child_;
    std::string host_;
    std::uint16_t port_ = 0;
};

}  // namespace hubchat::test
