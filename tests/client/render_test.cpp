#include "client/render.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace hubchat::client {
namespace {
namespace json = boost::json;

json::object obj(std::string_view text) {
    return json::parse(text).as_object();
}

TEST(Render, RequestFramesAreJsonLines) {
    auto hello = obj(hello_frame("tintin"));
    EXPECT_EQ(hello.at("type"), "hello");
    EXPECT_EQ(hello.at("name"), "tintin");
    const auto line = message_frame("bob", "hi \"you\"", 4);
    EXPECT_EQ(line.back(), '\n');
    auto m = obj(line);
    EXPECT_EQ(m.at("dest"), "bob");
    EXPECT_EQ(m.at("message"), "hi \"you\"");
    EXPECT_EQ(m.at("ref"), 4);
    EXPECT_EQ(obj(room_frame("join", "#r", 1)).at("room"), "#r");
    EXPECT_EQ(obj(request_frame("list", 2)).at("type"), "list");
}

TEST(Render, ChatLinesLikeTheOriginal) {
    auto frame = obj(R"({"type":"message","user":"alice","dest":"bob","message":"Hello Bob"})");
    EXPECT_EQ(render_for_person(frame, false),
              std::vector<std::string>{"Message from alice: Hello Bob"});
    EXPECT_EQ(render_for_person(frame, true),
              std::vector<std::string>{"\033[031m Message from alice: Hello Bob \033[0m"});
    auto room = obj(R"({"type":"message","user":"alice","dest":"#dev","message":"hi"})");
    EXPECT_EQ(render_for_person(room, false)[0], "Message from alice in #dev: hi");
    EXPECT_EQ(render_for_listen(frame), "alice: Hello Bob");
    EXPECT_EQ(render_for_listen(room), "alice in #dev: hi");
}

TEST(Render, ListLikeTheOriginal) {
    auto list = obj(R"({"type":"list","users":["haddock","tintin"]})");
    EXPECT_EQ(
        render_for_person(list, false),
        (std::vector<std::string>{"", "2 Client(s):", "- Client [haddock]", "- Client [tintin]"}));
}

TEST(Render, EventsErrorsAndSilence) {
    EXPECT_EQ(render_for_person(obj(R"({"type":"join","room":"#r","user":"b"})"), false)[0],
              "* b joined #r");
    EXPECT_EQ(render_for_person(obj(R"({"type":"leave","room":"ALL","user":"b","reason":"quit"})"),
                                false)[0],
              "* b quit");
    EXPECT_EQ(render_for_person(obj(R"({"type":"error","code":"x","message":"No such user: z"})"),
                                false)[0],
              "Error: No such user: z");
    EXPECT_EQ(render_for_person(obj(R"({"type":"rooms","rooms":[{"name":"ALL","members":2}]})"),
                                false)[0],
              "Rooms: ALL (2)");
    EXPECT_TRUE(render_for_person(obj(R"({"type":"ack","id":1})"), false).empty());
    EXPECT_TRUE(render_for_person(obj(R"({"type":"pong"})"), false).empty());
    EXPECT_FALSE(render_for_listen(obj(R"({"type":"join","room":"#r","user":"b"})")));
    EXPECT_FALSE(parse_frame("not json"));
    EXPECT_EQ(ref_of(obj(R"({"ref":5})")), 5u);
}

}  // namespace
}  // namespace hubchat::client
