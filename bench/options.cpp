#include "options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

namespace hubchat::bench {

std::string_view to_string(Protocol protocol) {
    switch (protocol) {
        case Protocol::json:
            return "json";
        case Protocol::irc:
            return "irc";
        case Protocol::original:
            return "original";
    }
    return "?";
}

std::string_view to_string(Scenario scenario) {
    switch (scenario) {
        case Scenario::idle:
            return "idle";
        case Scenario::broadcast:
            return "broadcast";
        case Scenario::direct:
            return "direct";
        case Scenario::churn:
            return "churn";
    }
    return "?";
}

namespace {

// Checks that need several options at once; CLI11 validators see one value.
std::optional<std::string> check_consistency(const BenchOptions& options) {
    if (options.clients < 1) return "--clients must be at least 1";
    if (options.scenario == Scenario::broadcast) {
        if (options.senders < 1 || options.senders > options.clients)
            return "--senders must be between 1 and --clients";
        if (options.protocol == Protocol::irc && options.clients < 2)
            return "broadcast over IRC needs at least 2 clients (no echo to the sender)";
        if (static_cast<double>(options.clients) * options.senders > 200e6)
            return "--clients x --senders is too large to track every sender per recipient";
    }
    if (options.scenario == Scenario::direct && options.clients % 2 != 0)
        return "direct pairs clients up: --clients must be even";
    // Original-dialect users cannot join rooms; everyone registered is in ALL.
    if (options.protocol == Protocol::original && options.scenario == Scenario::broadcast &&
        options.room != "ALL")
        return "the original dialect has no rooms but ALL: --room must be ALL (the default)";
    if (options.scenario == Scenario::idle && !options.server_pid)
        return "idle measures server RSS: it needs --server-pid";
    if (options.rate && *options.rate <= 0) return "--rate must be positive";
    if (options.window < 1) return "--window must be at least 1";
    // IRC lines are at most 512 bytes including the prefix the server adds.
    if (options.protocol == Protocol::irc && options.size > 400)
        return "IRC lines are limited to 512 bytes: --size must be at most 400";
    if (options.size > 60000) return "--size must be at most 60000";
    return std::nullopt;
}

}  // namespace

ParseOutcome parse_options(int argc, char** argv) {
    ParseOutcome outcome;
    BenchOptions& options = outcome.options;
    CLI::App app{
        "hubchat-bench: load generator for hubchat-server and IRC servers.\n"
        "Prints a progress line on stderr every second and one JSON line on stdout.\n"
        "Exit status: 0 clean, 1 a message was lost, duplicated, reordered or misattributed\n"
        "(or a connection failed), 2 bad usage.",
        "hubchat-bench"};

    const std::map<std::string, Protocol> protocols{
        {"json", Protocol::json}, {"irc", Protocol::irc}, {"original", Protocol::original}};
    const std::map<std::string, Scenario> scenarios{{"idle", Scenario::idle},
                                                    {"broadcast", Scenario::broadcast},
                                                    {"direct", Scenario::direct},
                                                    {"churn", Scenario::churn}};
    std::string protocol_name = "json", scenario_name = "broadcast";
    app.add_option("--proto", protocol_name,
                   "Protocol driver: json (the hubchat dialect), irc, or original (the JSON of "
                   "the original Python client: no acks, no rooms but ALL, and its user list "
                   "request as the only round trip)")
        ->check(CLI::IsMember(protocols, CLI::ignore_case))
        ->capture_default_str();
    app.add_option("--host", options.host, "Server address")->capture_default_str();
    app.add_option("--port", options.port, "Server port")->capture_default_str();
    app.add_option("--server-pid", options.server_pid,
                   "Server process to sample (/proc/PID: CPU time, VmRSS)");
    app.add_option("--scenario", scenario_name, "idle | broadcast | direct | churn")
        ->check(CLI::IsMember(scenarios, CLI::ignore_case))
        ->capture_default_str();
    app.add_option("--room", options.room,
                   "Room (channel) for broadcast; with --proto original only ALL (its default "
                   "there), which holds every user of the server")
        ->capture_default_str();
    app.add_option("--clients", options.clients,
                   "Connections held (idle, broadcast: room size, direct: 2 x pairs); "
                   "churn: connections cycling at once")
        ->capture_default_str();
    app.add_option("--senders", options.senders, "broadcast: how many members send")
        ->capture_default_str();
    app.add_option("--size", options.size, "Message text size in bytes")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--duration", options.duration_s, "Measured seconds")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--warmup", options.warmup_s, "Unmeasured seconds of load before measuring")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--rate", options.rate,
                   "Open loop: total messages (churn: connections) per second. "
                   "Without it: closed loop");
    app.add_option("--window", options.window, "Closed loop: messages in flight per sender")
        ->capture_default_str();
    app.add_option("--processes", options.processes,
                   "Worker processes (default: as few as the open-file limit allows)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--source-addresses", options.source_addresses,
                   "Spread connections over 127.0.0.1..127.0.0.K (default: as the ephemeral "
                   "port range requires)")
        ->check(CLI::Range(0, 250));
    app.add_option("--connect-concurrency", options.connect_concurrency,
                   "Connections being set up at once (ngIRCd's listen backlog is 10: use 8)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--setup-timeout", options.setup_timeout_s,
                   "Seconds allowed for connecting, registering and joining")
        ->capture_default_str();
    app.add_option("--drain-timeout", options.drain_timeout_s,
                   "Seconds without a delivery, after sending stopped, before the missing "
                   "messages count as lost")
        ->capture_default_str();
    app.add_option("--settle", options.settle_s,
                   "idle: seconds to wait after setup before reading the server's RSS")
        ->capture_default_str();
    bool no_quickack = false;
    app.add_flag("--no-quickack", no_quickack,
                 "Do not renew TCP_QUICKACK after each read (lets delayed ACKs throttle servers "
                 "that leave Nagle on)");
    app.add_flag("--smoke", options.smoke,
                 "CI smoke: small defaults, generous timeouts; fails only on correctness");
    bool quiet = false;
    app.add_flag("-q,--quiet", quiet, "No progress line");
    app.add_option("--label", options.label, "Free text copied into the JSON summary");
    app.add_flag("--free-port", outcome.print_free_port,
                 "Print a free TCP port on 127.0.0.1 and exit (for scripts)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        outcome.exit_code = app.exit(e) == 0 ? 0 : 2;
        return outcome;
    }
    options.progress = !quiet;
    options.quickack = !no_quickack;
    // IsMember with ignore_case hands back the key as spelled in the map.
    options.protocol = protocols.at(protocol_name);
    options.scenario = scenarios.at(scenario_name);
    if (options.protocol == Protocol::original && app.count("--room") == 0) options.room = "ALL";

    if (options.smoke) {
        // Smoke runs on loaded CI machines: small and slow is fine, only wrong is not.
        auto given = [&](const char* name) { return app.count(name) > 0; };
        if (!given("--clients")) options.clients = options.scenario == Scenario::churn ? 4 : 20;
        if (!given("--senders")) options.senders = std::min(4, options.clients);
        if (!given("--duration")) options.duration_s = 2;
        if (!given("--warmup")) options.warmup_s = 0.5;
        if (!given("--drain-timeout")) options.drain_timeout_s = 60;
        if (!given("--window")) options.window = 4;
    }
    if (options.scenario == Scenario::direct) options.senders = options.clients;

    if (auto problem = check_consistency(options)) {
        std::cerr << "hubchat-bench: " << *problem << "\n";
        outcome.exit_code = 2;
    }
    return outcome;
}

}  // namespace hubchat::bench
