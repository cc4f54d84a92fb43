// Reading what a loopback socket holds right now, for tests of the server's writes.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace hubchat::net {

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
