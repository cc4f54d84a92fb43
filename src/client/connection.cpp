#include "client/connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <utility>

#include "client/backoff.hpp"

namespace hubchat::client {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A server line longer than this is not the protocol's (frames are at most 64 KiB of
// JSON by default, with every character possibly escaped): drop the connection rather
// than grow without bound.
constexpr std::size_t kMaxLineBytes = 8 * 1024 * 1024;

std::string describe(const boost::system::error_code& ec) {
    if (ec == asio::error::eof) return "the server closed the connection";
    if (ec == asio::error::not_found) return "the server sent a line too long to be ours";
    return ec.message();
}

}  // namespace

struct ServerConnection::Impl {
    Impl(asio::io_context& io, std::string host, std::uint16_t port, Callbacks callbacks)
        : io(io),
          host(std::move(host)),
          service(std::to_string(port)),
          callbacks(std::move(callbacks)),
          socket(io),
          resolver(io),
          retry_timer(io) {}

    void established() {
        open = true;
        backoff.reset();
        read_buffer.clear();
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // chat lines are small and urgent
        read_next();
        callbacks.connected();
    }

    void read_next() {
        asio::async_read_until(
            socket, asio::dynamic_buffer(read_buffer, kMaxLineBytes), '\n',
            [this, gen = generation](boost::system::error_code ec, std::size_t n) {
                if (gen != generation) return;  // an older connection's
                if (ec) return lost(describe(ec));
                std::string line = read_buffer.substr(0, n - 1);
                read_buffer.erase(0, n);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                callbacks.line(line);
                if (gen == generation && open) read_next();
            });
    }

    // One write in flight; whatever is queued meanwhile leaves in the next one.
    void write_next() {
        if (!writing.empty() || queued.empty() || !open) return;
        writing.swap(queued);
        asio::async_write(socket, asio::buffer(writing),
                          [this, gen = generation](boost::system::error_code ec, std::size_t) {
                              if (gen != generation) return;
                              writing.clear();
                              if (ec) return lost(describe(ec));
                              if (!queued.empty()) return write_next();
                              if (closing) finish_close();
                          });
    }

    void lost(const std::string& why) {
        if (!open) return;
        drop_socket();
        callbacks.lost(why);
        if (closing) return finish_close();
        schedule_retry();
    }

    void drop_socket() {
        open = false;
        ++generation;
        queued.clear();
        writing.clear();
        boost::system::error_code ignored;
        socket.close(ignored);
    }

    void schedule_retry() {
        retry_timer.expires_after(backoff.next());
        retry_timer.async_wait([this](boost::system::error_code ec) {
            if (!ec && !closing) retry();
        });
    }

    void retry() {
        resolver.async_resolve(
            host, service, [this](boost::system::error_code ec, tcp::resolver::results_type found) {
                if (closing) return;
                if (ec) return schedule_retry();
                socket = tcp::socket(io);
                asio::async_connect(
                    socket, found,
                    [this](boost::system::error_code connect_ec, const tcp::endpoint&) {
                        if (closing) return;
                        if (connect_ec) return schedule_retry();
                        established();
                    });
            });
    }

    void close(std::function<void()> done) {
        if (closing) return;
        closing = true;
        on_closed = std::move(done);
        retry_timer.cancel();
        resolver.cancel();
        if (!open || (writing.empty() && queued.empty())) return finish_close();
        write_next();  // finish_close() follows the last write
    }

    void finish_close() {
        if (open) {
            boost::system::error_code ignored;
            socket.shutdown(tcp::socket::shutdown_both, ignored);
        }
        drop_socket();
        if (on_closed) asio::post(io, std::exchange(on_closed, nullptr));
    }

    asio::io_context& io;
    std::string host;
    std::string service;
    Callbacks callbacks;
    tcp::socket socket;
    tcp::resolver resolver;
    asio::steady_timer retry_timer;
    Backoff backoff;
    std::string read_buffer;
    std::string queued;   // frames waiting for the write in flight
    std::string writing;  // the write in flight
    bool open = false;
    bool closing = false;
    std::uint64_t generation = 0;  // handlers of a dropped connection see a newer one
    std::function<void()> on_closed;
};

ServerConnection::ServerConnection(asio::io_context& io, std::string host, std::uint16_t port,
                                   Callbacks callbacks)
    : impl_(std::make_unique<Impl>(io, std::move(host), port, std::move(callbacks))) {}

ServerConnection::~ServerConnection() = default;

bool ServerConnection::connect(std::string& error) {
    boost::system::error_code ec;
    const auto endpoints = impl_->resolver.resolve(impl_->host, impl_->service, ec);
    if (!ec) asio::connect(impl_->socket, endpoints, ec);
    if (ec) {
        error = ec.message();
        return false;
    }
    impl_->established();
    return true;
}

void ServerConnection::send(std::string frame) {
    if (!impl_->open || impl_->closing) return;
    impl_->queued += frame;
    impl_->write_next();
}

void ServerConnection::close(std::function<void()> done) {
    impl_->close(std::move(done));
}

}  // namespace hubchat::client
