// A test's end of a real TCP connection to the server: a blocking socket whose every
// read has a deadline (poll), and a splitter that turns what arrives into JSON objects,
// newline-terminated (hubchat dialect) or back to back (original dialect).
//
// Threads: one thread reads (next_frame, wait_for, ...); send_raw touches only the
// socket, so another thread may send on the same client while the first one reads.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/deadline.hpp"
#include "support/json_splitter.hpp"

struct ssl_st;

namespace hubchat::test {

using namespace std::chrono_literals;

// Failure bound for every wait: generous, since a passing test never waits this long.
inline constexpr std::chrono::milliseconds kDeadline = 10s;

using Predicate = std::function<bool(const boost::json::object&)>;

class TestClient {
  public:
    struct Options {
        // SO_RCVBUF set before connecting, so the window stays small (0: kernel default).
        int receive_buffer = 0;
        // Speak TLS (no certificate verification: tests compare fingerprints instead).
        bool tls = false;
        // Highest TLS version offered, as OpenSSL's TLS1_1_VERSION etc. (0: no cap).
        int tls_max_version = 0;
    };

    TestClient(const std::string& host, std::uint16_t port);
    TestClient(const std::string& host, std::uint16_t port, Options options);
    ~TestClient();
    TestClient(const TestClient&) = delete;
    TestClient& operator=(const TestClient&) = delete;

    // Writes every byte (one send per call when the kernel takes it all, so a test
    // controls how the stream is cut). False if the peer is gone or the deadline passed.
    bool send_raw(std::string_view bytes, std::chrono::milliseconds timeout = kDeadline);
    // serialize(obj) + "\n".
    bool send_json(const boost::json::object& obj);

    // Sends a hubchat hello and returns the reply (welcome or error; empty on timeout).
    boost::json::object hello_reply(std::string_view name);
    // True once welcomed.
    bool hello(std::string_view name);

    // The next whole object as raw text; nullopt on timeout or end of stream.
    std::optional<std::string> next_frame(std::chrono::milliseconds timeout = kDeadline);
    // The next object, parsed; nullopt on timeout, end of stream or a frame that does not
    // parse as an object (it is then kept in last_unparsed()).
    std::optional<boost::json::object> next_json(std::chrono::milliseconds timeout = kDeadline);
    // Reads until an object satisfies `match`; objects before it go to `skipped`.
    std::optional<boost::json::object> wait_for(
        const Predicate& match, std::chrono::milliseconds timeout = kDeadline,
        std::vector<boost::json::object>* skipped = nullptr);
    std::optional<boost::json::object> wait_type(
        std::string_view type, std::chrono::milliseconds timeout = kDeadline,
        std::vector<boost::json::object>* skipped = nullptr);
    // A ping with a fresh ref; returns every object that arrived before its pong. The
    // server answers a connection's frames in order, so this proves what did NOT arrive
    // in reply to what was sent before. nullopt if no pong came.
    std::optional<std::vector<boost::json::object>> sync();

    // True if the server ends the connection (FIN or RST) within `timeout`; every frame
    // still unread before the end goes to `frames_before`, raw.
    bool expect_closed(std::chrono::milliseconds timeout = kDeadline,
                       std::vector<std::string>* frames_before = nullptr);
    bool at_eof() const { return eof_; }
    // True if the end was a reset rather than an orderly close.
    bool was_reset() const { return reset_; }
    // Frames already received and not yet read.
    std::size_t buffered() const;

    // Closes with FIN; reset() closes with RST (SO_LINGER 0).
    void close();
    void reset();
    int fd() const { return fd_; }
    // The server certificate's SHA-256 fingerprint ("AB:CD:..."); empty without TLS.
    std::string peer_fingerprint() const;
    std::string tls_version() const;  // "TLSv1.3"; empty without TLS
    const std::string& last_unparsed() const { return last_unparsed_; }

  private:
    // Reads once (waiting up to the deadline); false on timeout or end of stream.
    bool fill(std::chrono::steady_clock::time_point deadline);
    void start_tls(const Options& options);

    int fd_ = -1;
    ssl_st* ssl_ = nullptr;  // OpenSSL's SSL, when speaking TLS
    bool eof_ = false;
    bool reset_ = false;
    std::uint64_t next_ref_ = 1;
    JsonSplitter splitter_;
    std::string last_unparsed_;
};

// Field access that never throws: strings as they are, anything else serialized
// (so an integer 7 reads "7"); "" when absent.
std::string field(const boost::json::object& obj, std::string_view key);
bool has_type(const boost::json::object& obj, std::string_view type);
std::string to_text(const boost::json::object& obj);

// Predicates for wait_for.
Predicate type_is(std::string type);
// A hubchat `message` frame from `user` with text `text`.
Predicate chat_from(std::string user, std::string text);
// A presence event (`join`/`leave`) of `user` in `room`.
Predicate presence(std::string type, std::string user, std::string room = "ALL");

}  // namespace hubchat::test
