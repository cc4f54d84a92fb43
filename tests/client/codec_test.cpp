#include "client/codec.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

template <class T>
T decoded(std::string_view line) {
    auto event = decode_server_line(line);
    EXPECT_TRUE(event.has_value()) << line;
    if (!event) return T{};
    EXPECT_TRUE(std::holds_alternative<T>(*event))
        << line << " decoded as index " << event->index();
    return std::holds_alternative<T>(*event) ? std::get<T>(*event) : T{};
}

TEST(Encode, RequestsAreOneJsonObjectPerLine) {
    EXPECT_EQ(encode_hello("alice"), "{\"type\":\"hello\",\"name\":\"alice\",\"protocol\":1}\n");
    EXPECT_EQ(encode_message("bob,carol", "hi", 3),
              "{\"type\":\"message\",\"dest\":\"bob,carol\",\"message\":\"hi\",\"ref\":3}\n");
    EXPECT_EQ(encode_query(Query::List, 1), "{\"type\":\"list\",\"ref\":1}\n");
    EXPECT_EQ(encode_query(Query::Rooms, 2), "{\"type\":\"rooms\",\"ref\":2}\n");
    EXPECT_EQ(encode_query(Query::Ping, 9), "{\"type\":\"ping\",\"ref\":9}\n");
    EXPECT_EQ(encode_room_request(RoomRequest::Join, "#dev", 4),
              "{\"type\":\"join\",\"room\":\"#dev\",\"ref\":4}\n");
    EXPECT_EQ(encode_room_request(RoomRequest::Leave, "#dev", 5),
              "{\"type\":\"leave\",\"room\":\"#dev\",\"ref\":5}\n");
    EXPECT_EQ(encode_room_request(RoomRequest::Members, "#dev", 6),
              "{\"type\":\"members\",\"room\":\"#dev\",\"ref\":6}\n");
    EXPECT_EQ(encode_quit(), "{\"type\":\"quit\"}\n");
}

TEST(Encode, AccountFrames) {
    EXPECT_EQ(encode_hello("alice", {"pw", std::nullopt}),
              "{\"type\":\"hello\",\"name\":\"alice\",\"protocol\":1,\"password\":\"pw\"}\n");
    EXPECT_EQ(encode_hello("alice", {std::nullopt, "hub"}),
              "{\"type\":\"hello\",\"name\":\"alice\",\"protocol\":1,"
              "\"server_password\":\"hub\"}\n");
    EXPECT_EQ(encode_hello("alice", {"pw", "hub"}),
              "{\"type\":\"hello\",\"name\":\"alice\",\"protocol\":1,\"password\":\"pw\","
              "\"server_password\":\"hub\"}\n");
    EXPECT_EQ(encode_hello("alice", {}), encode_hello("alice"));
    EXPECT_EQ(encode_register("s\"cret", 7),
              "{\"type\":\"register\",\"password\":\"s\\\"cret\",\"ref\":7}\n");
    EXPECT_EQ(encode_pong(42), "{\"type\":\"pong\",\"ref\":42}\n");
    EXPECT_EQ(encode_pong(std::nullopt), "{\"type\":\"pong\"}\n");
}

TEST(Encode, ASignUpHelloCarriesRegisterAndItsRef) {
    EXPECT_EQ(encode_sign_up("dora", {"pw", std::nullopt}, 3),
              "{\"type\":\"hello\",\"name\":\"dora\",\"protocol\":1,\"password\":\"pw\","
              "\"register\":true,\"ref\":3}\n");
    EXPECT_EQ(encode_sign_up("dora", {"pw", "hub"}, 9),
              "{\"type\":\"hello\",\"name\":\"dora\",\"protocol\":1,\"password\":\"pw\","
              "\"server_password\":\"hub\",\"register\":true,\"ref\":9}\n");
}

TEST(Encode, TextIsEscapedAndStaysOnOneLine) {
    const std::string frame = encode_message("bob", "say \"hi\"\nback\\slash {}", 1);
    EXPECT_EQ(frame.find('\n'), frame.size() - 1);
    EXPECT_NE(frame.find(R"(say \"hi\"\nback\\slash {})"), std::string::npos);
    auto round_trip = decoded<event::Chat>(
        R"({"type":"message","user":"a","dest":"bob","message":"say \"hi\"\nback\\slash {}"})");
    EXPECT_EQ(round_trip.text, "say \"hi\"\nback\\slash {}");
}

// The examples of docs/PROTOCOL.md, as the server sends them.
TEST(Decode, EveryServerFrameOfTheProtocol) {
    auto welcome = decoded<event::Welcome>(
        R"({"type":"welcome","name":"alice","protocol":1,"server":"hubchat 0.1.0","max_message":65536})");
    EXPECT_EQ(welcome.name, "alice");
    EXPECT_EQ(welcome.server, "hubchat 0.1.0");

    auto chat = decoded<event::Chat>(
        R"({"type":"message","id":17,"ts":1764052800123,"user":"alice","dest":"bob","message":"Hello Bob"})");
    EXPECT_EQ(chat.from, "alice");
    EXPECT_EQ(chat.dest, "bob");
    EXPECT_EQ(chat.text, "Hello Bob");

    auto ack = decoded<event::Ack>(
        R"({"type":"ack","ref":"c1","id":17,"ts":1764052800123,"delivered":1,"failed":["zed"]})");
    EXPECT_FALSE(ack.ref);  // a string ref is not one of ours
    EXPECT_EQ(ack.failed, std::vector<std::string>{"zed"});
    EXPECT_EQ(decoded<event::Ack>(R"({"type":"ack","ref":7,"delivered":2})").ref, 7u);

    auto error = decoded<event::Error>(
        R"({"type":"error","code":"unknown_recipient","message":"No such user: zed","ref":3,"names":["zed"]})");
    EXPECT_EQ(error.code, "unknown_recipient");
    EXPECT_EQ(error.message, "No such user: zed");
    EXPECT_EQ(error.ref, 3u);

    EXPECT_EQ(
        decoded<event::UserList>(R"({"type":"list","ref":"c2","users":["alice","bob"]})").users,
        (std::vector<std::string>{"alice", "bob"}));

    auto rooms = decoded<event::RoomList>(
        R"({"type":"rooms","rooms":[{"name":"ALL","members":2},{"name":"#dev","members":1}]})");
    ASSERT_EQ(rooms.rooms.size(), 2u);
    EXPECT_EQ(rooms.rooms[1].name, "#dev");
    EXPECT_EQ(rooms.rooms[1].members, 1u);

    auto members = decoded<event::Members>(R"({"type":"members","room":"#dev","users":["alice"]})");
    EXPECT_EQ(members.room, "#dev");
    EXPECT_EQ(members.users, std::vector<std::string>{"alice"});

    auto joined = decoded<event::Joined>(R"({"type":"join","room":"#dev","user":"bob","ts":1})");
    EXPECT_EQ(joined.room, "#dev");
    EXPECT_EQ(joined.user, "bob");

    auto left = decoded<event::Left>(
        R"({"type":"leave","room":"#dev","user":"bob","reason":"left","ts":1764052800300})");
    EXPECT_EQ(left.reason, "left");

    auto renamed = decoded<event::Renamed>(R"({"type":"rename","user":"ivy","name":"ivy2"})");
    EXPECT_EQ(renamed.from, "ivy");
    EXPECT_EQ(renamed.to, "ivy2");
    auto topic = decoded<event::Topic>(
        R"({"type":"topic","room":"#dev","topic":"release friday","user":"ivy","ts":1764052800400})");
    EXPECT_EQ(topic.room, "#dev");
    EXPECT_EQ(topic.text, "release friday");
    EXPECT_EQ(topic.user, "ivy");

    EXPECT_EQ(decoded<event::Pong>(R"({"type":"pong","ref":5})").ref, 5u);
    EXPECT_EQ(decoded<event::Ping>(R"({"type":"ping","ref":42})").ref, 42u);
    EXPECT_FALSE(decoded<event::Ping>(R"({"type":"ping"})").ref);
    auto registered = decoded<event::Registered>(R"({"type":"registered","ref":7,"name":"alice"})");
    EXPECT_EQ(registered.name, "alice");
    EXPECT_EQ(registered.ref, 7u);
    auto limited = decoded<event::Error>(
        R"({"type":"error","code":"rate_limited","message":"Too many failed logins","retry_after_ms":400})");
    EXPECT_EQ(limited.code, "rate_limited");
    EXPECT_EQ(limited.retry_after_ms, 400u);
    EXPECT_EQ(decoded<event::Shutdown>(R"({"type":"shutdown","message":"Server is shutting down"})")
                  .message,
              "Server is shutting down");
}

TEST(Decode, TheOriginalServersShapesToo) {
    EXPECT_EQ(
        decoded<event::UserList>(R"({"client-list": [{"name": "alice"}, {"name": "bob"}]})").users,
        (std::vector<std::string>{"alice", "bob"}));
    auto chat =
        decoded<event::Chat>(R"({"user": "alice", "message": "h\u00e9llo", "dest": "bob"})");
    EXPECT_EQ(chat.from, "alice");
    EXPECT_EQ(chat.text, "h\xc3\xa9llo");
}

TEST(Decode, OddInputIsToleratedNotFatal) {
    EXPECT_FALSE(decode_server_line(""));
    EXPECT_FALSE(decode_server_line("hello"));
    EXPECT_FALSE(decode_server_line("[1,2]"));
    EXPECT_FALSE(decode_server_line("{\"type\":"));
    EXPECT_EQ(decoded<event::Unknown>(R"({"type":"typing","user":"bob"})").type, "typing");
    EXPECT_TRUE(std::holds_alternative<event::Unknown>(*decode_server_line("{}")));
    // Wrongly typed fields read as empty.
    auto chat = decoded<event::Chat>(R"({"type":"message","user":5,"message":["x"]})");
    EXPECT_EQ(chat.from, "");
    EXPECT_EQ(chat.text, "");
    EXPECT_FALSE(decoded<event::Pong>(R"({"type":"pong","ref":-1})").ref);
}

}  // namespace
}  // namespace hubchat::client
