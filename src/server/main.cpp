// hubchat-server: one event loop on one thread owns the hub; the listener hands each
// connection to the adapter its first bytes ask for.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>

#include "core/hub.hpp"
#include "net/account_service.hpp"
#include "net/connection_tracker.hpp"
#include "net/deadline_wheel.hpp"
#include "net/endpoint_text.hpp"
#include "net/history_log.hpp"
#include "net/http_session.hpp"
#include "net/irc_session.hpp"
#include "net/json_session.hpp"
#include "net/listener.hpp"
#include "net/loop_activity.hpp"
#include "net/message_history.hpp"
#include "net/send_batch.hpp"
#include "net/tls.hpp"
#include "server/options.hpp"
#include "store/database.hpp"
#include "store/history.hpp"

#ifdef HUBCHAT_JEMALLOC
// jemalloc's defaults keep freed pages for about ten seconds and give them back only when
// the allocator is busy again, so a server gone quiet after a burst of connections would
// keep that memory. A background thread returns freed pages within about a second.
//
// The event loop's cache of freed blocks holds up to 2048 per size class, not 200, and
// is trimmed after each MiB allocated, not 64 KiB. With history, the messages of a group
// commit (thousands) are made as they arrive and freed together when it is stored; with
// the defaults, the cache overflowed and was flushed to the shared bins in the middle of
// every such burst (callgrind, direct messages with history: 6943 -> 6566 instructions
// per message on the loop; idle memory per connection unchanged, ~0.82 KiB).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's (read once at its start-up)
const char* malloc_conf =
    "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,"
    "tcache_nslots_small_max:2048,lg_tcache_nslots_mul:4,tcache_gc_incr_bytes:1048576";
}
#endif

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kShutdownDeadline = std::chrono::seconds(3);
constexpr auto kPruneInterval = std::chrono::minutes(5);

// Accepts a literal address or a host name (the original took either).
std::optional<std::string> resolve_host(asio::io_context& io, const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    if (!ec) return host;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(host, "", ec);
    if (ec || results.empty()) return std::nullopt;
    return results.begin()->endpoint().address().to_string();
}

void print_banner(const hubchat::net::ServerConfig& config, const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    std::string connect_host = address.to_string();
    if (address.is_unspecified()) connect_host = "<this machine's address>";
    std::cout << "hubchat-server " HUBCHAT_VERSION " listening on "
              << hubchat::net::endpoint_text(endpoint) << "\n"
              << "Connect with:  hubchat --machine-name:" << connect_host
              << " --port:" << endpoint.port() << "\n";
    if (config.web) {
        const std::string url_host =
            address.is_v6() && !address.is_unspecified() ? "[" + connect_host + "]" : connect_host;
        std::cout << "Or open " << (config.require_tls ? "https" : "http") << "://" << url_host
                  << ":" << endpoint.port() << "/ in a browser"
                  << (config.tls && !config.require_tls ? " (https:// works too)" : "") << "\n";
    }
    if (address.is_loopback()) {
        std::cout << "Only this machine can connect; start with --machine-name:$(hostname -I) "
                     "or --host 0.0.0.0 to let others in.\n";
    }
    if (!config.verbose) std::cout << "Press Ctrl-C to stop (--verbose logs every frame).\n";
    std::cout << std::flush;
}

hubchat::HubLimits hub_limits(const hubchat::net::ServerConfig& config) {
    hubchat::HubLimits limits;
    limits.max_message = config.max_message;
    limits.presence_max_members = config.presence_limit;
    limits.message_burst = config.rate_burst;
    limits.message_rate_per_second = config.rate_per_second;
    // One switch for flood control: --rate-per-second 0 (the tests and benchmarks) lifts
    // the budget for joins and listings too; otherwise that budget keeps its defaults.
    if (config.rate_per_second == 0) limits.request_rate_per_second = 0;
    limits.max_rooms_per_user = config.max_rooms_per_user;
    limits.max_recipients = config.max_recipients;
    limits.max_name_chars = config.max_name_chars;
    limits.max_room_name_chars = config.max_room_name_chars;
    return limits;
}

// The TLS side of the server, or null after saying why it cannot start.
std::shared_ptr<hubchat::net::TlsServer> start_tls(const hubchat::net::ServerConfig& config) {
    try {
        hubchat::net::TlsFiles files{config.tls_certificate, config.tls_key};
        if (config.tls_certificate.empty()) {
            files = hubchat::net::self_signed_files(config.data_dir);
            char host[256] = "localhost";
            ::gethostname(host, sizeof host - 1);
            if (hubchat::net::ensure_self_signed(files, host)) {
                std::cout << "Made a self-signed TLS certificate: " << files.certificate.string()
                          << "\n";
            }
        }
        return std::make_shared<hubchat::net::TlsServer>(files);
    } catch (const std::exception& e) {
        std::cerr << "hubchat-server: cannot start TLS: " << e.what() << "\n";
        return nullptr;
    }
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = hubchat::server::parse_options(argc, argv);
    if (parsed.exit_code) return *parsed.exit_code;
    auto& config = parsed.config;

    std::signal(SIGPIPE, SIG_IGN);
    auto logger = spdlog::stderr_color_mt("hubchat");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(config.verbose ? spdlog::level::debug : spdlog::level::warn);

    if (config.export_history) {
        try {
            hubchat::store::Database db(config.data_dir);
            hubchat::store::HistoryStore store(db);
            store.export_json_lines(std::cout);
            std::cout.flush();
            return std::cout ? 0 : 1;
        } catch (const std::exception& e) {
            std::cerr << "hubchat-server: cannot export the history: " << e.what() << "\n";
            return 1;
        }
    }

    hubchat::net::set_send_batching(config.io_uring);
    // Declared before the io_context so it outlives every session the loop destroys.
    hubchat::Hub hub([] { return hubchat::net::loop_activity::wall_ms(); }, hub_limits(config));
    // One thread runs everything: tell Asio so it can skip its internal locking.
    asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
    hubchat::net::ConnectionTracker tracker;

    auto resolved = resolve_host(io, config.host);
    if (!resolved) {
        std::cerr << "hubchat-server: cannot resolve host '" << config.host << "'\n";
        return 2;
    }
    config.host = *resolved;

    std::unique_ptr<hubchat::net::AccountService> accounts;
    try {
        accounts = std::make_unique<hubchat::net::AccountService>(
            io, hubchat::net::AccountSettings{config.data_dir, config.accounts_only,
                                              config.server_password_file,
                                              config.max_sign_ups_per_hour});
    } catch (const std::exception& e) {
        std::cerr << "hubchat-server: " << e.what() << "\n";
        return 1;
    }
    hub.set_name_registry(accounts.get());

    std::unique_ptr<hubchat::net::HistoryLog> history;
    std::unique_ptr<hubchat::net::MessageHistory> message_history;
    if (config.history) {
        try {
            hubchat::net::HistoryLogSettings settings{config.data_dir};
            settings.batch_size = config.history_batch;
            settings.flush_delay = std::chrono::microseconds(config.history_flush_us);
            history = std::make_unique<hubchat::net::HistoryLog>(io, std::move(settings));
        } catch (const std::exception& e) {
            std::cerr << "hubchat-server: cannot open the history: " << e.what() << "\n";
            return 1;
        }
        message_history = std::make_unique<hubchat::net::MessageHistory>(*history);
        hub.set_message_store(message_history.get());
    }
    // Retention: pruned in small steps on the worker, a few minutes apart.
    hubchat::net::Retention retention;
    if (config.history_days > 0) {
        retention.max_age = std::chrono::hours(24) * config.history_days;
    }
    retention.max_per_room = config.history_per_room;
    asio::steady_timer prune_timer(io);
    std::function<void()> prune_later = [&] {
        if (!history || (!retention.max_age && retention.max_per_room == 0)) return;
        prune_timer.expires_after(kPruneInterval);
        prune_timer.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            history->prune(retention, [&](const hubchat::net::PruneResult& result) {
                if (!result.error.empty()) spdlog::warn("history pruning: {}", result.error);
                prune_later();
            });
        });
    };

    hubchat::net::FlushScheduler flusher(io.get_executor());
    const hubchat::net::SessionContext sessions{hub,     config,         tracker,
                                                flusher, accounts.get(), history.get()};
    hubchat::net::Listener listener(io, config, tracker);
    listener.set_adapter(hubchat::proto::Protocol::Json, [&](hubchat::net::Transport transport,
                                                             std::string_view first_bytes) {
        std::make_shared<hubchat::net::JsonSession>(std::move(transport), sessions)
            ->start(first_bytes);
    });
    listener.set_adapter(hubchat::proto::Protocol::Irc, [&](hubchat::net::Transport transport,
                                                            std::string_view first_bytes) {
        std::make_shared<hubchat::net::IrcSession>(std::move(transport), sessions)
            ->start(first_bytes);
    });
    // The browser page and its WebSocket, which carries the same JSON sessions.
    const hubchat::net::HttpContext web{
        config, tracker, [&](hubchat::net::Transport transport) {
            std::make_shared<hubchat::net::JsonSession>(std::move(transport), sessions)->start({});
        }};
    if (config.web) {
        listener.set_adapter(hubchat::proto::Protocol::Http,
                             [&](hubchat::net::Transport transport, std::string_view first_bytes) {
                                 hubchat::net::serve_http(std::move(transport), first_bytes, web);
                             });
    }
    std::shared_ptr<hubchat::net::TlsServer> tls;
    if (config.tls) {
        tls = start_tls(config);
        if (!tls) return 1;
        listener.enable_tls(tls);
    }
    try {
        listener.open();
    } catch (const boost::system::system_error& e) {
        std::cerr << "hubchat-server: cannot listen on " << config.host << " port " << config.port
                  << ": " << e.code().message() << "\n";
        return 1;
    }
    // Signals are caught before the banner says we are up: a SIGTERM right after it must
    // still stop the server cleanly.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    // SIGHUP: read the TLS certificate and key again (renewed certificates), keeping every
    // connection up.
    asio::signal_set reload_signal(io, SIGHUP);
    std::function<void(boost::system::error_code, int)> on_reload =
        [&](boost::system::error_code ec, int) {
            if (ec) return;
            if (!tls) {
                std::cout << "SIGHUP: nothing to reload (TLS is off)" << std::endl;
            } else if (auto error = tls->reload()) {
                std::cout << "SIGHUP: kept the old TLS certificate: " << *error << std::endl;
            } else {
                std::cout << "SIGHUP: TLS certificate reloaded; SHA-256 fingerprint "
                          << tls->fingerprint() << std::endl;
            }
            reload_signal.async_wait(on_reload);
        };
    reload_signal.async_wait(on_reload);
    asio::steady_timer deadline(io);
    bool stopping = false;
    std::function<void(boost::system::error_code, int)> on_signal =
        [&](boost::system::error_code ec, int signal_number) {
            if (ec) return;
            if (stopping) {  // a second Ctrl-C: stop waiting for slow clients
                io.stop();
                return;
            }
            stopping = true;
            spdlog::info("signal {}: shutting down", signal_number);
            std::cout << "\nShutting down: telling " << hub.user_count()
                      << " user(s) the server is stopping" << std::endl;
            listener.stop();
            hub.announce_shutdown("Server is shutting down");
            deadline.expires_after(kShutdownDeadline);
            deadline.async_wait([&](boost::system::error_code wait_ec) {
                if (!wait_ec) io.stop();
            });
            signals.async_wait(on_signal);
            tracker.close_all([&] {
                // Messages still being stored are kept (and their senders acked, if still
                // there) before the loop is let go.
                auto finish = [&] {
                    deadline.cancel();
                    signals.cancel();
                    reload_signal.cancel();
                    prune_timer.cancel();
                    accounts->stop();
                    // Nothing is left to time out: end the once-a-second tick now, so
                    // the loop ends without waiting for it.
                    hubchat::net::DeadlineWheel::of(io.get_executor()).stop_if_idle();
                };
                if (history) return history->stop(finish);
                finish();
            });
        };
    signals.async_wait(on_signal);

    prune_later();
    listener.start();
    print_banner(config, listener.local_endpoint());
    if (tls) {
        std::cout << "TLS on the same port; certificate SHA-256 fingerprint " << tls->fingerprint()
                  << "\n"
                  << (config.require_tls ? "Plain connections are refused"
                                         : "Plain connections are accepted too")
                  << (config.require_tls && config.allow_plain_loopback
                          ? " (except from this machine)"
                          : "")
                  << ".\n"
                  << std::flush;
    }
    io.run();
    std::cout << "hubchat-server stopped." << std::endl;
    return 0;
}
