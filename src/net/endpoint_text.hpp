// Addresses as people read them: 127.0.0.1:7002, [::1]:7002.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "net/socket.hpp"

namespace hubchat::net {

inline std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    const std::string host =
        address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

// The peer of a connected socket, or "?" once it is gone.
inline std::string peer_text(const Socket& socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    return ec ? std::string("?") : endpoint_text(remote);
}

}  // namespace hubchat::net
