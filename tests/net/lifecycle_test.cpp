// Start-up, command line, shutdown and restart of the real server binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <boost/json/parse.hpp>

#include "support/server_process.hpp"
#include "support/test_client.hpp"

namespace hubchat::test {
namespace {
namespace json = boost::json;

std::optional<json::object> parse_object(const std::string& raw) {
    boost::system::error_code ec;
    auto v = json::parse(raw, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
}

std::string joined(const std::vector<std::string>& frames) {
    std::string out;
    for (const auto& f : frames) out += f + "\n";
    return out;
}

TEST(Lifecycle, SigtermTellsEveryClientClosesThemAndExitsZero) {
    ServerProcess server;
    TestClient alice(server.host(), server.port());
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    ASSERT_TRUE(bob.hello("bob"));
    TestClient old(server.host(), server.port());
    old.send_raw(R"({"user": "old", "request": "ClientList"})");
    ASSERT_TRUE(old.next_frame());
    TestClient silent(server.host(), server.port());  // connected, never spoke
    ASSERT_TRUE(alice.sync());
    ASSERT_TRUE(bob.sync());

    EXPECT_EQ(server.terminate(), 0) << "stdout:\n" << server.out() << "stderr:\n" << server.err();

    for (TestClient* c : {&alice, &bob}) {
        std::vector<std::string> frames;
        EXPECT_TRUE(c->expect_closed(kDeadline, &frames)) << "no EOF";
        ASSERT_FALSE(frames.empty()) << "closed without a shutdown frame";
        const auto last = parse_object(frames.back());
        ASSERT_TRUE(last) << frames.back();
        EXPECT_EQ(field(*last, "type"), "shutdown") << joined(frames);
        EXPECT_FALSE(field(*last, "message").empty()) << frames.back();
    }
    std::vector<std::string> frames;
    EXPECT_TRUE(old.expect_closed(kDeadline, &frames)) << "no EOF";
    ASSERT_FALSE(frames.empty()) << "original client closed without a notice";
    const auto notice = parse_object(frames.back());
    ASSERT_TRUE(notice) << frames.back();
    EXPECT_EQ(field(*notice, "user"), "server") << frames.back();
    EXPECT_EQ(field(*notice, "dest"), "old") << frames.back();
    EXPECT_FALSE(field(*notice, "message").empty()) << frames.back();
    EXPECT_EQ(notice->size(), 3u) << "not the original's chat shape: " << frames.back();
    EXPECT_TRUE(silent.expect_closed()) << "a silent connection was left open";
}

TEST(Lifecycle, SigintStopsCleanlyToo) {
    ServerProcess server;
    TestClient alice(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    server.signal(SIGINT);
    EXPECT_EQ(server.wait_exit(), 0);
    EXPECT_TRUE(alice.wait_type("shutdown"));
    EXPECT_TRUE(alice.expect_closed());
}

TEST(Lifecycle, RestartOnTheSamePortRightAfterSigterm) {
    std::uint16_t port = 0;
    {
        ServerProcess first;
        port = first.port();
        TestClient a(first.host(), port);
        TestClient b(first.host(), port);
        ASSERT_TRUE(a.hello("alice"));
        b.send_raw(R"({"user": "bob", "request": "ClientList"})");
        ASSERT_TRUE(b.next_frame());
        ASSERT_EQ(first.terminate(), 0);
        // The server closed live connections first, so its side is in TIME_WAIT now.
        EXPECT_TRUE(a.expect_closed());
        EXPECT_TRUE(b.expect_closed());
    }
    ServerProcess::Options same_port;
    same_port.port = std::to_string(port);
    ServerProcess second(same_port);
    EXPECT_EQ(second.port(), port);
    TestClient again(second.host(), port);
    EXPECT_TRUE(again.hello("alice"));
}

TEST(Lifecycle, ListensOnIpv6Loopback) {
    ServerProcess::Options v6;
    v6.host = "::1";
    ServerProcess server(v6);
    EXPECT_EQ(server.host(), "::1");
    EXPECT_NE(server.out().find("listening on [::1]:" + std::to_string(server.port())),
              std::string::npos)
        << server.out();
    TestClient a("::1", server.port());
    TestClient b("::1", server.port());
    ASSERT_TRUE(a.hello("a"));
    ASSERT_TRUE(b.hello("b"));
    a.send_raw(R"({"type":"message","dest":"b","message":"over v6"})"
               "\n");
    EXPECT_TRUE(b.wait_for(chat_from("a", "over v6")));
}

TEST(Lifecycle, OriginalOptionSpellingsWork) {
    ServerProcess server(ServerProcess::Options{
        {"--machine-name:127.0.0.1", "--port:0", "--verbose:TRUE"}, std::nullopt, std::nullopt});
    EXPECT_EQ(server.host(), "127.0.0.1");
    TestClient client(server.host(), server.port());
    ASSERT_TRUE(client.hello("loud"));
    // Verbose logs connections and frames.
    EXPECT_TRUE(eventually([&] {
        return (server.out() + server.err()).find("loud") != std::string::npos;
    })) << "stdout:\n"
        << server.out() << "stderr:\n"
        << server.err();
    EXPECT_EQ(server.terminate(), 0);
}

TEST(Lifecycle, LongOptionSpellingsWork) {
    ServerProcess server(ServerProcess::Options{{"--machine-name", "127.0.0.1", "--port", "0", "-v",
                                                 "--max-message", "2048", "--max-queue", "100000"},
                                                std::nullopt,
                                                std::nullopt});
    TestClient client(server.host(), server.port());
    const auto welcome = client.hello_reply("alice");
    EXPECT_EQ(field(welcome, "max_message"), "2048") << to_text(welcome);
}

TEST(Lifecycle, BadOptionValuesExitTwoWithOneLineOnStderr) {
    const std::vector<std::vector<std::string>> cases{
        {"--port:abc"},
        {"--port", "70000"},
        {"--port", "-1"},
        {"--port:"},
        {"--max-message", "abc"},
        {"--max-queue", "lots"},
        {"--port", "7002", "--port:x"},
        {"--history-batch", "0"},
        {"--history-flush-ms", "-1"},
        {"--history-flush-ms", "soon"},
    };
    for (const auto& args : cases) {
        std::vector<std::string> argv{HUBCHAT_SERVER_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto result = run_program(argv);
        const std::string what = args.front() + (args.size() > 1 ? " " + args[1] : "");
        EXPECT_EQ(result.exit_code, 2) << what << "\nstderr: " << result.err;
        EXPECT_FALSE(result.err.empty()) << what;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
            << what << ": not one line:\n"
            << result.err;
        EXPECT_EQ(result.err.back(), '\n') << what;
        EXPECT_EQ(result.out.find("listening"), std::string::npos) << what;
    }
}

TEST(Lifecycle, HelpAndVersionExitZero) {
    const auto help = run_program({HUBCHAT_SERVER_BIN, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    for (const char* option :
         {"--port", "--host", "--machine-name", "--verbose", "--max-message", "--max-queue"}) {
        EXPECT_NE(help.out.find(option), std::string::npos) << option << " not in:\n" << help.out;
    }
    const auto version = run_program({HUBCHAT_SERVER_BIN, "--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_NE(version.out.find("0.1.0"), std::string::npos) << version.out;
}

}  // namespace
}  // namespace hubchat::test
