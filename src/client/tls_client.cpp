#include "client/tls_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <stdexcept>

namespace hubchat::client {
namespace ssl = boost::asio::ssl;

std::unique_ptr<ssl::context> make_client_tls_context(const std::optional<std::string>& ca_file) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    // The highest version both sides have is chosen, so 1.3 whenever the server has it.
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    // A server that closes without close_notify has still said all it said: the end of
    // the stream, as over plain TCP, not a truncation error.
    SSL_CTX_set_options(native, SSL_OP_IGNORE_UNEXPECTED_EOF);
    boost::system::error_code ec;
    if (ca_file) {
        context->load_verify_file(*ca_file, ec);
        if (ec) throw std::runtime_error("cannot use --tls-ca " + *ca_file + ": " + ec.message());
    } else {
        // No system store is not fatal: every certificate then goes to first-use trust.
        context->set_default_verify_paths(ec);
    }
    // verify_none on a client still checks the chain and records the result for
    // SSL_get_verify_result(); the handshake just does not stop at a self-signed
    // certificate, which ServerTrust may then accept by its fingerprint.
    context->set_verify_mode(ssl::verify_none);
    return context;
}

void expect_server_name(TlsStream& stream, const std::string& host) {
    SSL* ssl_handle = stream.native_handle();
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (!ec) {
        // SNI carries names only; an address is checked against the IP entries.
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), host.c_str()) != 1) {
            throw std::runtime_error("cannot check the certificate against " + host);
        }
        return;
    }
    if (SSL_set_tlsext_host_name(ssl_handle, host.c_str()) != 1 ||
        SSL_set1_host(ssl_handle, host.c_str()) != 1) {
        throw std::runtime_error("cannot check the certificate against " + host);
    }
}

std::optional<PeerCertificate> peer_certificate(TlsStream& stream) {
    SSL* ssl_handle = stream.native_handle();
    X509* certificate = SSL_get0_peer_certificate(ssl_handle);
    if (certificate == nullptr) return std::nullopt;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) return std::nullopt;
    static constexpr char kHex[] = "0123456789ABCDEF";
    PeerCertificate peer;
    for (unsigned int i = 0; i < length; ++i) {
        if (i != 0) peer.fingerprint += ':';
        peer.fingerprint += kHex[digest[i] >> 4];
        peer.fingerprint += kHex[digest[i] & 0xF];
    }
    const long verdict = SSL_get_verify_result(ssl_handle);
    peer.authority_ok = verdict == X509_V_OK;
    if (!peer.authority_ok) peer.authority_issue = X509_verify_cert_error_string(verdict);
    return peer;
}

}  // namespace hubchat::client
