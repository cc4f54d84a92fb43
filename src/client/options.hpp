#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hubchat::client {

struct ClientOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 7002;
    bool verbose = false;
    std::string name;  // --name: skip the name prompt
    std::string to;    // --to: where --send and plain stdin lines go
    std::string send;  // --send TEXT: send one message and exit
    bool has_send = false;
    bool listen = false;  // --listen: print what arrives
    bool json = false;    // --json: print raw JSON lines
};

struct ParsedClientOptions {
    ClientOptions options;
    std::optional<int> exit_code;  // set: exit now with this code
};

ParsedClientOptions parse_client_options(int argc, const char* const* argv);

}  // namespace hubchat::client
