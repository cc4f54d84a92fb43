// hubchat: the terminal client.
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "client/app.hpp"
#include "client/options.hpp"

int main(int argc, char** argv) {
    auto parsed = hubchat::client::parse_client_options(argc, argv);
    if (parsed.exit_code) return *parsed.exit_code;
    int code = 0;
    {
        boost::asio::io_context io(1);
        hubchat::client::App app(io, std::move(parsed.options));
        code = app.run();
    }
    std::cout << std::flush;
    std::fflush(stdout);
    // A reader thread may still be blocked on piped stdin; leave without joining it.
    std::_Exit(code);
}
