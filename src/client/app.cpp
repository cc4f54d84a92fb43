#include "client/app.hpp"

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "client/render.hpp"

namespace hubchat::client {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* kYourName = "Your name> ";
constexpr const char* kYouSay = "You say  > ";
constexpr const char* kDestName = "Dest name> ";
constexpr auto kMaxBackoff = std::chrono::milliseconds(10'000);

bool wants_color() {
    const char* no_color = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return s.substr(first, last - first + 1);
}

}  // namespace

App::App(asio::io_context& io, ClientOptions options)
    : io_(io),
      options_(std::move(options)),
      mode_(options_.has_send           ? Mode::Send
            : options_.listen           ? Mode::Listen
            : isatty(STDIN_FILENO) == 1 ? Mode::Interactive
                                        : Mode::Piped),
      color_(mode_ == Mode::Interactive && wants_color()),
      socket_(io),
      reconnect_timer_(io),
      signals_(io, SIGINT, SIGTERM) {}

int App::run() {
    const bool chatty = mode_ == Mode::Interactive;
    if (chatty) {
        // The original's start-up lines, word for word.
        std::cout << "Usage is:\n"
                  << "hubchat [--machine-name:127.0.0.1] [--port:7002] [--verbose:true|false]\n"
                  << "\twhere --machine-name: and --port: must match the server's settings.\n\n"
                  << "connecting to " << options_.host << " port " << options_.port << std::endl;
    }
    std::string error;
    if (!connect_now(error)) {
        std::cerr << "hubchat: cannot connect to " << options_.host << " port " << options_.port
                  << ": " << error << std::endl;
        return 1;
    }
    if (chatty) {
        std::cout << "...Connected" << std::endl;
        show_help();
    }
    signals_.async_wait([this](boost::system::error_code ec, int) {
        if (ec) return;
        if (mode_ == Mode::Interactive || mode_ == Mode::Piped) say("closing socket");
        quit(0);
    });

    name_ = options_.name;
    after_connect();
    if (mode_ == Mode::Interactive || mode_ == Mode::Piped) start_input();
    if (name_.empty()) ask_name();
    io_.run();
    if (terminal_) terminal_->close();
    return exit_code_.value_or(0);
}

// ---- connection --------------------------------------------------------------------

bool App::connect_now(std::string& error) {
    boost::system::error_code ec;
    tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (!ec) asio::connect(socket_, endpoints, ec);
    if (ec) {
        error = ec.message();
        return false;
    }
    socket_.set_option(tcp::no_delay(true), ec);
    return true;
}

void App::after_connect() {
    connected_ = true;
    read_buffer_.clear();
    read_next();
    if (!name_.empty()) {
        stage_ = Stage::WaitWelcome;
        send(hello_frame(name_));
    }
}

void App::read_next() {
    asio::async_read_until(socket_, asio::dynamic_buffer(read_buffer_), '\n',
                           [this](boost::system::error_code ec, std::size_t n) {
                               if (ec) {
                                   if (ec != asio::error::operation_aborted) {
                                       connection_lost(ec == asio::error::eof
                                                           ? "the server closed the connection"
                                                           : ec.message());
                                   }
                                   return;
                               }
                               std::string line = read_buffer_.substr(0, n - 1);
                               read_buffer_.erase(0, n);
                               on_server_line(std::move(line));
                               if (connected_ && !exit_code_) read_next();
                           });
}

void App::send(std::string frame) {
    if (!connected_) return;
    if (options_.verbose) say("\tsending \"" + frame.substr(0, frame.size() - 1) + "\"");
    write_queue_.push_back(std::move(frame));
    write_next();
}

void App::write_next() {
    if (writing_ || write_queue_.empty()) return;
    writing_ = true;
    asio::async_write(socket_, asio::buffer(write_queue_.front()),
                      [this](boost::system::error_code ec, std::size_t) {
                          writing_ = false;
                          if (!write_queue_.empty()) write_queue_.pop_front();
                          if (ec) {
                              if (ec != asio::error::operation_aborted) {
                                  connection_lost(ec.message());
                              }
                              return;
                          }
                          if (exit_code_ && write_queue_.empty()) {
                              io_.stop();
                              return;
                          }
                          write_next();
                      });
}

void App::connection_lost(const std::string& why) {
    if (!connected_) return;
    connected_ = false;
    boost::system::error_code ec;
    socket_.close(ec);
    write_queue_.clear();
    if (exit_code_) {
        io_.stop();
        return;
    }
    if (mode_ == Mode::Send) {
        std::cerr << "hubchat: lost the connection to the server (" << why << ")" << std::endl;
        quit(1);
        return;
    }
    if (!announced_loss_) {
        // Once, unlike the original's endless "Received dummy ping..." loop.
        announced_loss_ = true;
        say("Connection to the server lost (" + why + "); reconnecting...");
    }
    backoff_ = std::chrono::milliseconds(500);
    reconnect_timer_.expires_after(backoff_);
    reconnect_timer_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) try_reconnect();
    });
}

void App::try_reconnect() {
    if (exit_code_) return;
    socket_ = tcp::socket(io_);
    tcp::resolver resolver(io_);
    boost::system::error_code ec;
    const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    auto retry = [this] {
        backoff_ = std::min(backoff_ * 2, kMaxBackoff);
        reconnect_timer_.expires_after(backoff_);
        reconnect_timer_.async_wait([this](boost::system::error_code wait_ec) {
            if (!wait_ec) try_reconnect();
        });
    };
    if (ec) return retry();
    asio::async_connect(socket_, endpoints,
                        [this, retry](boost::system::error_code connect_ec, const tcp::endpoint&) {
                            if (exit_code_) return;
                            if (connect_ec) return retry();
                            boost::system::error_code opt_ec;
                            socket_.set_option(tcp::no_delay(true), opt_ec);
                            after_connect();
                        });
}

void App::on_server_line(std::string line) {
    if (options_.verbose) say("\treceived '" + line + "'");
    auto parsed = parse_frame(line);
    if (!parsed) return;
    const boost::json::object& frame = *parsed;
    const std::string type = frame_type(frame);

    if (type == "welcome") return on_welcome(frame);
    if (type == "error") return on_error_frame(frame);
    if (type == "pong") {
        const auto ref = ref_of(frame);
        if (mode_ == Mode::Send && ref == send_ping_ref_) {
            // Every reply to the message came before this pong.
            quit(send_acked_ && !send_failed_ ? 0 : 1);
        } else if (exit_ping_ref_ != 0 && ref == exit_ping_ref_) {
            quit(0);
        }
        return;
    }
    if (type == "ack") {
        if (mode_ == Mode::Send && ref_of(frame) == send_ref_) {
            send_acked_ = true;
            if (frame.contains("failed")) send_failed_ = true;
        }
        return;
    }
    if (type == "join" && string_field(frame, "user") == name_) {
        joined_rooms_.insert(string_field(frame, "room"));
    } else if (type == "leave" && string_field(frame, "user") == name_) {
        joined_rooms_.erase(string_field(frame, "room"));
    }
    if (mode_ == Mode::Send) return;
    if (mode_ == Mode::Listen) {
        if (options_.json) {
            if (type == "message") say(line);
        } else if (auto text = render_for_listen(frame)) {
            say(*text);
        }
        if (type == "shutdown") std::cerr << "hubchat: " << string_field(frame, "message") << "\n";
        return;
    }
    for (const auto& shown : render_for_person(frame, color_)) say(shown);
}

void App::on_welcome(const boost::json::object& frame) {
    name_ = string_field(frame, "name");
    const bool again = ever_welcomed_;
    ever_welcomed_ = true;
    if (again) {
        announced_loss_ = false;
        say("Reconnected to the server as " + name_ + ".");
        // The server forgot our rooms with the old connection.
        for (const auto& room : joined_rooms_) send(room_frame("join", room, next_ref_++));
    }
    if (mode_ == Mode::Send) {
        send_ref_ = next_ref_++;
        send(message_frame(options_.to, options_.send, send_ref_));
        send_ping_ref_ = next_ref_++;
        send(request_frame("ping", send_ping_ref_));
        return;
    }
    if (stage_ == Stage::WaitWelcome) enter_chat();
}

void App::on_error_frame(const boost::json::object& frame) {
    const std::string code = string_field(frame, "code");
    const std::string text = string_field(frame, "message");
    if (stage_ == Stage::WaitWelcome && (code == "name_taken" || code == "bad_name")) {
        if (mode_ == Mode::Interactive || (mode_ == Mode::Piped && options_.name.empty())) {
            say("Error: " + text);
            ask_name();
            drain_early_input();
            return;
        }
        std::cerr << "hubchat: " << text << std::endl;
        quit(1);
        return;
    }
    if (mode_ == Mode::Send || mode_ == Mode::Listen) {
        std::cerr << "hubchat: " << text << std::endl;
        if (mode_ == Mode::Send && ref_of(frame) == send_ref_) send_failed_ = true;
        return;
    }
    say("Error: " + text);
}

// ---- input -------------------------------------------------------------------------

void App::start_input() {
    if (mode_ == Mode::Interactive) {
        terminal_ = std::make_unique<Terminal>(
            [this](std::optional<std::string> line) { on_input(std::move(line)); });
        stdin_ = std::make_unique<asio::posix::stream_descriptor>(io_, ::dup(STDIN_FILENO));
        auto wait = std::make_shared<std::function<void()>>();
        *wait = [this, wait] {
            stdin_->async_wait(asio::posix::stream_descriptor::wait_read,
                               [this, wait](boost::system::error_code ec) {
                                   if (ec || exit_code_) return;
                                   terminal_->on_input_ready();
                                   if (!exit_code_) (*wait)();
                               });
        };
        (*wait)();
        return;
    }
    // Piped stdin may be a file, which epoll cannot watch: a reader thread hands each
    // line to the event loop, where all the state lives.
    std::thread([this] {
        std::string line;
        while (std::getline(std::cin, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            asio::post(io_, [this, line] { on_input(line); });
        }
        asio::post(io_, [this] { on_input(std::nullopt); });
    }).detach();
}

void App::on_input(std::optional<std::string> line) {
    if (exit_code_) return;
    if (stage_ == Stage::WaitWelcome) {
        early_input_.push_back(std::move(line));
        return;
    }
    if (!line) {
        if (mode_ == Mode::Interactive) {
            say("closing socket");
            return quit(0);
        }
        // Piped: leave once the server has answered everything we sent.
        if (!connected_ || stage_ == Stage::AskName) return quit(0);
        exit_ping_ref_ = next_ref_++;
        send(request_frame("ping", exit_ping_ref_));
        return;
    }
    switch (stage_) {
        case Stage::AskName:
            if (is_blank(*line)) {
                say("No empty name please.");
                return ask_name();
            }
            name_ = trimmed(*line);
            stage_ = Stage::WaitWelcome;
            set_prompt("");
            if (!connected_) return say("Not connected to the server yet; will retry.");
            send(hello_frame(name_));
            return;
        case Stage::WaitWelcome:
            return;  // queued above
        case Stage::Chat:
            return on_chat_line(*line);
        case Stage::AskDest:
            if (is_blank(*line)) {
                say("No empty name please.");
                return;
            }
            stage_ = Stage::Chat;
            set_prompt(kYouSay);
            send_message(*line, pending_text_);
            pending_text_.clear();
            return;
    }
}

void App::on_chat_line(const std::string& line) {
    const Action action = interpret(line);
    std::visit(
        [&](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, action::Quit>) {
                say("closing socket");
                quit(0);
            } else if constexpr (std::is_same_v<T, action::ListUsers>) {
                if (options_.verbose) say("\tClient List Request sent");
                if (!connected_) return say("Not connected to the server; try again shortly.");
                send(request_frame("list", next_ref_++));
            } else if constexpr (std::is_same_v<T, action::Help>) {
                show_help();
            } else if constexpr (std::is_same_v<T, action::Empty>) {
                say("No empty message please.");
            } else if constexpr (std::is_same_v<T, action::AskDest>) {
                if (!options_.to.empty()) return send_message(options_.to, a.text);
                pending_text_ = a.text;
                stage_ = Stage::AskDest;
                set_prompt(kDestName);
            } else if constexpr (std::is_same_v<T, action::Send>) {
                send_message(a.dest, a.text);
            } else if constexpr (std::is_same_v<T, action::Join>) {
                send(room_frame("join", a.room, next_ref_++));
            } else if constexpr (std::is_same_v<T, action::Leave>) {
                send(room_frame("leave", a.room, next_ref_++));
            } else if constexpr (std::is_same_v<T, action::Rooms>) {
                send(request_frame("rooms", next_ref_++));
            } else if constexpr (std::is_same_v<T, action::Who>) {
                if (a.room.empty()) {
                    send(request_frame("list", next_ref_++));
                } else {
                    send(room_frame("members", a.room, next_ref_++));
                }
            } else if constexpr (std::is_same_v<T, action::Problem>) {
                say(a.text);
            }
        },
        action);
}

void App::send_message(const std::string& dest, const std::string& text) {
    if (!connected_) return say("Not connected to the server; message not sent.");
    send(message_frame(dest, text, next_ref_++));
}

void App::ask_name() {
    stage_ = Stage::AskName;
    if (mode_ == Mode::Interactive) set_prompt(kYourName);
}

void App::enter_chat() {
    stage_ = Stage::Chat;
    set_prompt(kYouSay);
    drain_early_input();
}

void App::drain_early_input() {
    // Lines typed while waiting for the server answer whatever prompt comes next.
    while (!early_input_.empty() && stage_ != Stage::WaitWelcome && !exit_code_) {
        auto line = std::move(early_input_.front());
        early_input_.pop_front();
        on_input(std::move(line));
    }
}

void App::set_prompt(const char* prompt) {
    if (terminal_) terminal_->set_prompt(prompt);
}

// ---- output ------------------------------------------------------------------------

void App::say(std::string_view text) {
    if (terminal_) return terminal_->print(text);
    std::cout << text << '\n' << std::flush;
}

void App::show_help() {
    say("To exit, type Q, QUIT, or EXIT (lower or upper case)");
    say("To get the list of connected clients, type L (lower or upper case)");
    say("To see this message again, type H (lower or upper case)");
    if (mode_ == Mode::Interactive) {
        say("In one line: @name text, @alice,bob text, @ALL text, #room text");
        say("Rooms: /join #room, /leave #room, /rooms, /who, /who #room");
    }
}

void App::quit(int code) {
    if (exit_code_) return;
    exit_code_ = code;
    if (terminal_) terminal_->close();
    reconnect_timer_.cancel();
    signals_.cancel();
    if (stdin_) stdin_->cancel();
    // Let a message typed just before quitting leave first.
    if (!writing_ || !connected_) io_.stop();
}

}  // namespace hubchat::client
