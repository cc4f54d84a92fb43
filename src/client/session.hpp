// The client's behaviour, apart from any I/O: a Session reacts to what happens (the
// connection came up or went away, a server line, a typed line, Ctrl-C) by asking its
// Host to send, show, prompt or finish. The runtime (app.cpp) is the real Host, with Asio
// and libedit; the unit tests use a recording one.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/codec.hpp"
#include "client/commands.hpp"
#include "client/last_seen.hpp"
#include "client/message_stream.hpp"

namespace hubchat::client {

class Host {
  public:
    virtual ~Host() = default;
    // One frame to the server. Sessions only send while connected.
    virtual void send(std::string frame) = 0;
    // One line for the user (stdout), printed above the line being typed.
    virtual void show(std::string_view line) = 0;
    // One line about a failure (stderr).
    virtual void warn(std::string_view line) = 0;
    // The prompt for the next input line; "" for none.
    virtual void prompt(std::string_view text) = 0;
    // The prompt for the next input line only, which is a password: typed without echo
    // and kept out of the history. The line after it goes back to prompt()'s; sessions
    // say which prompt follows a password by calling prompt() or prompt_secret() again.
    // Only sessions at a terminal ask this.
    virtual void prompt_secret(std::string_view text) = 0;
    // Drop the connection once the frames already sent have left, and connect again at
    // once: disconnected() then connected() follow.
    virtual void reconnect() = 0;
    // Stop with this exit code, once the frames already sent have left.
    virtual void finish(int exit_code) = 0;
};

class Session {
  public:
    virtual ~Session() = default;
    // A connection to the server is up (first time or again). The host reconnects by
    // itself after `disconnected`, until the session finishes.
    virtual void connected() = 0;
    virtual void disconnected(std::string_view why) = 0;
    // One line from the server, without its '\n'.
    virtual void received(std::string_view line) = 0;
    // One input line as typed; nullopt at end of input (Ctrl-D, end of the pipe).
    virtual void typed(std::optional<std::string> line) = 0;
    // Ctrl-C or SIGTERM.
    virtual void interrupted() = 0;
};

struct ChatConfig {
    std::string name;         // --name: registered without asking
    Credentials credentials;  // --password-file, --server-password-file: in every hello
    bool sign_up = false;     // --sign-up: the first hello creates the account (password set)
    std::string to;           // --to: plain lines go there without asking `Dest name> `
    bool interactive = true;  // a person at a terminal: prompts; names are asked again
    bool color = false;       // chat lines in red, as the original
    bool verbose = false;     // show every frame, as the original's --verbose:true
    // The last message seen per name on this server, kept between runs: the first hello
    // resumes from it. None (pipes, tests): only reconnections resume.
    ResumePoints* resume_points = nullptr;
    // Now, in ms since the epoch: dates replayed messages. The system clock when empty.
    std::function<std::int64_t()> now_ms;
};

// The chat client proper, at a terminal or fed by a pipe: the original's questions and
// commands, hubchat's one-line sends and rooms, registration and re-registration, and
// accounts: the passwords a server asks for, /register and /login, and signing up where
// the server takes only registered users. Passwords live only in this object's memory, for
// the hellos of reconnections.
class ChatSession final : public Session {
  public:
    ChatSession(Host& host, ChatConfig config);

    void connected() override;
    void disconnected(std::string_view why) override;
    void received(std::string_view line) override;
    void typed(std::optional<std::string> line) override;
    void interrupted() override;

  private:
    enum class Stage {
        AskName,
        AskPassword,          // the name is registered: its password, or Enter for another name
        AskServerPassword,    // a private hub
        SignUpPassword,       // the name has no account and the server needs one: create it
        SignUpPasswordAgain,  // ...with the same password typed twice
        Chat,
        AskDest,
        NewPassword,       // /register
        NewPasswordAgain,  // /register, to catch a typing mistake
        LoginPassword,     // /login NAME
    };
    // Who this client was before a /login, to go back to if the server refuses the new
    // name. Set from the /login until the server answers the hello.
    struct Identity {
        std::string name;
        std::optional<std::string> password;
    };

    void handle(std::optional<std::string> line);
    void handle_chat_line(const std::string& line);
    void handle_secret(Stage stage, std::string line);
    bool asking_for_name() const;
    void release_held_input();
    void end_of_input();

    void on_welcome(const event::Welcome& welcome);
    void on_error(const event::Error& error);
    void on_hello_refused(const event::Error& error);
    void on_registered(const event::Registered& registered);
    void on_presence(const ServerEvent& event, std::string_view user, std::string_view room,
                     bool joined);
    void on_renamed(const event::Renamed& renamed);
    void on_chat(const event::Chat& chat);
    void on_ack(const event::Ack& ack);
    void on_replayed();
    void on_pong(const event::Pong& pong);
    void show_history(const action::History& history);

    void ask_name();
    void ask_password();
    void ask_sign_up_password();
    void start_register();
    void start_login(std::string name);
    void register_name();
    void leave_after_replies();
    void leave_now();

    bool can_reach_server(std::string_view refusal);
    void send_message(std::string_view dest, std::string_view text);
    // `shown`: what --verbose prints instead of the frame, when it holds a password.
    void transmit(std::string frame, std::optional<std::string> shown = std::nullopt);
    void show_all(const std::vector<std::string>& lines);
    std::int64_t now_ms() const;
    std::uint64_t next_ref() { return next_ref_++; }

    Host& host_;
    ChatConfig config_;
    Stage stage_ = Stage::AskName;
    std::string name_;                     // registered or being registered; empty: ask for one
    std::optional<std::string> password_;  // name_'s, in every hello
    std::optional<std::string> server_password_;  // in every hello
    bool server_password_asked_ = false;          // asked once for each refusal streak
    bool password_hint_shown_ = false;            // "Enter alone to choose another name"
    bool sign_up_ = false;                        // the next hello creates password_'s account
    bool file_signs_up_ = false;                  // --sign-up's file password, until welcomed
    std::optional<std::uint64_t> sign_up_ref_;    // the sign-up hello's, until `registered`
    std::string new_password_;                    // /register's or a sign-up's first answer
    std::optional<std::string> registering_;      // /register sent with this password...
    std::optional<std::uint64_t> register_ref_;   // ...and this ref
    std::string login_name_;                      // /login's NAME, while its password is asked
    std::optional<Identity> switching_from_;      // a /login under way
    bool expect_drop_ = false;                    // the drop asked for by /login: not a loss
    bool connected_ = false;
    bool awaiting_welcome_ = false;
    bool welcomed_once_ = false;
    bool loss_announced_ = false;
    bool finished_ = false;
    std::optional<std::uint64_t> leave_ping_;  // leave once this pong is back
    std::string pending_text_;                 // a message waiting for its `Dest name> `
    // Lines typed while the server had not yet answered the hello: they answer whatever
    // question comes next, as they would have had the answer been instant.
    std::deque<std::optional<std::string>> held_input_;
    std::vector<std::string> rooms_;  // joined; in the hello of every reconnection
    // Rooms a hello asked for that the server has not joined yet. A server older than
    // `rooms` in the hello ignores them: whatever is left when the pong of a ping sent after
    // the welcome comes back (after the hello's joins) is joined the old way.
    std::vector<std::string> rooms_unconfirmed_;
    std::optional<std::uint64_t> rooms_ping_;
    MessageStream stream_;              // ids seen: where the next hello resumes; no repeats
    std::string conversation_ = "ALL";  // where /history looks: the last room or person written to
    std::uint64_t next_ref_ = 1;
};

}  // namespace hubchat::client
