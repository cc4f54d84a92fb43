// A WebSocket under a Transport, seen without Beast: the JSON adapter reads and writes
// through this interface, and only websocket_layer.cpp knows the Beast stream behind it
// (over a plain socket or over TLS). See websocket_upgrade.hpp for how one is made.
#pragma once

#include <boost/asio/buffer.hpp>
#include <memory>
#include <span>

#include "net/frame.hpp"
#include "net/socket.hpp"

namespace hubchat::net {

class StreamUser;

class WebSocketLayer {
  public:
    virtual ~WebSocketLayer() = default;

    virtual bool secure() const = 0;  // over TLS
    virtual Socket& socket() = 0;     // the TCP socket at the bottom
    virtual const Socket& socket() const = 0;
    // The Transport operations of the same names (transport.hpp).
    virtual void read(std::shared_ptr<StreamUser> user) = 0;
    virtual void write(std::span<const Frame> frames, std::shared_ptr<StreamUser> user) = 0;
    virtual void finish(std::shared_ptr<StreamUser> user) = 0;
};

}  // namespace hubchat::net
