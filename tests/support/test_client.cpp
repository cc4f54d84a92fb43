#include "support/test_client.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace hubchat::test {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {}  // namespace

TestClient::TestClient(const std::string& host, std::uint16_t port)
    : TestClient(host, port, Options{}) {}

TestClient::TestClient(const std::string& host, std::uint16_t port, Options options) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
        rc != 0) {
        throw std::runtime_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
    }
    // CLOEXEC: a server started later by the same test must not inherit this connection.
    fd_ = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        ::freeaddrinfo(found);
        throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    }
    if (options.receive_buffer > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                     sizeof options.receive_buffer);
    }
    const int rc = ::connect(fd_, found->ai_addr, found->ai_addrlen);
    const int error = errno;
    ::freeaddrinfo(found);
    if (rc != 0) {
        ::close(fd_);
        throw std::runtime_error("cannot connect to " + host + " port " + std::to_string(port) +
                                 ": " + std::strerror(error));
    }
    // Each send_raw must leave as its own segment when the test means to split a frame.
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (options.tls) start_tls(options);
}

void TestClient::start_tls(const Options& options) {
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    if (options.tls_max_version != 0) {
        SSL_CTX_set_min_proto_version(context, 0);
        SSL_CTX_set_max_proto_version(context, options.tls_max_version);
        SSL_CTX_set_security_level(context, 0);  // let OpenSSL offer the old versions at all
    }
    ssl_ = SSL_new(context);
    SSL_CTX_free(context);  // the SSL keeps its own reference
    SSL_set_fd(ssl_, fd_);
    // Bounded like every other wait: the handshake runs on a blocking socket with timeouts.
    const timeval limit{static_cast<time_t>(kDeadline.count() / 1000), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (SSL_connect(ssl_) != 1) {
        char text[256] = "no reason given";
        if (const unsigned long code = ERR_get_error(); code != 0) {
            ERR_error_string_n(code, text, sizeof text);
        }
        ERR_clear_error();
        close();
        throw std::runtime_error(std::string("TLS handshake failed: ") + text);
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

std::string TestClient::peer_fingerprint() const {
    if (ssl_ == nullptr) return {};
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (cert == nullptr) return {};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(cert, EVP_sha256(), digest, &length);
    X509_free(cert);
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string text;
    for (unsigned int i = 0; i < length; ++i) {
        if (i != 0) text += ':';
        text += kHex[digest[i] >> 4];
        text += kHex[digest[i] & 0xF];
    }
    return text;
}

std::string TestClient::tls_version() const {
    return ssl_ == nullptr ? std::string() : std::string(SSL_get_version(ssl_));
}

TestClient::~TestClient() {
    close();
}

void TestClient::close() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ssl_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void TestClient::reset() {
    if (fd_ < 0) return;
    const linger abort_on_close{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    close();
}

bool TestClient::send_raw(std::string_view bytes, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::size_t done = 0;
    while (done < bytes.size()) {
        if (fd_ < 0) return false;
        if (ssl_ != nullptr) {
            std::size_t written = 0;
            if (SSL_write_ex(ssl_, bytes.data() + done, bytes.size() - done, &written) == 1) {
                done += written;
                continue;
            }
            const int error = SSL_get_error(ssl_, 0);
            ERR_clear_error();
            if (error != SSL_ERROR_WANT_WRITE && error != SSL_ERROR_WANT_READ) return false;
            pollfd p{fd_, static_cast<short>(error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
            if (::poll(&p, 1, millis_until(deadline)) <= 0) return false;
            continue;
        }
        const ssize_t n =
            ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, millis_until(deadline)) <= 0) return false;
    }
    return true;
}

bool TestClient::send_json(const json::object& obj) {
    return send_raw(json::serialize(obj) + "\n");
}

json::object TestClient::hello_reply(std::string_view name) {
    send_json({{"type", "hello"}, {"name", name}});
    auto reply = wait_for(
        [](const json::object& o) { return has_type(o, "welcome") || has_type(o, "error"); });
    return reply ? *reply : json::object{};
}

bool TestClient::hello(std::string_view name) {
    return has_type(hello_reply(name), "welcome");
}

bool TestClient::fill(Clock::time_point deadline) {
    if (eof_ || fd_ < 0) return false;
    if (ssl_ != nullptr) {
        char buf[16384];
        std::size_t n = 0;
        if (SSL_read_ex(ssl_, buf, sizeof buf, &n) == 1) {
            splitter_.feed(std::string_view(buf, n));
            return true;
        }
        const int error = SSL_get_error(ssl_, 0);
        ERR_clear_error();
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            pollfd p{fd_, static_cast<short>(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
            const int ready = ::poll(&p, 1, millis_until(deadline));
            return ready > 0 || (ready < 0 && errno == EINTR);
        }
        eof_ = true;  // close_notify, a bare FIN, a reset or a TLS error
        reset_ = error == SSL_ERROR_SYSCALL && errno == ECONNRESET;
        return false;
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, millis_until(deadline));
    if (ready < 0 && errno == EINTR) return true;
    if (ready <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) {
        eof_ = true;
        reset_ = n < 0 && errno == ECONNRESET;
        return false;
    }
    splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    return true;
}

std::size_t TestClient::buffered() const {
    return splitter_.size();
}

std::optional<std::string> TestClient::next_frame(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (splitter_.empty()) {
        if (!fill(deadline) && (eof_ || Clock::now() >= deadline)) break;
    }
    return splitter_.pop();
}

std::optional<json::object> TestClient::next_json(std::chrono::milliseconds timeout) {
    auto frame = next_frame(timeout);
    if (!frame) return std::nullopt;
    boost::system::error_code ec;
    auto value = json::parse(*frame, ec);
    if (ec || !value.is_object()) {
        last_unparsed_ = *frame;
        return std::nullopt;
    }
    return std::move(value.get_object());
}

std::optional<json::object> TestClient::wait_for(const Predicate& match,
                                                 std::chrono::milliseconds timeout,
                                                 std::vector<json::object>* skipped) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        auto frame = next_frame(std::chrono::milliseconds(millis_until(deadline)));
        if (!frame) return std::nullopt;
        boost::system::error_code ec;
        auto value = json::parse(*frame, ec);
        if (ec || !value.is_object()) {
            // Not JSON at all: record it where the test can see it.
            last_unparsed_ = *frame;
            if (skipped) skipped->push_back(json::object{{"unparsed", *frame}});
            continue;
        }
        if (match(value.get_object())) return std::move(value.get_object());
        if (skipped) skipped->push_back(std::move(value.get_object()));
    }
}

std::optional<json::object> TestClient::wait_type(std::string_view type,
                                                  std::chrono::milliseconds timeout,
                                                  std::vector<json::object>* skipped) {
    return wait_for(type_is(std::string(type)), timeout, skipped);
}

std::optional<std::vector<json::object>> TestClient::sync() {
    const std::string ref = "sync-" + std::to_string(next_ref_++);
    if (!send_json({{"type", "ping"}, {"ref", ref}})) return std::nullopt;
    std::vector<json::object> before;
    auto pong = wait_for(
        [&](const json::object& o) { return has_type(o, "pong") && field(o, "ref") == ref; },
        kDeadline, &before);
    if (!pong) return std::nullopt;
    return before;
}

bool TestClient::expect_closed(std::chrono::milliseconds timeout,
                               std::vector<std::string>* frames_before) {
    const auto deadline = Clock::now() + timeout;
    while (!eof_ && fd_ >= 0) {
        if (!fill(deadline) && Clock::now() >= deadline) break;
    }
    while (auto frame = splitter_.pop()) {
        if (frames_before) frames_before->push_back(std::move(*frame));
    }
    return eof_;
}

std::string field(const json::object& obj, std::string_view key) {
    const auto it = obj.find(key);
    if (it == obj.end()) return {};
    if (it->value().is_string()) return std::string(it->value().get_string());
    return json::serialize(it->value());
}

bool has_type(const json::object& obj, std::string_view type) {
    const auto it = obj.find("type");
    return it != obj.end() && it->value().is_string() && it->value().get_string() == type;
}

std::string to_text(const json::object& obj) {
    return json::serialize(obj);
}

Predicate type_is(std::string type) {
    return [type = std::move(type)](const json::object& o) { return has_type(o, type); };
}

Predicate chat_from(std::string user, std::string text) {
    return [user = std::move(user), text = std::move(text)](const json::object& o) {
        return has_type(o, "message") && field(o, "user") == user && field(o, "message") == text;
    };
}

Predicate presence(std::string type, std::string user, std::string room) {
    return [type = std::move(type), user = std::move(user),
            room = std::move(room)](const json::object& o) {
        return has_type(o, type) && field(o, "user") == user && field(o, "room") == room;
    };
}

}  // namespace hubchat::test
