#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <stdexcept>

namespace hubchat::test {

using Clock = std::chrono::steady_clock;

namespace {

int decode_status(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed: " + std::string(std::strerror(errno)));
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
        // Only async-signal-safe calls from here: the parent has threads.
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        // The test runner may have signals blocked or ignored; the server must not inherit that.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    reader_ =
        std::thread([this, out_fd = out_pipe[0], err_fd = err_pipe[0]] { pump(out_fd, err_fd); });
}

ChildProcess::~ChildProcess() {
    if (!exit_status()) {
        ::kill(pid_, SIGKILL);
        wait_exit(10s);
    }
    // The pipes close when the child (and anything it forked) is gone.
    if (reader_.joinable()) reader_.join();
}

void ChildProcess::pump(int out_fd, int err_fd) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buf[4096];
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard lock(mutex_);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
                (i == 0 ? out_closed_ : err_closed_) = true;
            } else {
                (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
            }
            changed_.notify_all();
        }
    }
}

std::string ChildProcess::out() const {
    std::lock_guard lock(mutex_);
    return out_;
}

std::string ChildProcess::err() const {
    std::lock_guard lock(mutex_);
    return err_;
}

bool ChildProcess::wait_for_out(const std::string& needle, std::chrono::milliseconds timeout,
                                std::size_t from) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
        return out_.find(needle, from) != std::string::npos || out_closed_;
    }) && out_.find(needle, from) != std::string::npos;
}

std::optional<int> ChildProcess::exit_status() {
    if (!status_ && pid_ > 0) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode_status(status);
    }
    return status_;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    // No portable way to wait for one child with a timeout: poll waitpid.
    eventually([&] { return exit_status().has_value(); }, timeout);
    if (status_) {
        // Its output is complete once both pipes are closed.
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 2s, [&] { return out_closed_ && err_closed_; });
    }
    return status_;
}

void ChildProcess::signal(int sig) {
    if (pid_ > 0 && !exit_status()) ::kill(pid_, sig);
}

RunResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    ChildProcess child(argv);
    RunResult result;
    result.exit_code = child.wait_exit(timeout);
    result.out = child.out();
    result.err = child.err();
    return result;
}

ScratchDir::ScratchDir() {
    std::string pattern = "/tmp/hubchat-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    }
    path_ = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> server_argv(const ServerProcess::Options& options) {
    std::vector<std::string> argv{HUBCHAT_SERVER_BIN};

    if (!options.flood_control) {
        argv.emplace_back("--rate-per-second");
        argv.emplace_back("0");
    }
    if (options.host) {
        argv.emplace_back("--host");
        argv.push_back(*options.host);
    }
    if (options.port) {
        argv.emplace_back("--port");
        argv.push_back(*options.port);
    }
    argv.insert(argv.end(), options.args.begin(), options.args.end());
    return argv;
}

namespace {

ServerProcess::Options with_args(std::vector<std::string> args) {
    ServerProcess::Options options;
    options.args = std::move(args);
    return options;
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> extra_args)
    : ServerProcess(with_args(std::move(extra_args))) {}

namespace {

std::vector<std::string> with_data_dir(const ServerProcess::Options& options,
                                       const ScratchDir& scratch) {
    auto argv = server_argv(options);
    argv.insert(argv.begin() + 1, {"--data-dir", scratch.path()});
    return argv;
}

}  // namespace

ServerProcess::ServerProcess(Options options) : child_(with_data_dir(options, scratch_)) {
    static const std::regex kBanner(R"(hubchat-server 0\.1\.0 listening on (\S+):(\d+)\n)");
    std::smatch match;
    std::string out;
    if (child_.wait_for_out(" listening on ")) {
        const auto at = child_.out().find(" listening on ");
        child_.wait_for_out("\n", 10s, at);
        out = child_.out();
    }
    if (!std::regex_search(out, match, kBanner)) {
        child_.signal(SIGKILL);
        child_.wait_exit();
        throw std::runtime_error("hubchat-server did not announce its port.\nstdout:\n" +
                                 child_.out() + "\nstderr:\n" + child_.err());
    }
    host_ = match[1].str();
    if (host_.size() >= 2 && host_.front() == '[' && host_.back() == ']') {
        host_ = host_.substr(1, host_.size() - 2);
    }
    port_ = static_cast<std::uint16_t>(std::stoul(match[2].str()));
}

std::optional<int> ServerProcess::terminate(std::chrono::milliseconds timeout) {
    child_.signal(SIGTERM);
    return child_.wait_exit(timeout);
}

void ServerProcess::kill() {
    child_.signal(SIGKILL);
    child_.wait_exit();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!condition()) {
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

}  // namespace hubchat::test
