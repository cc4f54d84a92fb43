// The client: one Asio event loop drives the server connection, the terminal and the
// timers. Modes: interactive (a terminal), piped stdin, --send, --listen.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "client/commands.hpp"
#include "client/options.hpp"
#include "client/terminal.hpp"

namespace hubchat::client {

class App {
  public:
    App(boost::asio::io_context& io, ClientOptions options);
    // Runs until the user quits or the one-shot mode is done; returns the exit code.
    int run();

  private:
    enum class Mode { Interactive, Piped, Send, Listen };
    enum class Stage { AskName, WaitWelcome, Chat, AskDest };

    // connection
    bool connect_now(std::string& error);
    void after_connect();
    void read_next();
    void on_server_line(std::string line);
    void send(std::string frame);
    void write_next();
    void connection_lost(const std::string& why);
    void try_reconnect();

    // input
    void start_input();
    void on_input(std::optional<std::string> line);
    void on_chat_line(const std::string& line);
    void send_message(const std::string& dest, const std::string& text);
    void ask_name();
    void enter_chat();
    void drain_early_input();
    void set_prompt(const char* prompt);

    // output
    void say(std::string_view text);
    void show_help();
    void quit(int code);

    void on_welcome(const boost::json::object& frame);
    void on_error_frame(const boost::json::object& frame);

    boost::asio::io_context& io_;
    ClientOptions options_;
    Mode mode_;
    bool color_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer reconnect_timer_;
    boost::asio::signal_set signals_;
    std::unique_ptr<Terminal> terminal_;
    std::unique_ptr<boost::asio::posix::stream_descriptor> stdin_;

    std::string read_buffer_;
    std::deque<std::string> write_queue_;
    bool writing_ = false;
    bool connected_ = false;
    bool announced_loss_ = false;
    bool ever_welcomed_ = false;
    std::chrono::milliseconds backoff_{500};

    Stage stage_ = Stage::AskName;
    std::string name_;
    std::string pending_text_;                            // a message waiting for its `Dest name> `
    std::deque<std::optional<std::string>> early_input_;  // before the welcome arrived
    std::uint64_t next_ref_ = 1;
    std::set<std::string> joined_rooms_;  // rejoined after a reconnect
    std::uint64_t exit_ping_ref_ = 0;     // piped input ended: leave when this pong comes

    // --send bookkeeping
    std::uint64_t send_ref_ = 0;
    std::uint64_t send_ping_ref_ = 0;
    bool send_acked_ = false;
    bool send_failed_ = false;

    std::optional<int> exit_code_;
};

}  // namespace hubchat::client
