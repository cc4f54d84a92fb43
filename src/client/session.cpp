#include "client/session.hpp"

#include <algorithm>
#include <chrono>
#include <type_traits>
#include <utility>

#include "client/commands.hpp"
#include "client/render.hpp"
#include "core/names.hpp"

namespace hubchat::client {
namespace {

std::string_view trimmed_view(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return s.substr(first, last - first + 1);
}

std::string trimmed(std::string_view s) {
    return std::string(trimmed_view(s));
}

// The answers to a hello that leave the connection unregistered, ready for another.
bool is_hello_refusal(const event::Error& error) {
    return error.code == "name_taken" || error.code == "bad_name" ||
           error.code == "name_registered" || error.code == "account_required" ||
           error.code == "login_failed" || error.code == "rate_limited" ||
           error.code == "access_denied";
}

// Refusals a password typed at the terminal can answer.
bool wants_password(const event::Error& error) {
    return error.code == "name_registered" || error.code == "account_required" ||
           error.code == "login_failed" || error.code == "rate_limited";
}

// Overwritten before it is freed: a password should not linger in freed memory.
void forget(std::string& secret) {
    std::fill(secret.begin(), secret.end(), '\0');
    secret.clear();
}

void forget(std::optional<std::string>& secret) {
    if (secret) forget(*secret);
    secret.reset();
}

// `dest` (`bob`, `bob,carol`, `#dev`, `ALL`) with the user once called `from` named `to`.
std::string with_name_changed(const std::string& dest, std::string_view from, std::string_view to) {
    std::string changed;
    bool found = false;
    std::string_view rest = dest;
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view part = trimmed_view(rest.substr(0, comma));
        if (!part.empty()) {
            const bool is_from = names::same(part, from);
            found = found || is_from;
            if (!changed.empty()) changed += ',';
            changed += is_from ? to : part;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return found ? changed : dest;
}

// What --verbose shows of a frame carrying a password.
constexpr std::string_view kHidden = "********";

}  // namespace

ChatSession::ChatSession(Host& host, ChatConfig config)
    : host_(host),
      config_(std::move(config)),
      name_(trimmed(config_.name)),
      password_(config_.credentials.password),
      server_password_(config_.credentials.server_password),
      sign_up_(config_.sign_up && password_),
      file_signs_up_(sign_up_) {}

// ---- connection ---------------------------------------------------------------------

void ChatSession::connected() {
    connected_ = true;
    // A password being typed goes with the next hello, once entered.
    if (stage_ == Stage::AskPassword || stage_ == Stage::AskServerPassword ||
        stage_ == Stage::SignUpPassword || stage_ == Stage::SignUpPasswordAgain) {
        return;
    }
    if (!name_.empty()) {
        register_name();
    } else if (stage_ == Stage::AskName) {
        ask_name();
    }
}

void ChatSession::disconnected(std::string_view why) {
    connected_ = false;
    rooms_ping_.reset();
    if (std::exchange(expect_drop_, false)) return;  // /login's: lines wait for the welcome
    awaiting_welcome_ = false;
    // A sign-up lost before its welcome is tried again (the hello stays a sign-up); one
    // lost after it is done, but its `registered` will not come.
    sign_up_ref_.reset();
    if (register_ref_) {
        // Whether it was registered is unknown: the next hello finds out (and, if it was,
        // the password is asked).
        register_ref_.reset();
        forget(registering_);
    }
    if (finished_) return;
    if (leave_ping_) return leave_now();  // no more answers will come
    if (!loss_announced_) {
        // Once, not the original's endless "Received dummy ping..." loop.
        loss_announced_ = true;
        host_.show("Connection to the server lost (" + std::string(why) + "); reconnecting...");
    }
}

void ChatSession::received(std::string_view line) {
    if (config_.verbose) host_.show("\treceived '" + printable(line) + "'");
    const std::optional<ServerEvent> decoded = decode_server_line(line);
    if (!decoded || finished_) return;
    const ServerEvent& event = *decoded;
    std::visit(
        [&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, event::Welcome>) {
                on_welcome(e);
            } else if constexpr (std::is_same_v<E, event::Error>) {
                on_error(e);
            } else if constexpr (std::is_same_v<E, event::Pong>) {
                on_pong(e);
            } else if constexpr (std::is_same_v<E, event::Chat>) {
                on_chat(e);
            } else if constexpr (std::is_same_v<E, event::Ack>) {
                on_ack(e);
            } else if constexpr (std::is_same_v<E, event::Replayed>) {
                on_replayed();
            } else if constexpr (std::is_same_v<E, event::History>) {
                show_all(history_lines(e, now_ms()));
            } else if constexpr (std::is_same_v<E, event::Ping>) {
                transmit(encode_pong(e.ref));  // the server's keepalive
            } else if constexpr (std::is_same_v<E, event::Registered>) {
                on_registered(e);
            } else if constexpr (std::is_same_v<E, event::Joined>) {
                on_presence(event, e.user, e.room, true);
            } else if constexpr (std::is_same_v<E, event::Left>) {
                on_presence(event, e.user, e.room, false);
            } else if constexpr (std::is_same_v<E, event::Renamed>) {
                on_renamed(e);
            } else {
                show_all(lines_for_person(event, config_.color));
            }
        },
        event);
}

void ChatSession::on_welcome(const event::Welcome& welcome) {
    awaiting_welcome_ = false;
    // Signed up, if it was a sign-up: the next connections log in.
    sign_up_ = false;
    file_signs_up_ = false;
    server_password_asked_ = false;
    if (!welcome.name.empty()) name_ = welcome.name;
    const bool loss_was_told = std::exchange(loss_announced_, false);
    if (welcomed_once_) {
        if (switching_from_) {
            switching_from_.reset();
            host_.show("Logged in as " + printable(name_) + ".");
        } else {
            host_.show("Reconnected to the server as " + printable(name_) + ".");
        }
    } else {
        // Lost before the first welcome: the person was told, so is told it is back.
        if (loss_was_told) host_.show("Reconnected to the server as " + printable(name_) + ".");
        welcomed_once_ = true;
    }
    // The hello asked for our rooms again; an older server ignores that (see rooms_ping_).
    if (!rooms_unconfirmed_.empty()) {
        rooms_ping_ = next_ref();
        transmit(encode_query(Query::Ping, *rooms_ping_));
    }
    // Also after a reconnection that had to ask for a name or a password again.
    if (asking_for_name()) {
        stage_ = Stage::Chat;
        host_.prompt(kSayPrompt);
    }
    release_held_input();
}

void ChatSession::on_registered(const event::Registered& registered) {
    if (sign_up_ref_ && registered.ref == sign_up_ref_) {
        sign_up_ref_.reset();  // password_ signed up: it is already the one to log in with
    } else if (register_ref_ && registered.ref == register_ref_) {
        register_ref_.reset();
        forget(password_);
        password_ = std::exchange(registering_, std::nullopt);  // for the reconnections' hellos
    } else {
        return;  // not an answer of ours
    }
    const std::string& name = registered.name.empty() ? name_ : registered.name;
    host_.show("The name " + printable(name) +
               " is now registered to you; log in with this password from now on.");
}

void ChatSession::on_error(const event::Error& error) {
    if (register_ref_ && error.ref == register_ref_) {
        register_ref_.reset();
        forget(registering_);
    } else if (awaiting_welcome_ &&
               (is_hello_refusal(error) || (sign_up_ref_ && error.ref == sign_up_ref_))) {
        return on_hello_refused(error);  // a sign-up's refusals include its password's
    }
    show_all(lines_for_person(error, config_.color));
}

void ChatSession::on_hello_refused(const event::Error& error) {
    awaiting_welcome_ = false;
    const bool signing_up = sign_up_ref_.has_value();
    sign_up_ref_.reset();
    if (switching_from_) {
        // /login refused: back to who we were, on this same connection (still unnamed).
        show_all(lines_for_person(error, config_.color));
        Identity previous = std::move(*switching_from_);
        switching_from_.reset();
        host_.show("Not logged in as " + printable(name_) + "; connecting again as " +
                   printable(previous.name) + ".");
        name_ = std::move(previous.name);
        forget(password_);
        password_ = std::move(previous.password);
        if (connected_) register_name();
        return;
    }
    if (error.code == "access_denied") {
        forget(server_password_);
        if (config_.interactive && !std::exchange(server_password_asked_, true)) {
            show_all(lines_for_person(error, config_.color));
            held_input_.clear();  // typed ahead, so shown on the screen: never a password
            stage_ = Stage::AskServerPassword;
            host_.prompt_secret("Server password> ");
            return;
        }
        finished_ = true;
        host_.warn("hubchat: " + printable(error.message));
        host_.finish(1);
        return;
    }
    if (config_.interactive && error.code == "account_required") {
        // Only a name without an account gets this (one with an account gets
        // name_registered): there is nothing to log in to, so the way on is to create it.
        forget(password_);
        held_input_.clear();  // typed ahead, so shown on the screen: never a password
        host_.show("This server takes only registered users, and " + printable(name_) +
                   " has no account yet.");
        host_.show(
            "To create it, choose its password (typed twice, unseen); or just Enter "
            "to choose another name.");
        return ask_sign_up_password();
    }
    if (config_.interactive && signing_up && error.code == "bad_request") {
        show_all(lines_for_person(error, config_.color));  // the password rules it broke
        forget(password_);
        sign_up_ = false;
        held_input_.clear();
        return ask_sign_up_password();
    }
    if (config_.interactive && wants_password(error)) {
        show_all(lines_for_person(error, config_.color));
        if (error.code == "login_failed" && config_.credentials.password &&
            password_ == config_.credentials.password) {
            // login_failed does not say which: a person who meant to sign up learns how.
            host_.show("The password from --password-file is wrong, or " + printable(name_) +
                       " has no account yet (to create it: Enter, then " + printable(name_) +
                       " again).");
        }
        forget(password_);
        sign_up_ = false;     // the name has an account: its password logs in
        held_input_.clear();  // typed ahead, so shown on the screen: never a password
        return ask_password();
    }
    // The name is refused, or would need a password no terminal can ask for.
    const std::string refused_name = std::exchange(name_, {});
    forget(password_);
    password_ = config_.credentials.password;  // --password-file's, for the next name
    sign_up_ = file_signs_up_;
    // A person is asked again; a pipe may hold the next name to try, unless the name
    // came from --name or the refusal came on a reconnect.
    const bool ask_again = config_.interactive || (config_.name.empty() && !welcomed_once_);
    if (!ask_again) {
        finished_ = true;
        for (const auto& line : script_refusal_lines(error, refused_name, signing_up)) {
            host_.warn(line);
        }
        host_.finish(1);
        return;
    }
    host_.show("Error: " + printable(error.message));
    stage_ = Stage::AskName;
    ask_name();
    release_held_input();
}

void ChatSession::on_presence(const ServerEvent& event, std::string_view user,
                              std::string_view room, bool joined) {
    if (names::same(user, name_) && room != names::kAllRoom) {
        const auto is_this_room = [&](const std::string& r) { return names::same(r, room); };
        auto known = std::find_if(rooms_.begin(), rooms_.end(), is_this_room);
        if (joined && known == rooms_.end()) rooms_.emplace_back(room);
        if (!joined && known != rooms_.end()) rooms_.erase(known);
        std::erase_if(rooms_unconfirmed_, is_this_room);
    }
    show_all(lines_for_person(event, config_.color));
}

void ChatSession::on_renamed(const event::Renamed& renamed) {
    // The names kept here follow the person: /history and --to go on reaching them, and
    // never whoever takes the old name next.
    if (renamed.to.empty()) return;
    conversation_ = with_name_changed(conversation_, renamed.from, renamed.to);
    config_.to = with_name_changed(config_.to, renamed.from, renamed.to);
    // Only IRC's NICK renames today, so this is not expected; if it comes, the server
    // knows this connection by the new name (own messages, the next hello).
    if (names::same(name_, renamed.from)) name_ = renamed.to;
    show_all(lines_for_person(renamed, config_.color));
}

void ChatSession::on_chat(const event::Chat& chat) {
    if (!stream_.accept(chat)) return;  // shown already
    if (chat.id && config_.resume_points && !name_.empty()) {
        config_.resume_points->seen(name_, *chat.id);
    }
    host_.show(chat_line(chat, config_.color, name_, now_ms()));
}

void ChatSession::on_ack(const event::Ack& ack) {
    if (ack.id) stream_.sent(*ack.id);  // a replay may bring it back: not shown then
    if (auto line = kept_for_line(ack)) host_.show(*line);
}

void ChatSession::on_replayed() {
    const std::optional<std::size_t> shown = stream_.replayed();
    if (!shown) return;
    if (auto line = replay_summary_line(*shown)) host_.show(*line);
}

void ChatSession::on_pong(const event::Pong& pong) {
    if (leave_ping_ && pong.ref == leave_ping_) return leave_now();
    if (rooms_ping_ && pong.ref == rooms_ping_) {
        rooms_ping_.reset();
        // This server did not join them as the hello asked: an older one.
        for (const auto& room : std::exchange(rooms_unconfirmed_, {})) {
            transmit(encode_room_request(RoomRequest::Join, room, next_ref()));
        }
    }
}

// ---- input --------------------------------------------------------------------------

void ChatSession::interrupted() {
    leave_now();
}

void ChatSession::typed(std::optional<std::string> line) {
    if (finished_ || leave_ping_) return;  // leaving: the rest of the input is not read
    if (awaiting_welcome_) {
        held_input_.push_back(std::move(line));
        return;
    }
    handle(std::move(line));
}

void ChatSession::release_held_input() {
    while (!held_input_.empty() && !awaiting_welcome_ && !finished_ && !leave_ping_) {
        std::optional<std::string> line = std::move(held_input_.front());
        held_input_.pop_front();
        handle(std::move(line));
    }
}

void ChatSession::handle(std::optional<std::string> line) {
    if (!line) return end_of_input();
    switch (stage_) {
        case Stage::AskName:
            if (is_blank(*line)) {
                host_.show("No empty name please.");
                return ask_name();
            }
            if (!names::same(trimmed(*line), name_)) password_hint_shown_ = false;
            name_ = trimmed(*line);
            if (connected_) register_name();
            return;
        case Stage::AskPassword:
        case Stage::AskServerPassword:
        case Stage::SignUpPassword:
        case Stage::SignUpPasswordAgain:
        case Stage::NewPassword:
        case Stage::NewPasswordAgain:
        case Stage::LoginPassword:
            return handle_secret(stage_, std::move(*line));
        case Stage::AskDest: {
            const std::string dest = normalize_dest(*line);
            if (dest.empty()) {
                host_.show("No empty name please.");  // and `Dest name> ` again
                return;
            }
            stage_ = Stage::Chat;
            host_.prompt(kSayPrompt);
            send_message(dest, pending_text_);
            pending_text_.clear();
            return;
        }
        case Stage::Chat:
            return handle_chat_line(*line);
    }
}

void ChatSession::handle_secret(Stage stage, std::string line) {
    switch (stage) {
        case Stage::AskPassword:
            if (line.empty()) {  // not this name's owner: another name, then
                forget(password_);
                name_.clear();
                return ask_name();
            }
            password_ = std::move(line);
            stage_ = Stage::AskName;  // answered: the hello goes now, or once connected
            host_.prompt("");
            if (connected_) register_name();
            return;
        case Stage::AskServerPassword:
            server_password_ = std::move(line);
            stage_ = Stage::AskName;
            host_.prompt("");
            if (connected_) register_name();
            return;
        case Stage::SignUpPassword:
            if (line.empty()) {  // not this name, then
                name_.clear();
                return ask_name();
            }
            new_password_ = std::move(line);
            stage_ = Stage::SignUpPasswordAgain;
            return host_.prompt_secret("Again> ");
        case Stage::SignUpPasswordAgain: {
            std::string first = std::exchange(new_password_, {});
            const bool same = first == line;
            forget(line);
            if (!same) {
                forget(first);
                host_.show("The passwords differ; type it twice again.");
                return ask_sign_up_password();
            }
            password_ = std::move(first);
            sign_up_ = true;
            stage_ = Stage::AskName;  // answered: the hello goes now, or once connected
            host_.prompt("");
            if (connected_) register_name();
            return;
        }
        case Stage::NewPassword:
            if (line.empty()) {
                stage_ = Stage::Chat;
                host_.prompt(kSayPrompt);
                return host_.show("No password given; nothing registered.");
            }
            new_password_ = std::move(line);
            stage_ = Stage::NewPasswordAgain;
            return host_.prompt_secret("Again> ");
        case Stage::NewPasswordAgain: {
            stage_ = Stage::Chat;
            host_.prompt(kSayPrompt);
            std::string first = std::exchange(new_password_, {});
            const bool same = first == line;
            forget(line);
            if (!same) {
                forget(first);
                return host_.show("The passwords differ; nothing registered.");
            }
            if (!can_reach_server("Not connected to the server; nothing registered.")) {
                return forget(first);
            }
            register_ref_ = next_ref();
            registering_ = std::move(first);
            transmit(encode_register(*registering_, *register_ref_),
                     encode_register(kHidden, *register_ref_));
            return;
        }
        case Stage::LoginPassword: {
            stage_ = Stage::Chat;
            host_.prompt(kSayPrompt);
            std::string name = std::exchange(login_name_, {});
            if (line.empty()) {
                return host_.show("No password given; still " + printable(name_) + ".");
            }
            if (!can_reach_server("Not connected to the server; try again shortly.")) {
                return forget(line);
            }
            // A welcomed connection cannot say hello again: leave it and come back as
            // `name` on a new one; the reconnection's welcome joins the rooms again.
            switching_from_ = Identity{name_, std::move(password_)};
            name_ = std::move(name);
            password_ = std::move(line);
            expect_drop_ = true;
            awaiting_welcome_ = true;  // lines typed meanwhile wait for the new welcome
            transmit(encode_quit());
            host_.reconnect();
            return;
        }
        case Stage::AskName:
        case Stage::Chat:
        case Stage::AskDest:
            return;
    }
}

bool ChatSession::asking_for_name() const {
    return stage_ == Stage::AskName || stage_ == Stage::AskPassword ||
           stage_ == Stage::AskServerPassword || stage_ == Stage::SignUpPassword ||
           stage_ == Stage::SignUpPasswordAgain;
}

void ChatSession::handle_chat_line(const std::string& line) {
    std::visit(
        [&](const auto& a) {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, action::Quit>) {
                if (config_.interactive) return leave_now();
                leave_after_replies();
            } else if constexpr (std::is_same_v<A, action::ListUsers>) {
                if (!can_reach_server("Not connected to the server; try again shortly.")) return;
                if (config_.verbose) host_.show("\tClient List Request sent");
                transmit(encode_query(Query::List, next_ref()));
            } else if constexpr (std::is_same_v<A, action::Help>) {
                show_all(help_lines());
            } else if constexpr (std::is_same_v<A, action::Commands>) {
                show_all(command_lines());
            } else if constexpr (std::is_same_v<A, action::Empty>) {
                host_.show("No empty message please.");
            } else if constexpr (std::is_same_v<A, action::AskDest>) {
                if (!config_.to.empty()) return send_message(config_.to, a.text);
                pending_text_ = a.text;
                stage_ = Stage::AskDest;
                host_.prompt(kDestPrompt);
            } else if constexpr (std::is_same_v<A, action::Send>) {
                send_message(a.dest, a.text);
            } else if constexpr (std::is_same_v<A, action::Problem>) {
                host_.show(a.text);
            } else if constexpr (std::is_same_v<A, action::Register>) {
                start_register();
            } else if constexpr (std::is_same_v<A, action::Login>) {
                start_login(a.name);
            } else if constexpr (std::is_same_v<A, action::History>) {
                show_history(a);
            } else {
                if (!can_reach_server("Not connected to the server; try again shortly.")) return;
                if constexpr (std::is_same_v<A, action::Join>) {
                    conversation_ = a.room;
                    transmit(encode_room_request(RoomRequest::Join, a.room, next_ref()));
                } else if constexpr (std::is_same_v<A, action::Leave>) {
                    if (names::same(conversation_, a.room)) conversation_ = names::kAllRoom;
                    transmit(encode_room_request(RoomRequest::Leave, a.room, next_ref()));
                } else if constexpr (std::is_same_v<A, action::Rooms>) {
                    transmit(encode_query(Query::Rooms, next_ref()));
                } else if constexpr (std::is_same_v<A, action::Who>) {
                    if (a.room.empty()) {
                        transmit(encode_query(Query::List, next_ref()));
                    } else {
                        transmit(encode_room_request(RoomRequest::Members, a.room, next_ref()));
                    }
                }
            }
        },
        interpret(line));
}

void ChatSession::end_of_input() {
    // At a terminal Ctrl-D means now; a pipe's end means "once everything is answered".
    if (config_.interactive) return leave_now();
    leave_after_replies();
}

// ---- steps --------------------------------------------------------------------------

void ChatSession::ask_name() {
    stage_ = Stage::AskName;
    host_.prompt(kNamePrompt);
}

void ChatSession::ask_password() {
    stage_ = Stage::AskPassword;
    if (!std::exchange(password_hint_shown_, true)) {
        host_.show("Type the password of " + printable(name_) +
                   ", or just Enter to choose another name.");
    }
    host_.prompt_secret("Password for " + printable(name_) + "> ");
}

void ChatSession::ask_sign_up_password() {
    stage_ = Stage::SignUpPassword;
    host_.prompt_secret("New password for " + printable(name_) + "> ");
}

void ChatSession::start_register() {
    if (!config_.interactive) {
        return host_.show("/register needs a terminal, to ask for the password unseen.");
    }
    if (!can_reach_server("Not connected to the server; try again shortly.")) return;
    stage_ = Stage::NewPassword;
    host_.prompt_secret("New password for " + printable(name_) + "> ");
}

void ChatSession::start_login(std::string name) {
    if (!config_.interactive) {
        return host_.show("/login needs a terminal, to ask for the password unseen.");
    }
    if (!can_reach_server("Not connected to the server; try again shortly.")) return;
    login_name_ = std::move(name);
    stage_ = Stage::LoginPassword;
    host_.prompt_secret("Password for " + printable(login_name_) + "> ");
}

void ChatSession::register_name() {
    awaiting_welcome_ = true;
    // Nothing to type until the server answers.
    if (!welcomed_once_ || asking_for_name()) host_.prompt("");
    // Pick up after the last message this client showed; at start, after the last one
    // the previous run showed to this name.
    Resume resume{stream_.last_id(), rooms_};
    if (!resume.since && config_.resume_points) {
        resume.since = config_.resume_points->last_seen(name_);
    }
    stream_.resume(resume.since);
    rooms_unconfirmed_ = rooms_;
    rooms_ping_.reset();
    const Credentials credentials{password_, server_password_};
    if (!password_ && !server_password_) return transmit(encode_hello(name_, {}, resume));
    const Credentials hidden{password_ ? std::optional<std::string>(kHidden) : std::nullopt,
                             server_password_ ? std::optional<std::string>(kHidden) : std::nullopt};
    if (sign_up_ && password_) {
        sign_up_ref_ = next_ref();
        return transmit(encode_sign_up(name_, credentials, *sign_up_ref_, resume),
                        encode_sign_up(name_, hidden, *sign_up_ref_, resume));
    }
    transmit(encode_hello(name_, credentials, resume), encode_hello(name_, hidden, resume));
}

void ChatSession::show_history(const action::History& history) {
    if (!can_reach_server("Not connected to the server; try again shortly.")) return;
    transmit(encode_history(history.with.empty() ? conversation_ : history.with, history.count,
                            next_ref()));
}

void ChatSession::leave_after_replies() {
    // Whatever was sent is answered before the pong: errors are shown, and a message is
    // delivered before the connection closes.
    if (!connected_ || awaiting_welcome_ || !welcomed_once_) return leave_now();
    leave_ping_ = next_ref();
    transmit(encode_query(Query::Ping, *leave_ping_));
}

void ChatSession::leave_now() {
    if (finished_) return;
    finished_ = true;
    host_.show("closing socket");
    if (connected_) transmit(encode_quit());
    host_.finish(0);
}

bool ChatSession::can_reach_server(std::string_view refusal) {
    if (connected_) return true;
    host_.show(refusal);
    return false;
}

void ChatSession::send_message(std::string_view dest, std::string_view text) {
    if (!can_reach_server("Not connected to the server; message not sent.")) return;
    // One room or person is the conversation /history looks at; a list is not.
    if (dest.find(',') == std::string_view::npos) {
        conversation_ = names::is_all(dest) ? std::string(names::kAllRoom) : std::string(dest);
    }
    transmit(encode_message(dest, text, next_ref()));
}

void ChatSession::transmit(std::string frame, std::optional<std::string> shown) {
    if (config_.verbose) {
        const std::string& text = shown ? *shown : frame;
        host_.show("\tsending \"" + printable(std::string_view(text).substr(0, text.size() - 1)) +
                   "\"");
    }
    host_.send(std::move(frame));
}

void ChatSession::show_all(const std::vector<std::string>& lines) {
    for (const auto& line : lines) host_.show(line);
}

std::int64_t ChatSession::now_ms() const {
    if (config_.now_ms) return config_.now_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace hubchat::client
