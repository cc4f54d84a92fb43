// The hubchat dialect through real sockets: registration, routing, rooms, listings.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <map>

#include "net_fixture.hpp"

namespace hubchat::test {
namespace {

using ChatTest = NetTest;

std::vector<std::string> strings_of(const json::value& v) {
    std::vector<std::string> out;
    if (!v.is_array()) return {"<not an array: " + json::serialize(v) + ">"};
    for (const auto& e : v.get_array()) {
        out.push_back(e.is_string() ? std::string(e.get_string()) : json::serialize(e));
    }
    return out;
}

std::vector<std::string> strings_at(const json::object& o, std::string_view key) {
    const auto it = o.find(key);
    return it == o.end() ? std::vector<std::string>{"<absent>"} : strings_of(it->value());
}

// The replies to one request: everything before the pong of a ping sent right after it.
std::vector<json::object> replies(TestClient& c) {
    auto frames = c.sync();
    EXPECT_TRUE(frames) << "no pong";
    std::vector<json::object> out;
    if (!frames) return out;
    for (auto& f : *frames) {
        if (!has_type(f, "join") && !has_type(f, "leave")) out.push_back(std::move(f));
    }
    return out;
}

const json::object* find_type(const std::vector<json::object>& frames, std::string_view type) {
    const auto it = std::find_if(frames.begin(), frames.end(),
                                 [&](const json::object& o) { return has_type(o, type); });
    return it == frames.end() ? nullptr : &*it;
}

void expect_no_chat(TestClient& c, std::string_view who) {
    auto frames = c.sync();
    ASSERT_TRUE(frames) << who << ": no pong";
    EXPECT_EQ(chats_in(*frames), std::vector<std::string>{}) << who << " got a message";
}

TEST_F(ChatTest, WelcomeNamesTheUserProtocolServerAndLimit) {
    auto c = connect();
    c->send_raw(R"({"type":"hello","name":"alice","protocol":1})"
                "\n");
    const auto welcome = c->next_json();
    ASSERT_TRUE(welcome) << c->last_unparsed();
    EXPECT_EQ(field(*welcome, "type"), "welcome");
    EXPECT_EQ(field(*welcome, "name"), "alice");
    EXPECT_EQ(field(*welcome, "protocol"), "1");
    EXPECT_EQ(field(*welcome, "server"), "hubchat 0.1.0");
    EXPECT_EQ(field(*welcome, "max_message"), "65536");
}

TEST_F(ChatTest, HubchatFramesEndInNewline) {
    auto c = connect();
    c->send_raw(R"({"type":"hello","name":"alice"})"
                "\n"
                R"({"type":"ping","ref":1})"
                "\n");
    // Read the raw bytes: two objects, each followed by exactly one '\n'.
    std::string raw;
    while (std::count(raw.begin(), raw.end(), '\n') < 2) {
        pollfd p{c->fd(), POLLIN, 0};
        ASSERT_GT(::poll(&p, 1, static_cast<int>(kDeadline.count())), 0) << raw;
        char buf[4096];
        const ssize_t n = ::recv(c->fd(), buf, sizeof buf, 0);
        ASSERT_GT(n, 0) << raw;
        raw.append(buf, static_cast<std::size_t>(n));
    }
    const auto first_end = raw.find('\n');
    EXPECT_EQ(raw[first_end - 1], '}') << raw;
    EXPECT_EQ(raw.substr(first_end + 1), R"({"type":"pong","ref":1})"
                                         "\n");
}

// The server's writes go to the kernel in one io_uring submission per turn (the default)
// or one sendmsg each (--no-io-uring); either way everyone gets everything, in order.
class BroadcastTest : public NetTest, public ::testing::WithParamInterface<bool> {
  protected:
    BroadcastTest()
        : NetTest(GetParam() ? std::vector<std::string>{}
                             : std::vector<std::string>{"--no-io-uring"}) {}
};

INSTANTIATE_TEST_SUITE_P(Writes, BroadcastTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                             return info.param ? "Batched" : "OneByOne";
                         });

TEST_P(BroadcastTest, SeveralClientsEachGetEveryBroadcastInOrder) {
    const std::vector<std::string> names{"ann", "ben", "cat", "dan", "eve"};
    std::vector<std::unique_ptr<TestClient>> clients;
    for (const auto& n : names) clients.push_back(user(n));
    for (std::size_t round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            clients[i]->send_raw(message("ALL", names[i] + " " + std::to_string(round)));
        }
    }
    for (std::size_t r = 0; r < names.size(); ++r) {
        // Per sender, the three rounds arrive in the order they were sent.
        std::map<std::string, int> next_round;
        for (std::size_t k = 0; k < 3 * names.size(); ++k) {
            const auto got = clients[r]->wait_type("message");
            ASSERT_TRUE(got) << names[r] << " after " << k << " messages";
            const auto sender = field(*got, "user");
            EXPECT_EQ(field(*got, "message"), sender + " " + std::to_string(next_round[sender]++))
                << names[r];
        }
        for (const auto& n : names) EXPECT_EQ(next_round[n], 3) << names[r] << " from " << n;
        expect_no_chat(*clients[r], names[r]);
    }
}

TEST_F(ChatTest, DirectMessageReachesOnlyTheRecipientAndIsAcknowledged) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    alice->send_raw(message("bob", "Hello Bob", "c1"));
    const auto got = bob->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "user"), "alice");
    EXPECT_EQ(field(*got, "message"), "Hello Bob");
    EXPECT_EQ(field(*got, "dest"), "bob");
    ASSERT_TRUE(got->contains("id") && got->at("id").is_number()) << to_text(*got);
    ASSERT_TRUE(got->contains("ts") && got->at("ts").is_int64()) << to_text(*got);
    const auto ts = got->at("ts").as_int64();
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    EXPECT_LE(std::abs(now - ts), 60'000) << "ts is not milliseconds since the epoch";

    const auto alice_got = replies(*alice);
    ASSERT_EQ(alice_got.size(), 1u) << chats_in(alice_got).size();
    const auto& ack = alice_got.front();
    EXPECT_EQ(field(ack, "type"), "ack") << to_text(ack);
    EXPECT_EQ(field(ack, "ref"), "c1");
    EXPECT_EQ(field(ack, "id"), field(*got, "id"));
    EXPECT_EQ(field(ack, "delivered"), "1");
    EXPECT_FALSE(ack.contains("failed")) << to_text(ack);
    expect_no_chat(*carol, "carol");

    // Ids keep increasing.
    alice->send_raw(message("bob", "again", "c2"));
    const auto second = bob->wait_type("message");
    ASSERT_TRUE(second);
    EXPECT_GT(second->at("id").to_number<double>(), got->at("id").to_number<double>());
}

TEST_F(ChatTest, CommaListReachesEachNamedUserAndReportsTheUnknownOnes) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    auto dave = user("dave");
    alice->send_raw(message("bob,carol,zed", "to three", "c1"));
    for (auto* c : {bob.get(), carol.get()}) {
        const auto got = c->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_EQ(field(*got, "user"), "alice");
        EXPECT_EQ(field(*got, "message"), "to three");
        EXPECT_EQ(field(*got, "dest"), "bob,carol");
    }
    const auto got = replies(*alice);
    const auto* ack = find_type(got, "ack");
    ASSERT_NE(ack, nullptr) << chats_in(got).size() << " frames, none an ack";
    EXPECT_EQ(field(*ack, "ref"), "c1");
    EXPECT_EQ(field(*ack, "delivered"), "2");
    EXPECT_EQ(strings_at(*ack, "failed"), std::vector<std::string>{"zed"});
    const auto* error = find_type(got, "error");
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(field(*error, "code"), "unknown_recipient");
    EXPECT_EQ(field(*error, "ref"), "c1");
    EXPECT_EQ(strings_at(*error, "names"), std::vector<std::string>{"zed"});
    EXPECT_NE(field(*error, "message").find("zed"), std::string::npos) << to_text(*error);
    EXPECT_EQ(got.size(), 2u);
    expect_no_chat(*alice, "alice (sender of a multi-recipient message)");
    expect_no_chat(*dave, "dave");
}

TEST_F(ChatTest, ArrayDestDeliversOnceToEachTarget) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    alice->send_raw(
        R"({"type":"message","dest":["carol","bob","CAROL","nobody"],"message":"arr","ref":9})"
        "\n");
    for (auto* c : {bob.get(), carol.get()}) {
        const auto got = c->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_EQ(field(*got, "message"), "arr");
        expect_no_chat(*c, "a duplicate target");
    }
    const auto got = replies(*alice);
    const auto* ack = find_type(got, "ack");
    ASSERT_NE(ack, nullptr);
    EXPECT_EQ(field(*ack, "ref"), "9");
    EXPECT_EQ(field(*ack, "delivered"), "2");
    EXPECT_EQ(strings_at(*ack, "failed"), std::vector<std::string>{"nobody"});
    const auto* error = find_type(got, "error");
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(field(*error, "code"), "unknown_recipient");
    EXPECT_EQ(strings_at(*error, "names"), std::vector<std::string>{"nobody"});
}

TEST_F(ChatTest, UnknownRecipientGetsOnlyAnErrorNamingIt) {
    auto alice = user("alice");
    auto bob = user("bob");
    alice->send_raw(message("nobody", "hello?", "r3"));
    const auto got = replies(*alice);
    ASSERT_EQ(got.size(), 1u) << "expected one error and no ack";
    EXPECT_EQ(field(got[0], "type"), "error");
    EXPECT_EQ(field(got[0], "code"), "unknown_recipient");
    EXPECT_EQ(field(got[0], "ref"), "r3");
    EXPECT_EQ(strings_at(got[0], "names"), std::vector<std::string>{"nobody"});
    EXPECT_EQ(field(got[0], "message"), "No such user: nobody");
    expect_no_chat(*bob, "bob");
}

TEST_F(ChatTest, AllReachesEveryoneIncludingTheSender) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    bob->send_raw(message("ALL", "Hi everyone", "b1"));
    for (auto* c : {alice.get(), bob.get(), carol.get()}) {
        const auto got = c->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_EQ(field(*got, "user"), "bob");
        EXPECT_EQ(field(*got, "message"), "Hi everyone");
        EXPECT_EQ(field(*got, "dest"), "ALL");
    }
    const auto got = replies(*bob);
    const auto* ack = find_type(got, "ack");
    ASSERT_NE(ack, nullptr);
    EXPECT_EQ(field(*ack, "delivered"), "3");
    for (auto* c : {alice.get(), bob.get(), carol.get()}) expect_no_chat(*c, "a second copy");
}

TEST_F(ChatTest, RoomJoinAndLeaveAreSeenByMembers) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    alice->send_raw(R"({"type":"join","room":"#dev"})"
                    "\n");
    const auto own = alice->wait_for(presence("join", "alice", "#dev"));
    ASSERT_TRUE(own) << "the joiner gets its own join";
    EXPECT_TRUE(own->contains("ts"));
    bob->send_raw(R"({"type":"join","room":"#dev"})"
                  "\n");
    EXPECT_TRUE(bob->wait_for(presence("join", "bob", "#dev")));
    EXPECT_TRUE(alice->wait_for(presence("join", "bob", "#dev")));

    bob->send_raw(R"({"type":"leave","room":"#dev"})"
                  "\n");
    const auto left = alice->wait_for(presence("leave", "bob", "#dev"));
    ASSERT_TRUE(left);
    EXPECT_EQ(field(*left, "reason"), "left");
    const auto own_leave = bob->wait_for(presence("leave", "bob", "#dev"));
    ASSERT_TRUE(own_leave) << "the leaver gets its own leave";
    EXPECT_EQ(field(*own_leave, "reason"), "left");

    // carol was never in #dev: she saw none of it.
    const auto carol_saw = carol->sync();
    ASSERT_TRUE(carol_saw);
    for (const auto& f : *carol_saw) EXPECT_NE(field(f, "room"), "#dev") << to_text(f);
}

TEST_F(ChatTest, RoomMessageReachesMembersOnlyIncludingTheSender) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    for (auto* c : {alice.get(), bob.get()}) {
        c->send_raw(R"({"type":"join","room":"#dev"})"
                    "\n");
    }
    ASSERT_TRUE(alice->wait_for(presence("join", "bob", "#dev")));
    ASSERT_TRUE(bob->wait_for(presence("join", "bob", "#dev")));
    alice->send_raw(message("#dev", "room talk", "d1"));
    for (auto* c : {alice.get(), bob.get()}) {
        const auto got = c->wait_type("message");
        ASSERT_TRUE(got);
        EXPECT_EQ(field(*got, "user"), "alice");
        EXPECT_EQ(field(*got, "message"), "room talk");
        EXPECT_EQ(field(*got, "dest"), "#dev");
    }
    const auto acked = replies(*alice);
    const auto* ack = find_type(acked, "ack");
    ASSERT_NE(ack, nullptr);
    EXPECT_EQ(field(*ack, "delivered"), "2");
    expect_no_chat(*carol, "carol (not in #dev)");
}

TEST_F(ChatTest, NonMembersCannotSendToOrLeaveARoom) {
    auto alice = user("alice");
    auto carol = user("carol");
    alice->send_raw(R"({"type":"join","room":"#dev"})"
                    "\n");
    ASSERT_TRUE(alice->wait_for(presence("join", "alice", "#dev")));

    carol->send_raw(message("#dev", "let me in", "x1"));
    auto got = replies(*carol);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(field(got[0], "code"), "not_in_room");
    EXPECT_EQ(field(got[0], "ref"), "x1");
    expect_no_chat(*alice, "alice");

    carol->send_raw(R"({"type":"leave","room":"#dev"})"
                    "\n");
    got = replies(*carol);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(field(got[0], "code"), "not_in_room");
}

TEST_F(ChatTest, UnknownAndInvalidRooms) {
    auto alice = user("alice");
    alice->send_raw(message("#nowhere", "anyone?"));
    auto got = replies(*alice);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(field(got[0], "code"), "unknown_recipient");

    for (const std::string& room :
         std::vector<std::string>{"dev", "#", "#with space", "#a,b", "#" + std::string(33, 'r')}) {
        alice->send_json({{"type", "join"}, {"room", room}});
        got = replies(*alice);
        ASSERT_EQ(got.size(), 1u) << room;
        EXPECT_EQ(field(got[0], "code"), "bad_name") << room;
    }
    // ALL is everyone's room already: it cannot be joined or left.
    for (const char* type : {"join", "leave"}) {
        alice->send_json({{"type", type}, {"room", "ALL"}});
        got = replies(*alice);
        ASSERT_EQ(got.size(), 1u) << type;
        EXPECT_EQ(field(got[0], "type"), "error") << type << ": " << to_text(got[0]);
    }
}

TEST_F(ChatTest, MembersAndRoomsListings) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    alice->send_raw(R"({"type":"join","room":"#dev"})"
                    "\n");
    ASSERT_TRUE(alice->wait_for(presence("join", "alice", "#dev")));
    bob->send_raw(R"({"type":"join","room":"#dev"})"
                  "\n");
    ASSERT_TRUE(bob->wait_for(presence("join", "bob", "#dev")));

    carol->send_raw(R"({"type":"members","room":"#dev","ref":"m1"})"
                    "\n");
    const auto members = carol->wait_type("members");
    ASSERT_TRUE(members);
    EXPECT_EQ(field(*members, "room"), "#dev");
    EXPECT_EQ(field(*members, "ref"), "m1");
    auto users = strings_at(*members, "users");
    std::sort(users.begin(), users.end());
    EXPECT_EQ(users, (std::vector<std::string>{"alice", "bob"}));

    carol->send_raw(R"({"type":"rooms","ref":"r1"})"
                    "\n");
    const auto rooms = carol->wait_type("rooms");
    ASSERT_TRUE(rooms);
    EXPECT_EQ(field(*rooms, "ref"), "r1");
    std::map<std::string, std::string> counts;
    ASSERT_TRUE(rooms->contains("rooms") && rooms->at("rooms").is_array()) << to_text(*rooms);
    for (const auto& r : rooms->at("rooms").get_array()) {
        ASSERT_TRUE(r.is_object()) << json::serialize(r);
        counts[field(r.get_object(), "name")] = field(r.get_object(), "members");
    }
    EXPECT_EQ(counts, (std::map<std::string, std::string>{{"ALL", "3"}, {"#dev", "2"}}));
}

TEST_F(ChatTest, ListIsInRegistrationOrder) {
    auto c = user("c");
    auto a = user("a");
    {
        auto b = user("b");
        b->send_raw(R"({"type":"quit"})"
                    "\n");
        EXPECT_TRUE(b->expect_closed()) << "quit closes the connection";
    }
    ASSERT_TRUE(c->wait_for(presence("leave", "b", "ALL")));
    auto d = user("d");
    d->send_raw(R"({"type":"list","ref":"l1"})"
                "\n");
    const auto list = d->wait_type("list");
    ASSERT_TRUE(list);
    EXPECT_EQ(field(*list, "ref"), "l1");
    EXPECT_EQ(strings_at(*list, "users"), (std::vector<std::string>{"c", "a", "d"}));
}

TEST_F(ChatTest, ConnectQuitAndDisconnectAreAnnouncedToOthers) {
    auto alice = user("alice");
    auto bob = user("bob");
    const auto joined = alice->wait_type("join");
    ASSERT_TRUE(joined);
    EXPECT_EQ(field(*joined, "user"), "bob");
    EXPECT_EQ(field(*joined, "room"), "ALL");
    auto carol = user("carol");
    ASSERT_TRUE(alice->wait_for(presence("join", "carol", "ALL")));

    bob->send_raw(R"({"type":"quit","message":"bye"})"
                  "\n");
    auto left = alice->wait_for(presence("leave", "bob", "ALL"));
    ASSERT_TRUE(left);
    EXPECT_EQ(field(*left, "reason"), "quit");

    carol->close();
    left = alice->wait_for(presence("leave", "carol", "ALL"));
    ASSERT_TRUE(left);
    EXPECT_EQ(field(*left, "reason"), "disconnected");
}

TEST_F(ChatTest, NameTakenIsCaseInsensitiveAndARetrySucceeds) {
    auto alice = user("Alice");
    auto other = connect();
    const auto refused = other->hello_reply("alice");
    EXPECT_EQ(field(refused, "type"), "error") << to_text(refused);
    EXPECT_EQ(field(refused, "code"), "name_taken");
    const auto again = other->hello_reply("ALICE");
    EXPECT_EQ(field(again, "code"), "name_taken") << to_text(again);
    const auto welcome = other->hello_reply("alicia");
    EXPECT_EQ(field(welcome, "type"), "welcome") << to_text(welcome);
    EXPECT_EQ(field(welcome, "name"), "alicia");

    alice->send_raw(R"({"type":"list"})"
                    "\n");
    const auto list = alice->wait_type("list");
    ASSERT_TRUE(list);
    EXPECT_EQ(strings_at(*list, "users"), (std::vector<std::string>{"Alice", "alicia"}));
    // Addressing is case-insensitive too; the registered spelling is the one shown.
    other->send_raw(message("ALICE", "found you"));
    const auto got = alice->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "user"), "alicia");
}

TEST_F(ChatTest, InvalidNamesAreRefusedAndValidEdgesAccepted) {
    const std::vector<std::string> bad{"", "with space", "tab\tname", "comma,name", "ALL", "all",
                                       "server", "Server", "hubchat", "#room", "@at", "/slash",
                                       "new\nline", "nul\x01", std::string(33, 'x'),
                                       "\xc3\xa9" + std::string(32, 'e'),
                                       // IRC's nick rules, for everyone:
                                       "h\xc3\xa9l\xc3\xa8ne", "a#b", "1abc", "-dash", "dot.name"};
    auto c = connect();
    for (const auto& name : bad) {
        const auto reply = c->hello_reply(name);
        EXPECT_EQ(field(reply, "code"), "bad_name")
            << json::serialize(json::value(name)) << ": " << to_text(reply);
    }
    for (const auto& name : {std::string(32, 'x'), std::string("a-b"), std::string("[away]"),
                             std::string("^_^"), std::string("{x|y}"), std::string("\\o")}) {
        EXPECT_TRUE(connect()->hello(name)) << name;
    }
    // The connection that failed all those can still register.
    EXPECT_TRUE(c->hello("finally"));
}

TEST_F(ChatTest, RequestsBeforeHelloAndASecondHelloAreRefused) {
    auto c = user("probe");
    c->send_raw(R"({"type":"hello","name":"probe2"})"
                "\n");
    const auto again = c->wait_type("error");
    ASSERT_TRUE(again);
    EXPECT_EQ(field(*again, "code"), "already_registered");

    auto early = connect();
    early->send_raw(R"({"type":"hello","name":"ALL"})"
                    "\n");
    ASSERT_EQ(field(early->wait_type("error").value_or(json::object{}), "code"), "bad_name");
    for (const char* request :
         {R"({"type":"list"})", R"({"type":"message","dest":"probe","message":"x"})",
          R"({"type":"join","room":"#r"})"}) {
        early->send_raw(std::string(request) + "\n");
        const auto error = early->wait_type("error");
        ASSERT_TRUE(error) << request;
        EXPECT_EQ(field(*error, "code"), "not_registered") << request;
    }
    expect_no_chat(*c, "probe");
}

TEST_F(ChatTest, PingEchoesItsRefWithItsType) {
    auto c = user("alice");
    c->send_raw(R"({"type":"ping","ref":5})"
                "\n");
    EXPECT_EQ(c->next_frame(), R"({"type":"pong","ref":5})");
    c->send_raw(R"({"type":"ping","ref":"five"})"
                "\n");
    EXPECT_EQ(c->next_frame(), R"({"type":"pong","ref":"five"})");
}

TEST_F(ChatTest, SpoofedUserIsRefusedAndNeverRelayed) {
    auto bob = user("bob");
    auto carol = user("carol");
    auto mallory = user("mallory");
    const std::vector<std::string> spoofs{
        R"({"type":"message","user":"bob","dest":"ALL","message":"I am bob"})"
        "\n",
        R"({"user":"bob","message":"I am bob","dest":"carol"})",
        R"({"user":"bob","request":"ClientList"})",
        R"({"user":"nobody","message":"ghost","dest":"ALL"})"};
    for (const auto& spoof : spoofs) {
        mallory->send_raw(spoof);
        const auto got = replies(*mallory);
        ASSERT_EQ(got.size(), 1u) << spoof;
        EXPECT_EQ(field(got[0], "code"), "spoofing") << spoof;
    }
    expect_no_chat(*bob, "bob");
    expect_no_chat(*carol, "carol");
    // Her own name, in any case, is not spoofing.
    mallory->send_raw(R"({"type":"message","user":"Mallory","dest":"carol","message":"me"})"
                      "\n");
    const auto got = carol->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "user"), "mallory");
}

TEST(Presence, LargeRoomsStopAnnouncingOthers) {
    ServerProcess server({"--presence-limit", "2"});
    TestClient a(server.host(), server.port());
    TestClient b(server.host(), server.port());
    TestClient c(server.host(), server.port());
    ASSERT_TRUE(a.hello("a"));
    ASSERT_TRUE(b.hello("b"));
    ASSERT_TRUE(a.wait_for(presence("join", "b", "ALL"))) << "2 members: still announced";
    ASSERT_TRUE(c.hello("c"));
    const auto seen = a.sync();
    ASSERT_TRUE(seen);
    for (const auto& f : *seen) EXPECT_FALSE(has_type(f, "join")) << to_text(f);
}

}  // namespace
}  // namespace hubchat::test
