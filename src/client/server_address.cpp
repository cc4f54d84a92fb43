#include "client/server_address.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace hubchat::client {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
    unsigned value = 0;
    const auto* end = digits.data() + digits.size();
    const auto [stop, ec] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || ec != std::errc() || stop != end || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<ServerAddress> parse_server_address(std::string_view text, std::string& error) {
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        if (text.empty()) {
            error = "the server address is empty";
            return std::nullopt;
        }
        return ServerAddress{std::string(text), std::nullopt, std::nullopt};
    }
    ServerAddress address;
    const std::string scheme = lower(text.substr(0, scheme_end + 3));
    if (scheme == kTlsScheme) {
        address.tls = true;
    } else if (scheme == kPlainScheme) {
        address.tls = false;
    } else {
        error = "unknown scheme " + std::string(text.substr(0, scheme_end + 3)) + " in " +
                std::string(text) + " (hubchat:// or hubchats://)";
        return std::nullopt;
    }
    std::string_view rest = text.substr(scheme_end + 3);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);  // as browsers allow
    if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos) {
        error = std::string(text) + " has more than a host and a port";
        return std::nullopt;
    }

    std::string_view host = rest;
    std::string_view port;
    bool has_port = false;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) {
            error = "no ] after the IPv6 address in " + std::string(text);
            return std::nullopt;
        }
        host = rest.substr(1, close - 1);
        const std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                error = "only :PORT may follow ] in " + std::string(text);
                return std::nullopt;
            }
            port = after.substr(1);
            has_port = true;
        }
    } else if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
        if (rest.find(':', colon + 1) != std::string_view::npos) {
            // Which colon starts the port would be a guess.
            error = "an IPv6 address goes in brackets: " + std::string(text.substr(0, scheme_end)) +
                    "://[" + std::string(rest) + "]";
            return std::nullopt;
        }
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        has_port = true;
    }
    if (host.empty()) {
        error = "no host in " + std::string(text);
        return std::nullopt;
    }
    address.host = std::string(host);
    if (has_port) {
        address.port = parse_port(port);
        if (!address.port) {
            error = "the port in " + std::string(text) + " is not a number from 1 to 65535";
            return std::nullopt;
        }
    }
    return address;
}

std::string host_port_text(std::string_view host, std::uint16_t port) {
    const std::string name = lower(host);
    const bool ipv6 = name.find(':') != std::string::npos;
    return (ipv6 ? "[" + name + "]" : name) + ":" + std::to_string(port);
}

}  // namespace hubchat::client
