// A blocking-style test client over a real loopback socket, with deadlines on every
// read. Splits what arrives into JSON objects with the server's own framer, so it
// reads both newline frames and the original's unframed objects.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "proto/json_framer.hpp"

namespace hubchat::test {

class ChatSocket {
  public:
    ChatSocket(const std::string& host, std::uint16_t port);
    ~ChatSocket();
    ChatSocket(const ChatSocket&) = delete;
    ChatSocket& operator=(const ChatSocket&) = delete;

    void send_raw(std::string_view bytes);
    // The next whole object, raw; nullopt on timeout or close.
    std::optional<std::string> next_frame(
        std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // The next object parsed (an empty object on timeout; the test then fails on content).
    boost::json::object next_json(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Reads until an object satisfies `match`; the ones before it are returned in `skipped`.
    std::optional<boost::json::object> wait_for(
        const std::function<bool(const boost::json::object&)>& match,
        std::chrono::milliseconds timeout = std::chrono::seconds(5),
        std::vector<boost::json::object>* skipped = nullptr);
    std::optional<boost::json::object> wait_type(
        std::string_view type, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // hubchat dialect hello; true once welcomed.
    bool hello(std::string_view name);
    // Sends a ping with `ref` and returns every frame that arrived before its pong: the
    // server handles a connection's frames in order, so this proves what did NOT arrive.
    std::optional<std::vector<boost::json::object>> sync(std::uint64_t ref = 999999);
    // True when the server closes the connection within the timeout (frames before the
    // close are kept in `frames_before`).
    bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5),
                     std::vector<std::string>* frames_before = nullptr);
    // A tiny receive window, so a client that stops reading backs up quickly.
    void shrink_receive_buffer();
    // Closes with a reset instead of a FIN.
    void reset();
    void close();
    int fd() const { return fd_; }

  private:
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    bool eof_ = false;
    proto::JsonFramer framer_{16 * 1024 * 1024};
    std::string unscanned_;
    std::deque<std::string> frames_;
};

std::string text_of(const boost::json::object& obj, std::string_view key);

}  // namespace hubchat::test
