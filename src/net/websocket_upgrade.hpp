// Turns an HTTP connection into a WebSocket Transport. Includes Beast's HTTP message types:
// only the HTTP adapter and the WebSocket code include it.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <cstddef>
#include <functional>

#include "net/transport.hpp"

namespace hubchat::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::empty_body>;

struct WebSocketSettings {
    // Largest message taken in; the JSON framer behind refuses anything over the frame
    // limit with a too_large error long before this, so it is only a backstop.
    std::size_t max_message = 0;
    // Bounds the opening and the closing handshakes.
    std::chrono::seconds handshake_timeout{10};
};

// Answers the upgrade `request` (already checked: path, Origin) on `transport`, then
// hands the WebSocket Transport, carrying the connection's admission slot, to `on_open`.
// A failed handshake just closes the connection.
void upgrade_to_websocket(Transport transport, const HttpRequest& request,
                          const WebSocketSettings& settings,
                          std::function<void(Transport)> on_open);

}  // namespace hubchat::net
