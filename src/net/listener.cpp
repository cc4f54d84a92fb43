#include "net/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "net/endpoint_text.hpp"
#include "proto/json_codec.hpp"

namespace hubchat::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Reads a connection's first bytes until proto::sniff() decides, then hands the socket
// over. A silent connection is normal (the original client sends nothing until its user
// types), so there is no timeout here; shutdown still reaches it through the tracker.
class Sniffer : public Closable, public std::enable_shared_from_this<Sniffer> {
  public:
    Sniffer(tcp::socket socket, const std::array<Listener::Adapter, 5>& adapters,
            ConnectionTracker& tracker)
        : socket_(std::move(socket)), adapters_(adapters), tracker_(tracker) {
        tracker_.add(this);
    }
    ~Sniffer() override { tracker_.remove(this); }

    void start() { read_more(); }

    void close_for_shutdown() override {
        // Any client may be listening silently; this shape is one every JSON client reads.
        const std::string notice = proto::original_notice("Server is shutting down", "");
        boost::system::error_code ec;
        socket_.non_blocking(true, ec);
        socket_.write_some(asio::buffer(notice), ec);
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        socket_.close(ec);
    }

  private:
    void read_more() {
        socket_.async_read_some(
            asio::buffer(stash_.data() + used_, stash_.size() - used_),
            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                self->on_read(ec, n);
            });
    }

    void on_read(boost::system::error_code ec, std::size_t n) {
        if (ec) {
            if (spdlog::should_log(spdlog::level::debug)) {
                spdlog::debug("{} closed before saying anything ({})", peer_text(socket_),
                              ec.message());
            }
            return;
        }
        used_ += n;
        const std::string_view seen(stash_.data(), used_);
        proto::Protocol protocol = proto::sniff(seen);
        if (protocol == proto::Protocol::NeedMore) {
            if (used_ < stash_.size()) return read_more();
            protocol = proto::Protocol::Json;
        }
        const auto& adapter = adapters_[static_cast<std::size_t>(protocol)];
        if (!adapter) {
            if (spdlog::should_log(spdlog::level::debug)) {
                spdlog::debug("{} speaks {}, which this server does not serve; closing",
                              peer_text(socket_), proto::protocol_name(protocol));
            }
            boost::system::error_code ignored;
            socket_.close(ignored);
            return;
        }
        if (protocol != proto::Protocol::Json && spdlog::should_log(spdlog::level::debug)) {
            spdlog::debug("{} speaks {}", peer_text(socket_), proto::protocol_name(protocol));
        }
        adapter(std::move(socket_), seen);
    }

    tcp::socket socket_;
    const std::array<Listener::Adapter, 5>& adapters_;
    ConnectionTracker& tracker_;
    std::array<char, proto::kSniffBytes> stash_{};
    std::size_t used_ = 0;
};

}  // namespace

Listener::Listener(asio::io_context& io, const ServerConfig& config, ConnectionTracker& tracker)
    : config_(config), tracker_(tracker), acceptor_(io), retry_timer_(io) {}

void Listener::set_adapter(proto::Protocol protocol, Adapter adapter) {
    adapters_[static_cast<std::size_t>(protocol)] = std::move(adapter);
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
            std::make_shared<Sniffer>(std::move(socket), adapters_, tracker_)->start();
        }
        accept_next();
    });
}

}  // namespace hubchat::net
