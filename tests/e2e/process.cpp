#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <stdexcept>

extern char** environ;

namespace hubchat::e2e {
namespace {

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// The child's environment: ours, minus what would change the client's looks, plus a
// known terminal type and no user key bindings. State (the client's last_seen file) goes
// to `state_home` unless `extra` says where: never the real one, nor another test's.
std::vector<std::string> child_environment(const std::vector<std::string>& extra,
                                           const std::filesystem::path& state_home) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view entry(*e);
        if (entry.rfind("NO_COLOR=", 0) == 0 || entry.rfind("TERM=", 0) == 0 ||
            entry.rfind("EDITRC=", 0) == 0 || entry.rfind("COLUMNS=", 0) == 0 ||
            entry.rfind("LINES=", 0) == 0 || entry.rfind("XDG_STATE_HOME=", 0) == 0) {
            continue;
        }
        env.emplace_back(entry);
    }
    env.emplace_back("TERM=xterm");
    env.emplace_back("EDITRC=/dev/null");
    env.insert(env.end(), extra.begin(), extra.end());
    const bool state_given = std::any_of(extra.begin(), extra.end(), [](const std::string& e) {
        return e.rfind("XDG_STATE_HOME=", 0) == 0;
    });
    if (!state_given) env.push_back("XDG_STATE_HOME=" + state_home.string());
    return env;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
}

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const Launch& launch) {
    const auto env = child_environment(launch.env, state_home_.path());
    if (launch.pty) {
        winsize size{};
        size.ws_row = launch.rows;
        size.ws_col = launch.columns;
        int master = -1;
        pid_ = ::forkpty(&master, nullptr, nullptr, &size);
        if (pid_ == 0) exec_child(argv, env);
        if (pid_ < 0) throw std::runtime_error("forkpty failed");
        out_fd_ = master;
        in_fd_ = master;
        set_nonblocking(master);
        return;
    }
    int out_pipe[2];
    int err_pipe[2];
    int in_pipe[2] = {-1, -1};
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
    if (launch.input && ::pipe(in_pipe) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
        int stdin_fd = -1;
        if (launch.input) {
            stdin_fd = in_pipe[0];
            ::close(in_pipe[1]);
        } else {
            stdin_fd =
                ::open(launch.input_file ? launch.input_file->c_str() : "/dev/null", O_RDONLY);
        }
        ::dup2(stdin_fd, STDIN_FILENO);
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        exec_child(argv, env);
    }
    if (pid_ < 0) throw std::runtime_error("fork failed");
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    set_nonblocking(out_fd_);
    set_nonblocking(err_fd_);
    if (launch.input) {
        ::close(in_pipe[0]);
        // Small test inputs fit in the pipe: written at once, then end of input.
        const std::string& text = *launch.input;
        if (::write(in_pipe[1], text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
            throw std::runtime_error("writing the child's input failed");
        }
        ::close(in_pipe[1]);
    }
}

Process::~Process() {
    if (pid_ > 0 && !exit_code_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
}

bool Process::read_available(int timeout_ms) {
    pollfd fds[2];
    nfds_t count = 0;
    if (out_fd_ >= 0) fds[count++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[count++] = {err_fd_, POLLIN, 0};
    if (count == 0) return false;
    const int ready = ::poll(fds, count, timeout_ms);
    if (ready <= 0) return false;
    bool got = false;
    for (nfds_t i = 0; i < count; ++i) {
        if (fds[i].revents == 0) continue;
        char buffer[8192];
        const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        if (n > 0) {
            (fds[i].fd == out_fd_ ? out_ : err_).append(buffer, static_cast<std::size_t>(n));
            got = true;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            // End of output (a pty reports EIO once the child is gone).
            int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
            if (fd == in_fd_) in_fd_ = -1;
            ::close(fd);
            fd = -1;
        }
    }
    return got;
}

template <class Done>
bool Process::read_until(Done done, Clock::time_point deadline) {
    while (!done()) {
        if (out_fd_ < 0 && err_fd_ < 0) return done();  // nothing more will come
        if (Clock::now() >= deadline) return false;
        read_available(remaining_ms(deadline));
    }
    return true;
}

bool Process::expect(std::string_view text, std::chrono::milliseconds patience) {
    std::size_t found = std::string::npos;
    const bool ok =
        read_until([&] { return (found = out_.find(text, out_mark_)) != std::string::npos; },
                   Clock::now() + patience);
    if (ok) out_mark_ = found + text.size();
    return ok;
}

bool Process::expect_error(std::string_view text, std::chrono::milliseconds patience) {
    std::size_t found = std::string::npos;
    const bool ok =
        read_until([&] { return (found = err_.find(text, err_mark_)) != std::string::npos; },
                   Clock::now() + patience);
    if (ok) err_mark_ = found + text.size();
    return ok;
}

bool Process::wait_for(const std::function<bool(const std::string&)>& done,
                       std::chrono::milliseconds patience) {
    return read_until([&] { return done(out_); }, Clock::now() + patience);
}

void Process::pump() {
    while (read_available(0)) {
    }
}

void Process::type(std::string_view keys) {
    if (in_fd_ < 0) throw std::logic_error("typing needs a pty");
    std::size_t done = 0;
    while (done < keys.size()) {
        const ssize_t n = ::write(in_fd_, keys.data() + done, keys.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return;
        } else {
            pollfd p{in_fd_, POLLOUT, 0};
            ::poll(&p, 1, 100);
        }
    }
}

void Process::signal(int signal_number) {
    if (pid_ > 0 && !exit_code_) ::kill(pid_, signal_number);
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds patience) {
    if (exit_code_) return exit_code_;
    const auto deadline = Clock::now() + patience;
    // A pidfd becomes readable when the process ends: wait on it and on the output
    // (which must be drained, or a chatty child would block writing).
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    while (true) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (Clock::now() >= deadline) break;
        pollfd fds[3];
        nfds_t count = 0;
        if (pidfd >= 0) fds[count++] = {pidfd, POLLIN, 0};
        if (out_fd_ >= 0) fds[count++] = {out_fd_, POLLIN, 0};
        if (err_fd_ >= 0) fds[count++] = {err_fd_, POLLIN, 0};
        // Without a pidfd (old kernel), look again every 10 ms.
        const int timeout =
            pidfd >= 0 ? remaining_ms(deadline) : std::min(10, remaining_ms(deadline));
        ::poll(fds, count, timeout);
        pump();
    }
    if (pidfd >= 0) ::close(pidfd);
    pump();
    return exit_code_;
}

namespace {

std::vector<std::string> server_argv(const std::string& host, std::uint16_t port,
                                     const std::string& data_dir,
                                     const std::vector<std::string>& extra_args) {
    std::vector<std::string> argv{HUBCHAT_SERVER_BIN, "--data-dir",        data_dir, "--host", host,
                                  "--port",           std::to_string(port)};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return argv;
}

}  // namespace

Server::Server(std::string host, std::uint16_t port, const std::vector<std::string>& extra_args)
    : host_(std::move(host)),
      process_(server_argv(host_, port, data_dir_.path().string(), extra_args)) {
    if (!process_.expect(" listening on ")) return;
    if (!process_.expect("\n")) return;
    static const std::regex listening(R"(listening on (\S+):(\d+)\r?\n)");
    std::smatch match;
    if (std::regex_search(process_.out(), match, listening)) {
        port_ = static_cast<std::uint16_t>(std::stoi(match[2].str()));
    }
}

std::string Server::tls_fingerprint() {
    static const std::regex banner(R"(certificate SHA-256 fingerprint ([0-9A-F:]+)\r?\n)");
    std::smatch match;
    std::string out;
    process_.wait_for([&](const std::string& so_far) {
        out = so_far;
        return std::regex_search(out, match, banner);
    });
    return match.empty() ? std::string() : match[1].str();
}

std::optional<int> Server::stop() {
    process_.signal(SIGTERM);
    return process_.wait_exit();
}

}  // namespace hubchat::e2e
