#include "client/options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/seed_args.hpp"

namespace hubchat::client {

ParsedClientOptions parse_client_options(int argc, const char* const* argv) {
    ParsedClientOptions parsed;
    auto& o = parsed.options;
    CLI::App app{
        "hubchat: terminal client for hubchat-server (and the original chat server).\n"
        "Also accepts the original's forms --machine-name:HOST --port:N --verbose:true|false.",
        "hubchat"};
    app.set_version_flag("--version", "hubchat " HUBCHAT_VERSION);
    app.add_option("--host,--machine-name", o.host, "Server address or name")
        ->capture_default_str();
    app.add_option("--port", o.port, "Server port")->capture_default_str();
    app.add_flag("-v,--verbose", o.verbose, "Show every frame sent and received");
    app.add_option("--name", o.name, "Your name (skips the prompt)");
    app.add_option("--to", o.to, "Recipient(s) for --send and for lines read from stdin");
    auto* send = app.add_option("--send", o.send, "Send one message and exit once accepted");
    auto* listen = app.add_flag("--listen", o.listen, "Print each message received");
    app.add_flag("--json", o.json, "With --listen: print the raw JSON lines");
    send->excludes(listen);

    // As in the original, a repeated option's last value wins.
    for (CLI::Option* option : app.get_options()) {
        option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }

    std::vector<std::string> args = cli::rewrite_seed_args(argc, argv);
    std::reverse(args.begin(), args.end());
    try {
        app.parse(args);
        o.has_send = send->count() > 0;
        if (o.has_send && (o.name.empty() || o.to.empty())) {
            throw CLI::ValidationError("--send needs --name and --to");
        }
        if (o.listen && o.name.empty()) throw CLI::ValidationError("--listen needs --name");
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        parsed.exit_code = 0;
    } catch (const CLI::CallForVersion&) {
        std::cout << "hubchat " HUBCHAT_VERSION "\n";
        parsed.exit_code = 0;
    } catch (const CLI::Error& e) {
        std::cerr << "hubchat: " << e.what() << " (see --help)\n";
        parsed.exit_code = 2;
    }
    return parsed;
}

}  // namespace hubchat::client
