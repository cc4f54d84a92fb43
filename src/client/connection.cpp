#include "client/connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <utility>

#include "client/backoff.hpp"
#include "client/tls_client.hpp"

namespace hubchat::client {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// A server line longer than this is not the protocol's (frames are at most 64 KiB of
// JSON by default, with every character possibly escaped): drop the connection rather
// than grow without bound.
constexpr std::size_t kMaxLineBytes = 8 * 1024 * 1024;

// A server that takes longer than this to answer a ClientHello is not going to.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

bool is_end_of_stream(const boost::system::error_code& ec) {
    return ec == asio::error::eof || ec == ssl::error::stream_truncated;
}

std::string describe(const boost::system::error_code& ec) {
    if (is_end_of_stream(ec)) return "the server closed the connection";
    if (ec == asio::error::not_found) return "the server sent a line too long to be ours";
    return ec.message();
}

std::string describe_handshake_failure(const boost::system::error_code& ec, bool timed_out) {
    if (timed_out) {
        return "the server did not complete the TLS handshake within " +
               std::to_string(kHandshakeTimeout.count()) + " s";
    }
    if (is_end_of_stream(ec) || ec == asio::error::connection_reset) {
        // What a hubchat-server started without --tls does with a ClientHello.
        return "the server closed the connection during the TLS handshake (is TLS on? "
               "hubchat-server needs --tls)";
    }
    return "TLS handshake failed: " + ec.message();
}

}  // namespace

struct ServerConnection::Impl {
    enum class AttemptEnd { Connected, Failed, Refused };
    using AttemptDone = std::function<void(AttemptEnd, std::string why)>;

    Impl(asio::io_context& io, std::string host, std::uint16_t port,
         const std::optional<TlsSettings>& tls_settings, Callbacks callbacks)
        : io(io),
          host(std::move(host)),
          service(std::to_string(port)),
          callbacks(std::move(callbacks)),
          tls_context(tls_settings ? make_client_tls_context(tls_settings->ca_file) : nullptr),
          socket(io),
          resolver(io),
          retry_timer(io),
          handshake_timer(io) {}

    // The stream lines travel on: TLS over the socket, or the socket itself.
    template <typename Operation>
    void on_stream(Operation&& operation) {
        if (tls) return operation(*tls);
        operation(socket);
    }
    tcp::socket& tcp_layer() { return tls ? tls->next_layer() : socket; }

    // One try: resolve, connect, and with TLS the handshake and the certificate check,
    // on every connection alike, so a reconnection is held to the same standard.
    void attempt(AttemptDone done) {
        resolver.async_resolve(host, service,
                               [this, done = std::move(done)](boost::system::error_code ec,
                                                              tcp::resolver::results_type found) {
                                   if (closing) return;
                                   if (ec) return done(AttemptEnd::Failed, ec.message());
                                   socket = tcp::socket(io);
                                   tls.reset();
                                   connect_to(found, done);
                               });
    }

    void connect_to(const tcp::resolver::results_type& found, AttemptDone done) {
        asio::async_connect(
            socket, found,
            [this, done = std::move(done)](boost::system::error_code ec, const tcp::endpoint&) {
                if (closing) return;
                if (ec) return done(AttemptEnd::Failed, ec.message());
                if (!tls_context) return done(AttemptEnd::Connected, {});
                handshake(done);
            });
    }

    void handshake(AttemptDone done) {
        tls = std::make_unique<TlsStream>(std::move(socket), *tls_context);
        try {
            expect_server_name(*tls, host);
        } catch (const std::exception& e) {
            return done(AttemptEnd::Failed, e.what());
        }
        handshake_timed_out = false;
        handshaking = true;
        handshake_timer.expires_after(kHandshakeTimeout);
        handshake_timer.async_wait([this](boost::system::error_code ec) {
            // Expiring just as the handshake ends, the wait completes without an error.
            if (ec || !handshaking) return;
            handshake_timed_out = true;
            boost::system::error_code ignored;
            tcp_layer().close(ignored);  // the handshake fails with operation_aborted
        });
        tls->async_handshake(
            ssl::stream_base::client, [this, done = std::move(done)](boost::system::error_code ec) {
                handshaking = false;
                handshake_timer.cancel();
                if (closing) return;
                if (ec) {
                    return done(AttemptEnd::Failed,
                                describe_handshake_failure(ec, handshake_timed_out));
                }
                const auto peer = peer_certificate(*tls);
                boost::system::error_code ignored;
                if (!peer) {
                    tcp_layer().close(ignored);
                    return done(AttemptEnd::Failed, "the server showed no TLS certificate");
                }
                if (!callbacks.accept_server(*peer)) {
                    tcp_layer().close(ignored);
                    return done(AttemptEnd::Refused, {});
                }
                done(AttemptEnd::Connected, {});
            });
    }

    void established() {
        open = true;
        backoff.reset();
        read_buffer.clear();
        boost::system::error_code ignored;
        tcp_layer().set_option(tcp::no_delay(true), ignored);  // chat lines are small and urgent
        read_next();
        callbacks.connected();
    }

    void read_next() {
        on_stream([this](auto& stream) {
            asio::async_read_until(
                stream, asio::dynamic_buffer(read_buffer, kMaxLineBytes), '\n',
                [this, gen = generation](boost::system::error_code ec, std::size_t n) {
                    if (gen != generation) return;  // an older connection's
                    if (ec) return ended(ec);
                    std::string line = read_buffer.substr(0, n - 1);
                    read_buffer.erase(0, n);
                    if (!line.empty() && line.back() == '\r') line.pop_back();
                    callbacks.line(line);
                    if (gen == generation && open) read_next();
                });
        });
    }

    void ended(const boost::system::error_code& ec) {
        // The original dialect ends its frames with no newline, and a server refusing the
        // connection (--require-tls) says why in one such frame just before it closes.
        if (is_end_of_stream(ec) && !read_buffer.empty()) {
            const auto gen = generation;
            callbacks.line(std::exchange(read_buffer, {}));
            if (gen != generation) return;
        }
        lost(describe(ec));
    }

    // One write in flight; whatever is queued meanwhile leaves in the next one.
    void write_next() {
        if (!writing.empty() || queued.empty() || !open) return;
        writing.swap(queued);
        on_stream([this](auto& stream) {
            asio::async_write(stream, asio::buffer(writing),
                              [this, gen = generation](boost::system::error_code ec, std::size_t) {
                                  if (gen != generation) return;
                                  writing.clear();
                                  if (ec) return lost(describe(ec));
                                  if (!queued.empty()) return write_next();
                                  if (closing) return finish_close();
                                  if (reconnect_now) restart();
                              });
        });
    }

    void lost(const std::string& why) {
        if (!open) return;
        drop_socket();
        callbacks.lost(why);
        if (closing) return finish_close();
        if (std::exchange(reconnect_now, false)) return retry();
        schedule_retry();
    }

    void reconnect() {
        if (!open || closing) return;
        reconnect_now = true;
        if (writing.empty() && queued.empty()) restart();
        // else restart() follows the last write
    }

    // The drop reconnect() asked for (the server may also have closed first: either way
    // `lost` is called once and the next attempt starts at once).
    void restart() {
        boost::system::error_code ignored;
        tcp_layer().shutdown(tcp::socket::shutdown_both, ignored);
        lost("reconnecting");
    }

    void drop_socket() {
        open = false;
        ++generation;
        queued.clear();
        writing.clear();
        boost::system::error_code ignored;
        socket.close(ignored);
        if (tls) tls->next_layer().close(ignored);
    }

    void schedule_retry() {
        retry_timer.expires_after(backoff.next());
        retry_timer.async_wait([this](boost::system::error_code ec) {
            if (!ec && !closing) retry();
        });
    }

    void retry() {
        attempt([this](AttemptEnd end, const std::string&) {
            switch (end) {
                case AttemptEnd::Connected:
                    return established();
                case AttemptEnd::Failed:
                    return schedule_retry();
                case AttemptEnd::Refused:
                    return;  // the owner was told through accept_server and finishes
            }
        });
    }

    Start connect_first(std::string& error) {
        std::optional<AttemptEnd> end;
        attempt([&](AttemptEnd e, std::string why) {
            end = e;
            error = std::move(why);
        });
        // Nothing else is waiting on the loop yet: this runs only the attempt.
        while (!end && io.run_one() > 0) {
        }
        if (io.stopped()) io.restart();
        if (!end) {
            error = "the connection attempt stopped";
            return Start::Failed;
        }
        switch (*end) {
            case AttemptEnd::Connected:
                established();
                return Start::Connected;
            case AttemptEnd::Refused:
                return Start::Refused;
            case AttemptEnd::Failed:
                break;
        }
        return Start::Failed;
    }

    void close(std::function<void()> done) {
        if (closing) return;
        closing = true;
        on_closed = std::move(done);
        retry_timer.cancel();
        handshake_timer.cancel();
        resolver.cancel();
        if (!open || (writing.empty() && queued.empty())) return finish_close();
        write_next();  // finish_close() follows the last write
    }

    void finish_close() {
        if (open) {
            // No TLS close_notify: the server takes a TCP close as the end either way, and
            // waiting for its answer could hold the exit up.
            boost::system::error_code ignored;
            tcp_layer().shutdown(tcp::socket::shutdown_both, ignored);
        }
        drop_socket();
        if (on_closed) asio::post(io, std::exchange(on_closed, nullptr));
    }

    asio::io_context& io;
    std::string host;
    std::string service;
    Callbacks callbacks;
    std::unique_ptr<ssl::context> tls_context;  // null: plain TCP
    tcp::socket socket;                         // plain; before a handshake, the TCP layer
    std::unique_ptr<TlsStream> tls;             // owns the socket once TLS starts
    tcp::resolver resolver;
    asio::steady_timer retry_timer;
    asio::steady_timer handshake_timer;
    bool handshaking = false;
    bool handshake_timed_out = false;
    Backoff backoff;
    std::string read_buffer;
    std::string queued;   // frames waiting for the write in flight
    std::string writing;  // the write in flight
    bool open = false;
    bool closing = false;
    bool reconnect_now = false;    // asked by reconnect(): no backoff before the next try
    std::uint64_t generation = 0;  // handlers of a dropped connection see a newer one
    std::function<void()> on_closed;
};

ServerConnection::ServerConnection(asio::io_context& io, std::string host, std::uint16_t port,
                                   std::optional<TlsSettings> tls, Callbacks callbacks)
    : impl_(std::make_unique<Impl>(io, std::move(host), port, tls, std::move(callbacks))) {}

ServerConnection::~ServerConnection() = default;

ServerConnection::Start ServerConnection::connect(std::string& error) {
    return impl_->connect_first(error);
}

void ServerConnection::send(std::string frame) {
    if (!impl_->open || impl_->closing) return;
    impl_->queued += frame;
    impl_->write_next();
}

void ServerConnection::reconnect() {
    impl_->reconnect();
}

void ServerConnection::close(std::function<void()> done) {
    impl_->close(std::move(done));
}

}  // namespace hubchat::client
