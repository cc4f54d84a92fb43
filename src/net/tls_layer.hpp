// Internals of a TLS connection: Asio's ssl::stream over the accepted socket. Included only
// by the .cpp files that drive it, since <boost/asio/ssl.hpp> pulls in OpenSSL.
#pragma once

#include <array>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "net/socket.hpp"

namespace hubchat::net {

// A socket that first gives back the bytes the listener already read while sniffing, so
// the TLS handshake sees the ClientHello from its first byte.
class PrefixedSocket {
  public:
    using executor_type = Socket::executor_type;
    using lowest_layer_type = Socket::lowest_layer_type;

    PrefixedSocket(Socket socket, std::string_view prefix)
        : socket_(std::move(socket)), prefix_(prefix) {}

    executor_type get_executor() { return socket_.get_executor(); }
    lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
    const lowest_layer_type& lowest_layer() const { return socket_.lowest_layer(); }
    Socket& socket() { return socket_; }
    const Socket& socket() const { return socket_; }

    template <typename MutableBuffers, typename Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& into) {
                if (prefix_.empty()) {
                    socket_.async_read_some(into, std::move(handler));
                    return;
                }
                const std::size_t n = boost::asio::buffer_copy(into, boost::asio::buffer(prefix_));
                prefix_.erase(0, n);
                if (prefix_.empty()) std::string().swap(prefix_);
                // Completing later, never inside the initiating call, as Asio requires.
                boost::asio::post(
                    socket_.get_executor(),
                    boost::asio::append(std::move(handler), boost::system::error_code(), n));
            },
            token, buffers);
    }

    template <typename ConstBuffers, typename Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return socket_.async_write_some(buffers, std::forward<Token>(token));
    }

  private:
    Socket socket_;
    std::string prefix_;
};

class TlsLayer {
  public:
    TlsLayer(Socket socket, std::string_view prefix,
             std::shared_ptr<boost::asio::ssl::context> context)
        : context_(std::move(context)),
          stream_(PrefixedSocket(std::move(socket), prefix), *context_) {}

    boost::asio::ssl::stream<PrefixedSocket>& stream() { return stream_; }
    Socket& socket() { return stream_.next_layer().socket(); }
    const Socket& socket() const { return stream_.next_layer().socket(); }
    // Decrypted input lands here: an operation may finish filling it before its handler
    // runs, so it cannot be the buffer plain connections share.
    std::array<char, 16 * 1024>& read_buffer() { return read_buffer_; }

  private:
    std::shared_ptr<boost::asio::ssl::context> context_;  // a reload must not pull it away
    boost::asio::ssl::stream<PrefixedSocket> stream_;
    std::array<char, 16 * 1024> read_buffer_{};
};

}  // namespace hubchat::net
