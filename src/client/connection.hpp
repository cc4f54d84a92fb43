// The connection to the server, plain TCP or TLS, on the caller's single-threaded Asio
// event loop: newline-framed lines in, queued frames out, and reconnection with backoff
// when the server goes away. Every connection, the first and each reconnection, runs the
// TLS handshake and asks `accept_server` about the certificate before anything is sent.
// Asio and OpenSSL stay out of this header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/server_trust.hpp"

namespace boost::asio {
class io_context;
}

namespace hubchat::client {

struct TlsSettings {
    std::optional<std::string> ca_file;  // else the system's certificate authorities
};

class ServerConnection {
  public:
    struct Callbacks {
        std::function<void()> connected;                  // first time and after a reconnect
        std::function<void(std::string_view line)> line;  // one server line, no '\n'
        std::function<void(std::string_view why)> lost;   // an established connection ended
        // TLS only: whether to go on with a server showing this certificate. A refusal
        // ends the connection, and reconnection stops: the owner says why and finishes.
        std::function<bool(const PeerCertificate&)> accept_server;
    };

    // `tls`: nullopt for plain TCP. Throws std::runtime_error if TLS cannot be set up
    // (an unreadable --tls-ca).
    ServerConnection(boost::asio::io_context& io, std::string host, std::uint16_t port,
                     std::optional<TlsSettings> tls, Callbacks callbacks);
    ~ServerConnection();
    ServerConnection(const ServerConnection&) = delete;
    ServerConnection& operator=(const ServerConnection&) = delete;

    enum class Start { Connected, Failed, Refused };
    // The first connection, run to its end on the event loop before anything else
    // happens, so that a start-up failure is reported first. Connected: `connected` has
    // been called. Failed: `error` says why. Refused: `accept_server` said no. After a
    // loss the connection retries by itself (0.5 s, doubling, at most 10 s) until close().
    Start connect(std::string& error);
    // Queues one frame; dropped when not connected.
    void send(std::string frame);
    // Lets the queued frames leave, drops the connection (`lost` is called) and connects
    // again at once, without the backoff's delay. Nothing when not connected: it is
    // reconnecting already.
    void reconnect();
    // Stops reconnecting, lets the queued frames leave, closes, then calls `done` (from
    // the event loop).
    void close(std::function<void()> done);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hubchat::client
