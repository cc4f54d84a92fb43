#include "net/transport.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <array>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <new>
#include <utility>
#include <vector>

#include "net/blocking_worker.hpp"
#include "net/drained_read_wait.hpp"
#include "net/endpoint_text.hpp"
#include "net/loop_activity.hpp"
#include "net/send_batch.hpp"
#include "net/tls_layer.hpp"
#include "net/websocket_layer.hpp"
#include "net/write_batch.hpp"

namespace hubchat::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// Reads per wake-up before yielding to other connections.
constexpr int kReadsPerWakeup = 4;

// Every plain connection on this thread reads into this one buffer, so an idle connection
// owns no read buffer; bytes of an unfinished frame are kept by the adapter's framer.
std::array<char, kReadChunk>& shared_read_buffer() {
    thread_local std::array<char, kReadChunk> buffer;
    return buffer;
}

// Allocates an operation at its own size. Asio's default recycles the block of the
// operation that finished last on this thread, so the wait every idle connection keeps
// pending would sit in a block sized for the (much larger) accept that preceded it:
// about 100 bytes more per idle connection.
template <typename T>
struct ExactSizeAllocator {
    using value_type = T;
    ExactSizeAllocator() = default;
    template <typename U>
    ExactSizeAllocator(const ExactSizeAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
    template <typename U>
    bool operator==(const ExactSizeAllocator<U>&) const noexcept {
        return true;
    }
};

// The socket whose reader, running now, drained it before handing over: its next wait
// needs no re-arming.
class DrainedSocket {
  public:
    explicit DrainedSocket(const Socket* socket) : previous_(current_) { current_ = socket; }
    ~DrainedSocket() { current_ = previous_; }
    DrainedSocket(const DrainedSocket&) = delete;
    DrainedSocket& operator=(const DrainedSocket&) = delete;
    static bool is(const Socket& socket) { return current_ == &socket; }

  private:
    static thread_local const Socket* current_;
    const Socket* previous_;
};

thread_local const Socket* DrainedSocket::current_ = nullptr;

}  // namespace

Transport::Transport(Socket socket) : layer_(std::move(socket)) {}
Transport::Transport(std::unique_ptr<TlsLayer> tls) : layer_(std::move(tls)) {}
Transport::Transport(std::unique_ptr<WebSocketLayer> websocket) : layer_(std::move(websocket)) {}
Transport::Transport(Transport&&) noexcept = default;
Transport& Transport::operator=(Transport&&) noexcept = default;
Transport::~Transport() = default;

bool Transport::secure() const {
    if (const auto* ws = std::get_if<std::unique_ptr<WebSocketLayer>>(&layer_)) {
        return (*ws)->secure();
    }
    return std::holds_alternative<std::unique_ptr<TlsLayer>>(layer_);
}

Socket& Transport::socket() {
    if (auto* ws = std::get_if<std::unique_ptr<WebSocketLayer>>(&layer_)) return (*ws)->socket();
    if (auto* tls = std::get_if<std::unique_ptr<TlsLayer>>(&layer_)) return (*tls)->socket();
    return std::get<Socket>(layer_);
}

const Socket& Transport::socket() const {
    if (const auto* ws = std::get_if<std::unique_ptr<WebSocketLayer>>(&layer_)) {
        return (*ws)->socket();
    }
    if (const auto* tls = std::get_if<std::unique_ptr<TlsLayer>>(&layer_)) {
        return (*tls)->socket();
    }
    return std::get<Socket>(layer_);
}

std::string Transport::peer_text() const {
    return net::peer_text(socket());
}

void Transport::read(std::shared_ptr<StreamUser> user) {
    if (auto* ws = std::get_if<std::unique_ptr<WebSocketLayer>>(&layer_)) {
        return (*ws)->read(std::move(user));
    }
    if (auto* tls = std::get_if<std::unique_ptr<TlsLayer>>(&layer_)) {
        TlsLayer& layer = **tls;
        layer.stream().async_read_some(
            asio::buffer(layer.read_buffer()),
            [&layer, user = std::move(user)](boost::system::error_code ec, std::size_t n) {
                const loop_activity::ReadScope reading;
                // A peer that closes without close_notify has still said all it said.
                if (ec == asio::ssl::error::stream_truncated) ec = asio::error::eof;
                if (ec) return user->on_read_done(ec);
                user->on_bytes(std::string_view(layer.read_buffer().data(), n));
                user->on_read_done({});
                loop_activity::read_handled();
                BlockingWorker::take_ready_results();
            });
        return;
    }
    // Plain TCP: wait for readiness, then read without blocking into the shared buffer.
    auto& socket = std::get<Socket>(layer_);
    if (!socket.non_blocking()) {
        boost::system::error_code ignored;
        socket.non_blocking(true, ignored);
    }
    auto on_readable = [&socket, user = std::move(user)](boost::system::error_code ec) {
        const loop_activity::ReadScope reading;
        if (ec) return user->on_read_done(ec);
        auto& buffer = shared_read_buffer();
        bool drained = false;
        for (int round = 0; round < kReadsPerWakeup; ++round) {
            boost::system::error_code read_ec;
            const std::size_t n = socket.read_some(asio::buffer(buffer), read_ec);
            if (read_ec == asio::error::would_block) {
                drained = true;
                break;
            }
            if (read_ec) return user->on_read_done(read_ec);
            drained = n < buffer.size();
            if (!user->on_bytes(std::string_view(buffer.data(), n))) break;
            if (drained) break;
        }
        {
            // The user reads again from inside on_read_done or not until later; only the
            // first may skip re-arming (drained_read_wait.hpp).
            const DrainedSocket note(drained ? &socket : nullptr);
            user->on_read_done({});
        }
        // Here, between two handlers, nothing of the hub is on the stack: a finished
        // history write is delivered now rather than at the end of the loop's turn.
        loop_activity::read_handled();
        BlockingWorker::take_ready_results();
    };
    auto handler = asio::bind_allocator(ExactSizeAllocator<void>(), std::move(on_readable));
    if (DrainedSocket::is(socket)) {
        async_wait_readable_after_drain(socket, std::move(handler));
    } else {
        socket.async_wait(Socket::wait_read, std::move(handler));
    }
}

namespace {

template <typename Buffers>
void write_plain_or_tls(
    std::variant<Socket, std::unique_ptr<TlsLayer>, std::unique_ptr<WebSocketLayer>>& layer,
    const Buffers& buffers, std::shared_ptr<StreamUser> user) {
    auto done = [user = std::move(user)](boost::system::error_code ec, std::size_t) {
        user->on_written(ec);
    };
    if (auto* tls = std::get_if<std::unique_ptr<TlsLayer>>(&layer)) {
        asio::async_write((*tls)->stream(), buffers, std::move(done));
    } else {
        asio::async_write(std::get<Socket>(layer), buffers, std::move(done));
    }
}

// Writes frames to a plain socket with one sendmsg for up to kMaxFramesPerWrite, as much
// as the kernel takes, and the rest once the socket is writable again. asio::async_write
// passes at most 16 buffers per system call (its consuming_buffers) and async_write_some
// 64, so a connection's queue left in many small writes, each a TCP segment that the
// receiver wakes up for: in a busy room, most of the server's time. While a WriteBatch is
// open the write waits in HeldWrites, and its first system call is made with the others'.
class GatheredWrite {
  public:
    GatheredWrite(Socket& socket, std::span<const Frame> frames, std::shared_ptr<StreamUser> user)
        : socket_(&socket), frames_(frames), user_(std::move(user)) {}

    void run();  // now, or at the end of the thread's WriteBatch

    void send_now() {
        for (;;) {
            std::array<iovec, Transport::kMaxFramesPerWrite> parts;
            const auto [count, offered] = gather(parts);
            msghdr message{};
            message.msg_iov = parts.data();
            message.msg_iovlen = count;
            SendRequest request{socket_->native_handle(), &message};
            send_all(std::span(&request, 1));
            if (!after_send(request.result, offered)) return;
        }
    }

    // The next system call's pieces: {how many, their bytes}.
    std::pair<std::size_t, std::size_t> gather(std::span<iovec> parts) const {
        std::size_t count = 0;
        std::size_t offered = 0;
        for (; count < frames_.size() && count < parts.size(); ++count) {
            const std::string_view frame = *frames_[count];
            const std::size_t skip = count == 0 ? skip_ : 0;
            parts[count] = {const_cast<char*>(frame.data() + skip), frame.size() - skip};
            offered += frame.size() - skip;
        }
        return {count, offered};
    }
    std::size_t pieces() const { return std::min(frames_.size(), Transport::kMaxFramesPerWrite); }
    int fd() const { return socket_->native_handle(); }

    // What a system call that was offered `offered` bytes did (bytes taken, or -errno).
    // True when more should be sent now; otherwise this write is over or waits, and may
    // have moved itself away.
    bool after_send(long result, std::size_t offered) {
        if (result < 0) {
            if (result == -EINTR) return true;
            if (result == -EAGAIN || result == -EWOULDBLOCK) {
                wait_writable();
                return false;
            }
            finish(boost::system::error_code(static_cast<int>(-result),
                                             boost::system::system_category()));
            return false;
        }
        const auto sent = static_cast<std::size_t>(result);
        advance(sent);
        if (frames_.empty()) {
            finish({});
            return false;
        }
        // The kernel took part of what it was offered: its buffer is full, and trying
        // again now would only be told so.
        if (sent < offered) {
            wait_writable();
            return false;
        }
        return true;
    }

  private:
    // Past every frame the kernel took whole, and into the one it stopped inside.
    void advance(std::size_t sent) {
        while (!frames_.empty() && sent >= frames_.front()->size() - skip_) {
            sent -= frames_.front()->size() - skip_;
            frames_ = frames_.subspan(1);
            skip_ = 0;
        }
        skip_ += sent;
    }

    void wait_writable() {
        Socket& socket = *socket_;
        socket.async_wait(Socket::wait_write,
                          [write = std::move(*this)](boost::system::error_code ec) mutable {
                              if (ec) return write.user_->on_written(ec);
                              write.send_now();
                          });
    }

    // Never from inside Transport::write: the user may be in the middle of its own call.
    void finish(boost::system::error_code ec);

    Socket* socket_;
    std::span<const Frame> frames_;  // not yet written, from skip_ into the first
    std::size_t skip_ = 0;
    std::shared_ptr<StreamUser> user_;
};

// The writes held by this thread's open WriteBatch.
class HeldWrites {
  public:
    bool open() const { return depth_ > 0; }
    void enter() { ++depth_; }
    void leave() {
        if (--depth_ == 0 && !held_.writes.empty()) send(held_);
    }
    void hold(GatheredWrite write) { held_.writes.push_back(std::move(write)); }

    // While a batch's answers are handed out, the writes that finish are collected here;
    // their users are told when the batch ends (see send()).
    using Finished = std::vector<std::pair<std::shared_ptr<StreamUser>, boost::system::error_code>>;
    Finished* finishing() const { return finishing_; }

  private:
    struct Batch {
        std::vector<GatheredWrite> writes;
        std::vector<iovec> parts;
        std::vector<msghdr> messages;
        std::vector<SendRequest> requests;
        std::vector<std::size_t> offered;
    };

    // Works on its own copy of the batch, so that held_ is empty while the users are told:
    // what they do then (on_written) may start writes, and a batch opened there would
    // hold them in held_.
    void send(Batch& held) {
        Batch batch;
        std::swap(batch, held);
        auto& writes = batch.writes;
        std::size_t total_pieces = 0;
        for (const GatheredWrite& write : writes) total_pieces += write.pieces();
        batch.parts.resize(total_pieces);
        batch.messages.assign(writes.size(), msghdr{});
        batch.requests.resize(writes.size());
        batch.offered.resize(writes.size());
        std::size_t next_part = 0;
        for (std::size_t i = 0; i < writes.size(); ++i) {
            const auto [count, offered] =
                writes[i].gather(std::span(batch.parts).subspan(next_part, writes[i].pieces()));
            batch.messages[i].msg_iov = batch.parts.data() + next_part;
            batch.messages[i].msg_iovlen = count;
            batch.requests[i] = {writes[i].fd(), &batch.messages[i]};
            batch.offered[i] = offered;
            next_part += count;
        }
        send_all(batch.requests);
        Finished finished;
        Finished* const outer = std::exchange(finishing_, &finished);
        for (std::size_t i = 0; i < writes.size(); ++i) {
            if (writes[i].after_send(batch.requests[i].result, batch.offered[i])) {
                writes[i].send_now();
            }
        }
        finishing_ = outer;
        // Told here, at the end of the batch, rather than by a handler posted for each:
        // a connection is done writing before the loop reads again, so what the next
        // reads bring it goes out in the next turn's batch, not in a write of its own
        // started from a late on_written. (No user is inside its own call now: batches
        // are opened only by the flush, between handlers.)
        for (const auto& [user, ec] : finished) user->on_written(ec);
        writes.clear();
        // The vectors' memory is kept for the next batch, unless a crowd made them large.
        if (held.writes.empty() && writes.capacity() <= kKeptCapacity &&
            batch.parts.capacity() <= kKeptCapacity) {
            std::swap(batch, held);
        }
    }

    static constexpr std::size_t kKeptCapacity = 4096;
    int depth_ = 0;
    Batch held_;
    Finished* finishing_ = nullptr;
};

HeldWrites& held_writes() {
    thread_local HeldWrites writes;
    return writes;
}

void GatheredWrite::finish(boost::system::error_code ec) {
    if (HeldWrites::Finished* finished = held_writes().finishing()) {
        finished->emplace_back(std::move(user_), ec);
        return;
    }
    asio::post(socket_->get_executor(), [user = std::move(user_), ec] { user->on_written(ec); });
}

// Every send is made with MSG_DONTWAIT, so the socket itself may stay blocking.
void GatheredWrite::run() {
    HeldWrites& held = held_writes();
    if (held.open()) return held.hold(std::move(*this));
    send_now();
}

}  // namespace

void Transport::write(std::span<const Frame> frames, std::shared_ptr<StreamUser> user) {
    if (auto* ws = std::get_if<std::unique_ptr<WebSocketLayer>>(&layer_)) {
        return (*ws)->write(frames, std::move(user));
    }
    if (auto* tls = std::get_if<std::unique_ptr<TlsLayer>>(&layer_); tls && frames.size() > 1) {
        // SSL_write takes one buffer, so Asio makes each frame a TLS record of its own, sent
        // by a system call of its own. Copied into one buffer, a write takes as few records
        // (up to 16 KiB each) and system calls as its bytes need.
        auto gathered = std::make_shared<std::string>();
        gathered->reserve(asio::buffer_size(FrameBuffers(frames)));
        for (const Frame& frame : frames) gathered->append(*frame);
        const auto bytes = asio::buffer(*gathered);
        asio::async_write((*tls)->stream(), bytes,
                          [gathered = std::move(gathered), user = std::move(user)](
                              boost::system::error_code ec, std::size_t) { user->on_written(ec); });
        return;
    }
    if (auto* socket = std::get_if<Socket>(&layer_)) {
        return GatheredWrite(*socket, frames, std::move(user)).run();
    }
    write_plain_or_tls(layer_, FrameBuffers(frames), std::move(user));
}

WriteBatch::WriteBatch() {
    held_writes().enter();
}

WriteBatch::~WriteBatch() {
    held_writes().leave();
}

void Transport::write(std::span<const asio::const_buffer> buffers,
                      std::shared_ptr<StreamUser> user) {
    write_plain_or_tls(layer_, buffers, std::move(user));
}

void Transport::finish(std::shared_ptr<StreamUser> user) {
    if (auto* ws = std::get_if<std::unique_ptr<WebSocketLayer>>(&layer_)) {
        return (*ws)->finish(std::move(user));
    }
    if (auto* tls = std::get_if<std::unique_ptr<TlsLayer>>(&layer_)) {
        // Sends close_notify and waits for the peer's; a peer that just closes ends it too,
        // and the caller's linger timer bounds a peer that does neither.
        (*tls)->stream().async_shutdown(
            [user = std::move(user)](boost::system::error_code) { user->on_finished(); });
        return;
    }
    auto& socket = std::get<Socket>(layer_);
    boost::system::error_code ec;
    socket.shutdown(Socket::shutdown_send, ec);
    if (!socket.non_blocking()) socket.non_blocking(true, ec);  // an ioctl each time it is set
    auto& buffer = shared_read_buffer();
    while (!ec) socket.read_some(asio::buffer(buffer), ec);
    user->on_finished();
}

Socket Transport::take_plain_socket() {
    return std::move(std::get<Socket>(layer_));
}

std::unique_ptr<TlsLayer> Transport::take_tls() {
    return std::move(std::get<std::unique_ptr<TlsLayer>>(layer_));
}

void Transport::close() {
    boost::system::error_code ignored;
    socket().close(ignored);
}

}  // namespace hubchat::net
