// libFuzzer target for the JSON codec: decode_client_frame on any bytes; whatever
// decodes is turned into the events it would cause and encoded for both dialects. Every
// encoded frame must be a valid JSON object, and the strings (names, rooms, text, ref)
// must come back unchanged when the frame is parsed or decoded again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/serialize.hpp>

#include "check.hpp"
#include "proto/json_codec.hpp"
#include "proto/json_framer.hpp"

namespace {

using namespace hubchat;
using proto::DecodeError;
using proto::InboundFrame;
namespace json = boost::json;
using fuzz::parse_object;
using fuzz::string_at;

constexpr std::size_t kMaxRefBytes = 64;  // docs/PROTOCOL.md

// The ref as the client wrote it, re-serialised; empty when the frame has none.
std::string ref_of(const json::object& obj) {
    const auto* v = obj.if_contains("ref");
    return v == nullptr ? std::string() : json::serialize(*v);
}

std::vector<std::string> strings_of(const json::value& v) {
    std::vector<std::string> out;
    for (const auto& item : v.as_array()) out.emplace_back(item.as_string());
    return out;
}

// Encodes for both dialects; checks the hubchat frame is one line of JSON carrying `ref`.
json::object encode_both(const Event& event, std::string_view self, const Ref& ref) {
    const std::string hub = proto::encode_hubchat(event);
    FUZZ_CHECK(!hub.empty() && hub.back() == '\n');
    FUZZ_CHECK(hub.find('\n') == hub.size() - 1);
    auto obj = parse_object(hub);
    FUZZ_CHECK(ref_of(obj) == ref);
    if (auto original = proto::encode_original(event, self)) {
        FUZZ_CHECK(original->find('\n') == std::string::npos);
        parse_object(*original);
    }
    return obj;
}

void check_chat_round_trip(const SendMessage& send, const std::string& from) {
    auto chat = std::make_shared<ChatMessage>();
    chat->id = 17;
    chat->ts = 1764052800123;
    chat->from = from;
    for (const auto& t : send.targets) {
        if (!chat->dest.empty()) chat->dest += ',';
        chat->dest += t;
    }
    chat->text = send.text;
    const auto obj = encode_both(Event{ChatPtr(chat)}, from, {});
    FUZZ_CHECK(string_at(obj, "user") == chat->from);
    FUZZ_CHECK(string_at(obj, "dest") == chat->dest);
    FUZZ_CHECK(string_at(obj, "message") == chat->text);

    // Either dialect's chat frame, sent back by a client, is the same message again.
    for (const auto& frame : {*proto::hubchat_frame(*chat), *proto::original_frame(*chat)}) {
        auto again = proto::decode_client_frame(frame);
        const auto* inbound = std::get_if<InboundFrame>(&again);
        FUZZ_CHECK(inbound != nullptr && inbound->command);
        FUZZ_CHECK(inbound->user == chat->from);
        const auto* resend = std::get_if<SendMessage>(&*inbound->command);
        FUZZ_CHECK(resend != nullptr);
        FUZZ_CHECK(resend->targets == std::vector<std::string>{chat->dest});
        FUZZ_CHECK(resend->text == chat->text);
    }
}

void check_presence(PresenceKind kind, const std::string& room, const std::string& user,
                    const std::string& reason) {
    auto presence = std::make_shared<Presence>();
    presence->kind = kind;
    presence->room = room;
    presence->user = user;
    presence->reason = reason;
    presence->ts = 1;
    const auto obj = encode_both(Event{PresencePtr(presence)}, user, {});
    FUZZ_CHECK(string_at(obj, "room") == room);
    FUZZ_CHECK(string_at(obj, "user") == user);
    if (kind == PresenceKind::Leave) FUZZ_CHECK(string_at(obj, "reason") == reason);
}

void check_error(const Error& error, std::string_view self) {
    const auto obj = encode_both(Event{error}, self, error.ref);
    FUZZ_CHECK(string_at(obj, "message") == error.text);
    if (!error.names.empty()) FUZZ_CHECK(strings_of(obj.at("names")) == error.names);
    const auto notice = parse_object(proto::original_notice(error.text, self));
    FUZZ_CHECK(string_at(notice, "message") == error.text);
    FUZZ_CHECK(string_at(notice, "dest") == self);
}

// What the hub could answer to `command`, encoded; strings must survive.
void check_replies(const Command& command, const std::string& user) {
    const std::vector<std::string> users{user, "bob"};
    std::visit(
        [&](const auto& cmd) {
            using T = std::decay_t<decltype(cmd)>;
            if constexpr (std::is_same_v<T, Hello>) {
                const auto obj = encode_both(Event{Welcome{cmd.name, 65536}}, cmd.name, {});
                FUZZ_CHECK(string_at(obj, "name") == cmd.name);
                check_error(
                    Error{
                        ErrorCode::NameTaken, "The name " + cmd.name + " is taken", {}, {cmd.name}},
                    {});
            } else if constexpr (std::is_same_v<T, SendMessage>) {
                check_chat_round_trip(cmd, user);
                const auto ack =
                    encode_both(Event{Ack{cmd.ref, 1, 2, 3, cmd.targets, {}}}, user, cmd.ref);
                if (!cmd.targets.empty()) FUZZ_CHECK(strings_of(ack.at("failed")) == cmd.targets);
                check_error(
                    Error{ErrorCode::UnknownRecipient, "No such user", cmd.ref, cmd.targets}, user);
            } else if constexpr (std::is_same_v<T, ListUsers>) {
                const auto obj = encode_both(Event{UserList{cmd.ref, users}}, user, cmd.ref);
                FUZZ_CHECK(strings_of(obj.at("users")) == users);
                const auto original =
                    parse_object(*proto::encode_original(UserList{cmd.ref, users}, user));
                const auto& list = original.at("client-list").as_array();
                FUZZ_CHECK(list.size() == users.size());
                for (std::size_t i = 0; i < list.size(); ++i) {
                    FUZZ_CHECK(string_at(list[i].as_object(), "name") == users[i]);
                }
            } else if constexpr (std::is_same_v<T, ListRooms>) {
                encode_both(Event{RoomList{cmd.ref, {{"ALL", 2}, {"#" + user, 1}}}}, user, cmd.ref);
            } else if constexpr (std::is_same_v<T, JoinRoom>) {
                check_presence(PresenceKind::Join, cmd.room, user, {});
                check_error(Error{ErrorCode::BadName, "Bad room " + cmd.room, cmd.ref, {cmd.room}},
                            user);
            } else if constexpr (std::is_same_v<T, LeaveRoom>) {
                check_presence(PresenceKind::Leave, cmd.room, user, "left");
            } else if constexpr (std::is_same_v<T, ListMembers>) {
                const auto obj =
                    encode_both(Event{MemberList{cmd.ref, cmd.room, users}}, user, cmd.ref);
                FUZZ_CHECK(string_at(obj, "room") == cmd.room);
                FUZZ_CHECK(strings_of(obj.at("users")) == users);
            } else if constexpr (std::is_same_v<T, Ping>) {
                encode_both(Event{Pong{cmd.ref}}, user, cmd.ref);
            } else if constexpr (std::is_same_v<T, Quit>) {
                check_presence(PresenceKind::Leave, "ALL", user, "quit");
                encode_both(Event{ShutdownNotice{cmd.reason}}, user, {});
            }
        },
        command);
}

}  // namespace

// The shortcut for plain chat frames must decode exactly as the full parser does.
void check_shortcut_agrees(std::string_view frame) {
    const auto plain = proto::detail::decode_plain_message(frame);
    if (!plain) return;
    const auto full = proto::detail::decode_with_parser(frame);
    const auto* a = std::get_if<InboundFrame>(&*plain);
    const auto* b = std::get_if<InboundFrame>(&full);
    FUZZ_CHECK(a != nullptr && b != nullptr);
    FUZZ_CHECK(a->typed == b->typed && a->hello == b->hello && a->user == b->user);
    FUZZ_CHECK(a->ref == b->ref && a->password == b->password && !b->history);
    FUZZ_CHECK(a->create_account == b->create_account && a->rooms == b->rooms);
    FUZZ_CHECK(a->command && b->command);
    const auto* sa = std::get_if<SendMessage>(&*a->command);
    const auto* sb = std::get_if<SendMessage>(&*b->command);
    FUZZ_CHECK(sa != nullptr && sb != nullptr);
    FUZZ_CHECK(sa->targets == sb->targets && sa->text == sb->text && sa->ref == sb->ref);
    FUZZ_CHECK(sa->notice == sb->notice && sa->client_tags == sb->client_tags);
}

// The shortcut on a stream (the bytes as read, before framing) must take a frame exactly
// where the framer would cut it, and read it as the shortcut on that frame does.
void check_prefix_agrees(std::string_view input) {
    InboundFrame decoded;
    const std::size_t length = proto::read_plain_message_prefix(input, decoded);
    if (length == 0) return;
    FUZZ_CHECK(length <= input.size());
    proto::JsonFramer framer(input.size());
    const auto step = framer.next(input);
    FUZZ_CHECK(step.kind == proto::JsonFramer::Kind::Frame && step.consumed == length);
    const auto plain = proto::detail::decode_plain_message(step.frame);
    FUZZ_CHECK(plain.has_value());
    const auto& framed = std::get<InboundFrame>(*plain);
    FUZZ_CHECK(decoded.typed == framed.typed && decoded.user == framed.user);
    const auto& a = std::get<SendMessage>(*decoded.command);
    const auto& b = std::get<SendMessage>(*framed.command);
    FUZZ_CHECK(a.targets == b.targets && a.text == b.text && a.ref == b.ref);
    FUZZ_CHECK(a.text_plain && b.text_plain);
    check_shortcut_agrees(step.frame);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    check_shortcut_agrees(frame);
    check_prefix_agrees(frame);
    auto result = proto::decode_client_frame(frame);

    // The parser and its arena are reused between frames: a second decode of the same
    // bytes must give the same answer.
    auto again = proto::decode_client_frame(frame);
    FUZZ_CHECK(result.index() == again.index());

    if (const auto* error = std::get_if<DecodeError>(&result)) {
        FUZZ_CHECK(error->code == std::get<DecodeError>(again).code);
        FUZZ_CHECK(error->text == std::get<DecodeError>(again).text);
        FUZZ_CHECK(error->ref.size() <= kMaxRefBytes);
        check_error(Error{error->code, error->text, error->ref, {}}, "alice");
        check_error(Error{error->code, error->text, error->ref, {}}, {});
        return 0;
    }
    const auto& inbound = std::get<InboundFrame>(result);
    FUZZ_CHECK(!inbound.hello || inbound.typed);
    FUZZ_CHECK(!inbound.hello ||
               (inbound.command && std::holds_alternative<Hello>(*inbound.command)));
    // Whatever decoded was one JSON object; its ref (if any) is what the codec keeps.
    const auto obj = parse_object(frame);
    if (inbound.user) FUZZ_CHECK(string_at(obj, "user") == *inbound.user);
    if (!inbound.command) {
        // The original's bare {"user": ...}, or a request the adapter answers itself.
        FUZZ_CHECK(inbound.user.has_value() || inbound.register_account ||
                   inbound.history.has_value());
        FUZZ_CHECK(!inbound.register_account || inbound.password.has_value());
        if (inbound.history) {
            FUZZ_CHECK(inbound.history->limit >= 1 &&
                       inbound.history->limit <= proto::kMaxHistoryPage);
        }
        return 0;
    }
    const std::string user = inbound.user.value_or("alice");
    std::visit(
        [&](const auto& cmd) {
            if constexpr (requires { cmd.ref; }) {
                FUZZ_CHECK(cmd.ref == ref_of(obj));
                FUZZ_CHECK(cmd.ref.size() <= kMaxRefBytes);
            }
        },
        *inbound.command);
    check_replies(*inbound.command, user);
    return 0;
}
