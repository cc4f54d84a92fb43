// Deliberately its own line parser and tag unescaping rather than proto::parse_line: the
// integration tests must not read the server's IRC serializer back with that same
// server's parser, or a bug the two shared (a tag escape written and read the same wrong
// way) would pass every test.
#include "support/irc_client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "support/deadline.hpp"

namespace hubchat::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string unescape(std::string_view v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '\\') {
            out += v[i];
            continue;
        }
        if (++i == v.size()) break;
        switch (v[i]) {
            case ':':
                out += ';';
                break;
            case 's':
                out += ' ';
                break;
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            default:
                out += v[i];
        }
    }
    return out;
}

}  // namespace

IrcLine parse_irc_line(std::string_view line) {
    IrcLine out;
    out.raw = std::string(line);
    auto word = [&] {
        const auto space = line.find(' ');
        auto w = line.substr(0, space);
        line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
        while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        return w;
    };
    if (!line.empty() && line.front() == '@') {
        auto tags = word().substr(1);
        while (!tags.empty()) {
            const auto semi = tags.find(';');
            auto item = tags.substr(0, semi);
            tags.remove_prefix(semi == std::string_view::npos ? tags.size() : semi + 1);
            const auto eq = item.find('=');
            out.tags[std::string(item.substr(0, eq))] =
                eq == std::string_view::npos ? "" : unescape(item.substr(eq + 1));
        }
    }
    if (!line.empty() && line.front() == ':') out.source = std::string(word().substr(1));
    out.command = std::string(word());
    while (!line.empty()) {
        if (line.front() == ':') {
            out.params.emplace_back(line.substr(1));
            break;
        }
        out.params.emplace_back(word());
    }
    return out;
}

IrcClient::IrcClient(const std::string& host, std::uint16_t port, int receive_buffer) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
        throw std::runtime_error("cannot resolve " + host);
    }
    fd_ = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && receive_buffer > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    const int rc = fd_ < 0 ? -1 : ::connect(fd_, found->ai_addr, found->ai_addrlen);
    ::freeaddrinfo(found);
    if (rc != 0) {
        if (fd_ >= 0) ::close(fd_);
        throw std::runtime_error("cannot connect: " + std::string(std::strerror(errno)));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

IrcClient::~IrcClient() {
    if (fd_ >= 0) ::close(fd_);
}

bool IrcClient::send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool IrcClient::send(std::string_view line) {
    return send_raw(std::string(line) + "\r\n");
}

bool IrcClient::fill(Clock::time_point deadline) {
    if (eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, millis_until(deadline));
    if (ready < 0 && errno == EINTR) return true;
    if (ready <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
}

std::optional<IrcLine> IrcClient::next(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto end = buffer_.find("\r\n");
        if (end != std::string::npos) {
            IrcLine line = parse_irc_line(std::string_view(buffer_).substr(0, end));
            buffer_.erase(0, end + 2);
            return line;
        }
        if (!fill(deadline)) return std::nullopt;
    }
}

std::optional<IrcLine> IrcClient::wait_for(const Match& match, std::chrono::milliseconds timeout,
                                           std::vector<IrcLine>* skipped) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        auto line = next(std::chrono::milliseconds(millis_until(deadline)));
        if (!line) return std::nullopt;
        if (match(*line)) return line;
        if (skipped != nullptr) skipped->push_back(std::move(*line));
    }
}

std::optional<IrcLine> IrcClient::wait_command(const std::string& command,
                                               std::chrono::milliseconds timeout,
                                               std::vector<IrcLine>* skipped) {
    return wait_for(command_is(command), timeout, skipped);
}

std::optional<std::vector<IrcLine>> IrcClient::sync() {
    const std::string token = "sync" + std::to_string(next_sync_++);
    if (!send("PING " + token)) return std::nullopt;
    std::vector<IrcLine> before;
    auto pong = wait_for([&](const IrcLine& l) { return l.command == "PONG" && l.last() == token; },
                         kWait, &before);
    if (!pong) return std::nullopt;
    return before;
}

bool IrcClient::register_as(const std::string& nick, const std::vector<std::string>& caps) {
    if (!caps.empty()) {
        send("CAP LS 302");
        std::string list;
        for (const auto& cap : caps) list += (list.empty() ? "" : " ") + cap;
        send("CAP REQ :" + list);
    }
    send("NICK " + nick);
    send("USER " + nick + " 0 * :" + nick + " in a test");
    if (!caps.empty()) {
        if (!wait_for([](const IrcLine& l) { return l.command == "CAP" && l.param(1) == "ACK"; })) {
            return false;
        }
        send("CAP END");
    }
    if (!wait_command("001")) return false;
    return sync().has_value();
}

bool IrcClient::expect_closed(std::chrono::milliseconds timeout, std::vector<IrcLine>* before) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        while (true) {
            const auto end = buffer_.find("\r\n");
            if (end == std::string::npos) break;
            if (before != nullptr) {
                before->push_back(parse_irc_line(std::string_view(buffer_).substr(0, end)));
            }
            buffer_.erase(0, end + 2);
        }
        if (eof_) return true;
        if (!fill(deadline) && !eof_) return false;
    }
}

IrcClient::Match command_is(std::string command) {
    return [command = std::move(command)](const IrcLine& l) { return l.command == command; };
}

IrcClient::Match message_from(std::string nick, std::string target, std::string text,
                              std::string command) {
    return [=](const IrcLine& l) {
        return l.command == command && l.nick() == nick && l.param(0) == target && l.last() == text;
    };
}

}  // namespace hubchat::test
