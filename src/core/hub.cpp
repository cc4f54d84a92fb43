#include "core/hub.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "core/names.hpp"
#include "core/recycling_allocator.hpp"

namespace hubchat {

const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::BadFrame:
            return "bad_frame";
        case ErrorCode::BadJson:
            return "bad_json";
        case ErrorCode::TooLarge:
            return "too_large";
        case ErrorCode::BadRequest:
            return "bad_request";
        case ErrorCode::NotRegistered:
            return "not_registered";
        case ErrorCode::AlreadyRegistered:
            return "already_registered";
        case ErrorCode::BadName:
            return "bad_name";
        case ErrorCode::NameTaken:
            return "name_taken";
        case ErrorCode::Spoofing:
            return "spoofing";
        case ErrorCode::UnknownRecipient:
            return "unknown_recipient";
        case ErrorCode::NotInRoom:
            return "not_in_room";
        case ErrorCode::EmptyMessage:
            return "empty_message";
        case ErrorCode::SendQueueExceeded:
            return "send_queue_exceeded";
        case ErrorCode::Shutdown:
            return "shutdown";
        case ErrorCode::RateLimited:
            return "rate_limited";
        case ErrorCode::TooManyRooms:
            return "too_many_rooms";
        case ErrorCode::TooManyRecipients:
            return "too_many_recipients";
        case ErrorCode::NameRegistered:
            return "name_registered";
        case ErrorCode::AccountRequired:
            return "account_required";
        case ErrorCode::LoginFailed:
            return "login_failed";
        case ErrorCode::AccessDenied:
            return "access_denied";
        case ErrorCode::HistoryOff:
            return "history_off";
        case ErrorCode::Busy:
            return "busy";
        case ErrorCode::StorageFailed:
            return "storage_failed";
    }
    return "error";
}

namespace {

Error make_error(ErrorCode code, std::string text, const Ref& ref,
                 std::vector<std::string> names = {}) {
    return Error{code, std::move(text), ref, std::move(names)};
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

// "No such user: zed", "No such users: a, b", "No such room: #x", or both joined.
std::string describe_unknown(const std::vector<std::string>& unknown) {
    std::vector<std::string> users;
    std::vector<std::string> rooms;
    for (const auto& name : unknown) (names::is_room(name) ? rooms : users).push_back(name);
    std::string text;
    if (!users.empty()) {
        text = (users.size() == 1 ? "No such user: " : "No such users: ") + join_names(users);
    }
    if (!rooms.empty()) {
        text += text.empty() ? "No such " : "; no such ";
        text += (rooms.size() == 1 ? "room: " : "rooms: ") + join_names(rooms);
    }
    return text;
}

// "0.4 s", "2 s", "12.5 s": rounded up to a tenth, so retrying when told always works.
std::string describe_wait(std::int64_t ms) {
    const std::int64_t tenths = (ms + 99) / 100;
    std::string text = std::to_string(tenths / 10);
    if (tenths % 10 != 0) text += "." + std::to_string(tenths % 10);
    return text + " s";
}

std::optional<TokenBucket> make_budget(std::uint32_t burst, std::uint32_t rate_per_second) {
    if (burst == 0 || rate_per_second == 0) return std::nullopt;
    return TokenBucket(burst, rate_per_second);
}

// What a command spends. Pings, hellos and quits are free: see HubLimits.
enum class Budget { None, Messages, Requests };
template <class T>
constexpr Budget budget_of() {
    if constexpr (std::is_same_v<T, SendMessage>) {
        return Budget::Messages;
    } else if constexpr (std::is_same_v<T, JoinRoom> || std::is_same_v<T, LeaveRoom> ||
                         std::is_same_v<T, ListUsers> || std::is_same_v<T, ListRooms> ||
                         std::is_same_v<T, ListMembers> || std::is_same_v<T, SetTopic> ||
                         std::is_same_v<T, SetAway> || std::is_same_v<T, ChangeName>) {
        return Budget::Requests;
    } else {
        return Budget::None;
    }
}

}  // namespace

Hub::Hub(Clock clock, HubLimits limits) : clock_(std::move(clock)), limits_(limits) {
    // 0 means "no limit of our own": names.cpp's ceiling still applies.
    if (limits_.max_name_chars == 0) limits_.max_name_chars = names::kMaxNameChars;
    if (limits_.max_room_name_chars == 0) limits_.max_room_name_chars = names::kMaxNameChars;
    auto [it, _] = rooms_.emplace(names::fold(names::kAllRoom), Room{});
    it->second.key = it->first;
    it->second.name = std::string(names::kAllRoom);
    it->second.created_ts = clock_();
    all_room_ = &it->second;  // unordered_map nodes are stable
}

ConnectionId Hub::attach(Peer& peer) {
    const ConnectionId id = next_connection_id_++;
    Connection conn;
    conn.peer = &peer;
    connections_.emplace(id, std::move(conn));
    return id;
}

const std::string* Hub::name_of(ConnectionId id) const {
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second.name.empty()) return nullptr;
    return &it->second.name;
}

void Hub::detach(ConnectionId id, std::string_view reason, std::string_view message) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    if (!it->second.name.empty()) users_by_key_.erase(it->second.name);  // before the view dies
    Connection conn = std::move(it->second);
    connections_.erase(it);
    if (!conn.away().empty()) --users_away_;
    if (conn.name.empty()) return;
    // Rooms in reverse join order, then ALL, which everyone joined first.
    for (auto room_it = conn.rooms.rbegin(); room_it != conn.rooms.rend(); ++room_it) {
        leave(**room_it, id, conn.name, reason, nullptr, message);
    }
    leave(*all_room_, id, conn.name, reason, nullptr, message);
}

void Hub::leave(Room& room, ConnectionId id, const std::string& user, std::string_view reason,
                Peer* tell_leaver, std::string_view message) {
    auto& v = room.members;
    v.erase(std::remove_if(v.begin(), v.end(), [id](const Member& m) { return m.id == id; }),
            v.end());
    auto event = std::make_shared<Presence>();
    event->kind = PresenceKind::Leave;
    event->room = room.name;
    event->user = user;
    event->reason = std::string(reason);
    event->message = std::string(message);
    event->ts = clock_();
    if (tell_leaver != nullptr) tell_leaver->deliver(Event{PresencePtr(event)});
    broadcast_presence(room, std::move(event), id);
    if (room.members.empty() && &room != all_room_) rooms_.erase(room.key);
}

bool Hub::is_member(const Connection& conn, const Room& room) {
    return std::find(conn.rooms.begin(), conn.rooms.end(), &room) != conn.rooms.end();
}

void Hub::handle(ConnectionId id, Command command) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& conn = it->second;
    if (conn.storing && conn.storing->in_flight > 0 &&
        !std::holds_alternative<SendMessage>(command)) {
        conn.storing->waiting.push_back(std::move(command));
        return;
    }
    dispatch(id, conn, command);
}

void Hub::set_message_store(MessageStore* store) {
    store_ = store;
    if (store_ != nullptr) store_->set_sink(this);
}

void Hub::stored(MessageId last, bool kept) {
    while (!storing_.empty() && storing_.front().chat->id <= last) {
        Delivery& d = storing_.front();
        auto it = connections_.find(d.sender);
        Connection* sender = it == connections_.end() ? nullptr : &it->second;
        if (kept) {
            release(d, sender);
        } else if (sender != nullptr) {
            sender->peer->deliver(make_error(ErrorCode::StorageFailed,
                                             "Your message could not be stored, so nobody "
                                             "got it; send it again",
                                             d.ref));
        }
        const ConnectionId id = d.sender;
        storing_.pop();  // `d` is gone from here on
        if (sender != nullptr) sender_stored(id, *sender);
    }
}

void Hub::sender_stored(ConnectionId id, Connection& conn) {
    if (!conn.storing) return;
    auto& storing = *conn.storing;
    if (--storing.in_flight > 0 || storing.waiting.empty()) return;
    // Commands that waited run now, in order. None is a message (messages never wait), so
    // none of them puts another one in flight.
    auto waiting = std::move(storing.waiting);
    storing.waiting.clear();
    for (auto& command : waiting) {
        auto again = connections_.find(id);
        if (again == connections_.end()) return;
        dispatch(id, again->second, command);
    }
}

void Hub::Delivery::clear() {
    chat.reset();
    sender = 0;
    ref.clear();
    to_all = false;
    room_keys.clear();
    users.clear();
    failed.clear();
    offline.clear();
    targets.clear();
}

Hub::Delivery& Hub::DeliveryQueue::next() {
    if (size_ == slots_.size()) {
        std::vector<Delivery> grown(std::max<std::size_t>(16, slots_.size() * 2));
        for (std::size_t i = 0; i < size_; ++i) {
            grown[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
        }
        slots_ = std::move(grown);
        head_ = 0;
    }
    Delivery& slot = slots_[(head_ + size_) & (slots_.size() - 1)];
    slot.clear();
    return slot;
}

void Hub::DeliveryQueue::pop() {
    slots_[head_].chat.reset();  // the message itself may be large: not kept for reuse
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
    // After a burst, give back what only the burst needed.
    if (size_ == 0 && slots_.size() > kKeptSlots) {
        slots_ = std::vector<Delivery>();
        head_ = 0;
    }
}

void Hub::dispatch(ConnectionId id, Connection& conn, Command& command) {
    std::visit(
        [&](auto& cmd) {
            using T = std::decay_t<decltype(cmd)>;
            if constexpr (!std::is_same_v<T, Hello> && !std::is_same_v<T, Ping> &&
                          !std::is_same_v<T, Quit>) {
                if (conn.name.empty()) {
                    conn.peer->deliver(make_error(ErrorCode::NotRegistered,
                                                  "Say hello with your name first", cmd.ref));
                    return;
                }
            }
            // Checked before anything else, so a flood of invalid requests is metered too.
            if constexpr (budget_of<T>() == Budget::Messages) {
                if (!within_budget(conn, true, "Too many messages", "send again", cmd.ref)) {
                    return;
                }
            } else if constexpr (budget_of<T>() == Budget::Requests) {
                if (!within_budget(conn, false, "Too many requests", "try again", cmd.ref)) {
                    return;
                }
            }
            on(id, conn, cmd);
        },
        command);
}

bool Hub::within_budget(Connection& conn, bool for_messages, std::string_view what,
                        std::string_view retry, const Ref& ref) {
    if (!conn.budgets) {
        auto messages = make_budget(limits_.message_burst, limits_.message_rate_per_second);
        auto requests = make_budget(limits_.request_burst, limits_.request_rate_per_second);
        if (!messages && !requests) return true;  // flood control off: nothing to keep
        conn.budgets = std::make_unique<Budgets>(Budgets{std::move(messages), std::move(requests)});
    }
    auto& budget = for_messages ? conn.budgets->messages : conn.budgets->requests;
    if (!budget) return true;
    const std::int64_t wait_ms = budget->try_take(clock_());
    if (wait_ms == 0) return true;
    // Refused, never disconnected: a burst is not an offence, and the client is told
    // exactly when it may go on.
    Error error = make_error(
        ErrorCode::RateLimited,
        std::string(what) + ": wait " + describe_wait(wait_ms) + " and " + std::string(retry), ref);
    error.retry_after_ms = static_cast<std::uint32_t>(wait_ms);
    conn.peer->deliver(std::move(error));
    return false;
}

std::optional<Error> Hub::check_new_name(const std::string& name) const {
    if (auto problem = names::check_user_name(name, limits_.max_name_chars)) {
        return make_error(ErrorCode::BadName, *problem, {}, {name});
    }
    if (users_by_key_.contains(name)) {
        return make_error(ErrorCode::NameTaken, "The name " + name + " is already taken", {},
                          {name});
    }
    return std::nullopt;
}

void Hub::on(ConnectionId id, Connection& conn, Hello& cmd) {
    if (!conn.name.empty()) {
        conn.peer->deliver(make_error(ErrorCode::AlreadyRegistered,
                                      "You are already registered as " + conn.name, {}));
        return;
    }
    if (auto error = check_new_name(cmd.name)) {
        conn.peer->deliver(std::move(*error));
        return;
    }
    if (!cmd.authenticated && registry_ != nullptr) {
        // Saying the name is registered reveals no more than the name-taken rule does.
        if (registry_->is_registered(cmd.name)) {
            conn.peer->deliver(make_error(ErrorCode::NameRegistered,
                                          "The name " + cmd.name +
                                              " is registered: log in with its password, or "
                                              "choose another name",
                                          {}, {cmd.name}));
            return;
        }
        if (registry_->accounts_only()) {
            conn.peer->deliver(make_error(ErrorCode::AccountRequired,
                                          "This server takes only registered users: log in "
                                          "with your name and password",
                                          {}, {cmd.name}));
            return;
        }
    }
    conn.name = std::move(cmd.name);
    conn.authenticated = cmd.authenticated;
    if ((!cmd.username.empty() && cmd.username != conn.name) ||
        (!cmd.realname.empty() && cmd.realname != conn.name)) {
        auto& extras = conn.extras_made();
        extras.username = std::move(cmd.username);
        extras.realname = std::move(cmd.realname);
    }
    users_by_key_.emplace(conn.name, id);
    all_room_->members.push_back(Member{id, conn.peer});
    conn.peer->deliver(Welcome{conn.name, limits_.max_message});

    auto event = std::make_shared<Presence>();
    event->kind = PresenceKind::Join;
    event->room = all_room_->name;
    event->user = conn.name;
    event->ts = clock_();
    broadcast_presence(*all_room_, event, id);
}

void Hub::on(ConnectionId id, Connection& conn, SendMessage& cmd) {
    if (cmd.text.empty()) {
        conn.peer->deliver(
            make_error(ErrorCode::EmptyMessage, "Empty messages are not sent", cmd.ref));
        return;
    }

    // Normalise: split comma lists, trim, drop empties and repeats (case-insensitive).
    // Few targets are compared directly; many go through a set, so a long list of
    // repeats cannot cost quadratic time.
    constexpr std::size_t kLinearDedupe = 16;
    // Taken from the hub and given back on the way out, rather than borrowed: no nested
    // call could find it half-built.
    std::vector<std::string> targets = std::exchange(spare_targets_, {});
    targets.clear();
    struct GiveBack {
        std::vector<std::string>& to;
        std::vector<std::string>& from;
        ~GiveBack() { to = std::move(from); }
    } give_back{spare_targets_, targets};
    std::unordered_set<std::string> seen_targets;
    auto is_new = [&](std::string_view part) {
        if (targets.size() < kLinearDedupe) {
            return std::none_of(targets.begin(), targets.end(),
                                [&](const std::string& t) { return names::same(t, part); });
        }
        if (seen_targets.empty()) {
            for (const auto& t : targets) seen_targets.insert(names::fold(t));
        }
        return seen_targets.insert(names::fold(part)).second;
    };
    const std::size_t max_targets = limits_.max_recipients;
    for (const auto& given : cmd.targets) {
        std::string_view rest = given;
        while (true) {
            const auto comma = rest.find(',');
            const std::string_view part = trim(rest.substr(0, comma));
            if (!part.empty() && is_new(part)) {
                // Stop at the first target past the cap: a frame full of names is not
                // worth resolving only to be refused.
                if (max_targets != 0 && targets.size() == max_targets) {
                    conn.peer->deliver(
                        make_error(ErrorCode::TooManyRecipients,
                                   "More than " + std::to_string(max_targets) +
                                       " recipients in one message; send it to a room, or in parts",
                                   cmd.ref));
                    return;
                }
                targets.emplace_back(names::is_all(part) ? names::kAllRoom : part);
            }
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (targets.empty()) {
        conn.peer->deliver(
            make_error(ErrorCode::BadRequest, "A message needs a recipient (dest)", cmd.ref));
        return;
    }

    // Resolve every target; remember the failures. Members are looked up when the message
    // goes out (release), which may be after the store has kept it. Put together in the
    // queue's next slot, which a kept message then takes (without a store, sent from there).
    Delivery& delivery = storing_.next();
    delivery.sender = id;
    std::vector<std::string>& accepted = delivery.targets;
    std::vector<std::string> unknown;
    std::vector<std::string> not_in_room;
    for (const auto& target : targets) {
        if (names::is_all(target)) {
            delivery.to_all = true;
            accepted.push_back(target);
            continue;
        }
        if (names::is_room(target)) {
            auto room_it = rooms_.find(names::fold(target));
            if (room_it == rooms_.end()) {
                unknown.push_back(target);
                continue;
            }
            Room& room = room_it->second;
            if (!is_member(conn, room)) {
                not_in_room.push_back(room.name);
                continue;
            }
            accepted.push_back(room.name);
            delivery.room_keys.push_back(room.key);
            continue;
        }
        auto user_it = users_by_key_.find(target);
        if (user_it == users_by_key_.end()) {
            // A registered user who is away gets it when they next log in.
            if (store_ != nullptr && registry_ != nullptr && registry_->is_registered(target)) {
                accepted.push_back(target);
                delivery.offline.push_back(target);
                continue;
            }
            unknown.push_back(target);
            continue;
        }
        // The key is a view of the user's name as they spell it: no second lookup.
        accepted.emplace_back(user_it->first);
        delivery.users.push_back(user_it->second);
    }

    if (!unknown.empty()) {
        conn.peer->deliver(
            make_error(ErrorCode::UnknownRecipient, describe_unknown(unknown), cmd.ref, unknown));
    }
    if (!not_in_room.empty()) {
        conn.peer->deliver(make_error(
            ErrorCode::NotInRoom, "You are not in " + join_names(not_in_room) + "; join it first",
            cmd.ref, not_in_room));
    }
    if (accepted.empty()) return;
    delivery.failed = std::move(unknown);
    delivery.failed.insert(delivery.failed.end(), not_in_room.begin(), not_in_room.end());
    delivery.ref = std::move(cmd.ref);

    // Recycled: with history on, thousands wait for their commit and go in one burst.
    auto chat = std::allocate_shared<ChatMessage>(RecyclingAllocator<ChatMessage>{});
    chat->ts = clock_();
    chat->from = conn.name;
    for (const auto& a : accepted) {
        if (!chat->dest.empty()) chat->dest += ',';
        chat->dest += a;
    }
    if (delivery.to_all) {
        chat->kind = DestKind::All;
    } else if (accepted.size() > 1) {
        chat->kind = DestKind::Multi;
    } else {
        chat->kind = delivery.room_keys.empty() ? DestKind::Direct : DestKind::Room;
    }
    chat->text = std::move(cmd.text);
    chat->notice = cmd.notice;
    chat->text_plain = cmd.text_plain;
    chat->client_tags = std::move(cmd.client_tags);
    if (conn.authenticated) chat->account = conn.name;
    ChatMessage& message = *chat;
    delivery.chat = std::move(chat);

    if (store_ == nullptr) {
        message.id = next_message_id_++;
        release(delivery, &conn);
        delivery.chat.reset();
        return;
    }
    // The store reads the message, the targets and the offline names in place until it
    // reports them: the slot keeps them (see DeliveryQueue).
    const auto stored_id = store_->append(message, delivery.targets, delivery.offline);
    if (!stored_id) {
        Error error = make_error(
            ErrorCode::Busy, "The server is busy storing messages: wait a moment and send again",
            std::move(delivery.ref));
        error.retry_after_ms = 100;
        conn.peer->deliver(std::move(error));
        delivery.chat.reset();
        return;  // the slot is not taken: the next message clears and reuses it
    }
    message.id = *stored_id;  // before any report: never made from inside append()
    storing_.push();
    if (!conn.storing) conn.storing = std::make_unique<Storing>();
    ++conn.storing->in_flight;
}

void Hub::release(Delivery& d, Connection* sender) {
    const Event event{d.chat};
    std::size_t delivered = 0;
    auto deliver_all = [&](const std::vector<Member>& members) {
        for (const auto& m : members) m.peer->deliver(event);
        delivered += members.size();
    };
    if (d.to_all) {
        deliver_all(all_room_->members);  // everyone, registration order, sender included
    } else if (d.room_keys.size() == 1 && d.users.empty()) {
        if (auto it = rooms_.find(d.room_keys.front()); it != rooms_.end()) {
            deliver_all(it->second.members);
        }
    } else if (d.room_keys.empty() && d.users.size() == 1) {
        if (auto it = connections_.find(d.users.front()); it != connections_.end()) {
            it->second.peer->deliver(event);
            ++delivered;
        }
    } else {
        // Several groups, merged without repeats (or none: only users who are away).
        std::unordered_set<ConnectionId> chosen;
        for (const auto& key : d.room_keys) {
            auto it = rooms_.find(key);
            if (it == rooms_.end()) continue;
            for (const auto& m : it->second.members) {
                if (chosen.insert(m.id).second) {
                    m.peer->deliver(event);
                    ++delivered;
                }
            }
        }
        for (const ConnectionId user : d.users) {
            auto it = connections_.find(user);
            if (it == connections_.end() || !chosen.insert(user).second) continue;
            it->second.peer->deliver(event);
            ++delivered;
        }
    }
    if (sender != nullptr) {
        sender->peer->deliver(Ack{std::move(d.ref), d.chat->id, d.chat->ts, delivered,
                                  std::move(d.failed), std::move(d.offline)});
    }
}

std::vector<std::string> Hub::rooms_of(ConnectionId id) const {
    std::vector<std::string> rooms;
    if (auto it = connections_.find(id); it != connections_.end()) {
        for (const Room* room : it->second.rooms) rooms.push_back(room->name);
    }
    return rooms;
}

bool Hub::in_room(ConnectionId id, std::string_view room) const {
    auto conn = connections_.find(id);
    if (conn == connections_.end()) return false;
    if (names::is_all(room)) return !conn->second.name.empty();
    auto it = rooms_.find(names::fold(room));
    return it != rooms_.end() && is_member(conn->second, it->second);
}

void Hub::on(ConnectionId, Connection& conn, ListUsers& cmd) {
    conn.peer->deliver(UserList{cmd.ref, names_of(*all_room_, *this)});
}

void Hub::on(ConnectionId, Connection& conn, ListRooms& cmd) {
    conn.peer->deliver(RoomList{cmd.ref, room_list()});
}

void Hub::on(ConnectionId id, Connection& conn, JoinRoom& cmd) {
    if (names::is_all(cmd.room)) {
        conn.peer->deliver(make_error(ErrorCode::BadRequest, "Everyone is always in ALL", cmd.ref));
        return;
    }
    if (auto problem = names::check_room_name(cmd.room, limits_.max_room_name_chars)) {
        conn.peer->deliver(make_error(ErrorCode::BadName, *problem, cmd.ref, {cmd.room}));
        return;
    }
    std::string key = names::fold(cmd.room);
    if (auto existing = rooms_.find(key);
        existing != rooms_.end() && is_member(conn, existing->second)) {
        conn.peer->deliver(make_error(ErrorCode::BadRequest,
                                      "You are already in " + existing->second.name, cmd.ref));
        return;
    }
    // Checked before the room is made, so a refused join leaves nothing behind.
    if (limits_.max_rooms_per_user != 0 && conn.rooms.size() >= limits_.max_rooms_per_user) {
        conn.peer->deliver(make_error(ErrorCode::TooManyRooms,
                                      "You are in " + std::to_string(conn.rooms.size()) +
                                          " rooms, the most allowed; leave one before joining " +
                                          cmd.room,
                                      cmd.ref, {cmd.room}));
        return;
    }
    auto [it, created] = rooms_.try_emplace(std::move(key));
    Room& room = it->second;
    if (created) {
        room.key = it->first;
        room.name = cmd.room;
        room.created_ts = clock_();
    }
    room.members.push_back(Member{id, conn.peer});
    conn.rooms.push_back(&room);

    auto event = std::make_shared<Presence>();
    event->kind = PresenceKind::Join;
    event->room = room.name;
    event->user = conn.name;
    event->ts = clock_();
    // The joiner always hears its own join: it is the confirmation.
    conn.peer->deliver(Event{PresencePtr(event)});
    broadcast_presence(room, event, id);
}

void Hub::on(ConnectionId id, Connection& conn, LeaveRoom& cmd) {
    if (names::is_all(cmd.room)) {
        conn.peer->deliver(
            make_error(ErrorCode::BadRequest, "Nobody can leave ALL; disconnect instead", cmd.ref));
        return;
    }
    auto room_it = rooms_.find(names::fold(cmd.room));
    auto pos = room_it == rooms_.end()
                   ? conn.rooms.end()
                   : std::find(conn.rooms.begin(), conn.rooms.end(), &room_it->second);
    if (pos == conn.rooms.end()) {
        conn.peer->deliver(
            make_error(ErrorCode::NotInRoom, "You are not in " + cmd.room, cmd.ref, {cmd.room}));
        return;
    }
    conn.rooms.erase(pos);
    leave(room_it->second, id, conn.name, "left", conn.peer, cmd.message);
}

void Hub::on(ConnectionId, Connection& conn, ListMembers& cmd) {
    auto room_it = rooms_.find(names::fold(cmd.room));
    if (room_it == rooms_.end()) {
        conn.peer->deliver(make_error(ErrorCode::UnknownRecipient, "No such room: " + cmd.room,
                                      cmd.ref, {cmd.room}));
        return;
    }
    conn.peer->deliver(MemberList{cmd.ref, room_it->second.name, names_of(room_it->second, *this)});
}

void Hub::on(ConnectionId, Connection& conn, Ping& cmd) {
    conn.peer->deliver(Pong{cmd.ref});
}

void Hub::on(ConnectionId id, Connection&, Quit&) {
    // The session closes the transport; detach says goodbye to the rooms.
    detach(id, "quit");
}

void Hub::on(ConnectionId, Connection& conn, SetTopic& cmd) {
    auto room_it =
        rooms_.find(names::is_all(cmd.room) ? names::fold(names::kAllRoom) : names::fold(cmd.room));
    if (room_it == rooms_.end()) {
        conn.peer->deliver(make_error(ErrorCode::UnknownRecipient, "No such room: " + cmd.room,
                                      cmd.ref, {cmd.room}));
        return;
    }
    Room& room = room_it->second;
    if (&room != all_room_ && !is_member(conn, room)) {
        conn.peer->deliver(make_error(ErrorCode::NotInRoom,
                                      "You are not in " + room.name + "; join it first", cmd.ref,
                                      {room.name}));
        return;
    }
    if (cmd.text.size() > limits_.max_topic_bytes) {
        conn.peer->deliver(make_error(
            ErrorCode::TooLarge,
            "A topic is at most " + std::to_string(limits_.max_topic_bytes) + " bytes", cmd.ref));
        return;
    }
    if (!names::utf8_length(cmd.text)) {
        conn.peer->deliver(
            make_error(ErrorCode::BadRequest, "A topic must be valid UTF-8", cmd.ref));
        return;
    }
    room.topic = std::move(cmd.text);
    room.topic_setter = conn.name;
    room.topic_ts = clock_();
    auto event = std::make_shared<TopicChange>();
    event->room = room.name;
    event->text = room.topic;
    event->setter = conn.name;
    event->ts = room.topic_ts;
    const Event wrapped{TopicPtr(std::move(event))};
    for (const auto& m : room.members) m.peer->deliver(wrapped);
}

void Hub::on(ConnectionId id, Connection& conn, SetAway& cmd) {
    if (cmd.text.size() > limits_.max_away_bytes) {
        cmd.text.resize(limits_.max_away_bytes);
        // Cut at a character boundary: drop continuation bytes of a cut character.
        while (!cmd.text.empty() && !names::utf8_length(cmd.text)) cmd.text.pop_back();
    }
    if (!names::utf8_length(cmd.text)) {
        conn.peer->deliver(
            make_error(ErrorCode::BadRequest, "An away message must be valid UTF-8", cmd.ref));
        return;
    }
    if (conn.away() == cmd.text) return;
    if (conn.away().empty()) ++users_away_;
    if (cmd.text.empty()) --users_away_;
    conn.extras_made().away = std::move(cmd.text);
    // Everyone shares ALL with everyone, so everyone who wants it hears.
    const Event event{AwayChange{conn.name, conn.away()}};
    for (const auto& m : all_room_->members) {
        if (m.id != id && m.peer->wants_away()) m.peer->deliver(event);
    }
}

void Hub::on(ConnectionId id, Connection& conn, ChangeName& cmd) {
    if (cmd.name == conn.name) return;
    if (auto problem = names::check_user_name(cmd.name, limits_.max_name_chars)) {
        conn.peer->deliver(make_error(ErrorCode::BadName, *problem, cmd.ref, {cmd.name}));
        return;
    }
    const bool same_user = names::same(cmd.name, conn.name);  // a change of case only
    if (!same_user && users_by_key_.contains(cmd.name)) {
        conn.peer->deliver(make_error(ErrorCode::NameTaken,
                                      "The name " + cmd.name + " is already taken", cmd.ref,
                                      {cmd.name}));
        return;
    }
    // Another account's name needs its password: a renamed user is a guest again.
    const bool keeps_account = same_user && conn.authenticated;
    if (!keeps_account && registry_ != nullptr && registry_->is_registered(cmd.name)) {
        conn.peer->deliver(make_error(
            ErrorCode::NameRegistered,
            "The name " + cmd.name + " is registered: log in with its password to use it", cmd.ref,
            {cmd.name}));
        return;
    }
    users_by_key_.erase(conn.name);
    Renamed event{conn.name, cmd.name};
    conn.name = std::move(cmd.name);
    conn.authenticated = keeps_account;
    users_by_key_.emplace(conn.name, id);
    // Everyone shares ALL with everyone; past the presence limit only the user hears.
    const Event wrapped{std::move(event)};
    conn.peer->deliver(wrapped);
    if (all_room_->members.size() > limits_.presence_max_members) return;
    for (const auto& m : all_room_->members) {
        if (m.id != id && m.peer->wants_presence()) m.peer->deliver(wrapped);
    }
}

std::optional<UserInfo> Hub::user_info(std::string_view name) const {
    auto it = users_by_key_.find(name);
    if (it == users_by_key_.end()) return std::nullopt;
    const Connection& conn = connections_.at(it->second);
    UserInfo info;
    info.name = conn.name;
    info.authenticated = conn.authenticated;
    info.away = conn.away();
    info.username = conn.name;
    info.realname = conn.name;
    if (conn.extras) {
        if (!conn.extras->username.empty()) info.username = conn.extras->username;
        if (!conn.extras->realname.empty()) info.realname = conn.extras->realname;
    }
    for (const Room* room : conn.rooms) info.rooms.push_back(room->name);
    return info;
}

std::optional<Hub::AwayNote> Hub::away_note(std::string_view name) const {
    if (users_away_ == 0) return std::nullopt;  // asked for every IRC message to a person
    auto it = users_by_key_.find(name);
    if (it == users_by_key_.end()) return std::nullopt;
    const Connection& conn = connections_.at(it->second);
    if (conn.away().empty()) return std::nullopt;
    return AwayNote{conn.name, conn.away()};
}

std::optional<RoomState> Hub::room_state(std::string_view room, bool with_members) const {
    auto it = rooms_.find(names::is_all(room) ? names::fold(names::kAllRoom) : names::fold(room));
    if (it == rooms_.end()) return std::nullopt;
    const Room& r = it->second;
    auto members = with_members ? names_of(r, *this) : std::vector<std::string>{};
    return RoomState{r.name, std::move(members), r.topic, r.topic_setter, r.topic_ts, r.created_ts};
}

std::vector<RoomInfo> Hub::room_list() const {
    std::vector<RoomInfo> list;
    list.push_back(RoomInfo{all_room_->name, all_room_->members.size()});
    std::map<std::string, const Room*> sorted;  // others alphabetically
    for (const auto& [key, room] : rooms_) {
        if (&room != all_room_) sorted.emplace(key, &room);
    }
    for (const auto& [key, room] : sorted) {
        list.push_back(RoomInfo{room->name, room->members.size()});
    }
    return list;
}

void Hub::announce_shutdown(std::string_view text) {
    const Event event{ShutdownNotice{std::string(text)}};
    for (auto& [id, conn] : connections_) conn.peer->deliver(event);
}

void Hub::broadcast_presence(const Room& room, PresencePtr event, ConnectionId skip) {
    if (room.members.size() > limits_.presence_max_members) return;
    const Event wrapped{std::move(event)};
    for (const auto& m : room.members) {
        if (m.id != skip && m.peer->wants_presence()) m.peer->deliver(wrapped);
    }
}

std::vector<std::string> Hub::names_of(const Room& room, const Hub& hub) {
    std::vector<std::string> out;
    out.reserve(room.members.size());
    for (const auto& m : room.members) out.push_back(hub.connections_.at(m.id).name);
    return out;
}

}  // namespace hubchat
