#include "proto/json_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "proto/json_write.hpp"

namespace hubchat::proto {
namespace {
namespace json = boost::json;

InboundFrame decoded(std::string_view text) {
    auto result = decode_client_frame(text);
    if (auto* e = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << text << " -> " << e->text;
        return {};
    }
    return std::get<InboundFrame>(result);
}

DecodeError refused(std::string_view text) {
    auto result = decode_client_frame(text);
    if (auto* e = std::get_if<DecodeError>(&result)) return *e;
    ADD_FAILURE() << text << " was accepted";
    return {};
}

TEST(Decode, TheOriginalClientsTwoShapes) {
    auto list = decoded(R"({"user": "alice", "request": "ClientList"})");
    EXPECT_FALSE(list.typed);
    EXPECT_EQ(list.user, "alice");
    ASSERT_TRUE(list.command);
    EXPECT_TRUE(std::holds_alternative<ListUsers>(*list.command));

    auto chat = decoded(R"({"user": "alice", "message": "Hello Bob", "dest": "bob"})");
    ASSERT_TRUE(chat.command);
    const auto& send = std::get<SendMessage>(*chat.command);
    EXPECT_EQ(send.text, "Hello Bob");
    EXPECT_EQ(send.targets, std::vector<std::string>{"bob"});
}

TEST(Decode, RequestWinsOverMessageAsInTheOriginal) {
    auto both = decoded(R"({"user":"a","request":"ClientList","message":"x","dest":"b"})");
    EXPECT_TRUE(std::holds_alternative<ListUsers>(*both.command));
    EXPECT_EQ(refused(R"({"user":"a","request":"Other"})").code, ErrorCode::BadRequest);
}

TEST(Decode, BareUserOnlyRegisters) {
    auto bare = decoded(R"({"user":"r1"})");
    EXPECT_EQ(bare.user, "r1");
    EXPECT_FALSE(bare.command);
    EXPECT_EQ(refused(R"({})").code, ErrorCode::BadRequest);
}

TEST(Decode, HubchatRequests) {
    auto hello = decoded(R"({"type":"hello","name":"bob","protocol":1})");
    EXPECT_TRUE(hello.typed);
    EXPECT_TRUE(hello.hello);
    EXPECT_EQ(std::get<Hello>(*hello.command).name, "bob");

    auto array = decoded(R"({"type":"message","dest":["a","b,c"],"message":"m","ref":"x1"})");
    const auto& send = std::get<SendMessage>(*array.command);
    EXPECT_EQ(send.targets, (std::vector<std::string>{"a", "b,c"}));
    EXPECT_EQ(send.ref, R"("x1")");

    EXPECT_EQ(std::get<ListUsers>(*decoded(R"({"type":"list","ref":7})").command).ref, "7");
    EXPECT_TRUE(std::holds_alternative<ListRooms>(*decoded(R"({"type":"rooms"})").command));
    EXPECT_EQ(std::get<JoinRoom>(*decoded(R"({"type":"join","room":"#r"})").command).room, "#r");
    EXPECT_EQ(std::get<LeaveRoom>(*decoded(R"({"type":"leave","room":"#r"})").command).room, "#r");
    EXPECT_EQ(std::get<ListMembers>(*decoded(R"({"type":"members","room":"#r"})").command).room,
              "#r");
    EXPECT_TRUE(std::holds_alternative<Ping>(*decoded(R"({"type":"ping"})").command));
    EXPECT_EQ(std::get<Quit>(*decoded(R"({"type":"quit","message":"bye"})").command).reason, "bye");
}

TEST(Decode, WrongTypesAndMissingFieldsAreBadRequests) {
    for (const char* text : {
             R"({"type":"message","dest":"b","message":5})",
             R"({"type":"message","dest":{"x":1},"message":"m"})",
             R"({"type":"message","dest":["a",2],"message":"m"})",
             R"({"type":"message","message":"m"})",
             R"({"type":"hello"})",
             R"({"type":"hello","name":["x"]})",
             R"({"type":"hello","name":"x","protocol":"one"})",
             R"({"type":"join"})",
             R"({"type":3})",
             R"({"type":"teleport"})",
             R"({"user":5,"request":"ClientList"})",
             R"({"type":"list","ref":[1]})",
             R"({"type":"list","ref":1.5})",
             R"({"user":"a","message":"m"})",
             R"({"type":"message","dest":"b","message":1e99999})",
         }) {
        EXPECT_EQ(refused(text).code, ErrorCode::BadRequest) << text;
    }
    const auto long_ref = R"({"type":"list","ref":")" + std::string(100, 'r') + R"("})";
    EXPECT_EQ(refused(long_ref).code, ErrorCode::BadRequest);
    // The ref of a refused request still comes back, so the client can match the error.
    EXPECT_EQ(refused(R"({"type":"message","dest":"b","message":5,"ref":9})").ref, "9");
}

TEST(Decode, InvalidJsonUtf8AndDepthAreBadJson) {
    EXPECT_EQ(refused(R"({"type":"list",})").code, ErrorCode::BadJson);
    EXPECT_EQ(refused("{\"type\":\"message\",\"dest\":\"b\",\"message\":\"\xc3\x28\"}").code,
              ErrorCode::BadJson);
    EXPECT_EQ(refused("{\"type\":\"message\",\"dest\":\"b\",\"message\":\"\xed\xa0\x80\"}").code,
              ErrorCode::BadJson);
    const std::string deep = R"({"a":)" + std::string(40, '[') + std::string(40, ']') + "}";
    EXPECT_EQ(refused(deep).code, ErrorCode::BadJson);
    const std::string ok_depth =
        R"({"a":)" + std::string(20, '[') + std::string(20, ']') + R"(,"type":"ping"})";
    EXPECT_TRUE(decoded(ok_depth).command);
}

TEST(Decode, EscapesAndNulAreText) {
    auto frame =
        decoded(R"({"type":"message","dest":"b","message":"a\u0000b\n\u00e9\ud83d\ude00"})");
    EXPECT_EQ(std::get<SendMessage>(*frame.command).text,
              std::string("a\0b\n\xc3\xa9\xf0\x9f\x98\x80", 10));
}

ChatPtr chat(std::string from, std::string dest, std::string text) {
    auto c = std::make_shared<ChatMessage>();
    c->id = 17;
    c->ts = 1764052800123;
    c->from = std::move(from);
    c->dest = std::move(dest);
    c->text = std::move(text);
    return c;
}

json::object parse_line(const std::string& line) {
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    return json::parse(line).as_object();
}

TEST(EncodeHubchat, EveryEventIsOneJsonLine) {
    auto m = parse_line(encode_hubchat(chat("alice", "bob", "hi \"there\" \xc3\xa9")));
    EXPECT_EQ(m.at("type"), "message");
    EXPECT_EQ(m.at("id"), 17);
    EXPECT_EQ(m.at("user"), "alice");
    EXPECT_EQ(m.at("dest"), "bob");
    EXPECT_EQ(m.at("message"), "hi \"there\" \xc3\xa9");

    auto w = parse_line(encode_hubchat(Welcome{"alice", 65536}));
    EXPECT_EQ(w.at("type"), "welcome");
    EXPECT_EQ(w.at("max_message"), 65536);
    EXPECT_EQ(w.at("protocol"), 1);

    auto a = parse_line(encode_hubchat(Ack{R"("c1")", 5, 9, 2, {"zed"}}));
    EXPECT_EQ(a.at("ref"), "c1");
    EXPECT_EQ(a.at("delivered"), 2);
    EXPECT_EQ(a.at("failed").as_array().size(), 1u);
    EXPECT_FALSE(parse_line(encode_hubchat(Ack{"", 5, 9, 1, {}})).contains("failed"));

    auto e = parse_line(
        encode_hubchat(Error{ErrorCode::UnknownRecipient, "No such user: zed", "3", {"zed"}}));
    EXPECT_EQ(e.at("code"), "unknown_recipient");
    EXPECT_EQ(e.at("ref"), 3);

    EXPECT_EQ(parse_line(encode_hubchat(UserList{"", {"a", "b"}})).at("users").as_array().size(),
              2u);
    auto rooms = parse_line(encode_hubchat(RoomList{"", {{"ALL", 2}, {"#dev", 1}}}));
    EXPECT_EQ(rooms.at("rooms").as_array()[1].as_object().at("members"), 1);
    EXPECT_EQ(parse_line(encode_hubchat(MemberList{"", "#dev", {"a"}})).at("room"), "#dev");
    EXPECT_EQ(parse_line(encode_hubchat(Pong{"8"})).at("ref"), 8);
    EXPECT_EQ(parse_line(encode_hubchat(ShutdownNotice{"bye"})).at("type"), "shutdown");

    auto p = std::make_shared<Presence>();
    p->kind = PresenceKind::Leave;
    p->room = "#dev";
    p->user = "bob";
    p->reason = "left";
    auto leave = parse_line(encode_hubchat(PresencePtr(p)));
    EXPECT_EQ(leave.at("type"), "leave");
    EXPECT_EQ(leave.at("reason"), "left");
}

TEST(EncodeHubchat, BroadcastFramesAreBuiltOnceAndShared) {
    auto c = chat("a", "ALL", "x");
    auto first = hubchat_frame(*c);
    EXPECT_EQ(hubchat_frame(*c).get(), first.get());
    EXPECT_EQ(original_frame(*c).get(), original_frame(*c).get());
    EXPECT_NE(original_frame(*c).get(), first.get());
}

TEST(EncodeOriginal, ByteExactPythonJsonDumps) {
    EXPECT_EQ(*encode_original(chat("alice", "bob", "Hello Bob"), "bob"),
              R"({"user": "alice", "message": "Hello Bob", "dest": "bob"})");
    EXPECT_EQ(
        *encode_original(chat("alice", "bob", "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\" back\\slash"),
                         "bob"),
        R"({"user": "alice", "message": "h\u00e9llo \u2713 \"quoted\" back\\slash", "dest": "bob"})");
    EXPECT_EQ(*encode_original(chat("a", "b", "\xf0\x9f\x98\x80\t\x01\x7f"), "b"),
              R"({"user": "a", "message": "\ud83d\ude00\t\u0001\u007f", "dest": "b"})");
    EXPECT_EQ(*encode_original(UserList{"", {"alice", "bob"}}, "alice"),
              R"({"client-list": [{"name": "alice"}, {"name": "bob"}]})");
}

TEST(EncodeOriginal, OnlyShapesTheOriginalClientReads) {
    EXPECT_FALSE(encode_original(Welcome{"a", 1}, "a"));
    EXPECT_FALSE(encode_original(Ack{}, "a"));
    EXPECT_FALSE(encode_original(Pong{}, "a"));
    EXPECT_FALSE(encode_original(PresencePtr(std::make_shared<Presence>()), "a"));
    auto notice =
        encode_original(Error{ErrorCode::NameTaken, "The name bob is already taken", "", {}}, "");
    ASSERT_TRUE(notice);
    auto parsed = json::parse(*notice).as_object();
    EXPECT_EQ(parsed.at("user"), "server");
    EXPECT_EQ(parsed.at("message"), "The name bob is already taken. Reconnect with another name.");
    EXPECT_TRUE(parsed.contains("dest"));
    for (const Event& e : {Event{RoomList{"", {{"ALL", 1}}}}, Event{MemberList{"", "#r", {"a"}}},
                           Event{ShutdownNotice{"bye"}}}) {
        auto text = encode_original(e, "a");
        ASSERT_TRUE(text);
        EXPECT_EQ(json::parse(*text).as_object().at("user"), "server");
    }
}

TEST(JsonWrite, EscapesPerStyle) {
    std::string compact;
    append_json_string(compact, "\xc3\xa9\"\\\n\x01", JsonStyle::Compact);
    EXPECT_EQ(compact, "\"\xc3\xa9\\\"\\\\\\n\\u0001\"");
    std::string ascii;
    append_json_string(ascii, "\xc3\xa9", JsonStyle::PythonAscii);
    EXPECT_EQ(ascii, R"("\u00e9")");
}

}  // namespace
}  // namespace hubchat::proto
