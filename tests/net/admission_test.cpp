// Admission control in the listener, through the real server: a refused connection is told
// why in the one shape every JSON client reads, then closed; every admitted connection gives
// its place back exactly once, however it ends; loopback skips the per-address limits,
// which are tested from this machine's own LAN address.
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include "net_fixture.hpp"

namespace hubchat::test {
namespace {

// The notice a refused connection receives before the close; empty when none came.
json::object refusal(TestClient& client) {
    std::vector<std::string> frames;
    EXPECT_TRUE(client.expect_closed(kDeadline, &frames)) << "a refused connection stayed open";
    if (frames.empty()) return {};
    boost::system::error_code ec;
    auto value = json::parse(frames.front(), ec);
    if (ec || !value.is_object()) return {{"unparsed", frames.front()}};
    return value.as_object();
}

// Connects until the server admits a hubchat user `name` (places are given back as soon as
// the server has seen a close, which is not at once).
std::unique_ptr<TestClient> admitted_user(const ServerProcess& server, std::string_view name) {
    std::unique_ptr<TestClient> client;
    eventually([&] {
        client = std::make_unique<TestClient>(server.host(), server.port());
        return has_type(client->hello_reply(name), "welcome");
    });
    return client;
}

// An IPv4 address of this machine other than loopback, so that connections to it are
// counted per address; empty when there is none.
std::string lan_address() {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return {};
    std::string found;
    for (ifaddrs* it = list; it != nullptr && found.empty(); it = it->ifa_next) {
        if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
        if ((it->ifa_flags & IFF_UP) == 0 || (it->ifa_flags & IFF_LOOPBACK) != 0) continue;
        char text[INET_ADDRSTRLEN] = {};
        const auto* in = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
        if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr) found = text;
    }
    ::freeifaddrs(list);
    return found;
}

ServerProcess::Options on_lan(const std::string& address, std::vector<std::string> args) {
    ServerProcess::Options options;
    options.host = address;
    options.args = std::move(args);
    return options;
}

TEST(Admission, AFullServerRefusesWithANoticeAndTakesNewcomersOnceAPlaceIsFree) {
    ServerProcess server({"--max-connections", "2"});
    auto alice = std::make_unique<TestClient>(server.host(), server.port());
    ASSERT_TRUE(alice->hello("alice"));
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(bob.hello("bob"));

    TestClient third(server.host(), server.port());
    const auto notice = refusal(third);
    // The original server's chat shape, from `server`: the Python client prints it as
    // "Message from server: ...", and the hubchat client shows it too.
    EXPECT_EQ(field(notice, "user"), "server") << to_text(notice);
    EXPECT_EQ(field(notice, "message"), "The server is full (2 connections); try again later")
        << to_text(notice);
    EXPECT_EQ(notice.size(), 3u) << to_text(notice);

    alice->close();
    alice.reset();
    auto carol = admitted_user(server, "carol");
    ASSERT_TRUE(carol);
    EXPECT_TRUE(carol->sync());
    EXPECT_TRUE(bob.sync()) << "the refusals disturbed an admitted user";
}

// Every way a connection can end gives its place back once: none is kept (the server would
// stay full) and none is given back twice (a third connection would then get in).
TEST(Admission, EveryWayOfLeavingGivesThePlaceBackExactlyOnce) {
    ServerProcess server({"--max-connections", "2", "--frame-timeout", "1"});
    for (int round = 0; round < 3; ++round) {
        {  // silent, then gone while still being sniffed
            TestClient silent(server.host(), server.port());
        }
        {  // reset in the middle of a frame
            auto client = admitted_user(server, "a" + std::to_string(round));
            ASSERT_TRUE(client);
            client->send_raw(R"({"type":"mess)");
            client->reset();
        }
        {  // says too little to tell its protocol; the server gives up on it
            TestClient undecided(server.host(), server.port());
            undecided.send_raw("\n");
            EXPECT_TRUE(undecided.expect_closed());
        }
        {  // a TLS handshake on a server without TLS
            TestClient tls(server.host(), server.port());
            tls.send_raw(std::string("\x16\x03\x01\x00\x05hello", 10));
            EXPECT_TRUE(tls.expect_closed());
        }
        {  // quits politely
            auto client = admitted_user(server, "q" + std::to_string(round));
            ASSERT_TRUE(client);
            client->send_raw(R"({"type":"quit"})"
                             "\n");
            EXPECT_TRUE(client->expect_closed());
        }
        {  // an original-dialect client registers, then closes
            std::unique_ptr<TestClient> client;
            ASSERT_TRUE(eventually([&] {
                client = std::make_unique<TestClient>(server.host(), server.port());
                client->send_raw(R"({"user": "orig", "request": "ClientList"})");
                const auto reply = client->next_frame();
                return reply && reply->find("client-list") != std::string::npos;
            }));
        }
    }
    auto first = admitted_user(server, "first");
    ASSERT_TRUE(first);
    auto second = admitted_user(server, "second");
    ASSERT_TRUE(second);
    TestClient third(server.host(), server.port());
    EXPECT_NE(field(refusal(third), "message").find("The server is full"), std::string::npos)
        << "a place was given back twice";
}

TEST(Admission, LoopbackIsExemptFromThePerAddressLimits) {
    ServerProcess server(
        {"--max-connections-per-address", "1", "--max-new-connections-per-minute", "1"});
    std::vector<std::unique_ptr<TestClient>> users;
    for (int i = 0; i < 5; ++i) {
        users.push_back(std::make_unique<TestClient>(server.host(), server.port()));
        EXPECT_TRUE(users.back()->hello("u" + std::to_string(i))) << i;
    }
}

TEST(Admission, OneAddressMayHoldOnlySoManyConnections) {
    const std::string address = lan_address();
    if (address.empty()) GTEST_SKIP() << "no non-loopback IPv4 address on this machine";
    ServerProcess server(on_lan(address, {"--max-connections-per-address", "2"}));
    auto a = std::make_unique<TestClient>(server.host(), server.port());
    ASSERT_TRUE(a->hello("a"));
    TestClient b(server.host(), server.port());
    ASSERT_TRUE(b.hello("b"));
    TestClient c(server.host(), server.port());
    EXPECT_EQ(field(refusal(c), "message"),
              "Too many connections from " + address + " (2 open); close one first");
    a->close();
    a.reset();
    EXPECT_TRUE(admitted_user(server, "d")) << "the place was not given back";
}

TEST(Admission, OneAddressMayOpenOnlySoManyConnectionsAMinute) {
    const std::string address = lan_address();
    if (address.empty()) GTEST_SKIP() << "no non-loopback IPv4 address on this machine";
    ServerProcess server(on_lan(address, {"--max-new-connections-per-minute", "3"}));
    for (int i = 0; i < 3; ++i) {
        TestClient client(server.host(), server.port());
        EXPECT_TRUE(client.hello("n" + std::to_string(i))) << i;
    }
    TestClient fourth(server.host(), server.port());
    const auto notice = refusal(fourth);
    EXPECT_EQ(field(notice, "message")
                  .rfind("Too many new connections from " + address + ": try again in ", 0),
              0u)
        << to_text(notice);
}

}  // namespace
}  // namespace hubchat::test
