// hubchat in scripts: --send, --listen, piped stdin, and the command line itself.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "person.hpp"

namespace hubchat::e2e {
namespace {

std::vector<std::string> hubchat(const Server& server, std::vector<std::string> args) {
    std::vector<std::string> argv{HUBCHAT_CLIENT_BIN, "--host", server.host(), "--port",
                                  std::to_string(server.port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

// A --listen client, ready once the server has welcomed it (seen in `/who` of another).
class Listener {
  public:
    Listener(const Server& server, const std::string& name, bool json = false)
        : process_(
              hubchat(server, json ? std::vector<std::string>{"--name", name, "--listen", "--json"}
                                   : std::vector<std::string>{"--name", name, "--listen"})) {}
    Process& process() { return process_; }

  private:
    Process process_;
};

// Waits until `name` is registered, asking the server through a --send to it that
// must be acknowledged (a refused one exits 1).
bool wait_registered(const Server& server, const std::string& name) {
    const auto deadline = Clock::now() + kPatience;
    while (Clock::now() < deadline) {
        Process probe(hubchat(server, {"--name", "probe-" + name, "--to", name, "--send", "ping"}));
        if (probe.wait_exit() == 0) return true;
    }
    return false;
}

TEST(Scripting, SendExitsZeroOnlyOnceTheServerAcked) {
    Server server;
    ASSERT_TRUE(server.started());
    Listener bob(server, "bob");
    ASSERT_TRUE(wait_registered(server, "bob"));
    Process send(hubchat(server, {"--name", "bot", "--to", "bob", "--send", "done"}));
    EXPECT_EQ(send.wait_exit(), 0) << send.err();
    EXPECT_TRUE(bob.process().expect("bot: done\n"));
    EXPECT_TRUE(send.out().empty());
    EXPECT_TRUE(send.err().empty()) << send.err();
}

TEST(Scripting, SendToAnUnknownRecipientExitsOneWithTheReason) {
    Server server;
    ASSERT_TRUE(server.started());
    Process send(hubchat(server, {"--name", "bot", "--to", "ghost", "--send", "anyone?"}));
    EXPECT_EQ(send.wait_exit(), 1);
    EXPECT_NE(send.err().find("ghost"), std::string::npos) << send.err();
    EXPECT_TRUE(send.out().empty());
}

TEST(Scripting, SendWithNoServerExitsOne) {
    Server server;
    ASSERT_TRUE(server.started());
    const auto port = server.port();
    server.stop();  // (its exit code is the server's business)
    Process send({HUBCHAT_CLIENT_BIN, "--port", std::to_string(port), "--name", "b", "--to", "x",
                  "--send", "x"});
    EXPECT_EQ(send.wait_exit(), 1);
    EXPECT_TRUE(send.expect_error("cannot connect"));
}

TEST(Scripting, ListenPrintsOneLinePerMessageOrTheRawJson) {
    Server server;
    ASSERT_TRUE(server.started());
    Listener plain(server, "ear");
    Listener json(server, "ear2", true);
    ASSERT_TRUE(wait_registered(server, "ear"));
    ASSERT_TRUE(wait_registered(server, "ear2"));
    Process alice(hubchat(server, {"--name", "alice", "--to", "ear,ear2", "--send", "hi, ears"}));
    ASSERT_EQ(alice.wait_exit(), 0) << alice.err();
    EXPECT_TRUE(plain.process().expect("alice: hi, ears\n"));
    EXPECT_TRUE(json.process().expect(R"("user":"alice")"));
    EXPECT_TRUE(json.process().expect(R"("message":"hi, ears"})"
                                      "\n"));
    // The probes' pings were messages too: one line each, nothing else.
    for (const char* line : {"probe-ear: ping\n", "alice: hi, ears\n"}) {
        EXPECT_NE(plain.process().out().find(line), std::string::npos) << plain.process().out();
    }
    plain.process().signal(SIGINT);
    EXPECT_EQ(plain.process().wait_exit(), 0);
}

TEST(Scripting, PipedStdinReplaysTheOriginalInteraction) {
    Server server;
    ASSERT_TRUE(server.started());
    Listener bob(server, "bob");
    ASSERT_TRUE(wait_registered(server, "bob"));
    Process carol(hubchat(server, {}), with_input("carol\nhello\nbob\nL\nq\n"));
    EXPECT_EQ(carol.wait_exit(), 0) << carol.err();
    EXPECT_TRUE(bob.process().expect("carol: hello\n"));
    EXPECT_TRUE(carol.expect("- Client [bob]"));
    EXPECT_TRUE(carol.expect("closing socket\n"));
    // No prompts or colours when not at a terminal.
    EXPECT_EQ(carol.out().find("You say"), std::string::npos) << carol.out();
    EXPECT_EQ(carol.out().find('\033'), std::string::npos);
}

TEST(Scripting, PipedLinesGoToTheRecipientGivenWithTo) {
    Server server;
    ASSERT_TRUE(server.started());
    Listener ear(server, "ear");
    ASSERT_TRUE(wait_registered(server, "ear"));
    // From a regular file this time (not a pipe), and no q: the end of input quits once
    // the server has answered everything.
    char path[] = "/tmp/hubchat-e2e-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << "first line\nsecond line\n\n@nobody hi\nlast, no newline";
    Process piper(hubchat(server, {"--name", "piper", "--to", "ear"}), with_input_file(path));
    EXPECT_EQ(piper.wait_exit(), 0) << piper.err();
    std::remove(path);
    EXPECT_TRUE(
        ear.process().expect("piper: first line\npiper: second line\npiper: last, no newline\n"));
    EXPECT_TRUE(piper.expect("No empty message please."));
    EXPECT_TRUE(piper.expect("Error: "));  // @nobody: answered before leaving
}

TEST(Scripting, ATakenNameFailsTheScriptedModes) {
    Server server;
    ASSERT_TRUE(server.started());
    Listener ear(server, "ear");
    ASSERT_TRUE(wait_registered(server, "ear"));
    Process again(hubchat(server, {"--name", "EAR", "--listen"}));
    EXPECT_EQ(again.wait_exit(), 1);
    EXPECT_NE(again.err().find("taken"), std::string::npos) << again.err();
    Process piped(hubchat(server, {"--name", "ear", "--to", "ear"}), with_input("hi\n"));
    EXPECT_EQ(piped.wait_exit(), 1);
}

TEST(CommandLine, BadOptionValuesAreOneLineAndExitTwo) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--port:abc"},
                                                 {"--port", "99999"},
                                                 {"--frobnicate"},
                                                 {"--send", "x"}}) {
        std::vector<std::string> argv{HUBCHAT_CLIENT_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        Process client(argv);
        EXPECT_EQ(client.wait_exit(), 2) << args[0];
        EXPECT_TRUE(client.out().empty());
        EXPECT_EQ(std::count(client.err().begin(), client.err().end(), '\n'), 1) << client.err();
    }
}

TEST(CommandLine, HelpAndVersion) {
    Process help({HUBCHAT_CLIENT_BIN, "--help"});
    EXPECT_EQ(help.wait_exit(), 0);
    EXPECT_NE(help.out().find("--machine-name"), std::string::npos);
    Process version({HUBCHAT_CLIENT_BIN, "--version"});
    EXPECT_EQ(version.wait_exit(), 0);
    EXPECT_EQ(version.out(), "hubchat " HUBCHAT_VERSION "\n");
}

TEST(CommandLine, TheOriginalsFormsReachTheServer) {
    Server server;
    ASSERT_TRUE(server.started());
    Listener ear(server, "ear");
    ASSERT_TRUE(wait_registered(server, "ear"));
    Process send({HUBCHAT_CLIENT_BIN, "--machine-name:127.0.0.1",
                  "--port:" + std::to_string(server.port()), "--verbose:false", "--name", "old",
                  "--to", "ear", "--send", "old style"});
    EXPECT_EQ(send.wait_exit(), 0) << send.err();
    EXPECT_TRUE(ear.process().expect("old: old style\n"));
}

TEST(CommandLine, Ipv6Scripting) {
    Server server("::1");
    if (!server.started()) GTEST_SKIP() << "no IPv6 loopback here";
    Listener ear(server, "ear");
    ASSERT_TRUE(wait_registered(server, "ear"));
    Process send(hubchat(server, {"--name", "six", "--to", "ear", "--send", "over v6"}));
    EXPECT_EQ(send.wait_exit(), 0) << send.err();
    EXPECT_TRUE(ear.process().expect("six: over v6\n"));
}

}  // namespace
}  // namespace hubchat::e2e
