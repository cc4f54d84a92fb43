// Start-up, options, shutdown and restart of the real server binary.
#include <gtest/gtest.h>
#include <signal.h>

#include "support/chat_socket.hpp"
#include "support/process.hpp"

namespace hubchat::test {
namespace {

TEST(Lifecycle, ShutdownTellsEveryClientThenExitsZero) {
    ServerProcess server;
    ChatSocket modern(server.host(), server.port());
    ASSERT_TRUE(modern.hello("modern"));
    ChatSocket old(server.host(), server.port());
    old.send_raw(R"({"user": "old", "request": "ClientList"})");
    ASSERT_TRUE(old.next_frame());
    ChatSocket silent(server.host(), server.port());  // connected, never spoke

    EXPECT_EQ(server.terminate(), 0);
    auto notice = modern.wait_type("shutdown");
    ASSERT_TRUE(notice);
    EXPECT_FALSE(text_of(*notice, "message").empty());
    EXPECT_TRUE(modern.wait_closed());
    const auto old_notice = old.next_json();
    EXPECT_EQ(text_of(old_notice, "user"), "server");
    EXPECT_NE(text_of(old_notice, "message").find("shutting down"), std::string::npos);
    EXPECT_TRUE(old.wait_closed());
    EXPECT_EQ(text_of(silent.next_json(), "user"), "server");
    EXPECT_TRUE(silent.wait_closed());
}

TEST(Lifecycle, RestartOnTheSamePortRightAfterStopWorks) {
    std::uint16_t port = 0;
    {
        ServerProcess first;
        port = first.port();
        ChatSocket client(first.host(), port);
        ASSERT_TRUE(client.hello("alice"));
        EXPECT_EQ(first.terminate(), 0);
    }
    // Connections just closed leave TIME_WAIT behind; SO_REUSEADDR lets us bind anyway.
    ServerProcess second({"--port:" + std::to_string(port)});
    EXPECT_EQ(second.port(), port);
    ChatSocket client(second.host(), port);
    EXPECT_TRUE(client.hello("alice"));
}

TEST(Lifecycle, ListensOnIpv6) {
    ServerProcess server({}, "::1");
    ChatSocket a("::1", server.port());
    ChatSocket b("::1", server.port());
    ASSERT_TRUE(a.hello("a"));
    ASSERT_TRUE(b.hello("b"));
    a.send_raw(R"({"type":"message","dest":"b","message":"v6"})"
               "\n");
    auto got = b.wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(text_of(*got, "message"), "v6");
}

TEST(Lifecycle, OriginalOptionFormsWork) {
    // --machine-name: and --verbose:true as the original wrote them.
    Child server({HUBCHAT_SERVER_BIN, "--machine-name:127.0.0.1", "--port:0", "--verbose:TRUE"},
                 false);
    ASSERT_TRUE(server.wait_for("listening on 127.0.0.1:"));
    ASSERT_TRUE(server.wait_for("Connect with"));
    const auto at = server.output().find("127.0.0.1:") + 10;
    const auto port = static_cast<std::uint16_t>(std::stoi(server.output().substr(at)));
    ChatSocket client("127.0.0.1", port);
    ASSERT_TRUE(client.hello("loud"));
    // Verbose mode logs the traffic.
    EXPECT_TRUE(server.wait_for(R"("name":"loud")"));
    server.signal(SIGINT);
    EXPECT_EQ(server.wait_exit(), 0);
}

TEST(Lifecycle, BadOptionValuesExitWithCodeTwoAndOneLine) {
    const std::vector<std::vector<std::string>> cases{{"--port:abc"},
                                                      {"--port", "70000"},
                                                      {"--max-message", "-5"},
                                                      {"--no-such-option"},
                                                      {"--host", "not a host!"}};
    for (const auto& args : cases) {
        std::vector<std::string> argv{HUBCHAT_SERVER_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        Child child(argv, false);
        EXPECT_EQ(child.wait_exit(), 2) << args[0] << ": " << child.output();
        const std::string& out = child.output();
        EXPECT_FALSE(out.empty());
        EXPECT_EQ(out.find('\n'), out.size() - 1) << out;  // exactly one line
    }
}

TEST(Lifecycle, HelpAndVersionExitZero) {
    Child help({HUBCHAT_SERVER_BIN, "--help"}, false);
    EXPECT_EQ(help.wait_exit(), 0);
    EXPECT_NE(help.output().find("--machine-name"), std::string::npos);
    Child version({HUBCHAT_SERVER_BIN, "--version"}, false);
    EXPECT_EQ(version.wait_exit(), 0);
    EXPECT_NE(version.output().find("hubchat-server"), std::string::npos);
}

}  // namespace
}  // namespace hubchat::test
