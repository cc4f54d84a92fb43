#include "support/chat_socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <stdexcept>

namespace hubchat::test {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

ChatSocket::ChatSocket(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result) != 0) {
        throw std::runtime_error("cannot resolve " + host);
    }
    fd_ = ::socket(result->ai_family, SOCK_STREAM, 0);
    const int rc = ::connect(fd_, result->ai_addr, result->ai_addrlen);
    ::freeaddrinfo(result);
    if (rc != 0) throw std::runtime_error("cannot connect: " + std::string(strerror(errno)));
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

ChatSocket::~ChatSocket() {
    close();
}

void ChatSocket::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void ChatSocket::shrink_receive_buffer() {
    const int size = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

void ChatSocket::reset() {
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close();
}

void ChatSocket::send_raw(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("send failed: " + std::string(strerror(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
}

bool ChatSocket::fill(Clock::time_point deadline) {
    if (eof_) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    std::string_view input(buf, static_cast<std::size_t>(n));
    while (!input.empty()) {
        const auto step = framer_.next(input);
        input.remove_prefix(step.consumed);
        if (step.kind == proto::JsonFramer::Kind::Frame) frames_.emplace_back(step.frame);
        if (step.kind == proto::JsonFramer::Kind::BadFrame) {
            frames_.emplace_back("<not json>");
        }
    }
    return true;
}

std::optional<std::string> ChatSocket::next_frame(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (frames_.empty()) {
        if (!fill(deadline) && (eof_ || Clock::now() >= deadline)) {
            if (frames_.empty()) return std::nullopt;
        }
    }
    std::string frame = std::move(frames_.front());
    frames_.pop_front();
    return frame;
}

json::object ChatSocket::next_json(std::chrono::milliseconds timeout) {
    auto frame = next_frame(timeout);
    if (!frame) return {};
    boost::system::error_code ec;
    auto value = json::parse(*frame, ec);
    if (ec || !value.is_object()) return {{"unparsable", *frame}};
    return value.get_object();
}

std::optional<json::object> ChatSocket::wait_for(
    const std::function<bool(const json::object&)>& match, std::chrono::milliseconds timeout,
    std::vector<json::object>* skipped) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto frame = next_frame(left);
        if (!frame) return std::nullopt;
        boost::system::error_code ec;
        auto value = json::parse(*frame, ec);
        if (ec || !value.is_object()) continue;
        if (match(value.get_object())) return value.get_object();
        if (skipped) skipped->push_back(value.get_object());
    }
}

std::optional<json::object> ChatSocket::wait_type(std::string_view type,
                                                  std::chrono::milliseconds timeout) {
    return wait_for([&](const json::object& o) { return text_of(o, "type") == type; }, timeout);
}

bool ChatSocket::hello(std::string_view name) {
    send_raw(json::serialize(json::object{{"type", "hello"}, {"name", name}}) + "\n");
    auto reply = wait_for([](const json::object& o) {
        const auto type = text_of(o, "type");
        return type == "welcome" || type == "error";
    });
    return reply && text_of(*reply, "type") == "welcome";
}

std::optional<std::vector<json::object>> ChatSocket::sync(std::uint64_t ref) {
    send_raw(R"({"type":"ping","ref":)" + std::to_string(ref) + "}\n");
    std::vector<json::object> before;
    auto pong = wait_for(
        [&](const json::object& o) {
            return text_of(o, "type") == "pong" && text_of(o, "ref") == std::to_string(ref);
        },
        std::chrono::seconds(5), &before);
    if (!pong) return std::nullopt;
    return before;
}

bool ChatSocket::wait_closed(std::chrono::milliseconds timeout,
                             std::vector<std::string>* frames_before) {
    const auto deadline = Clock::now() + timeout;
    while (!eof_) {
        if (!fill(deadline) && !eof_ && Clock::now() >= deadline) break;
    }
    if (frames_before) {
        frames_before->assign(frames_.begin(), frames_.end());
    }
    frames_.clear();
    return eof_;
}

std::string text_of(const json::object& obj, std::string_view key) {
    auto it = obj.find(key);
    if (it == obj.end()) return {};
    if (it->value().is_string()) return std::string(it->value().get_string());
    return json::serialize(it->value());
}

}  // namespace hubchat::test
