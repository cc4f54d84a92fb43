#include "server/options.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "cli/seed_args.hpp"
#include "core/names.hpp"

namespace hubchat::server {

std::string default_data_dir() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg == '/') {
        return std::string(xdg) + "/hubchat";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        return std::string(home) + "/.local/share/hubchat";
    }
    return "hubchat-data";
}

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

    // Flood control and caps. 0 turns any of them off (the tests and benchmarks do, to
    // send as fast as they can).
    constexpr std::uint32_t kMaxRate = 1'000'000;
    bool no_limits = false;
    app.add_flag("--no-limits", no_limits,
                 "Flood control and every cap on users and connections off at once (each of "
                 "--rate-per-second, --max-recipients, --max-rooms-per-user, --max-connections, "
                 "--max-connections-per-address and --max-new-connections-per-minute 0), for "
                 "load tests; one of them given as well keeps its value");
    app.add_option("--rate-burst", config.rate_burst,
                   "Messages a user may send at once before the per-second rate applies")
        ->check(CLI::Range(std::uint32_t{0}, kMaxRate))
        ->capture_default_str();
    auto* rate_per_second =
        app.add_option("--rate-per-second", config.rate_per_second,
                       "Messages a second each user may send after the burst; 0 turns flood "
                       "control off (for joins and listings too)")
            ->check(CLI::Range(std::uint32_t{0}, kMaxRate))
            ->capture_default_str();
    auto* max_rooms_per_user =
        app.add_option("--max-rooms-per-user", config.max_rooms_per_user,
                       "Rooms one user may be in at once besides ALL (0: no limit)")
            ->check(CLI::NonNegativeNumber)
            ->capture_default_str();
    auto* max_recipients =
        app.add_option("--max-recipients", config.max_recipients,
                       "Distinct targets in one message; ALL or a room counts as one (0: no limit)")
            ->check(CLI::NonNegativeNumber)
            ->capture_default_str();
    app.add_option("--max-name-length", config.max_name_chars,
                   "Characters in a user name (at most the built-in 32)")
        ->check(CLI::Range(std::size_t{1}, names::kMaxNameChars))
        ->capture_default_str();
    app.add_option("--max-room-name-length", config.max_room_name_chars,
                   "Characters in a room name, not counting the '#' (at most the built-in 32)")
        ->check(CLI::Range(std::size_t{1}, names::kMaxNameChars))
        ->capture_default_str();
    auto* max_connections = app.add_option("--max-connections", config.admission.max_connections,
                                           "Open connections in all (0: no limit)")
                                ->check(CLI::NonNegativeNumber)
                                ->capture_default_str();
    auto* max_per_address =
        app.add_option("--max-connections-per-address", config.admission.max_per_address,
                       "Open connections from one address, an IPv6 /64 counting as one; "
                       "loopback is exempt (0: no limit)")
            ->check(CLI::NonNegativeNumber)
            ->capture_default_str();
    auto* max_new_per_minute =
        app.add_option("--max-new-connections-per-minute", config.admission.max_new_per_minute,
                       "New connections one address may open at once and then per minute; "
                       "loopback is exempt (0: no limit)")
            ->check(CLI::Range(std::uint32_t{0}, kMaxRate))
            ->capture_default_str();
    // Timeouts, in seconds; 0 turns one off.
    constexpr std::uint32_t kMaxTimeout = 7 * 24 * 3600;
    auto registration_timeout = static_cast<std::uint32_t>(config.registration_timeout.count());
    auto frame_timeout = static_cast<std::uint32_t>(config.frame_timeout.count());
    auto idle_timeout = static_cast<std::uint32_t>(config.idle_timeout.count());
    app.add_option("--registration-timeout", registration_timeout,
                   "Seconds from a connection's first byte until it must have registered "
                   "(a silent connection waits without limit; 0: no limit)")
        ->check(CLI::Range(std::uint32_t{0}, kMaxTimeout))
        ->capture_default_str();
    app.add_option("--frame-timeout", frame_timeout,
                   "Seconds a begun frame may take to arrive whole (0: no limit)")
        ->check(CLI::Range(std::uint32_t{0}, kMaxTimeout))
        ->capture_default_str();
    app.add_option("--idle-timeout", idle_timeout,
                   "Seconds of silence after which a hubchat client is pinged, and as many again "
                   "after which it is disconnected (0: never)")
        ->check(CLI::Range(std::uint32_t{0}, kMaxTimeout))
        ->capture_default_str();

    // State and TLS.
    app.add_option("--data-dir", config.data_dir,
                   "Directory for the server's database and generated TLS certificate "
                   "(default: $XDG_DATA_HOME/hubchat or ~/.local/share/hubchat)");
    app.add_flag("--tls", config.tls,
                 "Also serve TLS on the same port; without --tls-cert, a self-signed "
                 "certificate is made on first start and kept in the data directory");
    auto* cert = app.add_option("--tls-cert", config.tls_certificate,
                                "PEM certificate (chain) to present; implies --tls")
                     ->check(CLI::ExistingFile);
    auto* key = app.add_option("--tls-key", config.tls_key, "PEM private key for --tls-cert")
                    ->check(CLI::ExistingFile);
    cert->needs(key);
    key->needs(cert);
    app.add_flag("--require-tls", config.require_tls,
                 "Refuse connections that do not use TLS; implies --tls");
    app.add_flag("--allow-plain-loopback", config.allow_plain_loopback,
                 "With --require-tls, still take plain connections from this machine");
    bool no_history = false;
    app.add_flag("--no-history", no_history,
                 "Keep no history: messages are delivered and forgotten, nothing is replayed");
    app.add_option("--history-days", config.history_days,
                   "Days a message is kept in history (0: forever)")
        ->check(CLI::Range(std::uint32_t{0}, std::uint32_t{100 * 365}))
        ->capture_default_str();
    app.add_option("--history-per-room", config.history_per_room,
                   "Newest messages kept per room and for ALL (0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    double history_flush_ms = config.history_flush_us / 1000.0;
    app.add_option("--history-flush-ms", history_flush_ms,
                   "Longest a message waits for others to share its commit while the server "
                   "is busy, in ms")
        ->check(CLI::Range(0.0, 1000.0))
        ->capture_default_str();
    app.add_option("--history-batch", config.history_batch, "Most messages in one commit")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
        ->capture_default_str();
    app.add_flag("--export", config.export_history,
                 "Print the history in the data directory as JSON lines, then exit");
    app.add_flag("--accounts-only", config.accounts_only,
                 "Refuse guests: only registered names may log in");
    app.add_option("--server-password-file", config.server_password_file,
                   "File whose first line is a password every client must send (private hubs)")
        ->check(CLI::ExistingFile);
    app.add_option("--max-sign-ups-per-hour", config.max_sign_ups_per_hour,
                   "New accounts one address may make at once and then per hour, an IPv6 /64 "
                   "counting as one; loopback too (0: no limit)")
        ->check(CLI::Range(std::uint32_t{0}, kMaxRate))
        ->capture_default_str();

    bool no_web = false;
    app.add_flag("--no-web", no_web,
                 "Serve no browser page, WebSocket or /healthz: HTTP requests are closed");

    bool no_io_uring = false;
    app.add_flag("--no-io-uring", no_io_uring,
                 "Write each connection with a system call of its own instead of handing a "
                 "turn's writes to the kernel together through io_uring");

    app.add_option("--irc-server-name", config.irc_server_name,
                   "The server's name as IRC clients see it (in replies and PONG)")
        ->capture_default_str();

    // As in the original, a repeated option's last value wins.
    for (CLI::Option* option : app.get_options()) {
        option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
    // ...except here, where each one adds to the list.
    app.add_option("--web-origin", config.web_origins,
                   "Also let pages from this origin (scheme://host[:port]) open the WebSocket; "
                   "repeatable. The server's own origin is always allowed")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check(
            [](const std::string& origin) -> std::string {
                if (!origin.starts_with("http://") && !origin.starts_with("https://")) {
                    return "an origin is scheme://host[:port], e.g. https://chat.example.org";
                }
                return {};
            },
            "")
        ->type_name("ORIGIN");

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
    if (no_limits) {
        // Only the limits not also given: `--no-limits --max-connections 20000` keeps one.
        const auto lift = [](const CLI::Option* option, auto& value) {
            if (option->count() == 0) value = 0;
        };
        lift(rate_per_second, config.rate_per_second);
        lift(max_rooms_per_user, config.max_rooms_per_user);
        lift(max_recipients, config.max_recipients);
        lift(max_connections, config.admission.max_connections);
        lift(max_per_address, config.admission.max_per_address);
        lift(max_new_per_minute, config.admission.max_new_per_minute);
    }
    config.registration_timeout = std::chrono::seconds(registration_timeout);
    config.frame_timeout = std::chrono::seconds(frame_timeout);
    config.idle_timeout = std::chrono::seconds(idle_timeout);
    if (!config.tls_certificate.empty() || config.require_tls) config.tls = true;
    config.history = !no_history;
    config.history_flush_us = static_cast<std::uint32_t>(std::lround(history_flush_ms * 1000.0));
    config.web = !no_web;
    config.io_uring = !no_io_uring;
    if (config.data_dir.empty()) config.data_dir = default_data_dir();
    return parsed;
}

}  // namespace hubchat::server
