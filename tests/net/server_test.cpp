// Chat behaviour through real sockets against the real server binary.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "support/chat_socket.hpp"
#include "support/process.hpp"

namespace hubchat::test {
namespace {
namespace json = boost::json;

class ServerTest : public ::testing::Test {
  protected:
    ServerProcess server;
    std::unique_ptr<ChatSocket> connect() {
        return std::make_unique<ChatSocket>(server.host(), server.port());
    }
    std::unique_ptr<ChatSocket> user(std::string_view name) {
        auto s = connect();
        EXPECT_TRUE(s->hello(name)) << name;
        return s;
    }
};

std::string message(std::string_view dest, std::string_view text, int ref = 1) {
    return json::serialize(
               json::object{{"type", "message"}, {"dest", dest}, {"message", text}, {"ref", ref}}) +
           "\n";
}

bool is_chat(const json::object& o, std::string_view from, std::string_view text) {
    return text_of(o, "type") == "message" && text_of(o, "user") == from &&
           text_of(o, "message") == text;
}

// PROTOCOL-FACTS.md §13, byte for byte, with the unknown recipient now answered.
TEST_F(ServerTest, OriginalClientTranscriptIsByteExact) {
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
    const auto notice = alice->next_json();
    EXPECT_EQ(text_of(notice, "user"), "server");
    EXPECT_NE(text_of(notice, "message").find("nobody"), std::string::npos);
    bob->close();
    // bob's departure is processed before alice's next request is answered.
    std::optional<std::string> list;
    for (int i = 0; i < 50; ++i) {
        alice->send_raw(R"({"user": "alice", "request": "ClientList"})");
        list = alice->next_frame();
        if (list == R"({"client-list": [{"name": "alice"}]})") break;
    }
    EXPECT_EQ(list, R"({"client-list": [{"name": "alice"}]})");
}

TEST_F(ServerTest, OriginalEncodingMatchesPythonJsonDumps) {
    auto alice = connect();
    auto bob = connect();
    alice->send_raw(R"({"user": "alice", "request": "ClientList"})");
    ASSERT_TRUE(alice->next_frame());
    bob->send_raw(R"({"user": "bob", "request": "ClientList"})");
    ASSERT_TRUE(bob->next_frame());
    // Raw UTF-8 in, Python's ASCII escapes out.
    alice->send_raw(
        "{\"user\":\"alice\",\"dest\":\"bob\",\"message\":\"h\xc3\xa9llo \xe2\x9c\x93 "
        "\\\"quoted\\\" back\\\\slash\"}");
    EXPECT_EQ(
        bob->next_frame(),
        R"({"user": "alice", "message": "h\u00e9llo \u2713 \"quoted\" back\\slash", "dest": "bob"})");
}

TEST_F(ServerTest, OriginalNameTakenGetsANoticeAndIsNotRegistered) {
    auto first = user("bob");
    auto second = connect();
    second->send_raw(R"({"user": "bob", "request": "ClientList"})");
    const auto notice = second->next_json();
    EXPECT_EQ(text_of(notice, "user"), "server");
    EXPECT_NE(text_of(notice, "message").find("already taken"), std::string::npos);
    second->send_raw(R"({"user": "bob", "message": "hi", "dest": "ALL"})");
    EXPECT_EQ(text_of(second->next_json(), "user"), "server");
    // Nothing reached the real bob.
    auto before = first->sync();
    ASSERT_TRUE(before);
    for (const auto& f : *before) EXPECT_NE(text_of(f, "type"), "message");
}

TEST_F(ServerTest, HelloNameTakenIsCaseInsensitiveAndRetryWorks) {
    auto alice = user("Alice");
    auto other = connect();
    other->send_raw(R"({"type":"hello","name":"alice"})"
                    "\n");
    auto error = other->wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(text_of(*error, "code"), "name_taken");
    EXPECT_TRUE(other->hello("alicia"));
    alice->send_raw(R"({"type":"list","ref":"l"})"
                    "\n");
    auto list = alice->wait_type("list");
    ASSERT_TRUE(list);
    EXPECT_EQ(json::serialize(list->at("users")), R"(["Alice","alicia"])");
}

TEST_F(ServerTest, InvalidNamesAreRefused) {
    for (const std::string& bad :
         std::vector<std::string>{"", "with space", "comma,name", "ALL", "all", "server", "#room",
                                  std::string(33, 'x'), std::string("nul\x01")}) {
        auto s = connect();
        s->send_raw(json::serialize(json::object{{"type", "hello"}, {"name", bad}}) + "\n");
        auto error = s->wait_type("error");
        ASSERT_TRUE(error) << bad;
        EXPECT_EQ(text_of(*error, "code"), "bad_name") << bad;
    }
    EXPECT_TRUE(connect()->hello(std::string(32, 'x')));
    EXPECT_TRUE(connect()->hello("h\xc3\xa9l\xc3\xa8ne"));
}

TEST_F(ServerTest, RequestsBeforeHelloAreRefused) {
    auto s = connect();
    s->send_raw(R"({"type":"list"})"
                "\n");
    auto error = s->wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(text_of(*error, "code"), "not_registered");
}

TEST_F(ServerTest, DirectMessageIsDeliveredAndAcknowledged) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    alice->send_raw(message("bob", "Hello Bob", 7));
    auto ack = alice->wait_type("ack");
    ASSERT_TRUE(ack);
    EXPECT_EQ(text_of(*ack, "ref"), "7");
    EXPECT_EQ(text_of(*ack, "delivered"), "1");
    auto got = bob->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_TRUE(is_chat(*got, "alice", "Hello Bob"));
    EXPECT_EQ(text_of(*got, "dest"), "bob");
    EXPECT_EQ(text_of(*got, "id"), text_of(*ack, "id"));
    EXPECT_TRUE(got->at("ts").is_int64());
    auto carol_saw = carol->sync();
    ASSERT_TRUE(carol_saw);
    for (const auto& f : *carol_saw) EXPECT_NE(text_of(f, "type"), "message");
    auto alice_saw = alice->sync();
    ASSERT_TRUE(alice_saw);
    for (const auto& f : *alice_saw) EXPECT_NE(text_of(f, "type"), "message");
}

TEST_F(ServerTest, MultiRecipientReportsFailedNames) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    alice->send_raw(message("bob, carol,zed", "to three", 1));
    auto error = alice->wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(text_of(*error, "code"), "unknown_recipient");
    EXPECT_EQ(json::serialize(error->at("names")), R"(["zed"])");
    auto ack = alice->wait_type("ack");
    ASSERT_TRUE(ack);
    EXPECT_EQ(text_of(*ack, "delivered"), "2");
    EXPECT_EQ(json::serialize(ack->at("failed")), R"(["zed"])");
    for (auto* s : {bob.get(), carol.get()}) {
        auto got = s->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_TRUE(is_chat(*got, "alice", "to three"));
        EXPECT_EQ(text_of(*got, "dest"), "bob,carol");
    }
    // A JSON array works too, and repeats are delivered once.
    alice->send_raw(R"({"type":"message","dest":["carol","CAROL","bob"],"message":"arr"})"
                    "\n");
    auto got = carol->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_TRUE(is_chat(*got, "alice", "arr"));
    auto after = carol->sync();
    ASSERT_TRUE(after);
    for (const auto& f : *after) EXPECT_NE(text_of(f, "type"), "message");
    EXPECT_TRUE(bob->wait_type("message"));
}

TEST_F(ServerTest, UnknownRecipientOnlyGetsAnErrorAndNoAck) {
    auto alice = user("alice");
    alice->send_raw(message("nobody", "hello?", 3));
    auto before = alice->sync();
    ASSERT_TRUE(before);
    ASSERT_EQ(before->size(), 1u);
    EXPECT_EQ(text_of(before->front(), "code"), "unknown_recipient");
    EXPECT_NE(text_of(before->front(), "message").find("nobody"), std::string::npos);
    EXPECT_EQ(text_of(before->front(), "ref"), "3");
}

TEST_F(ServerTest, AllReachesEveryoneIncludingTheSender) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    bob->send_raw(message("ALL", "Hi everyone"));
    for (auto* s : {alice.get(), bob.get(), carol.get()}) {
        auto got = s->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_TRUE(is_chat(*got, "bob", "Hi everyone"));
        EXPECT_EQ(text_of(*got, "dest"), "ALL");
    }
}

TEST_F(ServerTest, RoomsJoinLeaveMessagesAndListings) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    alice->send_raw(R"({"type":"join","room":"#dev"})"
                    "\n");
    auto joined = alice->wait_for([](const json::object& o) {
        return text_of(o, "type") == "join" && text_of(o, "user") == "alice";
    });
    ASSERT_TRUE(joined);
    EXPECT_EQ(text_of(*joined, "room"), "#dev");
    bob->send_raw(R"({"type":"join","room":"#DEV"})"
                  "\n");
    auto seen = alice->wait_for([](const json::object& o) {
        return text_of(o, "type") == "join" && text_of(o, "user") == "bob";
    });
    ASSERT_TRUE(seen);
    EXPECT_EQ(text_of(*seen, "room"), "#dev");
    ASSERT_TRUE(bob->wait_for([](const json::object& o) {
        return text_of(o, "type") == "join" && text_of(o, "room") == "#dev";
    }));

    carol->send_raw(message("#dev", "let me in", 5));
    auto refused = carol->wait_type("error");
    ASSERT_TRUE(refused);
    EXPECT_EQ(text_of(*refused, "code"), "not_in_room");

    alice->send_raw(message("#dev", "room talk"));
    for (auto* s : {alice.get(), bob.get()}) {
        auto got = s->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_TRUE(is_chat(*got, "alice", "room talk"));
        EXPECT_EQ(text_of(*got, "dest"), "#dev");
    }
    auto carol_saw = carol->sync();
    ASSERT_TRUE(carol_saw);
    for (const auto& f : *carol_saw) EXPECT_NE(text_of(f, "type"), "message");

    carol->send_raw(R"({"type":"members","room":"#dev"})"
                    "\n");
    auto members = carol->wait_type("members");
    ASSERT_TRUE(members);
    EXPECT_EQ(json::serialize(members->at("users")), R"(["alice","bob"])");
    carol->send_raw(R"({"type":"rooms"})"
                    "\n");
    auto rooms = carol->wait_type("rooms");
    ASSERT_TRUE(rooms);
    EXPECT_EQ(json::serialize(rooms->at("rooms")),
              R"([{"name":"ALL","members":3},{"name":"#dev","members":2}])");

    bob->send_raw(R"({"type":"leave","room":"#dev"})"
                  "\n");
    auto left = alice->wait_for([](const json::object& o) {
        return text_of(o, "type") == "leave" && text_of(o, "room") == "#dev";
    });
    ASSERT_TRUE(left);
    EXPECT_EQ(text_of(*left, "user"), "bob");
    EXPECT_EQ(text_of(*left, "reason"), "left");
}

TEST_F(ServerTest, ConnectAndDisconnectAreAnnounced) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto hello = alice->wait_type("join");
    ASSERT_TRUE(hello);
    EXPECT_EQ(text_of(*hello, "user"), "bob");
    EXPECT_EQ(text_of(*hello, "room"), "ALL");
    bob->close();
    auto bye = alice->wait_type("leave");
    ASSERT_TRUE(bye);
    EXPECT_EQ(text_of(*bye, "user"), "bob");
    EXPECT_EQ(text_of(*bye, "reason"), "disconnected");
}

TEST_F(ServerTest, ListIsInRegistrationOrderWithoutStaleEntries) {
    auto c = user("c");
    auto a = user("a");
    {
        auto b = user("b");
        b->send_raw(R"({"type":"quit"})"
                    "\n");
        EXPECT_TRUE(b->wait_closed());
    }
    auto d = user("d");
    auto seen = d->sync();  // d's hello was processed after b's quit
    ASSERT_TRUE(seen);
    d->send_raw(R"({"type":"list"})"
                "\n");
    auto list = d->wait_type("list");
    ASSERT_TRUE(list);
    EXPECT_EQ(json::serialize(list->at("users")), R"(["c","a","d"])");
}

TEST_F(ServerTest, SpoofedSenderIsRefusedAndNeverRelayed) {
    auto bob = user("bob");
    auto mallory = user("mallory");
    mallory->send_raw(R"({"user":"bob","message":"I am bob","dest":"ALL"})");
    auto error = mallory->wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(text_of(*error, "code"), "spoofing");

    auto original = connect();
    original->send_raw(R"({"user": "eve", "request": "ClientList"})");
    ASSERT_TRUE(original->next_frame());
    original->send_raw(R"({"user": "bob", "message": "also bob", "dest": "ALL"})");
    const auto notice = original->next_json();
    EXPECT_EQ(text_of(notice, "user"), "server");

    auto seen = bob->sync();
    ASSERT_TRUE(seen);
    for (const auto& f : *seen) EXPECT_NE(text_of(f, "type"), "message") << json::serialize(f);
}

TEST_F(ServerTest, MixedDialectsTalkBothWays) {
    auto modern = user("modern");
    auto old = connect();
    old->send_raw(R"({"user": "old", "request": "ClientList"})");
    EXPECT_EQ(old->next_frame(), R"({"client-list": [{"name": "modern"}, {"name": "old"}]})");
    old->send_raw(R"({"user": "old", "message": "hi modern", "dest": "modern"})");
    auto got = modern->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_TRUE(is_chat(*got, "old", "hi modern"));
    modern->send_raw(message("old", "hi old"));
    EXPECT_EQ(old->next_frame(), R"({"user": "modern", "message": "hi old", "dest": "old"})");
}

TEST_F(ServerTest, OriginalClientCanSendToRoomsAndLists) {
    auto modern = user("modern");
    modern->send_raw(R"({"type":"join","room":"#r"})"
                     "\n");
    ASSERT_TRUE(modern->wait_type("join"));
    auto old = connect();
    old->send_raw(R"({"user": "old", "message": "x", "dest": "#r"})");
    EXPECT_EQ(text_of(old->next_json(), "user"), "server");  // not in #r
    old->send_raw(R"({"user": "old", "message": "two", "dest": "modern,old"})");
    EXPECT_EQ(old->next_frame(), R"({"user": "old", "message": "two", "dest": "modern,old"})");
    auto got = modern->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_TRUE(is_chat(*got, "old", "two"));
}

}  // namespace
}  // namespace hubchat::test
