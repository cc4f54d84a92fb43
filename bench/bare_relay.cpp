// hubchat-bare-relay: the floor a chat server stands on. A minimal IRC relay for
// hubchat-bench's IRC driver, and nothing else: it splits lines, reads a command word and
// its target, and copies a PRIVMSG to the channel's members or to the nick. No
// validation, no limits, no history, no error replies. What it costs per delivery is what
// the kernel costs (a TCP send over loopback and its receive), which no real server can
// undercut: bench/run's `bare-relay` servers measure it beside hubchat and the peers (the
// issue's reference table had such a relay too).
//
//   hubchat-bare-relay [--host 127.0.0.1] [--port 0] [--uring]
//
// Each turn reads every readable connection, queues its copies, and then writes each
// connection's queue once: with send(2), one system call per connection written to, or
// with --uring, all of them in one io_uring submission (as hubchat's loop does).
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;
constexpr unsigned kRingEntries = 256;

struct Connection {
    int fd = -1;
    std::string input;
    std::string output;
    std::string nick;
    std::vector<std::string> channels;
    bool welcomed = false;
    bool queued = false;            // on this turn's list of connections to write
    bool waiting_writable = false;  // EPOLLOUT armed: the kernel took less than all
    bool closing = false;           // QUIT: close once the output is written
};

class Relay {
  public:
    Relay(int listener, bool uring) : listener_(listener), uring_(uring) {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        add(listener_, EPOLLIN, nullptr);
        if (uring_ && io_uring_queue_init(kRingEntries, &ring_, 0) != 0) {
            std::perror("io_uring_queue_init");
            std::exit(1);
        }
    }

    void run() {
        std::vector<epoll_event> events(512);
        for (;;) {
            const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
            if (n < 0) {
                if (errno == EINTR) continue;
                std::perror("epoll_wait");
                return;
            }
            for (int i = 0; i < n; ++i) {
                auto* conn = static_cast<Connection*>(events[i].data.ptr);
                if (conn == nullptr) {
                    accept_all();
                    continue;
                }
                if (events[i].events & EPOLLOUT) writable(*conn);
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(*conn);
            }
            flush();
            for (Connection* gone : closed_) delete gone;
            closed_.clear();
        }
    }

  private:
    void add(int fd, std::uint32_t events, Connection* conn) {
        epoll_event event{};
        event.events = events;
        event.data.ptr = conn;
        epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
    }

    void accept_all() {
        for (;;) {
            const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;
            const int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            auto* conn = new Connection;
            conn->fd = fd;
            add(fd, EPOLLIN, conn);
        }
    }

    void readable(Connection& conn) {
        if (conn.fd < 0) return;
        char buffer[64 * 1024];
        for (;;) {
            const ssize_t got = recv(conn.fd, buffer, sizeof buffer, 0);
            if (got > 0) {
                conn.input.append(buffer, static_cast<std::size_t>(got));
                if (static_cast<std::size_t>(got) < sizeof buffer) break;
                continue;
            }
            if (got < 0 && errno == EINTR) continue;
            if (got < 0 && errno == EAGAIN) break;
            close(conn);
            return;
        }
        std::size_t start = 0;
        for (;;) {
            const std::size_t end = conn.input.find('\n', start);
            if (end == std::string::npos) break;
            std::string_view line(conn.input.data() + start, end - start);
            if (line.ends_with('\r')) line.remove_suffix(1);
            start = end + 1;
            on_line(conn, line);
            if (conn.fd < 0) return;
        }
        conn.input.erase(0, start);
    }

    static std::string_view word(std::string_view& rest) {
        const std::size_t space = rest.find(' ');
        const std::string_view first = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
        return first;
    }

    void on_line(Connection& conn, std::string_view line) {
        const std::string_view command = word(line);
        if (command == "PRIVMSG") {
            const std::string_view target = word(line);
            message_ = ':' + conn.nick + '!' + conn.nick + "@relay PRIVMSG ";
            message_ += target;
            message_ += ' ';
            message_ += line;  // ":text"
            message_ += "\r\n";
            if (target.starts_with('#')) {
                for (Connection* member : channels_[std::string(target)]) {
                    if (member != &conn) queue(*member, message_);
                }
            } else if (auto found = nicks_.find(std::string(target)); found != nicks_.end()) {
                queue(*found->second, message_);
            }
        } else if (command == "NICK") {
            conn.nick = word(line);
            nicks_[conn.nick] = &conn;
        } else if (command == "USER" && !conn.welcomed) {
            conn.welcomed = true;
            queue(conn, ":relay 001 " + conn.nick + " :Welcome\r\n");
        } else if (command == "JOIN") {
            const std::string channel(word(line));
            channels_[channel].push_back(&conn);
            conn.channels.push_back(channel);
            queue(conn, ':' + conn.nick + " JOIN " + channel + "\r\n:relay 366 " + conn.nick + ' ' +
                            channel + " :End of /NAMES list\r\n");
        } else if (command == "PING") {
            queue(conn, ":relay PONG relay " + std::string(line) + "\r\n");
        } else if (command == "QUIT") {
            queue(conn, "ERROR :Closing link\r\n");
            conn.closing = true;
        }
    }

    void queue(Connection& conn, std::string_view bytes) {
        conn.output += bytes;
        if (!conn.queued && !conn.waiting_writable) {
            conn.queued = true;
            to_write_.push_back(&conn);
        }
    }

    // The kernel took `sent` bytes of the connection's output (or failed with -errno).
    void wrote(Connection& conn, ssize_t sent) {
        if (sent < 0 && sent != -EAGAIN) {
            close(conn);
            return;
        }
        if (sent > 0) conn.output.erase(0, static_cast<std::size_t>(sent));
        if (conn.output.empty()) {
            if (conn.closing) close(conn);
            return;
        }
        conn.waiting_writable = true;
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT;
        event.data.ptr = &conn;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, conn.fd, &event);
    }

    void writable(Connection& conn) {
        if (conn.fd < 0) return;
        conn.waiting_writable = false;
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = &conn;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, conn.fd, &event);
        const ssize_t sent = send(conn.fd, conn.output.data(), conn.output.size(), kSendFlags);
        wrote(conn, sent < 0 ? -errno : sent);
    }

    void flush() {
        if (uring_) {
            flush_uring();
        } else {
            for (Connection* conn : to_write_) {
                conn->queued = false;
                if (conn->fd < 0) continue;
                const ssize_t sent =
                    send(conn->fd, conn->output.data(), conn->output.size(), kSendFlags);
                wrote(*conn, sent < 0 ? -errno : sent);
            }
        }
        to_write_.clear();
    }

    void flush_uring() {
        std::size_t next = 0;
        while (next < to_write_.size()) {
            unsigned submitted = 0;
            for (; next < to_write_.size() && submitted < kRingEntries; ++next) {
                Connection* conn = to_write_[next];
                conn->queued = false;
                if (conn->fd < 0) continue;
                io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
                io_uring_prep_send(sqe, conn->fd, conn->output.data(), conn->output.size(),
                                   kSendFlags);
                io_uring_sqe_set_data(sqe, conn);
                ++submitted;
            }
            if (submitted == 0) continue;
            io_uring_submit_and_wait(&ring_, submitted);
            for (unsigned done = 0; done < submitted; ++done) {
                io_uring_cqe* cqe = nullptr;
                io_uring_wait_cqe(&ring_, &cqe);
                auto* conn = static_cast<Connection*>(io_uring_cqe_get_data(cqe));
                const int result = cqe->res;
                io_uring_cqe_seen(&ring_, cqe);
                wrote(*conn, result);
            }
        }
    }

    void close(Connection& conn) {
        if (conn.fd < 0) return;
        for (const std::string& channel : conn.channels) {
            auto& members = channels_[channel];
            members.erase(std::remove(members.begin(), members.end(), &conn), members.end());
        }
        if (auto found = nicks_.find(conn.nick); found != nicks_.end() && found->second == &conn) {
            nicks_.erase(found);
        }
        ::close(conn.fd);  // leaves the epoll set with it
        conn.fd = -1;
        closed_.push_back(&conn);
    }

    int listener_;
    int epoll_ = -1;
    bool uring_;
    io_uring ring_{};
    std::string message_;
    std::vector<Connection*> to_write_;
    std::vector<Connection*> closed_;
    std::unordered_map<std::string, Connection*> nicks_;
    std::unordered_map<std::string, std::vector<Connection*>> channels_;
};

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    int port = 0;
    bool uring = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--uring") {
            uring = true;
        } else if (arg == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (arg == "--port" && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: hubchat-bare-relay [--host ADDR] [--port N] [--uring]\n");
            return 2;
        }
    }
    std::signal(SIGPIPE, SIG_IGN);
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
        bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener, 4096) != 0) {
        std::perror("hubchat-bare-relay: listen");
        return 1;
    }
    socklen_t length = sizeof address;
    getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    std::printf("hubchat-bare-relay listening on %s:%u\n", host.c_str(), ntohs(address.sin_port));
    std::fflush(stdout);
    Relay(listener, uring).run();
    return 1;
}
