// The real hubchat-server binary as a child process: started on a port of its choosing,
// its stdout and stderr captured separately, stopped by signal. Every wait has a
// deadline; nothing sleeps for a fixed time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hubchat::test {

using namespace std::chrono_literals;

// A child process with stdin on /dev/null and stdout/stderr on two pipes that a
// background thread keeps draining (so a chatty child never blocks on a full pipe).
class ChildProcess {
  public:
    explicit ChildProcess(const std::vector<std::string>& argv);
    ~ChildProcess();  // SIGKILL if still running, then reaps it
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    std::string out() const;
    std::string err() const;
    // Waits until `needle` appears in stdout (from offset `from`); false on timeout or
    // when stdout closed without it.
    bool wait_for_out(const std::string& needle, std::chrono::milliseconds timeout = 10s,
                      std::size_t from = 0);
    // Waits for exit: the exit code, 128+N when killed by signal N, nullopt on timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout = 10s);
    // The exit status if it has exited (does not wait).
    std::optional<int> exit_status();
    void signal(int sig);

  private:
    void pump(int out_fd, int err_fd);

    pid_t pid_ = -1;
    std::optional<int> status_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string out_;
    std::string err_;
    bool out_closed_ = false;
    bool err_closed_ = false;
    std::thread reader_;
};

// Runs a program to completion (for option parsing tests).
struct RunResult {
    std::optional<int> exit_code;  // nullopt: it did not exit in time (and was killed)
    std::string out;
    std::string err;
};
RunResult run_program(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = 10s);

// A directory made for one test and removed with everything in it afterwards.
class ScratchDir {
  public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

class ServerProcess {
  public:
    struct Options {
        std::vector<std::string> args;  // extra arguments, after --host/--port
        // nullopt: pass no --host / --port at all (the test spells them in `args`).
        std::optional<std::string> host = "127.0.0.1";
        std::optional<std::string> port = "0";
        // false: flood control off (--rate-per-second 0), since many tests send as fast as
        // they can. `args` come later and win, so a test can still set its own limits.
        bool flood_control = false;
        // The server gets a scratch --data-dir of its own, so tests never touch the real
        // one; a --data-dir in `args` comes later and wins.
    };

    // Starts the server and waits for `hubchat-server 0.1.0 listening on HOST:PORT`.
    // Throws std::runtime_error with everything it printed if that line never comes.
    explicit ServerProcess(Options options);
    explicit ServerProcess(std::vector<std::string> extra_args = {});
    ~ServerProcess() = default;  // the child is killed and reaped if still running

    // The address from the banner, brackets removed ("127.0.0.1", "::1").
    const std::string& host() const { return host_; }
    std::uint16_t port() const { return port_; }
    pid_t pid() const { return child_.pid(); }
    // Everything printed so far (stdout includes the banner).
    std::string out() const { return child_.out(); }
    std::string err() const { return child_.err(); }
    bool wait_for_out(const std::string& needle, std::chrono::milliseconds timeout = 10s) {
        return child_.wait_for_out(needle, timeout);
    }
    // SIGTERM, then waits: the exit code (128+N if killed by signal N), nullopt if it
    // did not exit within `timeout`.
    std::optional<int> terminate(std::chrono::milliseconds timeout = 10s);
    void kill();
    void signal(int sig) { child_.signal(sig); }
    std::optional<int> wait_exit(std::chrono::milliseconds timeout = 10s) {
        return child_.wait_exit(timeout);
    }
    bool running() { return !child_.exit_status().has_value(); }

  private:
    ScratchDir scratch_;  // the default data directory; outlives the child
    ChildProcess child_;
    std::string host_;
    std::uint16_t port_ = 0;
};

std::vector<std::string> server_argv(const ServerProcess::Options& options);

// Re-evaluates `condition` until it holds or the deadline passes; for conditions no file
// descriptor can signal (a process having exited, a port being free). Polls every 5 ms.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s);

}  // namespace hubchat::test
