// The HTTP adapter: the same port as the JSON protocol also serves the browser page, a
// health check, and a WebSocket that carries the JSON protocol (docs/PROTOCOL.md,
// "WebSocket"). Beast stays in http_session.cpp.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/connection_tracker.hpp"
#include "net/server_config.hpp"
#include "net/transport.hpp"

namespace hubchat::net {

struct HttpContext {
    const ServerConfig& config;
    ConnectionTracker& tracker;
    // Takes a WebSocket Transport once the upgrade is done (main.cpp makes a JsonSession).
    std::function<void(Transport)> on_websocket;
};

// Serves HTTP on `transport`, starting with the bytes the listener already read.
void serve_http(Transport transport, std::string_view first_bytes, const HttpContext& context);

// Whether a WebSocket upgrade's Origin may open a socket: absent (not a browser), the
// origin of the page this server served (`scheme://host`, scheme by the connection, host
// from the Host header), or one of `allowed` (docs/SECURITY.md, "The browser page").
bool websocket_origin_allowed(std::string_view origin, std::string_view host, bool secure,
                              const std::vector<std::string>& allowed);

}  // namespace hubchat::net
