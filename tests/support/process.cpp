#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <stdexcept>

namespace hubchat::test {

bool read_until(int fd, std::string& seen, const std::string& needle,
                std::chrono::milliseconds timeout, std::size_t from) {
    const auto deadline = Clock::now() + timeout;
    while (seen.find(needle, from) == std::string::npos) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready <= 0) continue;
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            return seen.find(needle, from) != std::string::npos;  // closed
        }
        seen.append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

bool read_until(int fd, std::string& seen, const std::string& needle,
                std::chrono::milliseconds timeout) {
    return read_until(fd, seen, needle, timeout, 0);
}

Child::Child(const std::vector<std::string>& argv, bool use_pty,
             const std::vector<std::string>& env) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (use_pty) {
        winsize size{40, 120, 0, 0};
        int master = -1;
        pid_ = ::forkpty(&master, nullptr, nullptr, &size);
        if (pid_ == 0) {
            for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        fd_ = master;
    } else {
        int pipes[2];
        if (::pipe(pipes) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(pipes[1], STDOUT_FILENO);
            ::dup2(pipes[1], STDERR_FILENO);
            ::close(pipes[0]);
            ::close(pipes[1]);
            const int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, STDIN_FILENO);
            for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(pipes[1]);
        fd_ = pipes[0];
    }
    if (pid_ < 0) throw std::runtime_error("fork failed");
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

Child::~Child() {
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0) ::close(fd_);
}

Child::Child(Child&& other) noexcept {
    *this = std::move(other);
}

Child& Child::operator=(Child&& other) noexcept {
    std::swap(pid_, other.pid_);
    std::swap(fd_, other.fd_);
    std::swap(output_, other.output_);
    std::swap(status_, other.status_);
    return *this;
}

bool Child::wait_for(const std::string& needle, std::chrono::milliseconds timeout,
                     std::size_t from) {
    return read_until(fd_, output_, needle, timeout, from);
}

void Child::drain() {
    char buf[4096];
    while (true) {
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) return;
        output_.append(buf, static_cast<std::size_t>(n));
    }
}

void Child::write(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                pollfd p{fd_, POLLOUT, 0};
                ::poll(&p, 1, 1000);
                continue;
            }
            throw std::runtime_error("write to child failed");
        }
        done += static_cast<std::size_t>(n);
    }
}

void Child::signal(int sig) {
    if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> Child::wait_exit(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    const auto deadline = Clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            drain();
            return status_;
        }
        if (Clock::now() >= deadline) return std::nullopt;
        // Keep the pipe drained so the child never blocks writing to it while we wait.
        pollfd p{fd_, POLLIN, 0};
        ::poll(&p, 1, 10);
        drain();
    }
}

bool Child::running() {
    return !wait_exit(0ms).has_value();
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::string host)
    : host_(std::move(host)) {
    std::vector<std::string> argv{HUBCHAT_SERVER_BIN, "--host", host_, "--port", "0"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    child_ = Child(argv, false);
    if (!child_.wait_for("listening on ", 10s) || !child_.wait_for("\n", 10s)) {
        throw std::runtime_error("server did not start: " + child_.output());
    }
    static const std::regex kListening(R"(listening on (\S+):(\d+)\n)");
    std::smatch match;
    if (!child_.wait_for("Connect with", 10s) ||
        !std::regex_search(child_.output(), match, kListening)) {
        throw std::runtime_error("no port in server banner: " + child_.output());
    }
    port_ = static_cast<std::uint16_t>(std::stoi(match[2].str()));
}

std::optional<int> ServerProcess::terminate() {
    child_.signal(SIGTERM);
    return child_.wait_exit(10s);
}

}  // namespace hubchat::test
