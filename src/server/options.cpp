#include "server/options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/seed_args.hpp"

namespace hubchat::server {

ParsedOptions parse_options(int argc, const char* const* argv) {
    ParsedOptions parsed;
    auto& config = parsed.config;
    CLI::App app{
        "hubchat-server: a small self-hosted chat hub.\n"
        "Also accepts the original's forms --machine-name:HOST --port:N --verbose:true|false.",
        "hubchat-server"};
    app.set_version_flag("--version", "hubchat-server " HUBCHAT_VERSION);
    app.add_option("--host,--machine-name", config.host,
                   "Address to listen on (IPv4 or IPv6; 0.0.0.0 or :: for every interface)")
        ->capture_default_str();
    app.add_option("--port", config.port, "TCP port (0 picks a free one)")->capture_default_str();
    app.add_flag("-v,--verbose", config.verbose, "Log connections and protocol traffic");
    app.add_option("--max-message", config.max_message, "Largest accepted frame in bytes")
        ->check(CLI::Range(std::size_t{256}, std::size_t{64} * 1024 * 1024))
        ->capture_default_str();
    app.add_option("--max-queue", config.max_queue,
                   "Output queue cap per connection in bytes; a client that falls further "
                   "behind is disconnected")
        ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 32))
        ->capture_default_str();

    app.add_option("--presence-limit", config.presence_limit,
                   "Rooms with more members than this do not announce joins and leaves")
        ->capture_default_str();

    // As in the original, a repeated option's last value wins.
    for (CLI::Option* option : app.get_options()) {
        option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }

    std::vector<std::string> args = cli::rewrite_seed_args(argc, argv);
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        parsed.exit_code = 0;
    } catch (const CLI::CallForVersion&) {
        std::cout << "hubchat-server " HUBCHAT_VERSION "\n";
        parsed.exit_code = 0;
    } catch (const CLI::ParseError& e) {
        std::cerr << "hubchat-server: " << e.what() << " (see --help)\n";
        parsed.exit_code = 2;
    }
    return parsed;
}

}  // namespace hubchat::server
