#include "client/session.hpp"

#include <gtest/gtest.h>

#include "client/codec.hpp"
#include "recording_host.hpp"

namespace hubchat::client {
namespace {

using Lines = std::vector<std::string>;
using test::RecordingHost;

std::string welcome(std::string_view name) {
    return R"({"type":"welcome","name":")" + std::string(name) +
           R"(","protocol":1,"server":"hubchat 0.1.0","max_message":65536})";
}

class ChatSessionTest : public ::testing::Test {
  protected:
    // A person at a terminal, connected and asked for a name.
    void start(ChatConfig config = {}) {
        session_.emplace(host_, std::move(config));
        session_->connected();
    }
    // ...then registered as `name`.
    void start_as(std::string_view name, ChatConfig config = {}) {
        start(std::move(config));
        session_->typed(std::string(name));
        session_->received(welcome(name));
        host_.take_sent();
        host_.take_shown();
    }

    RecordingHost host_;
    std::optional<ChatSession> session_;
};

TEST_F(ChatSessionTest, AsksTheNameThenSaysHello) {
    start();
    EXPECT_EQ(host_.current_prompt, "Your name> ");
    EXPECT_TRUE(host_.sent.empty());  // nothing until the name is typed
    session_->typed("  alice ");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice")});
    EXPECT_EQ(host_.current_prompt, "");  // waiting for the server
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.current_prompt, "You say  > ");
    EXPECT_TRUE(host_.shown.empty());
}

TEST_F(ChatSessionTest, ABlankNameIsAskedAgain) {
    start();
    session_->typed("   ");
    EXPECT_EQ(host_.take_shown(), Lines{"No empty name please."});
    EXPECT_EQ(host_.current_prompt, "Your name> ");
    EXPECT_TRUE(host_.sent.empty());
}

TEST_F(ChatSessionTest, ATakenNameIsAskedAgain) {
    start();
    session_->typed("bob");
    host_.take_sent();
    session_->received(
        R"({"type":"error","code":"name_taken","message":"The name bob is already taken"})");
    EXPECT_EQ(host_.take_shown(), Lines{"Error: The name bob is already taken"});
    EXPECT_EQ(host_.current_prompt, "Your name> ");
    session_->typed("bobby");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("bobby")});
    EXPECT_FALSE(host_.exit_code);
}

TEST_F(ChatSessionTest, ANameGivenOnTheCommandLineIsNotAsked) {
    ChatConfig config;
    config.name = "alice";
    start(config);
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice")});
    EXPECT_NE(host_.current_prompt, "Your name> ");
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.current_prompt, "You say  > ");
}

TEST_F(ChatSessionTest, APlainLineAsksForItsRecipientAsTheOriginalDid) {
    start_as("alice");
    session_->typed("Hello Bob");
    EXPECT_EQ(host_.current_prompt, "Dest name> ");
    EXPECT_TRUE(host_.sent.empty());
    session_->typed("  ");
    EXPECT_EQ(host_.take_shown(), Lines{"No empty name please."});
    EXPECT_EQ(host_.current_prompt, "Dest name> ");
    session_->typed(" bob ");
    EXPECT_EQ(host_.take_sent(), Lines{encode_message("bob", "Hello Bob", 1)});
    EXPECT_EQ(host_.current_prompt, "You say  > ");
}

TEST_F(ChatSessionTest, TheOriginalsCommands) {
    start_as("alice");
    session_->typed("");
    EXPECT_EQ(host_.take_shown(), Lines{"No empty message please."});
    session_->typed("h");
    const Lines help = host_.take_shown();
    ASSERT_GE(help.size(), 3u);
    EXPECT_EQ(help[0], "To exit, type Q, QUIT, or EXIT (lower or upper case)");
    session_->typed("l");
    ASSERT_EQ(host_.sent.size(), 1u);
    EXPECT_NE(host_.take_sent()[0].find(R"("type":"list")"), std::string::npos);
    session_->received(R"({"type":"list","ref":2,"users":["alice","bob"]})");
    EXPECT_EQ(host_.take_shown(),
              (Lines{"", "2 Client(s):", "- Client [alice]", "- Client [bob]"}));
}

TEST_F(ChatSessionTest, OneLineSendsAndRooms) {
    start_as("alice");
    session_->typed("@bob,carol hi both");
    session_->typed("#dev hi room");
    session_->typed("/join dev");
    session_->typed("/leave #dev");
    session_->typed("/rooms");
    session_->typed("/who");
    session_->typed("/who #dev");
    EXPECT_EQ(host_.take_sent(), (Lines{encode_message("bob,carol", "hi both", 1),
                                        encode_message("#dev", "hi room", 2),
                                        encode_room_request(RoomRequest::Join, "#dev", 3),
                                        encode_room_request(RoomRequest::Leave, "#dev", 4),
                                        encode_query(Query::Rooms, 5), encode_query(Query::List, 6),
                                        encode_room_request(RoomRequest::Members, "#dev", 7)}));
    session_->typed("/dance");
    EXPECT_EQ(host_.take_shown(), Lines{"Unknown command /dance (try /help)"});
    EXPECT_TRUE(host_.sent.empty());
}

TEST_F(ChatSessionTest, WhatArrivesIsShown) {
    start_as("alice");
    session_->received(R"({"type":"message","id":1,"user":"bob","dest":"alice","message":"hi"})");
    session_->received(R"({"type":"message","id":2,"user":"bob","dest":"#dev","message":"yo"})");
    session_->received(R"({"type":"join","room":"#dev","user":"carol"})");
    session_->received(R"({"type":"leave","room":"ALL","user":"carol","reason":"quit"})");
    session_->received(
        R"({"type":"error","code":"unknown_recipient","message":"No such user: zed","ref":3})");
    session_->received(R"({"type":"ack","ref":4,"delivered":1})");
    session_->received("not json at all");
    EXPECT_EQ(host_.take_shown(),
              (Lines{"Message from bob: hi", "Message from bob in #dev: yo", "* carol joined #dev",
                     "* carol left ALL (quit)", "Error: No such user: zed"}));
}

TEST_F(ChatSessionTest, ChatIsRedWhenColourIsOn) {
    ChatConfig config;
    config.color = true;
    start_as("alice", config);
    session_->received(R"({"type":"message","user":"bob","dest":"alice","message":"hi"})");
    EXPECT_EQ(host_.take_shown(), Lines{"\033[031m Message from bob: hi \033[0m"});
}

TEST_F(ChatSessionTest, QuitCtrlDAndCtrlCLeaveAtOnceAtATerminal) {
    for (int way = 0; way < 3; ++way) {
        RecordingHost host;
        ChatSession session(host, {});
        session.connected();
        session.typed("alice");
        session.received(welcome("alice"));
        host.take_sent();
        if (way == 0) session.typed("QUIT");
        if (way == 1) session.typed(std::nullopt);
        if (way == 2) session.interrupted();
        EXPECT_EQ(host.take_shown(), Lines{"closing socket"}) << way;
        EXPECT_EQ(host.take_sent(), Lines{encode_quit()}) << way;
        EXPECT_EQ(host.exit_code, 0) << way;
        session.interrupted();  // a second Ctrl-C changes nothing
        EXPECT_EQ(host.finish_calls, 1);
    }
}

TEST_F(ChatSessionTest, LinesTypedBeforeTheWelcomeWaitForIt) {
    start();
    session_->typed("alice");
    session_->typed("@bob early");
    session_->typed("l");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice")});
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.take_sent(),
              (Lines{encode_message("bob", "early", 1), encode_query(Query::List, 2)}));
}

TEST_F(ChatSessionTest, LinesHeldForATakenNameAnswerTheNextQuestion) {
    start();
    session_->typed("bob");
    session_->typed("robert");  // typed ahead, before the refusal came
    host_.take_sent();
    session_->received(R"({"type":"error","code":"name_taken","message":"taken"})");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("robert")});
}

TEST_F(ChatSessionTest, TheServerGoingAwayIsSaidOnceAndTheClientComesBackInItsRooms) {
    start_as("alice");
    session_->typed("/join #dev");
    session_->received(R"({"type":"join","room":"#dev","user":"alice"})");
    session_->received(R"({"type":"join","room":"#ops","user":"alice"})");
    session_->received(R"({"type":"leave","room":"#ops","user":"alice","reason":"left"})");
    host_.take_sent();
    host_.take_shown();

    session_->disconnected("the server closed the connection");
    EXPECT_EQ(host_.take_shown(),
              Lines{"Connection to the server lost (the server closed the connection); "
                    "reconnecting..."});
    session_->typed("@bob hi");
    EXPECT_EQ(host_.take_shown(), Lines{"Not connected to the server; message not sent."});
    EXPECT_TRUE(host_.sent.empty());

    session_->connected();
    // The hello asks for the rooms back (no `since`: no message was seen to resume after).
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", {}, Resume{std::nullopt, {"#dev"}})});
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.take_shown(), Lines{"Reconnected to the server as alice."});
    EXPECT_EQ(host_.take_sent(), Lines{encode_query(Query::Ping, 2)});
    EXPECT_EQ(host_.current_prompt, "You say  > ");
    session_->received(R"({"type":"join","room":"#dev","user":"alice"})");
    EXPECT_EQ(host_.take_shown(), Lines{"* alice joined #dev"});
    session_->received(R"({"type":"pong","ref":2})");
    EXPECT_TRUE(host_.sent.empty());  // joined by the hello: nothing more to ask

    // A later loss is announced again, once.
    session_->disconnected("reset");
    EXPECT_EQ(host_.take_shown().size(), 1u);
    EXPECT_FALSE(host_.exit_code);
}

TEST_F(ChatSessionTest, ARenameIsShownAndWhereThisClientWritesFollowsIt) {
    start_as("alice");
    session_->typed("@ivy are you there?");
    EXPECT_EQ(host_.take_sent(), Lines{encode_message("ivy", "are you there?", 1)});
    session_->received(R"({"type":"rename","user":"ivy","name":"ivy2"})");
    EXPECT_EQ(host_.take_shown(), Lines{"* ivy is now known as ivy2"});
    // /history looks at the conversation with the person, under their new name.
    session_->typed("/history");
    EXPECT_EQ(host_.take_sent(), Lines{encode_history("ivy2", 20, 2)});
    // Someone else renamed: the conversation stays.
    session_->received(R"({"type":"rename","user":"bob","name":"robert"})");
    EXPECT_EQ(host_.take_shown(), Lines{"* bob is now known as robert"});
    session_->typed("/history");
    EXPECT_EQ(host_.take_sent(), Lines{encode_history("ivy2", 20, 3)});
}

TEST_F(ChatSessionTest, TopicsAreShown) {
    start_as("alice");
    session_->received(
        R"({"type":"topic","room":"#dev","topic":"release friday","user":"ivy","ts":1})");
    session_->received(R"({"type":"topic","room":"#dev","topic":"","user":"bob","ts":2})");
    EXPECT_EQ(host_.take_shown(), (Lines{"* topic of #dev set by ivy: release friday",
                                         "* topic of #dev cleared by bob"}));
    EXPECT_TRUE(host_.sent.empty());
}

TEST_F(ChatSessionTest, VerboseShowsEveryFrameAsTheOriginalDid) {
    ChatConfig config;
    config.verbose = true;
    start_as("alice", config);
    session_->typed("l");
    EXPECT_EQ(host_.take_shown(),
              (Lines{"\tClient List Request sent", "\tsending \"{\"type\":\"list\",\"ref\":1}\""}));
    session_->received(R"({"type":"pong","ref":1})");
    EXPECT_EQ(host_.take_shown(), Lines{"\treceived '{\"type\":\"pong\",\"ref\":1}'"});
}

// ---- piped stdin ------------------------------------------------------------------------

class PipedSessionTest : public ChatSessionTest {
  protected:
    static ChatConfig piped(std::string name = {}, std::string to = {}) {
        ChatConfig config;
        config.interactive = false;
        config.name = std::move(name);
        config.to = std::move(to);
        return config;
    }
};

TEST_F(PipedSessionTest, TheOriginalInteractionReplays) {
    start(piped());
    for (const char* line : {"alice", "hello", "bob"}) session_->typed(std::string(line));
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.take_sent(), (Lines{encode_hello("alice"), encode_message("bob", "hello", 1)}));
    session_->typed("q");
    // Leaves once the server has answered everything sent.
    EXPECT_EQ(host_.take_sent(), Lines{encode_query(Query::Ping, 2)});
    EXPECT_FALSE(host_.exit_code);
    session_->typed("more after q");  // not read
    session_->received(
        R"({"type":"error","code":"unknown_recipient","message":"No such user: bob","ref":1})");
    session_->received(R"({"type":"pong","ref":2})");
    EXPECT_EQ(host_.take_shown(), (Lines{"Error: No such user: bob", "closing socket"}));
    EXPECT_EQ(host_.take_sent(), Lines{encode_quit()});
    EXPECT_EQ(host_.exit_code, 0);
}

TEST_F(PipedSessionTest, EndOfInputAlsoWaitsForTheAnswers) {
    start(piped("alice", "bob"));
    session_->typed("one");
    session_->typed("two");
    session_->typed(std::nullopt);
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.take_sent(),
              (Lines{encode_hello("alice"), encode_message("bob", "one", 1),
                     encode_message("bob", "two", 2), encode_query(Query::Ping, 3)}));
    EXPECT_FALSE(host_.exit_code);
    session_->received(R"({"type":"pong","ref":3})");
    EXPECT_EQ(host_.exit_code, 0);
}

TEST_F(PipedSessionTest, ToFollowsARenamedRecipient) {
    start(piped("alice", "ivy, bob"));
    session_->received(welcome("alice"));
    session_->received(R"({"type":"rename","user":"IVY","name":"ivy2"})");
    session_->typed("still there?");
    // Not whoever takes the name ivy next.
    EXPECT_EQ(host_.take_sent(),
              (Lines{encode_hello("alice"), encode_message("ivy2,bob", "still there?", 1)}));
}

TEST_F(PipedSessionTest, ARefusedNameFromTheCommandLineFails) {
    start(piped("ALL"));
    session_->received(R"({"type":"error","code":"bad_name","message":"ALL is reserved"})");
    EXPECT_EQ(host_.warned, Lines{"hubchat: ALL is reserved"});
    EXPECT_EQ(host_.exit_code, 1);
}

TEST_F(PipedSessionTest, ARefusedNameFromThePipeTakesTheNextLine) {
    start(piped());
    session_->typed("bob");
    session_->typed("robert");
    session_->received(R"({"type":"error","code":"name_taken","message":"taken"})");
    EXPECT_EQ(host_.take_sent(), (Lines{encode_hello("bob"), encode_hello("robert")}));
    EXPECT_FALSE(host_.exit_code);
}

TEST_F(PipedSessionTest, LosingTheServerWhileWaitingToLeaveLeaves) {
    start(piped("alice"));
    session_->received(welcome("alice"));
    session_->typed(std::nullopt);
    session_->disconnected("reset");
    EXPECT_EQ(host_.exit_code, 0);
    EXPECT_EQ(host_.take_shown(), Lines{"closing socket"});
}

}  // namespace
}  // namespace hubchat::client
