// The client's runtime: one Asio event loop on one thread drives the server connection,
// the terminal (or piped stdin), the signals and the reconnection timer, and hands what
// happens to the Session for the chosen mode.
#pragma once

#include "client/options.hpp"

namespace hubchat::client {

// Runs until the user quits or the one-shot mode is done; returns the exit code.
int run_client(const ClientOptions& options);

}  // namespace hubchat::client
