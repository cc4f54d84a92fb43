#include "client/options.hpp"

#include <CLI/CLI.hpp>

#include "cli/seed_args.hpp"
#include "client/server_address.hpp"
#include "client/server_trust.hpp"

namespace hubchat::client {

namespace {

// Folds a `hubchats://host:port` or `hubchat://host:port` given as the host into the other
// options; a bare host is left as it is. Throws CLI::ValidationError when the address
// contradicts an option given beside it: neither could be said to win.
void apply_address(ClientOptions& o, bool port_given, bool tls_given) {
    std::string error;
    const auto address = parse_server_address(o.host, error);
    if (!address) throw CLI::ValidationError("--host", error);
    o.host = address->host;
    if (address->port) {
        if (port_given && o.port != *address->port) {
            throw CLI::ValidationError(
                "--port", "the address already names port " + std::to_string(*address->port));
        }
        o.port = *address->port;
    }
    const bool tls_options = o.tls_fingerprint || o.tls_ca;
    if (address->tls == false && (tls_given || tls_options)) {
        throw CLI::ValidationError("--host", std::string(kPlainScheme) +
                                                 " is unencrypted; TLS options need " +
                                                 std::string(kTlsScheme));
    }
    if (address->tls == true || tls_options) o.tls = true;
}

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
    auto* tls = app.add_flag("--tls", o.tls, "Encrypt the connection (as does a hubchats:// host)");
    std::string fingerprint;
    auto* pin = app.add_option("--tls-fingerprint", fingerprint,
                               "Accept only the server certificate with this SHA-256 "
                               "fingerprint (AB:CD:...); implies --tls");
    app.add_option("--tls-ca", o.tls_ca,
                   "Verify the server against this certificate authority (PEM file) instead of "
                   "the system's, with no first-use trust; implies --tls")
        ->check(CLI::ExistingFile);
    // Read (and their permissions checked) when the client starts, not here: parsing
    // stays free of I/O.
    auto* password_file =
        app.add_option("--password-file", o.password_file,
                       "Log in: the password of --name (or of the name typed) is this file's first "
                       "line; the file must be the user's alone (chmod 600)");
    app.add_option("--server-password-file", o.server_password_file,
                   "A private hub's password, on this file's first line (chmod 600)");
    app.add_flag("--sign-up", o.sign_up,
                 "Create the account: the first hello registers the name with --password-file's "
                 "password (refused if the name has an account); reconnections log in with it")
        ->needs(password_file);
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
        if (pin->count() > 0) {
            o.tls_fingerprint = normalize_fingerprint(fingerprint);
            if (!o.tls_fingerprint) {
                throw CLI::ValidationError("--tls-fingerprint",
                                           "not a SHA-256 fingerprint (32 hex bytes, AB:CD:...)");
            }
        }
        apply_address(o, app.count("--port") > 0, tls->count() > 0);
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
