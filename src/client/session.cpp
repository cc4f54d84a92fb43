#include "client/session.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "client/commands.hpp"
#include "client/render.hpp"
#include "core/names.hpp"

namespace hubchat::client {
namespace {

std::string trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return std::string(s.substr(first, last - first + 1));
}

bool is_name_refusal(const event::Error& error) {
    return error.code == "name_taken" || error.code == "bad_name";
}

}  // namespace

ChatSession::ChatSession(Host& host, ChatConfig config)
    : host_(host), config_(std::move(config)), name_(trimmed(config_.name)) {}

// ---- connection ---------------------------------------------------------------------

void ChatSession::connected() {
    connected_ = true;
    if (!name_.empty()) {
        register_name();
    } else if (stage_ == Stage::AskName) {
        ask_name();
    }
}

void ChatSession::disconnected(std::string_view why) {
    connected_ = false;
    awaiting_welcome_ = false;
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
                if (leave_ping_ && e.ref == leave_ping_) leave_now();
            } else if constexpr (std::is_same_v<E, event::Joined>) {
                on_presence(event, e.user, e.room, true);
            } else if constexpr (std::is_same_v<E, event::Left>) {
                on_presence(event, e.user, e.room, false);
            } else {
                show_all(lines_for_person(event, config_.color));
            }
        },
        event);
}

void ChatSession::on_welcome(const event::Welcome& welcome) {
    awaiting_welcome_ = false;
    if (!welcome.name.empty()) name_ = welcome.name;
    const bool loss_was_told = std::exchange(loss_announced_, false);
    if (welcomed_once_) {
        host_.show("Reconnected to the server as " + printable(name_) + ".");
        // The server forgot our rooms with the old connection.
        for (const auto& room : rooms_) {
            transmit(encode_room_request(RoomRequest::Join, room, next_ref()));
        }
    } else {
        // Lost before the first welcome: the person was told, so is told it is back.
        if (loss_was_told) host_.show("Reconnected to the server as " + printable(name_) + ".");
        welcomed_once_ = true;
        stage_ = Stage::Chat;
        host_.prompt(kSayPrompt);
    }
    release_held_input();
}

void ChatSession::on_error(const event::Error& error) {
    if (!(awaiting_welcome_ && is_name_refusal(error))) {
        show_all(lines_for_person(error, config_.color));
        return;
    }
    awaiting_welcome_ = false;
    name_.clear();
    // A person is asked again; a pipe may hold the next name to try, unless the name
    // came from --name or the refusal came on a reconnect.
    const bool ask_again = config_.interactive || (config_.name.empty() && !welcomed_once_);
    if (!ask_again) {
        finished_ = true;
        host_.warn("hubchat: " + printable(error.message));
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
        auto known = std::find_if(rooms_.begin(), rooms_.end(),
                                  [&](const std::string& r) { return names::same(r, room); });
        if (joined && known == rooms_.end()) rooms_.emplace_back(room);
        if (!joined && known != rooms_.end()) rooms_.erase(known);
    }
    show_all(lines_for_person(event, config_.color));
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
            name_ = trimmed(*line);
            if (connected_) register_name();
            return;
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
            } else {
                if (!can_reach_server("Not connected to the server; try again shortly.")) return;
                if constexpr (std::is_same_v<A, action::Join>) {
                    transmit(encode_room_request(RoomRequest::Join, a.room, next_ref()));
                } else if constexpr (std::is_same_v<A, action::Leave>) {
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

void ChatSession::register_name() {
    awaiting_welcome_ = true;
    if (!welcomed_once_) host_.prompt("");  // nothing to type until the server answers
    transmit(encode_hello(name_));
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
    transmit(encode_message(dest, text, next_ref()));
}

void ChatSession::transmit(std::string frame) {
    if (config_.verbose) {
        host_.show("\tsending \"" + printable(std::string_view(frame).substr(0, frame.size() - 1)) +
                   "\"");
    }
    host_.send(std::move(frame));
}

void ChatSession::show_all(const std::vector<std::string>& lines) {
    for (const auto& line : lines) host_.show(line);
}

}  // namespace hubchat::client
