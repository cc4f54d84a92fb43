// The byte stream under a protocol adapter: a plain TCP socket, TLS over one, or a
// WebSocket over either. Adapters (JSON, HTTP, IRC) speak to this one type, so each of them
// works over TLS, and the JSON adapter over a WebSocket, without knowing it. The TLS and
// WebSocket machinery lives behind pointers, so this header stays free of OpenSSL and
// Beast, and a plain connection pays one pointer for them.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "net/admission_slot.hpp"
#include "net/frame.hpp"
#include "net/socket.hpp"

namespace hubchat::net {

class TlsLayer;
class WebSocketLayer;

// Whoever reads from or writes to a Transport. Every call happens on the event loop, after
// the operation that asked for it; the Transport holds a shared_ptr to its user meanwhile.
class StreamUser {
  public:
    virtual ~StreamUser() = default;
    // Bytes arrived; the view is valid during the call only. Return false to stop reading
    // for now (on_read_done follows).
    virtual bool on_bytes(std::string_view bytes) = 0;
    // The read that read() started is over: `ec` is empty when the user may simply call
    // read() again, eof when the peer closed, or an error.
    virtual void on_read_done(boost::system::error_code ec) = 0;
    virtual void on_written(boost::system::error_code) {}
    // finish() is done: what was written has been handed to the peer, close now.
    virtual void on_finished() {}
};

class Transport {
  public:
    explicit Transport(Socket socket);
    explicit Transport(std::unique_ptr<TlsLayer> tls);
    explicit Transport(std::unique_ptr<WebSocketLayer> websocket);
    Transport(Transport&&) noexcept;
    Transport& operator=(Transport&&) noexcept;
    ~Transport();

    // Encrypted: TLS, or a WebSocket over TLS.
    bool secure() const;
    bool websocket() const {
        return std::holds_alternative<std::unique_ptr<WebSocketLayer>>(layer_);
    }
    // The TCP socket at the bottom, for addresses and socket options.
    Socket& socket();
    const Socket& socket() const;
    boost::asio::any_io_executor executor() { return socket().get_executor(); }
    std::string peer_text() const;  // "127.0.0.1:50412", "?" once gone

    // Waits for input and hands what is there to user->on_bytes, then calls on_read_done.
    // One read at a time. A WebSocket hands over text messages' payloads, each followed
    // by a newline, the frame separator of the JSON protocol. A plain socket is read into a buffer
    // shared by every connection on this thread, so an idle connection owns no read buffer.
    void read(std::shared_ptr<StreamUser> user);
    // Most frames a plain socket's write hands the kernel in one system call (more take
    // several); sessions write this many at a time.
    static constexpr std::size_t kMaxFramesPerWrite = 256;  // Linux takes up to IOV_MAX (1024)
    // Writes all of `frames` (which must stay valid), gathered: on a plain socket up to
    // kMaxFramesPerWrite frames per system call, as many as the kernel takes; then calls
    // user->on_written (never from inside write()). A WebSocket sends each frame as one text
    // message, without its trailing newline.
    void write(std::span<const Frame> frames, std::shared_ptr<StreamUser> user);
    // The same for raw bytes (HTTP responses); not over a WebSocket.
    void write(std::span<const boost::asio::const_buffer> buffers,
               std::shared_ptr<StreamUser> user);
    // Ends politely once everything is written: a WebSocket close frame, TLS close_notify,
    // TCP half-close, unread
    // input discarded (closing with unread bytes would send a reset that can destroy our
    // last frames before the peer reads them); then user->on_finished.
    void finish(std::shared_ptr<StreamUser> user);
    void close();
    // The plain socket, for wrapping in TLS or a WebSocket; the Transport is empty
    // afterwards.
    Socket take_plain_socket();
    // The TLS stream, for wrapping in a WebSocket; the Transport is empty afterwards.
    std::unique_ptr<TlsLayer> take_tls();

    // The connection's admission slot rides along, given back when the Transport dies.
    void hold(AdmissionSlot slot) { slot_ = std::move(slot); }
    AdmissionSlot take_slot() { return std::move(slot_); }

  private:
    std::variant<Socket, std::unique_ptr<TlsLayer>, std::unique_ptr<WebSocketLayer>> layer_;
    AdmissionSlot slot_;
};

}  // namespace hubchat::net
