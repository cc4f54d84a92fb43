// Accepts connections on one port and hands each to the protocol adapter its first bytes
// ask for (proto/sniff.hpp). Adapters register in a table, so TLS, HTTP and IRC plug in
// beside JSON without touching the accept path.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string_view>

#include "core/admission.hpp"
#include "net/connection_tracker.hpp"
#include "net/server_config.hpp"
#include "net/socket.hpp"
#include "net/transport.hpp"
#include "proto/sniff.hpp"

namespace hubchat::net {

class TlsServer;

class Listener {
  public:
    // Takes over a connected socket plus the bytes already read from it.
    using Adapter = std::function<void(Transport, std::string_view first_bytes)>;

    Listener(boost::asio::io_context& io, const ServerConfig& config, ConnectionTracker& tracker);

    void set_adapter(proto::Protocol protocol, Adapter adapter);
    // Serves TLS on the same port: a connection that starts with a TLS handshake gets one,
    // then whatever it carries inside is sniffed and handed over like a plain connection.
    void enable_tls(std::shared_ptr<const TlsServer> tls);
    // Binds and listens; throws boost::system::system_error on failure.
    void open();
    void start();
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  private:
    class Sniffer;
    void accept_next();
    // Asks admission control about a new connection; a refused one is told why and closed.
    void admit(Socket socket);
    void hand_over(Transport transport, proto::Protocol protocol, std::string_view seen);

    const ServerConfig& config_;
    ConnectionTracker& tracker_;
    // Lives in an Asio service of the loop, since admitted connections' AdmissionSlots
    // may outlive us.
    AdmissionControl& admission_;
    boost::asio::io_context::executor_type loop_;  // accepted sockets are bound to it
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;
    std::array<Adapter, 5> adapters_;
    std::shared_ptr<const TlsServer> tls_;
    bool stopped_ = false;
};

}  // namespace hubchat::net
