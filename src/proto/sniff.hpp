// Tells the protocol of a new connection from its first bytes, so one port serves them
// all. Pure function, so the decision is unit-tested without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hubchat::proto {

enum class Protocol : std::uint8_t {
    NeedMore,  // not enough bytes to decide yet
    Json,      // '{' after optional whitespace; also anything unrecognised (the JSON
               // adapter answers it with a clear bad_frame error)
    Tls,       // a TLS handshake record (0x16 0x03)
    Http,      // an HTTP request line (GET, HEAD, POST, ...)
    Irc,       // CAP, NICK, PASS, USER
};

// Longest prefix sniff() may need before it decides.
inline constexpr std::size_t kSniffBytes = 8;

Protocol sniff(std::string_view first_bytes);

const char* protocol_name(Protocol protocol);

}  // namespace hubchat::proto
