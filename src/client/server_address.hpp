// Where the server is, as given after --host / --machine-name:. A bare host (`chat.lan`,
// `10.0.0.2`, `::1`) is taken as the original took it; an address with a scheme also says
// whether the connection is encrypted and may carry the port: `hubchats://chat.lan:7002`
// (TLS), `hubchat://[::1]:7100` (plain). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hubchat::client {

inline constexpr std::string_view kTlsScheme = "hubchats://";
inline constexpr std::string_view kPlainScheme = "hubchat://";

struct ServerAddress {
    std::string host;                   // without brackets, even for IPv6
    std::optional<std::uint16_t> port;  // when the address names one
    std::optional<bool> tls;            // when a scheme says: true for hubchats://
};

// nullopt, with `error` saying what is wrong in one phrase, for a malformed address.
std::optional<ServerAddress> parse_server_address(std::string_view text, std::string& error);

// `host:port` as written in messages and in known_servers: IPv6 addresses in brackets,
// names in lower case (DNS does not tell case apart, so neither do the pins).
std::string host_port_text(std::string_view host, std::uint16_t port);

}  // namespace hubchat::client
