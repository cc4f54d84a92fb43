// Server frames for both dialects: hubchat JSON lines and the original's json.dumps shapes.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/hub.hpp"
#include "proto/json_codec.hpp"

namespace hubchat::proto {
namespace {
namespace json = boost::json;

ChatPtr chat(std::string from, std::string dest, std::string text, MessageId id = 17,
             TimestampMs ts = 1764052800123) {
    auto c = std::make_shared<ChatMessage>();
    c->id = id;
    c->ts = ts;
    c->from = std::move(from);
    c->dest = std::move(dest);
    c->text = std::move(text);
    return c;
}

PresencePtr presence(PresenceKind kind, std::string room, std::string user, std::string reason,
                     TimestampMs ts) {
    auto p = std::make_shared<Presence>();
    p->kind = kind;
    p->room = std::move(room);
    p->user = std::move(user);
    p->reason = std::move(reason);
    p->ts = ts;
    return p;
}

// One line: a single '\n', at the end, and a JSON object before it.
json::object parse_line(const std::string& line) {
    EXPECT_FALSE(line.empty());
    if (line.empty()) return {};
    EXPECT_EQ(line.back(), '\n') << line;
    EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
    boost::system::error_code ec;
    auto value = json::parse(line, ec);
    EXPECT_FALSE(ec) << line << ": " << ec.message();
    if (ec || !value.is_object()) {
        ADD_FAILURE() << "not an object: " << line;
        return {};
    }
    return value.as_object();
}

std::vector<std::string> strings(const json::value& v) {
    std::vector<std::string> out;
    for (const auto& item : v.as_array()) out.emplace_back(item.as_string());
    return out;
}

bool is_ascii(std::string_view s) {
    for (char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

// ---- hubchat: the examples of docs/PROTOCOL.md, byte for byte ------------------------

TEST(EncodeHubchat, TheProtocolDocumentsExamplesExactly) {
    EXPECT_EQ(encode_hubchat(Welcome{"alice", 65536}),
              R"({"type":"welcome","name":"alice","protocol":1,"server":"hubchat )" HUBCHAT_VERSION
              R"(","max_message":65536})"
              "\n");
    EXPECT_EQ(
        encode_hubchat(chat("alice", "bob", "Hello Bob")),
        R"({"type":"message","id":17,"ts":1764052800123,"user":"alice","dest":"bob","message":"Hello Bob"})"
        "\n");
    EXPECT_EQ(
        encode_hubchat(Ack{R"("c1")", 17, 1764052800123, 1, {"zed"}, {}}),
        R"({"type":"ack","ref":"c1","id":17,"ts":1764052800123,"delivered":1,"failed":["zed"]})"
        "\n");
    EXPECT_EQ(
        encode_hubchat(Error{ErrorCode::UnknownRecipient, "No such user: zed", R"("c1")", {"zed"}}),
        R"({"type":"error","code":"unknown_recipient","message":"No such user: zed","ref":"c1","names":["zed"]})"
        "\n");
    EXPECT_EQ(encode_hubchat(UserList{R"("c2")", {"alice", "bob"}}),
              R"({"type":"list","ref":"c2","users":["alice","bob"]})"
              "\n");
    EXPECT_EQ(encode_hubchat(RoomList{"", {{"ALL", 2}, {"#dev", 1}}}),
              R"({"type":"rooms","rooms":[{"name":"ALL","members":2},{"name":"#dev","members":1}]})"
              "\n");
    EXPECT_EQ(encode_hubchat(MemberList{"", "#dev", {"alice"}}),
              R"({"type":"members","room":"#dev","users":["alice"]})"
              "\n");
    EXPECT_EQ(encode_hubchat(presence(PresenceKind::Join, "#dev", "bob", "", 1764052800200)),
              R"({"type":"join","room":"#dev","user":"bob","ts":1764052800200})"
              "\n");
    EXPECT_EQ(encode_hubchat(presence(PresenceKind::Leave, "#dev", "bob", "left", 1764052800300)),
              R"({"type":"leave","room":"#dev","user":"bob","reason":"left","ts":1764052800300})"
              "\n");
    EXPECT_EQ(encode_hubchat(Pong{"5"}), "{\"type\":\"pong\",\"ref\":5}\n");
    EXPECT_EQ(encode_hubchat(ShutdownNotice{"Server is shutting down"}),
              R"({"type":"shutdown","message":"Server is shutting down"})"
              "\n");
}

// A chat message and a plain acknowledgement are sized, then written in one piece: every
// part that changes the size (escapes in each string, the notice flag, a ref or none,
// numbers from one digit to twenty) lands exactly where it should.
TEST(EncodeHubchat, FramesWrittenInOnePieceHoldEveryPartExactly) {
    auto c = chat("a\"b", "x\\y", "line\nnext\x01 z\xc3\xa9", 0, -9223372036854775807 - 1);
    std::const_pointer_cast<ChatMessage>(c)->notice = true;
    EXPECT_EQ(encode_hubchat(c),
              R"({"type":"message","id":0,"ts":-9223372036854775808,"user":"a\"b","dest":"x\\y",)"
              R"("message":"line\nnext\u0001 z)"
              "\xc3\xa9"
              R"(","notice":true})"
              "\n");
    EXPECT_EQ(
        encode_hubchat(Ack{R"("c1")", 18446744073709551615ull, 1764052800123, 10, {}, {}}),
        R"({"type":"ack","ref":"c1","id":18446744073709551615,"ts":1764052800123,"delivered":10})"
        "\n");
    EXPECT_EQ(encode_hubchat(Ack{"", 9, 0, 1, {}, {}}),
              R"({"type":"ack","id":9,"ts":0,"delivered":1})"
              "\n");
}

TEST(EncodeHubchat, TextMarkedPlainIsWrittenAsItWouldBeScanned) {
    // A decoder's mark saves the writer's scan, never changes what is written.
    const std::string text = "printable ASCII, {braces} [and] 'quotes' ~ 100% plain";
    auto scanned = chat("alice", "bob", text);
    auto marked = chat("alice", "bob", text);
    std::const_pointer_cast<ChatMessage>(marked)->text_plain = true;
    EXPECT_EQ(encode_hubchat(marked), encode_hubchat(scanned));
    EXPECT_EQ(std::string(*original_frame(*marked)), std::string(*original_frame(*scanned)));
}

// ---- hubchat: every event parses back ---------------------------------------------------

TEST(EncodeHubchat, ChatMessageParsesBack) {
    auto m =
        parse_line(encode_hubchat(chat("alice", "bob,carol", "hi", 18446744073709551615ull, -5)));
    EXPECT_EQ(m.at("type"), "message");
    EXPECT_EQ(m.at("id").as_uint64(), 18446744073709551615ull);
    EXPECT_EQ(m.at("ts"), -5);
    EXPECT_EQ(m.at("user"), "alice");
    EXPECT_EQ(m.at("dest"), "bob,carol");
    EXPECT_EQ(m.at("message"), "hi");
    EXPECT_EQ(m.size(), 6u);
}

TEST(EncodeHubchat, WelcomeParsesBack) {
    auto w = parse_line(encode_hubchat(Welcome{"Zo\xc3\xa9", 1234}));
    EXPECT_EQ(w.at("type"), "welcome");
    EXPECT_EQ(w.at("name"), "Zo\xc3\xa9");
    EXPECT_EQ(w.at("protocol"), 1);
    EXPECT_EQ(w.at("max_message"), 1234);
    EXPECT_EQ(std::string_view(w.at("server").as_string()).substr(0, 8), "hubchat ");
}

TEST(EncodeHubchat, AckParsesBackAndOmitsEmptyFields) {
    auto a = parse_line(encode_hubchat(Ack{"7", 5, 9, 2, {"zed", "#dev"}, {}}));
    EXPECT_EQ(a.at("type"), "ack");
    EXPECT_EQ(a.at("ref"), 7);
    EXPECT_EQ(a.at("id"), 5);
    EXPECT_EQ(a.at("ts"), 9);
    EXPECT_EQ(a.at("delivered"), 2);
    EXPECT_EQ(strings(a.at("failed")), (std::vector<std::string>{"zed", "#dev"}));
    auto bare = parse_line(encode_hubchat(Ack{"", 5, 9, 0, {}, {}}));
    EXPECT_FALSE(bare.contains("failed"));
    EXPECT_FALSE(bare.contains("ref"));
    EXPECT_EQ(bare.at("delivered"), 0);
}

TEST(EncodeHubchat, EveryErrorCodeHasItsWireName) {
    const std::vector<std::pair<ErrorCode, const char*>> codes{
        {ErrorCode::BadFrame, "bad_frame"},
        {ErrorCode::BadJson, "bad_json"},
        {ErrorCode::TooLarge, "too_large"},
        {ErrorCode::BadRequest, "bad_request"},
        {ErrorCode::NotRegistered, "not_registered"},
        {ErrorCode::AlreadyRegistered, "already_registered"},
        {ErrorCode::BadName, "bad_name"},
        {ErrorCode::NameTaken, "name_taken"},
        {ErrorCode::Spoofing, "spoofing"},
        {ErrorCode::UnknownRecipient, "unknown_recipient"},
        {ErrorCode::NotInRoom, "not_in_room"},
        {ErrorCode::EmptyMessage, "empty_message"},
        {ErrorCode::SendQueueExceeded, "send_queue_exceeded"},
        {ErrorCode::Shutdown, "shutdown"},
        {ErrorCode::RateLimited, "rate_limited"},
        {ErrorCode::TooManyRooms, "too_many_rooms"},
        {ErrorCode::TooManyRecipients, "too_many_recipients"},
    };
    for (const auto& [code, name] : codes) {
        auto e = parse_line(encode_hubchat(Error{code, "text \"q\"\n", "", {}}));
        EXPECT_EQ(e.at("type"), "error");
        EXPECT_EQ(e.at("code"), name);
        EXPECT_EQ(e.at("message"), "text \"q\"\n");
        EXPECT_FALSE(e.contains("ref"));
        EXPECT_FALSE(e.contains("names"));
        EXPECT_FALSE(e.contains("retry_after_ms"));
    }
    auto with_names =
        parse_line(encode_hubchat(Error{ErrorCode::UnknownRecipient, "x", "\"r\"", {"a", "b"}}));
    EXPECT_EQ(with_names.at("ref"), "r");
    EXPECT_EQ(strings(with_names.at("names")), (std::vector<std::string>{"a", "b"}));
}

TEST(EncodeHubchat, RateLimitedCarriesItsRetryTime) {
    Error limited{
        ErrorCode::RateLimited, "Too many messages: wait 0.4 s and send again", R"("c9")", {}};
    limited.retry_after_ms = 400;
    EXPECT_EQ(
        encode_hubchat(limited),
        R"({"type":"error","code":"rate_limited","message":"Too many messages: wait 0.4 s and send again","ref":"c9","retry_after_ms":400})"
        "\n");
}

TEST(EncodeHubchat, ListsParseBack) {
    auto users = parse_line(encode_hubchat(UserList{"", {}}));
    EXPECT_EQ(users.at("type"), "list");
    EXPECT_TRUE(users.at("users").as_array().empty());
    auto rooms = parse_line(encode_hubchat(RoomList{"1", {{"ALL", 3}}}));
    EXPECT_EQ(rooms.at("type"), "rooms");
    EXPECT_EQ(rooms.at("ref"), 1);
    EXPECT_EQ(rooms.at("rooms").as_array()[0].as_object().at("name"), "ALL");
    EXPECT_EQ(rooms.at("rooms").as_array()[0].as_object().at("members"), 3);
    auto members = parse_line(encode_hubchat(MemberList{"\"m\"", "#d\xc3\xa9v", {"a", "b"}}));
    EXPECT_EQ(members.at("type"), "members");
    EXPECT_EQ(members.at("ref"), "m");
    EXPECT_EQ(members.at("room"), "#d\xc3\xa9v");
    EXPECT_EQ(strings(members.at("users")), (std::vector<std::string>{"a", "b"}));
}

TEST(EncodeHubchat, PongAndShutdownParseBack) {
    EXPECT_EQ(encode_hubchat(Pong{""}), "{\"type\":\"pong\"}\n");
    EXPECT_EQ(parse_line(encode_hubchat(Pong{"\"p\""})).at("ref"), "p");
    auto s = parse_line(encode_hubchat(ShutdownNotice{"bye"}));
    EXPECT_EQ(s.at("type"), "shutdown");
    EXPECT_EQ(s.at("message"), "bye");
}

TEST(EncodeHubchat, PresenceParsesBack) {
    auto join = parse_line(encode_hubchat(presence(PresenceKind::Join, "ALL", "bob", "", 4)));
    EXPECT_EQ(join.at("type"), "join");
    EXPECT_EQ(join.at("room"), "ALL");
    EXPECT_EQ(join.at("user"), "bob");
    EXPECT_EQ(join.at("ts"), 4);
    EXPECT_FALSE(join.contains("reason"));
    for (const char* reason : {"left", "quit", "disconnected"}) {
        auto leave =
            parse_line(encode_hubchat(presence(PresenceKind::Leave, "ALL", "bob", reason, 5)));
        EXPECT_EQ(leave.at("type"), "leave");
        EXPECT_EQ(leave.at("reason"), reason);
    }
}

TEST(EncodeHubchat, AwkwardTextRoundTripsAsOneLine) {
    const std::vector<std::string> texts{
        "",
        "quote \" backslash \\ slash /",
        "new\nline\r\nand\ttab",
        std::string("nul\0byte", 8),
        "\x01\x02\x1f\x7f",
        "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80",
        "\xe2\x80\xa8\xe2\x80\xa9",  // U+2028/2029: legal raw in JSON
        "}{\"][",
    };
    for (const auto& text : texts) {
        const std::string line = encode_hubchat(chat("a\"b", "#r\\", text));
        for (char c : line.substr(0, line.size() - 1)) {
            EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control in " << line;
        }
        auto m = parse_line(line);
        EXPECT_EQ(std::string_view(m.at("message").as_string()), text) << line;
        EXPECT_EQ(m.at("user"), "a\"b");
        EXPECT_EQ(m.at("dest"), "#r\\");
    }
}

TEST(EncodeHubchat, BroadcastFramesAreBuiltOnceAndShared) {
    auto c = chat("a", "ALL", "x");
    auto first = hubchat_frame(*c);
    EXPECT_EQ(hubchat_frame(*c).get(), first.get());  // the same cached object
    EXPECT_EQ(*first, encode_hubchat(c));
    EXPECT_EQ(original_frame(*c).get(), original_frame(*c).get());
    EXPECT_NE(original_frame(*c).get(), first.get());  // one cache slot per format

    auto p = presence(PresenceKind::Join, "ALL", "a", "", 1);
    auto frame = hubchat_frame(*p);
    EXPECT_EQ(hubchat_frame(*p).get(), frame.get());
    EXPECT_EQ(*frame, encode_hubchat(p));

    // A different message object gets its own frame.
    auto other = chat("a", "ALL", "y");
    EXPECT_NE(*hubchat_frame(*other), *first);
}

// ---- the original dialect --------------------------------------------------------------

TEST(EncodeOriginal, ChatIsByteExactPythonJsonDumps) {
    EXPECT_EQ(*encode_original(chat("alice", "bob", "Hello Bob"), "bob"),
              R"({"user": "alice", "message": "Hello Bob", "dest": "bob"})");
    // PROTOCOL-FACTS §2, observed on the wire.
    EXPECT_EQ(
        *encode_original(chat("alice", "bob", "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\" back\\slash"),
                         "bob"),
        R"({"user": "alice", "message": "h\u00e9llo \u2713 \"quoted\" back\\slash", "dest": "bob"})");
    EXPECT_EQ(*encode_original(chat("bob", "ALL", "Hi everyone"), "alice"),
              R"({"user": "bob", "message": "Hi everyone", "dest": "ALL"})");
}

TEST(EncodeOriginal, AstralCharactersAreSurrogatePairsAndControlsAreEscaped) {
    EXPECT_EQ(*encode_original(chat("a", "b", "\xf0\x9f\x98\x80\t\x01\x7f"), "b"),
              R"({"user": "a", "message": "\ud83d\ude00\t\u0001\u007f", "dest": "b"})");
    EXPECT_EQ(*encode_original(chat("a", "b", std::string("\b\f\n\r\0\x1f", 6)), "b"),
              R"({"user": "a", "message": "\b\f\n\r\u0000\u001f", "dest": "b"})");
    EXPECT_EQ(*encode_original(chat("\xc3\xa9", "#d\xc3\xa9v", "\xf4\x8f\xbf\xbf"), "x"),
              R"({"user": "\u00e9", "message": "\udbff\udfff", "dest": "#d\u00e9v"})");
}

TEST(EncodeOriginal, ClientListIsByteExact) {
    EXPECT_EQ(*encode_original(UserList{"", {"alice", "bob"}}, "alice"),
              R"({"client-list": [{"name": "alice"}, {"name": "bob"}]})");
    EXPECT_EQ(*encode_original(UserList{"", {"alice"}}, "alice"),
              R"({"client-list": [{"name": "alice"}]})");
    EXPECT_EQ(*encode_original(UserList{"", {}}, "alice"), R"({"client-list": []})");
    EXPECT_EQ(*encode_original(UserList{"\"r\"", {"Zo\xc3\xa9"}}, "alice"),
              R"({"client-list": [{"name": "Zo\u00e9"}]})");  // no ref in this dialect
}

TEST(EncodeOriginal, EventsTheOriginalClientCannotTakeAreNotSent) {
    EXPECT_FALSE(encode_original(Welcome{"a", 1}, "a"));
    EXPECT_FALSE(encode_original(Ack{"1", 2, 3, 4, {"x"}, {}}, "a"));
    EXPECT_FALSE(encode_original(Pong{"1"}, "a"));
    EXPECT_FALSE(encode_original(presence(PresenceKind::Join, "ALL", "b", "", 1), "a"));
    EXPECT_FALSE(encode_original(presence(PresenceKind::Leave, "ALL", "b", "quit", 1), "a"));
}

TEST(EncodeOriginal, ErrorsAreChatFramesFromServer) {
    EXPECT_EQ(
        *encode_original(Error{ErrorCode::UnknownRecipient, "No such user: nobody", "", {"nobody"}},
                         "alice"),
        R"({"user": "server", "message": "No such user: nobody", "dest": "alice"})");
    EXPECT_EQ(
        *encode_original(Error{ErrorCode::NameTaken, "The name bob is already taken", "", {"bob"}},
                         "bob"),
        R"({"user": "server", "message": "The name bob is already taken. Reconnect with another name.", "dest": "bob"})");
    auto bad_name =
        encode_original(Error{ErrorCode::BadName, "A name must not be empty", "", {}}, "");
    ASSERT_TRUE(bad_name);
    EXPECT_EQ(
        *bad_name,
        R"({"user": "server", "message": "A name must not be empty. Reconnect with another name.", "dest": ""})");
    auto spoof = encode_original(
        Error{ErrorCode::Spoofing, "You are alice, not \xc3\xa9ve", "", {}}, "alice");
    ASSERT_TRUE(spoof);
    EXPECT_TRUE(is_ascii(*spoof)) << *spoof;
    EXPECT_EQ(*spoof,
              R"({"user": "server", "message": "You are alice, not \u00e9ve", "dest": "alice"})");
}

TEST(EncodeOriginal, RateLimitedIsANoticeWithItsText) {
    Error limited{ErrorCode::RateLimited, "Too many messages: wait 0.4 s and send again", "", {}};
    limited.retry_after_ms = 400;
    EXPECT_EQ(
        *encode_original(limited, "alice"),
        R"({"user": "server", "message": "Too many messages: wait 0.4 s and send again", "dest": "alice"})");
}

TEST(EncodeOriginal, ListingsAndShutdownAreNoticesFromServer) {
    for (const Event& e : {Event{RoomList{"", {{"ALL", 2}, {"#dev", 1}}}},
                           Event{MemberList{"", "#dev", {"alice", "bob"}}},
                           Event{ShutdownNotice{"Server is shutting down"}}}) {
        auto text = encode_original(e, "alice");
        ASSERT_TRUE(text);
        EXPECT_EQ(text->back(), '}');  // one object, no newline
        auto obj = json::parse(*text).as_object();
        EXPECT_EQ(obj.size(), 3u);
        EXPECT_EQ(obj.at("user"), "server");
        EXPECT_EQ(obj.at("dest"), "alice");
        EXPECT_TRUE(obj.at("message").is_string());
    }
    auto rooms = json::parse(*encode_original(RoomList{"", {{"ALL", 2}, {"#dev", 1}}}, "a"));
    const std::string room_text(rooms.as_object().at("message").as_string());
    EXPECT_NE(room_text.find("ALL"), std::string::npos) << room_text;
    EXPECT_NE(room_text.find("#dev"), std::string::npos) << room_text;
    auto members = json::parse(*encode_original(MemberList{"", "#dev", {"alice", "bob"}}, "a"));
    const std::string member_text(members.as_object().at("message").as_string());
    EXPECT_NE(member_text.find("alice"), std::string::npos) << member_text;
    EXPECT_NE(member_text.find("bob"), std::string::npos) << member_text;
    EXPECT_EQ(*encode_original(ShutdownNotice{"Server is shutting down"}, "alice"),
              R"({"user": "server", "message": "Server is shutting down", "dest": "alice"})");
}

TEST(EncodeOriginal, NoticeHelperIsTheSameShape) {
    EXPECT_EQ(original_notice("hi \"you\"", "z\xc3\xa9"),
              R"({"user": "server", "message": "hi \"you\"", "dest": "z\u00e9"})");
}

TEST(EncodeOriginal, OutputIsAlwaysAsciiAndParsesBack) {
    const std::vector<std::string> texts{"plain",
                                         "h\xc3\xa9llo \xe2\x9c\x93",
                                         "\xf0\x9f\x98\x80\xf0\x9f\x91\x8d",
                                         std::string("ctl \0\x01\x1f\x7f", 8),
                                         "\xe2\x80\xa8",
                                         "\xef\xbf\xbf"};
    for (const auto& text : texts) {
        const std::string frame = *encode_original(chat("alice", "ALL", text), "bob");
        EXPECT_TRUE(is_ascii(frame)) << frame;
        EXPECT_EQ(frame.find('\n'), std::string::npos) << frame;
        auto obj = json::parse(frame).as_object();
        EXPECT_EQ(std::string_view(obj.at("message").as_string()), text) << frame;
    }
}

// ---- the hub's own texts through the original encoder (the documented notices) --------

struct RecordingPeer : Peer {
    std::vector<Event> events;
    void deliver(const Event& event) override { events.push_back(event); }
    bool wants_presence() const override { return false; }
};

TEST(EncodeOriginal, NameTakenNoticeIsTheDocumentedOne) {
    Hub hub([] { return TimestampMs{1}; });
    RecordingPeer first;
    RecordingPeer second;
    hub.handle(hub.attach(first), Hello{"bob"});
    hub.handle(hub.attach(second), Hello{"bob"});
    ASSERT_EQ(second.events.size(), 1u);
    EXPECT_EQ(
        *encode_original(second.events[0], "bob"),
        R"({"user": "server", "message": "The name bob is already taken. Reconnect with another name.", "dest": "bob"})");
}

TEST(EncodeOriginal, UnknownUserNoticeIsTheDocumentedOne) {
    // docs/PROTOCOL.md: {"user": "server", "message": "No such user: nobody", "dest": "alice"}
    Hub hub([] { return TimestampMs{1}; });
    RecordingPeer alice;
    const auto id = hub.attach(alice);
    hub.handle(id, Hello{"alice"});
    alice.events.clear();
    hub.handle(id, SendMessage{{"nobody"}, "to nobody", ""});
    ASSERT_EQ(alice.events.size(), 1u);
    EXPECT_EQ(*encode_original(alice.events[0], "alice"),
              R"({"user": "server", "message": "No such user: nobody", "dest": "alice"})");
}

}  // namespace
}  // namespace hubchat::proto
