#include "net/listener.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <variant>

#include "net/deadline_wheel.hpp"
#include "net/endpoint_text.hpp"
#include "net/tls.hpp"
#include "proto/json_codec.hpp"

namespace hubchat::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

bool is_loopback(const Socket& socket) {
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
// it is a courtesy, and a client that does not read it loses nothing else. Input already
// there is read and dropped first: closing with unread bytes sends a reset, which can
// destroy the line before the peer reads it.
void say_and_close(Socket& socket, std::string_view text) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (!text.empty()) socket.write_some(asio::buffer(text), ec);
    socket.shutdown(Socket::shutdown_send, ec);
    std::array<char, 4096> discard;
    for (int i = 0; i < 16 && !ec; ++i) socket.read_some(asio::buffer(discard), ec);
    socket.close(ec);
}

std::optional<PeerAddress> peer_address(const Socket& socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return std::nullopt;
    const auto address = remote.address();
    if (address.is_v4()) return PeerAddress::from_v4(address.to_v4().to_bytes());
    return PeerAddress::from_v6(address.to_v6().to_bytes());
}

// Owns the loop's AdmissionControl. The loop may destroy a connection after the listener
// (a second Ctrl-C stops it with connections open), so the connections' slots need it to
// last as long as the loop, and a service does, without each slot paying for a shared_ptr.
class AdmissionBook : public asio::execution_context::service {
  public:
    static inline asio::execution_context::id id;  // NOLINT: Asio's service key
    explicit AdmissionBook(asio::execution_context& context) : service(context) {}
    std::optional<AdmissionControl> control;

  private:
    void shutdown() override {}
};

AdmissionControl& admission_control(asio::io_context& io, const AdmissionLimits& limits) {
    auto& book = asio::use_service<AdmissionBook>(io);
    if (!book.control) book.control.emplace(limits);  // one listener per loop
    return *book.control;
}

TimestampMs steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// Reads a connection's first bytes until proto::sniff() decides, then hands the transport
// over. A silent connection is normal (the original client sends nothing until its user
// types), so silence has no timeout here; shutdown still reaches it through the tracker,
// and admission control bounds how many there can be. A connection that has started to
// speak but not said enough to decide is closed after the frame timeout, like a stalled
// frame. Runs again inside TLS once the handshake is done, to find the protocol it carries.
class Listener::Sniffer : public Closable,
                          public StreamUser,
                          public std::enable_shared_from_this<Sniffer>,
                          private DeadlineWheel::Entry {
  public:
    Sniffer(Transport transport, Listener& listener)
        : DeadlineWheel::Entry(DeadlineWheel::of(transport.executor())),
          transport_(std::move(transport)),
          listener_(listener) {
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
        const bool undecided = protocol_ == proto::Protocol::NeedMore;
        const auto timeout = listener_.config_.frame_timeout;
        if (undecided && !armed() && timeout.count() > 0) {
            arm(DeadlineWheel::due_after(wheel().now(), timeout));
        }
        return undecided;
    }

    void on_deadline() override {
        if (spdlog::should_log(spdlog::level::debug)) {
            spdlog::debug("{} said too little to tell its protocol in {} s; closing",
                          transport_.peer_text(), listener_.config_.frame_timeout.count());
        }
        transport_.close();  // the read in flight ends, and with it this sniffer
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
        disarm();
        listener_.hand_over(std::move(transport_), protocol_, seen_);
    }

    Transport transport_;
    Listener& listener_;
    std::string seen_;
    proto::Protocol protocol_ = proto::Protocol::NeedMore;
};

Listener::Listener(asio::io_context& io, const ServerConfig& config, ConnectionTracker& tracker)
    : config_(config),
      tracker_(tracker),
      admission_(admission_control(io, config.admission)),
      loop_(io.get_executor()),
      acceptor_(io),
      retry_timer_(io) {}

void Listener::set_adapter(proto::Protocol protocol, Adapter adapter) {
    adapters_[static_cast<std::size_t>(protocol)] = std::move(adapter);
}

void Listener::enable_tls(std::shared_ptr<const TlsServer> tls) {
    tls_ = std::move(tls);
}

void Listener::hand_over(Transport transport, proto::Protocol protocol, std::string_view seen) {
    const bool debug = spdlog::should_log(spdlog::level::debug);
    // The shutdown has closed every connection it knew of; one whose sniffing finished in
    // the meantime is not started (it would never be told to close).
    if (stopped_) return transport.close();
    if (protocol == proto::Protocol::Tls) {
        if (!tls_ || transport.secure()) {
            if (debug) {
                spdlog::debug("{} starts TLS, which {}; closing", transport.peer_text(),
                              tls_ ? "it already speaks" : "this server was not started with");
            }
            return transport.close();
        }
        // The slot waits in the callback: a handshake that fails drops both, and with them
        // the connection's place. std::function needs a copyable callback, hence shared_ptr.
        auto slot = std::make_shared<AdmissionSlot>(transport.take_slot());
        tls_->accept(transport.take_plain_socket(), seen, tracker_,
                     [this, slot](Transport secured) {
                         // Finished just as the server began to stop: dropping it closes the
                         // connection.
                         if (stopped_) return;
                         secured.hold(std::move(*slot));
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
    acceptor_.async_accept(loop_, [this](boost::system::error_code ec, Socket socket) {
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
            admit(std::move(socket));
        }
        accept_next();
    });
}

void Listener::admit(Socket socket) {
    const auto address = peer_address(socket);
    if (!address) {  // already gone
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
    }
    auto decision = admission_.admit(*address, steady_ms());
    if (auto* refusal = std::get_if<AdmissionControl::Refusal>(&decision)) {
        if (spdlog::should_log(spdlog::level::debug)) {
            spdlog::debug("{} refused: {}", peer_text(socket), refusal->reason);
        }
        // Before sniffing, so the protocol is unknown: every JSON client reads this shape
        // (a TLS client sees its handshake fail). Sniffing first would let refused
        // connections hold descriptors, which is what the limits are there to stop.
        say_and_close(socket, proto::original_notice(refusal->reason, ""));
        return;
    }
    Transport transport(std::move(socket));
    transport.hold(AdmissionSlot(admission_, *address));
    std::make_shared<Sniffer>(std::move(transport), *this)->start();
}

}  // namespace hubchat::net
