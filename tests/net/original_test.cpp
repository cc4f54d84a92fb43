// The original dialect, byte for byte as PROTOCOL-FACTS.md recorded it from the Python
// system, and its meeting with the hubchat dialect.
#include <poll.h>
#include <sys/socket.h>

#include "net_fixture.hpp"

namespace hubchat::test {
namespace {

using OriginalTest = NetTest;

// PROTOCOL-FACTS.md §13, replayed: the same bytes in, the same bytes out, except that
// the unknown recipient is now answered instead of ignored.
TEST_F(OriginalTest, Section13SessionIsByteExact) {
    auto alice = connect();
    auto bob = connect();
    alice->send_raw(R"({"user": "alice", "request": "ClientList"})");
    EXPECT_EQ(alice->next_frame(), R"({"client-list": [{"name": "alice"}]})");
    bob->send_raw(R"({"user": "bob", "request": "ClientList"})");
    EXPECT_EQ(bob->next_frame(), R"({"client-list": [{"name": "alice"}, {"name": "bob"}]})");
    alice->send_raw(R"({"user": "alice", "message": "Hello Bob", "dest": "bob"})");
    EXPECT_EQ(bob->next_frame(), R"({"user": "alice", "message": "Hello Bob", "dest": "bob"})");
    bob->send_raw(R"({"user": "bob", "message": "Hi everyone", "dest": "ALL"})");
    EXPECT_EQ(alice->next_frame(), R"({"user": "bob", "message": "Hi everyone", "dest": "ALL"})");
    EXPECT_EQ(bob->next_frame(), R"({"user": "bob", "message": "Hi everyone", "dest": "ALL"})");
    alice->send_raw(R"({"user": "alice", "message": "to nobody", "dest": "nobody"})");
    EXPECT_EQ(alice->next_frame(),
              R"({"user": "server", "message": "No such user: nobody", "dest": "alice"})");
    bob->close();
    // No event tells an original client that bob is gone; ask until the list shows it.
    // Each try is a round trip, not a sleep.
    std::optional<std::string> list;
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    do {
        alice->send_raw(R"({"user": "alice", "request": "ClientList"})");
        list = alice->next_frame();
    } while (list != R"({"client-list": [{"name": "alice"}]})" &&
             std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(list, R"({"client-list": [{"name": "alice"}]})");
    // Nothing else was ever sent to alice.
    alice->send_raw(R"({"user": "alice", "request": "ClientList"})");
    EXPECT_EQ(alice->next_frame(), R"({"client-list": [{"name": "alice"}]})");
}

TEST_F(OriginalTest, FramesAreFormattedLikePythonJsonDumps) {
    auto alice = original("alice");
    auto bob = original("bob");
    // Compact separators, raw UTF-8, another key order and an extra field in...
    alice->send_raw(
        "{\"dest\":\"bob\",\"extra\":[1,2],\"message\":\"h\xc3\xa9llo \xe2\x9c\x93 "
        "\\\"quoted\\\" back\\\\slash / \xf0\x9f\x98\x80 tab\\t nl\\n \\u0001 \\u007f\",\"user\":"
        "\"alice\"}");
    // ...json.dumps out: ", " and ": ", user/message/dest, ASCII only, surrogate pairs
    // outside the BMP, lower-case hex, '/' left alone, DEL escaped.
    EXPECT_EQ(bob->next_frame(),
              R"({"user": "alice", "message": "h\u00e9llo \u2713 \"quoted\" back\\slash / )"
              R"(\ud83d\ude00 tab\t nl\n \u0001 \u007f", "dest": "bob"})");
}

// Names are IRC nicks (ASCII) for every protocol; the refusal names the name as sent,
// escaped as the Python client expects.
TEST_F(OriginalTest, NonAsciiNamesAreRefusedWithAnEscapedNotice) {
    auto c = connect();
    c->send_raw(list_request("h\\u00e9l\\u00e8ne"));  // as the Python client would write it
    const std::string reply = c->next_frame().value_or("(nothing)");
    EXPECT_NE(reply.find(R"("dest": "h\u00e9l\u00e8ne")"), std::string::npos) << reply;
    EXPECT_NE(reply.find("ASCII"), std::string::npos) << reply;
}

TEST_F(OriginalTest, NameTakenGetsANoticeAndTheConnectionStaysUnregistered) {
    auto bob = user("bob");
    auto impostor = connect();
    impostor->send_raw(list_request("bob"));
    EXPECT_EQ(impostor->next_frame(),
              R"({"user": "server", "message": "The name bob is already taken. )"
              R"(Reconnect with another name.", "dest": "bob"})");
    // Every later frame is refused the same way, and nothing is relayed.
    impostor->send_raw(chat("bob", "hi", "ALL"));
    const auto second = impostor->next_json();
    ASSERT_TRUE(second) << impostor->last_unparsed();
    EXPECT_EQ(field(*second, "user"), "server");
    EXPECT_NE(field(*second, "message").find("already taken"), std::string::npos);
    // Names are unique case-insensitively.
    auto shouter = connect();
    shouter->send_raw(chat("BOB", "hi", "ALL"));
    const auto third = shouter->next_json();
    ASSERT_TRUE(third) << shouter->last_unparsed();
    EXPECT_EQ(field(*third, "user"), "server");
    EXPECT_NE(field(*third, "message").find("already taken"), std::string::npos);
    auto seen = bob->sync();
    ASSERT_TRUE(seen);
    EXPECT_EQ(chats_in(*seen), std::vector<std::string>{});
    // Not in the list either.
    bob->send_raw(R"({"type":"list"})"
                  "\n");
    const auto list = bob->wait_type("list");
    ASSERT_TRUE(list);
    EXPECT_EQ(json::serialize(list->at("users")), R"(["bob"])");
}

TEST_F(OriginalTest, InvalidNameGetsANoticeFromServer) {
    auto bob = user("bob");
    for (const char* name : {"ALL", "server", "with space", "#room", ""}) {
        auto c = connect();
        c->send_raw(chat(name, "hi", "bob"));
        const auto notice = c->next_json();
        ASSERT_TRUE(notice) << name << ": " << c->last_unparsed();
        EXPECT_EQ(field(*notice, "user"), "server") << name;
        EXPECT_EQ(notice->size(), 3u) << to_text(*notice);
        EXPECT_FALSE(field(*notice, "message").empty());
    }
    auto seen = bob->sync();
    ASSERT_TRUE(seen);
    EXPECT_EQ(chats_in(*seen), std::vector<std::string>{});
}

TEST_F(OriginalTest, SpoofedUserIsRefusedWithANoticeAndNeverRelayed) {
    auto bob = user("bob");
    auto eve = original("eve");
    eve->send_raw(chat("bob", "it is me, bob", "ALL"));
    const auto notice = eve->next_json();
    ASSERT_TRUE(notice) << eve->last_unparsed();
    EXPECT_EQ(field(*notice, "user"), "server");
    EXPECT_EQ(field(*notice, "dest"), "eve");
    auto seen = bob->sync();
    ASSERT_TRUE(seen);
    EXPECT_EQ(chats_in(*seen), std::vector<std::string>{});
    // eve herself did not get the broadcast either, only the notice.
    eve->send_raw(list_request("eve"));
    EXPECT_EQ(eve->next_frame(), R"({"client-list": [{"name": "bob"}, {"name": "eve"}]})");
}

TEST_F(OriginalTest, MixedDialectsTalkBothWays) {
    auto modern = user("modern");
    auto old = connect();
    old->send_raw(list_request("old"));
    EXPECT_EQ(old->next_frame(), R"({"client-list": [{"name": "modern"}, {"name": "old"}]})");
    old->send_raw(chat("old", "hi modern", "modern"));
    const auto got = modern->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "user"), "old");
    EXPECT_EQ(field(*got, "message"), "hi modern");
    EXPECT_EQ(field(*got, "dest"), "modern");

    modern->send_raw(message("old", "hi old"));
    EXPECT_EQ(old->next_frame(), R"({"user": "modern", "message": "hi old", "dest": "old"})");
    modern->send_raw(message("ALL", "to all"));
    EXPECT_EQ(old->next_frame(), R"({"user": "modern", "message": "to all", "dest": "ALL"})");

    // Errors reach the old client as chat from `server`, never as hubchat frames.
    old->send_raw(chat("old", "x", "zed"));
    EXPECT_EQ(old->next_frame(),
              R"({"user": "server", "message": "No such user: zed", "dest": "old"})");
}

TEST_F(OriginalTest, NoPresenceEventsReachOriginalClients) {
    auto old = original("old");
    {
        auto visitor = user("visitor");
        visitor->send_raw(R"({"type":"join","room":"#r"})"
                          "\n");
        ASSERT_TRUE(visitor->wait_type("join"));
        visitor->send_raw(R"({"type":"quit"})"
                          "\n");
        EXPECT_TRUE(visitor->expect_closed());
    }
    auto witness = user("witness");
    // The next thing old receives is the reply to its request: nothing came before.
    old->send_raw(list_request("old"));
    EXPECT_EQ(old->next_frame(), R"({"client-list": [{"name": "old"}, {"name": "witness"}]})");
}

TEST_F(OriginalTest, OriginalDestMayBeAListAnArrayOrARoom) {
    auto bob = user("bob");
    auto carol = user("carol");
    auto old = original("old");
    old->send_raw(chat("old", "two", "bob,carol"));
    for (auto* c : {bob.get(), carol.get()}) {
        const auto got = c->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_EQ(field(*got, "message"), "two");
        EXPECT_EQ(field(*got, "dest"), "bob,carol");
    }
    old->send_raw(R"({"user": "old", "message": "arr", "dest": ["carol", "bob"]})");
    for (auto* c : {bob.get(), carol.get()}) {
        const auto got = c->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_EQ(field(*got, "message"), "arr");
    }
    // Not a member of #r: a notice, not silence.
    carol->send_raw(R"({"type":"join","room":"#r"})"
                    "\n");
    ASSERT_TRUE(carol->wait_for(presence("join", "carol", "#r")));
    old->send_raw(chat("old", "x", "#r"));
    const auto notice = old->next_json();
    ASSERT_TRUE(notice) << old->last_unparsed();
    EXPECT_EQ(field(*notice, "user"), "server");
    auto seen = carol->sync();
    ASSERT_TRUE(seen);
    EXPECT_EQ(chats_in(*seen), std::vector<std::string>{});
}

TEST_F(OriginalTest, ServerFramesHaveNoNewlineOrOtherTrailer) {
    auto alice = original("alice");
    alice->send_raw(list_request("alice"));
    pollfd p{alice->fd(), POLLIN, 0};
    ASSERT_GT(::poll(&p, 1, static_cast<int>(kDeadline.count())), 0);
    char buf[4096];
    const ssize_t n = ::recv(alice->fd(), buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)),
              R"({"client-list": [{"name": "alice"}]})");
}

// Every limit on sending off, so one user can send a flood.
class OriginalFloodTest : public NetTest {
  protected:
    OriginalFloodTest() : NetTest({"--rate-per-second", "0"}) {}
};

// Frames to an original client are paced (one per write, a few milliseconds apart, which
// carries ~200 a second). A client that reads faster than that, as programs do, must not
// be held to it: without the switch to gathered writes these 3 000 frames take 15 s to
// go out, and a longer flood fills the queue until the server closes the connection.
TEST_F(OriginalFloodTest, AnOriginalClientThatReadsFastGetsAFloodWholeAndInOrder) {
    constexpr int kMessages = 3000;
    auto alice = original("alice");
    auto bob = user("bob");
    std::string burst;
    for (int i = 0; i < kMessages; ++i) burst += message("ALL", "m" + std::to_string(i));
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(bob->send_raw(burst));
    for (int i = 0; i < kMessages; ++i) {
        const auto frame =
            alice->next_frame(std::chrono::milliseconds(millis_until(started + kDeadline)));
        ASSERT_EQ(frame,
                  R"({"user": "bob", "message": "m)" + std::to_string(i) + R"(", "dest": "ALL"})")
            << "frame " << i << " of " << kMessages;
    }
    // Still connected, and paced or not, a request is answered after the flood.
    alice->send_raw(list_request("alice"));
    const auto list = alice->next_frame();
    EXPECT_TRUE(list && list->find("\"client-list\"") != std::string::npos)
        << list.value_or("<nothing>");
}

// The same for a steady flow that never queues many frames at once: a program keeping 16
// messages in flight to an original client, sending the next as each arrives. Paced,
// 3 000 of them would take 15 s.
TEST_F(OriginalFloodTest, AnOriginalClientThatReadsFastIsNotHeldToThePaceOfAPerson) {
    constexpr int kMessages = 3000;
    constexpr int kInFlight = 16;
    auto alice = original("alice");
    auto bob = user("bob");
    const auto started = std::chrono::steady_clock::now();
    int sent = 0;
    for (; sent < kInFlight; ++sent)
        ASSERT_TRUE(bob->send_raw(message("alice", "m" + std::to_string(sent))));
    for (int i = 0; i < kMessages; ++i) {
        const auto frame =
            alice->next_frame(std::chrono::milliseconds(millis_until(started + kDeadline)));
        ASSERT_EQ(frame,
                  R"({"user": "bob", "message": "m)" + std::to_string(i) + R"(", "dest": "alice"})")
            << "frame " << i << " of " << kMessages;
        if (sent < kMessages) {
            ASSERT_TRUE(bob->send_raw(message("alice", "m" + std::to_string(sent))));
            ++sent;
        }
    }
}

}  // namespace
}  // namespace hubchat::test
