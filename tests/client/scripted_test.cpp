#include "client/scripted.hpp"

#include <gtest/gtest.h>

#include "client/codec.hpp"
#include "recording_host.hpp"

namespace hubchat::client {
namespace {

using Lines = std::vector<std::string>;
using test::RecordingHost;

constexpr const char* kWelcome = R"({"type":"welcome","name":"bot","protocol":1})";

TEST(SendSession, ExitsZeroOnceTheServerAcked) {
    RecordingHost host;
    SendSession session(host, "bot", "bob", "done", false);
    session.connected();
    EXPECT_EQ(host.take_sent(), Lines{encode_hello("bot")});
    session.received(kWelcome);
    EXPECT_EQ(host.take_sent(),
              (Lines{encode_message("bob", "done", 1), encode_query(Query::Ping, 2)}));
    session.received(R"({"type":"ack","ref":1,"id":5,"delivered":1})");
    EXPECT_FALSE(host.exit_code);  // waits for the pong: nothing else can follow
    session.received(R"({"type":"pong","ref":2})");
    EXPECT_EQ(host.exit_code, 0);
    EXPECT_TRUE(host.warned.empty());
    EXPECT_TRUE(host.shown.empty());
}

TEST(SendSession, AnAckAfterThePongStillCounts) {
    // A server keeping history acks once the message is stored, which may be after the
    // pong; refusals come at once.
    RecordingHost host;
    SendSession session(host, "bot", "bob", "done", false);
    session.connected();
    session.received(kWelcome);
    session.received(R"({"type":"pong","ref":2})");
    EXPECT_FALSE(host.exit_code);
    session.received(R"({"type":"ack","ref":1,"id":5,"delivered":1})");
    EXPECT_EQ(host.exit_code, 0);

    RecordingHost refused;
    SendSession some(refused, "bot", "bob,zed", "done", false);
    some.connected();
    some.received(kWelcome);
    some.received(
        R"({"type":"error","code":"unknown_recipient","message":"No such user: zed","ref":1})");
    some.received(R"({"type":"pong","ref":2})");
    EXPECT_EQ(refused.exit_code, 1);  // whatever the ack says later
    EXPECT_EQ(refused.finish_calls, 1);
}

TEST(SendSession, SaysWhyWhenTheServerTurnsTheConnectionAway) {
    RecordingHost host;
    SendSession session(host, "bot", "bob", "x", false);
    session.connected();
    // What a --require-tls server says to a plain connection, in the original's shape.
    session.received(
        R"({"user": "server", "message": "This server accepts only encrypted connections", "dest": ""})");
    session.disconnected("the server closed the connection");
    EXPECT_EQ(
        host.warned,
        (Lines{"hubchat: This server accepts only encrypted connections",
               "hubchat: lost the connection to the server (the server closed the connection)"}));
    EXPECT_EQ(host.exit_code, 1);
}

TEST(SendSession, ExitsOneWithTheServersReasonWhenRefused) {
    RecordingHost host;
    SendSession session(host, "bot", "ghost", "x", false);
    session.connected();
    session.received(kWelcome);
    session.received(
        R"({"type":"error","code":"unknown_recipient","message":"No such user: ghost","ref":1})");
    session.received(R"({"type":"pong","ref":2})");
    EXPECT_EQ(host.warned, Lines{"hubchat: No such user: ghost"});
    EXPECT_EQ(host.exit_code, 1);
}

TEST(SendSession, SomeRecipientsRefusedIsAFailureToo) {
    RecordingHost host;
    SendSession session(host, "bot", "bob,ghost", "x", false);
    session.connected();
    session.received(kWelcome);
    session.received(
        R"({"type":"error","code":"unknown_recipient","message":"No such user: ghost","ref":1})");
    session.received(R"({"type":"ack","ref":1,"delivered":1,"failed":["ghost"]})");
    session.received(R"({"type":"pong","ref":2})");
    EXPECT_EQ(host.exit_code, 1);
}

TEST(SendSession, ARefusedNameOrALostServerFails) {
    RecordingHost refused_host;
    SendSession refused(refused_host, "ALL", "bob", "x", false);
    refused.connected();
    refused.received(R"({"type":"error","code":"bad_name","message":"ALL is reserved"})");
    EXPECT_EQ(refused_host.exit_code, 1);
    EXPECT_EQ(refused_host.warned, Lines{"hubchat: ALL is reserved"});

    RecordingHost lost_host;
    SendSession lost(lost_host, "bot", "bob", "x", false);
    lost.connected();
    lost.received(kWelcome);
    lost.disconnected("reset by peer");
    EXPECT_EQ(lost_host.exit_code, 1);
    ASSERT_EQ(lost_host.warned.size(), 1u);
    EXPECT_NE(lost_host.warned[0].find("reset by peer"), std::string::npos);
}

TEST(ListenSession, OneLinePerMessage) {
    RecordingHost host;
    ListenSession session(host, "ear", false, false);
    session.connected();
    EXPECT_EQ(host.take_sent(), Lines{encode_hello("ear")});
    session.received(R"({"type":"welcome","name":"ear","protocol":1})");
    session.received(R"({"type":"join","room":"ALL","user":"alice"})");
    session.received(R"({"type":"message","id":1,"user":"alice","dest":"ear","message":"hi"})");
    session.received(R"({"type":"message","id":2,"user":"alice","dest":"#dev","message":"a\nb"})");
    EXPECT_EQ(host.take_shown(), (Lines{"alice: hi", "alice in #dev: a^Jb"}));
}

TEST(ListenSession, JsonPrintsTheMessageFramesAsReceived) {
    RecordingHost host;
    ListenSession session(host, "ear", true, false);
    session.connected();
    session.received(R"({"type":"welcome","name":"ear","protocol":1})");
    const std::string frame =
        R"({"type":"message","id":1,"ts":5,"user":"alice","dest":"ear","message":"h\u00e9"})";
    session.received(frame);
    session.received(R"({"type":"join","room":"ALL","user":"bob"})");
    EXPECT_EQ(host.take_shown(), Lines{frame});
}

TEST(ListenSession, ReconnectsQuietlyAndStopsOnCtrlC) {
    RecordingHost host;
    ListenSession session(host, "ear", false, false);
    session.connected();
    session.received(R"({"type":"welcome","name":"ear","protocol":1})");
    session.disconnected("eof");
    EXPECT_EQ(host.warned.size(), 1u);
    EXPECT_FALSE(host.exit_code);
    session.connected();
    session.received(R"({"type":"welcome","name":"ear","protocol":1})");
    host.take_sent();
    session.interrupted();
    EXPECT_EQ(host.take_sent(), Lines{encode_quit()});
    EXPECT_EQ(host.exit_code, 0);
    EXPECT_TRUE(host.shown.empty());  // stdout carries messages only
}

TEST(ListenSession, ATakenNameFails) {
    RecordingHost host;
    ListenSession session(host, "ear", false, false);
    session.connected();
    session.received(
        R"({"type":"error","code":"name_taken","message":"The name ear is already taken"})");
    EXPECT_EQ(host.exit_code, 1);
}

}  // namespace
}  // namespace hubchat::client
