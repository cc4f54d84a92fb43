// The Beast WebSocket stream behind WebSocketLayer, over a plain socket or over TLS, and
// the opening handshake that makes one out of an HTTP connection.
#include <boost/asio/post.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <string_view>

#include "net/blocking_worker.hpp"
#include "net/loop_activity.hpp"
#include "net/tls_layer.hpp"
#include "net/websocket_layer.hpp"
#include "net/websocket_upgrade.hpp"

namespace hubchat::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// Beast closes a WebSocket over TLS by shutting TLS down and then the stream under it,
// which it finds by these names; under our TLS is the socket that replays the sniffed
// bytes, and its end is the socket's.
template <typename TeardownHandler>
void async_teardown(beast::role_type role, PrefixedSocket& socket, TeardownHandler&& handler) {
    websocket::async_teardown(role, socket.socket(), std::forward<TeardownHandler>(handler));
}

void teardown(beast::role_type role, PrefixedSocket& socket, boost::system::error_code& ec) {
    websocket::teardown(role, socket.socket(), ec);
}

void beast_close_socket(PrefixedSocket& socket) {
    boost::system::error_code ignored;
    socket.socket().close(ignored);
}

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// What a client that sends binary messages is told in the close frame (at most 123 bytes).
constexpr std::string_view kBinaryRefused =
    "hubchat takes JSON objects in text messages, not binary messages";

// `Next` is the stream under the WebSocket: Socket, or a reference to the TLS stream of
// the TlsLayer kept in `tls_`.
template <typename Next>
class WebSocketStream final : public WebSocketLayer {
  public:
    template <typename NextArg>
    WebSocketStream(std::unique_ptr<TlsLayer> tls, NextArg&& next)
        : tls_(std::move(tls)), ws_(std::forward<NextArg>(next)) {}

    // Permessage-deflate stays off: compressed input could expand past every limit the
    // framer checks before the bytes reach it, and chat messages are short.
    using Stream = websocket::stream<Next, false>;
    Stream& ws() { return ws_; }

    bool secure() const override { return tls_ != nullptr; }
    Socket& socket() override { return tls_ ? tls_->socket() : plain_socket(); }
    const Socket& socket() const override {
        return tls_ ? tls_->socket() : const_cast<WebSocketStream*>(this)->plain_socket();
    }

    void read(std::shared_ptr<StreamUser> user) override {
        ws_.async_read_some(
            asio::buffer(buffer_.data(), kReadChunk),
            [this, user = std::move(user)](boost::system::error_code ec, std::size_t n) {
                on_read(user, ec, n);
            });
    }

    void write(std::span<const Frame> frames, std::shared_ptr<StreamUser> user) override {
        writing_ = frames;
        write_next(std::move(user));
    }

    void finish(std::shared_ptr<StreamUser> user) override {
        if (!ws_.is_open()) {  // closed by the peer or by us already
            return asio::post(ws_.get_executor(),
                              [user = std::move(user)] { user->on_finished(); });
        }
        // Sends the close frame and waits for the peer's (Beast bounds the wait with the
        // handshake timeout, the JSON adapter with its linger timer).
        ws_.async_close(
            websocket::close_code::normal,
            [user = std::move(user)](boost::system::error_code) { user->on_finished(); });
    }

  private:
    Socket& plain_socket() {
        if constexpr (std::is_same_v<Next, Socket>) {
            return ws_.next_layer();
        } else {
            return tls_->socket();  // not reached: TLS streams have tls_
        }
    }

    void on_read(const std::shared_ptr<StreamUser>& user, boost::system::error_code ec,
                 std::size_t n) {
        const loop_activity::ReadScope reading;
        // The peer's close frame has been answered: the end of input, as a FIN is.
        if (ec == websocket::error::closed) ec = asio::error::eof;
        if (ec) return user->on_read_done(ec);
        if (ws_.got_binary()) {
            // Refused with a close frame that says why; the JSON adapter sees the end.
            ws_.async_close(
                websocket::close_reason(websocket::close_code::unknown_data, kBinaryRefused),
                [user](boost::system::error_code) { user->on_read_done(asio::error::eof); });
            return;
        }
        // Every message ends with a newline, so a message that is not a JSON object is
        // skipped alone, as a bad line is on TCP, and the next message starts afresh.
        if (ws_.is_message_done()) buffer_[n++] = '\n';
        if (n > 0) user->on_bytes(std::string_view(buffer_.data(), n));
        user->on_read_done({});
        loop_activity::read_handled();
        BlockingWorker::take_ready_results();  // as after a plain read (transport.cpp)
    }

    void write_next(std::shared_ptr<StreamUser> user) {
        while (!writing_.empty()) {
            std::string_view text = *writing_.front();
            writing_ = writing_.subspan(1);
            if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
            if (text.empty()) continue;
            ws_.async_write(asio::buffer(text.data(), text.size()),
                            [this, user](boost::system::error_code ec, std::size_t) {
                                if (ec) return user->on_written(ec);
                                write_next(user);
                            });
            return;
        }
        user->on_written({});
    }

    std::unique_ptr<TlsLayer> tls_;  // before ws_, which may refer into it
    Stream ws_;
    std::span<const Frame> writing_;             // messages of the write in flight
    std::array<char, kReadChunk + 1> buffer_{};  // + 1: the newline after a message
};

template <typename Next>
void accept(std::unique_ptr<WebSocketStream<Next>> layer, AdmissionSlot slot,
            const HttpRequest& request, const WebSocketSettings& settings,
            std::function<void(Transport)> on_open) {
    auto& ws = layer->ws();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = settings.handshake_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();  // the JSON adapter pings
    timeouts.keep_alive_pings = false;
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set("Server", "hubchat"); }));
    ws.read_message_max(settings.max_message);
    ws.auto_fragment(false);
    ws.text(true);
    // Asio handlers must be copyable for std::function; the pieces travel in one holder.
    struct Pending {
        std::unique_ptr<WebSocketStream<Next>> layer;
        AdmissionSlot slot;
        std::function<void(Transport)> on_open;
    };
    auto pending =
        std::make_shared<Pending>(Pending{std::move(layer), std::move(slot), std::move(on_open)});
    ws.async_accept(request, [pending](boost::system::error_code ec) {
        if (ec) return;  // the layer, and with it the connection and its slot, go away
        Transport transport(std::unique_ptr<WebSocketLayer>(std::move(pending->layer)));
        transport.hold(std::move(pending->slot));
        pending->on_open(std::move(transport));
    });
}

}  // namespace

void upgrade_to_websocket(Transport transport, const HttpRequest& request,
                          const WebSocketSettings& settings,
                          std::function<void(Transport)> on_open) {
    AdmissionSlot slot = transport.take_slot();
    if (transport.secure()) {
        auto tls = transport.take_tls();
        auto& stream = tls->stream();
        using Next = asio::ssl::stream<PrefixedSocket>&;
        accept(std::make_unique<WebSocketStream<Next>>(std::move(tls), stream), std::move(slot),
               request, settings, std::move(on_open));
    } else {
        accept(std::make_unique<WebSocketStream<Socket>>(nullptr, transport.take_plain_socket()),
               std::move(slot), request, settings, std::move(on_open));
    }
}

}  // namespace hubchat::net
