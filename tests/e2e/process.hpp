// Real programs under test: started with pipes or in a pseudo-terminal, read with
// poll() until the expected text appears or a deadline passes (never a blind sleep),
// and killed when the test ends, whatever happened.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../client/temp_dir.hpp"

namespace hubchat::e2e {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPatience = 10s;

struct Launch {
    bool pty = false;                       // stdin/stdout/stderr on a pseudo-terminal
    std::vector<std::string> env;           // NAME=value added to a cleaned environment
    std::optional<std::string> input;       // else stdin: this text through a pipe, then EOF
    std::optional<std::string> input_file;  // else stdin: this regular file
    unsigned short rows = 24;
    unsigned short columns = 80;
};

inline Launch in_terminal(std::vector<std::string> env = {}) {
    Launch launch;
    launch.pty = true;
    launch.env = std::move(env);
    return launch;
}
inline Launch with_input(std::string text) {
    Launch launch;
    launch.input = std::move(text);
    return launch;
}
inline Launch with_input_file(std::string path) {
    Launch launch;
    launch.input_file = std::move(path);
    return launch;
}

class Process {
  public:
    Process(const std::vector<std::string>& argv, const Launch& launch = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    // Waits until `text` appears in stdout (the terminal, for a pty) after what earlier
    // expect() calls matched, and moves past it.
    bool expect(std::string_view text, std::chrono::milliseconds patience = kPatience);
    // Same on stderr (pipes only).
    bool expect_error(std::string_view text, std::chrono::milliseconds patience = kPatience);
    // Waits until `done(stdout so far)` holds.
    bool wait_for(const std::function<bool(const std::string&)>& done,
                  std::chrono::milliseconds patience = kPatience);
    // Reads whatever has arrived, without waiting.
    void pump();

    void type(std::string_view keys);  // to stdin (pty only)
    void signal(int signal_number);
    // The exit code (128 + signal if killed), or nullopt if still running at the deadline.
    std::optional<int> wait_exit(std::chrono::milliseconds patience = kPatience);

    const std::string& out() const { return out_; }
    const std::string& err() const { return err_; }
    pid_t pid() const { return pid_; }

  private:
    // Reads until `done()` or the deadline; false at the deadline.
    template <class Done>
    bool read_until(Done done, Clock::time_point deadline);
    bool read_available(int timeout_ms);

    client::test::TempDir state_home_;  // XDG_STATE_HOME, unless the launch gives one
    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;  // -1 for a pty (stderr is the terminal)
    int in_fd_ = -1;   // the pty master for a pty
    std::string out_;
    std::string err_;
    std::size_t out_mark_ = 0;
    std::size_t err_mark_ = 0;
    std::optional<int> exit_code_;
};

// hubchat-server on a port of its choosing (or the one given), stopped at the end. It
// gets a scratch --data-dir of its own (accounts, certificate), so tests never touch the
// real one or each other's; a --data-dir in `extra_args` comes later and wins.
class Server {
  public:
    explicit Server(std::string host = "127.0.0.1", std::uint16_t port = 0,
                    const std::vector<std::string>& extra_args = {});
    bool started() const { return port_ != 0; }
    std::uint16_t port() const { return port_; }
    const std::string& host() const { return host_; }
    std::string output() const { return process_.out(); }
    // With --tls: the certificate fingerprint its banner prints, "" if none comes.
    std::string tls_fingerprint();
    // SIGTERM; the exit code.
    std::optional<int> stop();

  private:
    std::string host_;
    client::test::TempDir data_dir_;  // outlives the server process
    Process process_;
    std::uint16_t port_ = 0;
};

}  // namespace hubchat::e2e
