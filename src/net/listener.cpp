#include "net/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "net/endpoint_text.hpp"
#include "net/tls.hpp"
#include "proto/json_codec.hpp"

namespace hubchat::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

bool is_loopback(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return false;
    auto address = remote.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    return address.is_loopback();
}

// Writes one last line to a plain connection that is about to be closed, without waiting:
// it is a courtesy, and a client that does not read it loses nothing else.
void say_and_close(tcp::socket& socket, std::string_view text) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (!text.empty()) socket.write_some(asio::buffer(text), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
}

}  // namespace

// Reads a connection's first bytes until proto::sniff() decides, then hands the transport
// over. A silent connection is normal (the original client sends nothing until its user
// types), so there is no timeout here; shutdown still reaches it through the tracker.
// Runs again inside TLS once the handshake is done, to find the protocol it carries.
class Listener::Sniffer : public Closable,
                          public StreamUser,
                          public std::enable_shared_from_this<Sniffer> {
  public:
    Sniffer(Transport transport, Listener& listener)
        : transport_(std::move(transport)), listener_(listener) {
        listener_.tracker_.add(this);
    }
    ~Sniffer() override { listener_.tracker_.remove(this); }

    void start() { transport_.read(shared_from_this()); }

    void close_for_shutdown() override {
        if (transport_.secure()) return transport_.close();
        // Any client may be listening silently; this shape is one every JSON client reads.
        say_and_close(transport_.socket(), proto::original_notice("Server is shutting down", ""));
    }

  private:
    bool on_bytes(std::string_view bytes) override {
        seen_.append(bytes);
        protocol_ = proto::sniff(seen_);
        if (protocol_ == proto::Protocol::NeedMore && seen_.size() >= proto::kSniffBytes) {
            protocol_ = proto::Protocol::Json;
        }
        return protocol_ == proto::Protocol::NeedMore;
    }

    void on_read_done(boost::system::error_code ec) override {
        if (ec) {
            if (spdlog::should_log(spdlog::level::debug)) {
                spdlog::debug("{} closed before saying anything ({})", transport_.peer_text(),
                              ec.message());
            }
            return;
        }
        if (protocol_ == proto::Protocol::NeedMore) return start();
        listener_.hand_over(std::move(transport_), protocol_, seen_);
    }

    Transport transport_;
    Listener& listener_;
    std::string seen_;
    proto::Protocol protocol_ = proto::Protocol::NeedMore;
};

Listener::Listener(asio::io_context& io, const ServerConfig& config, ConnectionTracker& tracker)
    : config_(config), tracker_(tracker), acceptor_(io), retry_timer_(io) {}

void Listener::set_adapter(proto::Protocol protocol, Adapter adapter) {
    adapters_[static_cast<std::size_t>(protocol)] = std::move(adapter);
}

void Listener::enable_tls(std::shared_ptr<const TlsServer> tls) {
    tls_ = std::move(tls);
}

void Listener::hand_over(Transport transport, proto::Protocol protocol, std::string_view seen) {
    const bool debug = spdlog::should_log(spdlog::level::debug);
    if (protocol == proto::Protocol::Tls) {
        if (!tls_ || transport.secure()) {
            if (debug) {
                spdlog::debug("{} starts TLS, which {}; closing", transport.peer_text(),
                              tls_ ? "it already speaks" : "this server was not started with");
            }
            return transport.close();
        }
        tls_->accept(transport.take_plain_socket(), seen, [this](Transport secured) {
            std::make_shared<Sniffer>(std::move(secured), *this)->start();
        });
        return;
    }
    if (!transport.secure() && config_.require_tls &&
        !(config_.allow_plain_loopback && is_loopback(transport.socket()))) {
        if (debug) spdlog::debug("{} is not using TLS; refused", transport.peer_text());
        // Every JSON client reads this shape; other protocols just see the connection close.
        say_and_close(transport.socket(),
                      protocol == proto::Protocol::Json
                          ? proto::original_notice(
                                "This server accepts only encrypted connections: connect with "
                                "TLS (hubchat --tls)",
                                "")
                          : std::string());
        return;
    }
    const auto& adapter = adapters_[static_cast<std::size_t>(protocol)];
    if (!adapter) {
        if (debug) {
            spdlog::debug("{} speaks {}, which this server does not serve; closing",
                          transport.peer_text(), proto::protocol_name(protocol));
        }
        return transport.close();
    }
    if (protocol != proto::Protocol::Json && debug) {
        spdlog::debug("{} speaks {}{}", transport.peer_text(), proto::protocol_name(protocol),
                      transport.secure() ? " over TLS" : "");
    }
    adapter(std::move(transport), seen);
}

void Listener::open() {
    const auto address = asio::ip::make_address(config_.host);
    const tcp::endpoint endpoint(address, config_.port);
    acceptor_.open(endpoint.protocol());
    // A restart right after Ctrl-C must not fail on connections left in TIME_WAIT.
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    if (address.is_v6()) acceptor_.set_option(asio::ip::v6_only(false));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::start() {
    accept_next();
}

void Listener::stop() {
    stopped_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
}

void Listener::accept_next() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
        if (stopped_) return;
        if (ec) {
            // Out of descriptors, say: keep serving the connections we have, and retry a
            // little later rather than spinning on an accept that fails at once.
            spdlog::warn("accept failed: {}", ec.message());
            retry_timer_.expires_after(std::chrono::milliseconds(100));
            retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
                if (!wait_ec && !stopped_) accept_next();
            });
            return;
        } else {
            boost::system::error_code opt_ec;
            socket.set_option(tcp::no_delay(true), opt_ec);
            socket.set_option(asio::socket_base::keep_alive(true), opt_ec);
            if (config_.verbose) spdlog::debug("connection from {}", peer_text(socket));
            std::make_shared<Sniffer>(Transport(std::move(socket)), *this)->start();
        }
        accept_next();
    });
}

}  // namespace hubchat::net
