// Loopback sockets for tests of the server's reads and writes.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "net/socket.hpp"

namespace hubchat::net {

// Two ends of one loopback connection: `ours` for a Transport, `peer` for the test.
struct LoopbackPair {
    explicit LoopbackPair(boost::asio::io_context& io) : ours(io), peer(io) {
        using tcp = boost::asio::ip::tcp;
        tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
        peer.connect(acceptor.local_endpoint());
        acceptor.accept(ours);
    }
    Socket ours;
    boost::asio::ip::tcp::socket peer;
};

// The bytes waiting on `socket`, without waiting for more (the socket is made
// non-blocking). Loopback hands bytes over within the sender's call, so after a write
// returns this is everything it sent.
inline std::string available(boost::asio::ip::tcp::socket& socket) {
    socket.non_blocking(true);
    std::string bytes;
    char buffer[65536];
    boost::system::error_code ec;
    for (;;) {
        const std::size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
        if (ec) break;
        bytes.append(buffer, n);
    }
    return bytes;
}

}  // namespace hubchat::net
