// TLS for the server: the certificate and key it presents (loaded from files, or a
// self-signed pair made on first start and kept in the data directory), reloadable while
// connections stay up. OpenSSL stays out of this header.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/socket.hpp"
#include "net/transport.hpp"

namespace hubchat::net {

class ConnectionTracker;

struct TlsFiles {
    std::filesystem::path certificate;  // PEM, leaf first, then any chain
    std::filesystem::path key;          // PEM private key
};

// Where a self-signed pair lives in the data directory.
TlsFiles self_signed_files(const std::filesystem::path& data_dir);

// Makes a self-signed ECDSA P-256 certificate and key at `files` unless both exist; the key
// file is created with mode 0600. Returns true when it made them. Throws
// std::runtime_error with a readable reason on failure.
bool ensure_self_signed(const TlsFiles& files, const std::string& common_name);

// SHA-256 of a PEM certificate file's DER form, as "AB:CD:...". Throws on failure.
std::string certificate_fingerprint(const std::filesystem::path& certificate);

class TlsServer {
  public:
    // Loads the pair; throws std::runtime_error saying what is wrong with which file.
    explicit TlsServer(TlsFiles files);
    ~TlsServer();
    TlsServer(const TlsServer&) = delete;
    TlsServer& operator=(const TlsServer&) = delete;

    const std::string& fingerprint() const { return fingerprint_; }
    // Reads the files again (SIGHUP). New connections get the new pair; connections already
    // up keep theirs. On failure keeps the old pair and returns what went wrong.
    std::optional<std::string> reload();

    // Runs the server side of a handshake on an accepted socket; `already_read` holds the
    // bytes the listener read while sniffing, which the handshake consumes first. Calls
    // `ready` with the secured transport, or not at all if the handshake fails or stalls.
    // The handshake is one of `tracker`'s connections while it runs, so a shutdown ends it
    // (it fails) rather than waiting for it to finish or time out.
    void accept(Socket socket, std::string_view already_read, ConnectionTracker& tracker,
                std::function<void(Transport)> ready) const;

    struct Context;  // the OpenSSL context, kept out of this header

  private:
    TlsFiles files_;
    std::shared_ptr<Context> context_;
    std::string fingerprint_;
};

}  // namespace hubchat::net
