// The TCP connection to the server, on the caller's single-threaded Asio event loop:
// newline-framed lines in, queued frames out, and reconnection with backoff when the
// server goes away. Asio stays out of this header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace hubchat::client {

class ServerConnection {
  public:
    struct Callbacks {
        std::function<void()> connected;                  // first time and after a reconnect
        std::function<void(std::string_view line)> line;  // one server line, no '\n'
        std::function<void(std::string_view why)> lost;   // an established connection ended
    };

    ServerConnection(boost::asio::io_context& io, std::string host, std::uint16_t port,
                     Callbacks callbacks);
    ~ServerConnection();
    ServerConnection(const ServerConnection&) = delete;
    ServerConnection& operator=(const ServerConnection&) = delete;

    // The first connection, blocking, so that a start-up failure is reported before
    // anything else happens. On success `connected` has been called. After a loss the
    // connection retries by itself (0.5 s, doubling, at most 10 s) until close().
    bool connect(std::string& error);
    // Queues one frame; dropped when not connected.
    void send(std::string frame);
    // Stops reconnecting, lets the queued frames leave, closes, then calls `done` (from
    // the event loop).
    void close(std::function<void()> done);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hubchat::client
