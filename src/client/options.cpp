#include "client/options.hpp"

#include <CLI/CLI.hpp>

#include "cli/seed_args.hpp"

namespace hubchat::client {

namespace {

ParsedOptions parse_rewritten(const std::vector<std::string>& args) {
    ParsedOptions parsed;
    ClientOptions& o = parsed.options;
    CLI::App app{
        "hubchat: terminal client for hubchat-server.\n"
        "Also accepts the original client's forms --machine-name:HOST --port:N "
        "--verbose:true|false.",
        "hubchat"};
    app.set_version_flag("--version", "hubchat " HUBCHAT_VERSION);
    app.add_option("--host,--machine-name", o.host, "Server address or name (IPv4, IPv6 or DNS)")
        ->capture_default_str();
    app.add_option("--port", o.port, "Server port")
        ->capture_default_str()
        ->check(CLI::Range(1, 65535));
    app.add_flag("-v,--verbose", o.verbose, "Show every frame sent and received");
    app.add_option("--name", o.name, "Your name (skips the Your name> question)");
    app.add_option("--to", o.to, "Recipient(s) of --send and of plain lines read from stdin");
    auto* send = app.add_option("--send", o.send, "Send one message; exit 0 once the server acks");
    auto* listen = app.add_flag("--listen", o.listen, "Print each message received, one a line");
    auto* json = app.add_flag("--json", o.json, "With --listen: print the raw JSON lines");
    send->excludes(listen);
    json->needs(listen);

    // As in the original, a repeated option's last value wins.
    for (CLI::Option* option : app.get_options()) {
        option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }

    // CLI11 consumes a reversed vector.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
        if (o.send && (o.name.empty() || o.to.empty())) {
            throw CLI::ValidationError("--send needs --name and --to");
        }
        if (o.listen && o.name.empty()) throw CLI::ValidationError("--listen needs --name");
    } catch (const CLI::CallForHelp&) {
        parsed.out = app.help();
        parsed.exit_code = 0;
    } catch (const CLI::CallForVersion&) {
        parsed.out = "hubchat " HUBCHAT_VERSION "\n";
        parsed.exit_code = 0;
    } catch (const CLI::Error& e) {
        parsed.err = std::string("hubchat: ") + e.what() + " (see --help)\n";
        parsed.exit_code = 2;
    }
    return parsed;
}

}  // namespace

ParsedOptions parse_options(const std::vector<std::string>& args) {
    std::vector<const char*> argv{"hubchat"};
    for (const auto& arg : args) argv.push_back(arg.c_str());
    return parse_options(static_cast<int>(argv.size()), argv.data());
}

ParsedOptions parse_options(int argc, const char* const* argv) {
    // The original's `--option:value` forms become `--option=value` first.
    return parse_rewritten(cli::rewrite_seed_args(argc, argv));
}

}  // namespace hubchat::client
