// The command line: the original's `--machine-name:HOST --port:N --verbose:true|false` and
// the conventional `--host HOST --port N -v`, plus the scripting modes and TLS. The host
// may also be an address such as `hubchats://chat.lan:7002` (see server_address.hpp).
// Pure: it prints nothing, so the tests read what would be printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hubchat::client {

struct ClientOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 7002;
    bool verbose = false;
    std::string name;                            // --name: skip `Your name> `
    std::string to;                              // --to: where --send and plain lines go
    std::optional<std::string> send;             // --send TEXT: send one message, exit once acked
    bool listen = false;                         // --listen: print each message received
    bool json = false;                           // --json: with --listen, the raw JSON lines
    bool tls = false;                            // --tls or hubchats://
    std::optional<std::string> tls_fingerprint;  // --tls-fingerprint, normalised "AB:CD:..."
    std::optional<std::string> tls_ca;           // --tls-ca FILE
    std::optional<std::string> password_file;    // --password-file FILE: the name's password
    std::optional<std::string> server_password_file;  // --server-password-file FILE
    bool sign_up = false;  // --sign-up: the first hello creates the account (--password-file's)
};

struct ParsedOptions {
    ClientOptions options;
    std::optional<int> exit_code;  // set: do not run; exit with it (0 help/version, 2 misuse)
    std::string out;               // for stdout (help, version)
    std::string err;               // for stderr (one line saying what is wrong)
};

ParsedOptions parse_options(const std::vector<std::string>& args);  // args without argv[0]
ParsedOptions parse_options(int argc, const char* const* argv);

}  // namespace hubchat::client
