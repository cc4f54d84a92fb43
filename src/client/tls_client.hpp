// The client's side of TLS on OpenSSL through Asio: the context (TLS 1.2 at least, 1.3
// when the server has it; the system's authorities or --tls-ca), the per-connection
// setup (SNI and the host name or address the certificate must name), and what the
// handshake showed of the server. Whether to go on is ServerTrust's decision, not made
// here: the handshake completes whatever the certificate, and nothing is sent before
// the decision. Included only by connection.cpp, as <boost/asio/ssl.hpp> pulls in OpenSSL.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <optional>
#include <string>

#include "client/server_trust.hpp"

namespace hubchat::client {

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// Throws std::runtime_error saying what is wrong (an unreadable --tls-ca file).
std::unique_ptr<boost::asio::ssl::context> make_client_tls_context(
    const std::optional<std::string>& ca_file);

// Before the handshake: names `host` for SNI and makes the authority check include that
// the certificate is for `host` (a DNS name or an IP address). Throws on OpenSSL failure.
void expect_server_name(TlsStream& stream, const std::string& host);

// After the handshake. nullopt if the server showed no certificate.
std::optional<PeerCertificate> peer_certificate(TlsStream& stream);

}  // namespace hubchat::client
