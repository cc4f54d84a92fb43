#include "client/app.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#include "client/connection.hpp"
#include "client/last_seen.hpp"
#include "client/line_splitter.hpp"
#include "client/render.hpp"
#include "client/scripted.hpp"
#include "client/secret_file.hpp"
#include "client/server_address.hpp"
#include "client/server_trust.hpp"
#include "client/session.hpp"
#include "client/terminal.hpp"
#include "core/names.hpp"

namespace hubchat::client {
namespace asio = boost::asio;

namespace {

enum class Mode { Interactive, Piped, Send, Listen };

Mode mode_for(const ClientOptions& options) {
    if (options.send) return Mode::Send;
    if (options.listen) return Mode::Listen;
    // Line editing needs a terminal on both sides; otherwise lines are read as they come.
    if (::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1) return Mode::Interactive;
    return Mode::Piped;
}

bool wants_color() {
    // https://no-color.org: NO_COLOR set to anything but "" turns colour off.
    const char* no_color = std::getenv("NO_COLOR");
    return ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

std::optional<TlsSettings> tls_settings(const ClientOptions& options) {
    if (!options.tls) return std::nullopt;
    return TlsSettings{options.tls_ca};
}

std::optional<ServerTrust> server_trust(const ClientOptions& options) {
    if (!options.tls) return std::nullopt;
    std::optional<KnownServersFile> known_servers;
    if (auto path = default_known_servers_path(std::getenv)) known_servers.emplace(*path);
    return ServerTrust(host_port_text(options.host, options.port),
                       TrustPolicy{options.tls_fingerprint, options.tls_ca},
                       std::move(known_servers));
}

void write_line(std::FILE* stream, std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

// An unusable password file is a mistake on the command line, like a bad option.
constexpr int kBadCommandLineExitCode = 2;

// The passwords the options point at. nullopt (having said why) when a file is unusable.
std::optional<Credentials> read_credentials(const ClientOptions& options) {
    Credentials credentials;
    std::string error;
    if (options.password_file) {
        credentials.password = read_secret_file(*options.password_file, "--password-file", error);
        if (!credentials.password) {
            write_line(stderr, "hubchat: " + error);
            return std::nullopt;
        }
    }
    if (options.server_password_file) {
        credentials.server_password =
            read_secret_file(*options.server_password_file, "--server-password-file", error);
        if (!credentials.server_password) {
            write_line(stderr, "hubchat: " + error);
            return std::nullopt;
        }
    }
    return credentials;
}

// The last_seen file for one server, read when a hello needs it and written at most
// every kSaveDelay while messages arrive, and at exit: a message costs no disk write,
// and a crash loses a second or so, shown again at the next start.
class SavedResumePoints final : public ResumePoints {
  public:
    static constexpr std::chrono::seconds kSaveDelay{1};

    SavedResumePoints(asio::io_context& io, std::string server,
                      std::optional<std::filesystem::path> path)
        : server_(std::move(server)), timer_(io) {
        if (path) file_.emplace(std::move(*path));
    }
    ~SavedResumePoints() override { save(); }

    std::optional<std::uint64_t> last_seen(std::string_view name) override {
        for (const auto& [pending_name, id] : pending_) {
            if (names::same(pending_name, name)) return id;
        }
        if (!file_) return std::nullopt;
        std::string error;
        auto id = file_->find(server_, name, error);
        if (!error.empty()) complain(error);
        return id;
    }

    void seen(std::string_view name, std::uint64_t id) override {
        if (!file_) return;
        pending_[std::string(name)] = id;
        if (timer_armed_) return;
        timer_armed_ = true;
        timer_.expires_after(kSaveDelay);
        timer_.async_wait([this](boost::system::error_code ec) {
            timer_armed_ = false;
            if (!ec) save();
        });
    }

    // Whatever is not written yet. Also at exit.
    void save() {
        if (!file_ || pending_.empty()) return;
        std::vector<std::pair<std::string, std::uint64_t>> ids(pending_.begin(), pending_.end());
        pending_.clear();
        std::string error;
        if (!file_->save(server_, ids, error)) complain(error);
    }

  private:
    void complain(const std::string& error) {
        if (std::exchange(complained_, true)) return;  // once: it is no reason to stop chatting
        const std::string line = "hubchat: " + error + " (where this client resumes from)";
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fputc('\n', stderr);
    }

    std::string server_;
    std::optional<LastSeenFile> file_;
    std::map<std::string, std::uint64_t> pending_;
    asio::steady_timer timer_;
    bool timer_armed_ = false;
    bool complained_ = false;
};

class Runtime final : public Host {
  public:
    Runtime(const ClientOptions& options, Credentials credentials)
        : options_(options),
          mode_(mode_for(options)),
          stdin_flags_(::fcntl(STDIN_FILENO, F_GETFL)),
          trust_(server_trust(options)),
          connection_(io_, options.host, options.port, tls_settings(options),
                      {[this] { on_connected(); },
                       [this](std::string_view line) { session_->received(line); },
                       [this](std::string_view why) { session_->disconnected(why); },
                       [this](const PeerCertificate& peer) { return accept_server(peer); }}),
          stop_signals_(io_),
          terminal_signals_(io_) {
        if (mode_ == Mode::Interactive) {
            // A person resumes where their last run stopped; scripts and pipes only
            // across reconnections, so their output never starts with old messages.
            resume_points_.emplace(io_, host_port_text(options.host, options.port),
                                   default_last_seen_path(std::getenv));
        }
        session_ = make_session(std::move(credentials));
    }

    ~Runtime() override {
        terminal_.reset();
        // Asio may have made the shared stdin description non-blocking; the shell that
        // started us reads from it next.
        if (stdin_flags_ >= 0) ::fcntl(STDIN_FILENO, F_SETFL, stdin_flags_);
    }

    int run() {
        if (mode_ == Mode::Interactive) {
            for (const auto& line : banner_lines(options_.host, options_.port, options_.tls)) {
                write_line(stdout, line);
            }
        }
        std::string error;
        switch (connection_.connect(error)) {
            case ServerConnection::Start::Connected:
                break;
            case ServerConnection::Start::Refused:
                return kServerRefusedExitCode;  // accept_server said why
            case ServerConnection::Start::Failed:
                write_line(stderr, "hubchat: cannot connect to " + options_.host + " port " +
                                       std::to_string(options_.port) + ": " + error);
                return 1;
        }
        if (!exit_code_) io_.run();
        if (terminal_) terminal_->close();
        if (resume_points_) resume_points_->save();  // current at exit
        return exit_code_.value_or(0);
    }

    // ---- Host ---------------------------------------------------------------------

    void send(std::string frame) override { connection_.send(std::move(frame)); }

    void show(std::string_view line) override {
        if (terminal_) return terminal_->print(line);
        write_line(stdout, line);
    }

    void warn(std::string_view line) override {
        if (terminal_) return terminal_->print(line);
        write_line(stderr, line);
    }

    void prompt(std::string_view text) override {
        if (terminal_) terminal_->set_prompt(text);
    }

    void prompt_secret(std::string_view text) override {
        if (terminal_) terminal_->set_secret_prompt(text);
    }

    void reconnect() override { connection_.reconnect(); }

    void finish(int exit_code) override {
        if (exit_code_) return;
        exit_code_ = exit_code;
        stop_signals_.cancel();
        terminal_signals_.cancel();
        if (terminal_) terminal_->close();
        if (stdin_) {
            boost::system::error_code ignored;
            stdin_->close(ignored);
        }
        connection_.close([this] { io_.stop(); });
    }

  private:
    std::unique_ptr<Session> make_session(Credentials credentials) {
        switch (mode_) {
            case Mode::Send:
                return std::make_unique<SendSession>(*this, options_.name, options_.to,
                                                     *options_.send, options_.verbose,
                                                     std::move(credentials), options_.sign_up);
            case Mode::Listen:
                return std::make_unique<ListenSession>(*this, options_.name, options_.json,
                                                       options_.verbose, std::move(credentials),
                                                       options_.sign_up);
            case Mode::Interactive:
            case Mode::Piped:
                break;
        }
        ChatConfig config;
        config.name = options_.name;
        config.to = options_.to;
        config.interactive = mode_ == Mode::Interactive;
        config.color = wants_color();
        config.verbose = options_.verbose;
        config.credentials = std::move(credentials);
        config.sign_up = options_.sign_up;
        if (resume_points_) config.resume_points = &*resume_points_;
        return std::make_unique<ChatSession>(*this, std::move(config));
    }

    // Every TLS handshake, the first and each reconnection's, ends here before anything
    // is sent on the connection.
    bool accept_server(const PeerCertificate& peer) {
        const TrustOutcome outcome = trust_->vet(peer);
        for (const auto& line : outcome.notice) warn(line);
        if (!outcome.accepted && !first_connection_) {
            // Not from inside the connection's handler, which is still unwinding.
            asio::post(io_, [this] { finish(kServerRefusedExitCode); });
        }
        return outcome.accepted;
    }

    void on_connected() {
        if (first_connection_) {
            first_connection_ = false;
            // Until now Ctrl-C simply ends the process, even during a slow connect; from
            // here on it is a clean quit (the terminal is about to change modes).
            stop_signals_.add(SIGINT);
            stop_signals_.add(SIGTERM);
            stop_signals_.add(SIGHUP);
            watch_stop_signals();
            start_input();
        }
        session_->connected();
    }

    void start_input() {
        if (mode_ == Mode::Interactive) {
            write_line(stdout, "...Connected");
            for (const auto& line : help_lines()) write_line(stdout, line);
            terminal_ = std::make_unique<Terminal>(
                [this](std::optional<std::string> line) { session_->typed(std::move(line)); });
            stdin_.emplace(io_, ::dup(STDIN_FILENO));
            wait_for_keys();
            terminal_signals_.add(SIGWINCH);
            terminal_signals_.add(SIGTSTP);
            watch_terminal_signals();
        } else if (mode_ == Mode::Piped) {
            // Works for pipes, terminals and regular files alike: Asio reads a file
            // directly, as reading one never blocks.
            stdin_.emplace(io_, ::dup(STDIN_FILENO));
            read_piped_input();
        }
    }

    void wait_for_keys() {
        stdin_->async_wait(asio::posix::stream_descriptor::wait_read,
                           [this](boost::system::error_code ec) {
                               if (ec || !terminal_ || !terminal_->is_open()) return;
                               terminal_->read_keys();
                               if (terminal_->is_open()) wait_for_keys();
                           });
    }

    void read_piped_input() {
        stdin_->async_read_some(
            asio::buffer(stdin_buffer_), [this](boost::system::error_code ec, std::size_t n) {
                if (exit_code_) return;
                for (auto& line : stdin_lines_.feed({stdin_buffer_.data(), n})) {
                    session_->typed(std::move(line));
                    if (exit_code_) return;
                }
                if (!ec) return read_piped_input();
                if (ec == asio::error::operation_aborted) return;
                if (auto last = stdin_lines_.finish()) session_->typed(std::move(last));
                if (!exit_code_) session_->typed(std::nullopt);
            });
    }

    void watch_stop_signals() {
        stop_signals_.async_wait([this](boost::system::error_code ec, int) {
            if (ec) return;
            session_->interrupted();
            if (!exit_code_) watch_stop_signals();
        });
    }

    void watch_terminal_signals() {
        terminal_signals_.async_wait([this](boost::system::error_code ec, int signal_number) {
            if (ec || !terminal_) return;
            if (signal_number == SIGWINCH) terminal_->resize();
            if (signal_number == SIGTSTP) terminal_->suspend();
            watch_terminal_signals();
        });
    }

    asio::io_context io_{1};
    std::optional<SavedResumePoints> resume_points_;  // a person at a terminal only
    ClientOptions options_;
    Mode mode_;
    int stdin_flags_;
    std::optional<ServerTrust> trust_;  // TLS only
    ServerConnection connection_;
    asio::signal_set stop_signals_;
    asio::signal_set terminal_signals_;  // window size, Ctrl-Z
    std::unique_ptr<Session> session_;
    std::unique_ptr<Terminal> terminal_;
    std::optional<asio::posix::stream_descriptor> stdin_;
    std::array<char, 4096> stdin_buffer_{};
    LineSplitter stdin_lines_;
    bool first_connection_ = true;
    std::optional<int> exit_code_;
};

}  // namespace

int run_client(const ClientOptions& options) {
    std::optional<Credentials> credentials = read_credentials(options);
    if (!credentials) return kBadCommandLineExitCode;
    Runtime runtime(options, std::move(*credentials));
    return runtime.run();
}

}  // namespace hubchat::client
