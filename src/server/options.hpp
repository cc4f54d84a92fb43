#pragma once

#include <optional>
#include <string>

#include "net/server_config.hpp"

namespace hubchat::server {

// Parses the command line. On --help/--version prints and returns an exit code (0);
// on a bad option prints one line to stderr and returns exit code 2.
struct ParsedOptions {
    net::ServerConfig config;
    std::optional<int> exit_code;  // set: exit now with this code
};

ParsedOptions parse_options(int argc, const char* const* argv);

// $XDG_DATA_HOME/hubchat, else ~/.local/share/hubchat, else ./hubchat-data.
std::string default_data_dir();

}  // namespace hubchat::server
