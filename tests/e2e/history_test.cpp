// History as people and scripts see it (issue 5), against the real server: what was said
// during a server restart shown once after the reconnection, a start resuming from the
// state file, /history, direct messages kept for a registered name while it was logged
// out, and --listen resuming across a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include "person.hpp"

namespace hubchat::e2e {
namespace {

constexpr std::string_view kAlicePassword = "correct horse battery";

std::vector<std::string> hubchat(const Server& server, std::vector<std::string> args) {
    std::vector<std::string> argv{HUBCHAT_CLIENT_BIN, "--host", server.host(), "--port",
                                  std::to_string(server.port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

std::size_t count_of(const std::string& haystack, std::string_view needle) {
    std::size_t count = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

// A server whose history lives in a directory of the test's, so that a restart keeps it.
class KeptServer {
  public:
    KeptServer() : server_(std::make_unique<Server>("127.0.0.1", 0, args())) {}
    Server& operator*() { return *server_; }
    Server* operator->() { return server_.get(); }
    // Stopped and started again on the same port, with the same history.
    bool restart() {
        const auto port = server_->port();
        server_->stop();
        server_.reset();
        server_ = std::make_unique<Server>("127.0.0.1", port, args());
        return server_->started();
    }

  private:
    std::vector<std::string> args() const { return {"--data-dir", data_.path().string()}; }
    client::test::TempDir data_;
    std::unique_ptr<Server> server_;
};

TEST(History, AfterAServerRestartWhatWasSaidMeanwhileIsShownOnce) {
    KeptServer server;
    ASSERT_TRUE(server->started()) << server->output();
    Person alice(*server);
    Person carol(*server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(carol.registers_as("carol"));
    alice.enters("/join #keep");
    ASSERT_TRUE(alice.sees("* alice joined #keep"));
    carol.enters("/join #keep");
    ASSERT_TRUE(alice.sees("* carol joined #keep"));
    carol.enters("#keep before the restart");
    ASSERT_TRUE(alice.sees("Message from carol in #keep: before the restart"));

    // alice is held still, so she cannot reconnect before carol has spoken.
    alice.process().signal(SIGSTOP);
    ASSERT_TRUE(server.restart()) << server->output();
    ASSERT_TRUE(carol.sees("Reconnected to the server as carol."));
    carol.enters("#keep meanwhile in keep");
    ASSERT_TRUE(carol.sees("Message from carol in #keep: meanwhile in keep"));  // still in it
    carol.enters("@ALL meanwhile to all");
    ASSERT_TRUE(carol.sees("Message from carol: meanwhile to all"));
    alice.process().signal(SIGCONT);

    ASSERT_TRUE(alice.sees("Connection to the server lost"));
    ASSERT_TRUE(alice.sees("Reconnected to the server as alice."));
    ASSERT_TRUE(alice.sees("Message from carol in #keep: meanwhile in keep"));
    ASSERT_TRUE(alice.sees("Message from carol: meanwhile to all"));
    ASSERT_TRUE(alice.sees("-- 2 messages while you were away --"));
    // Back in #keep without asking.
    carol.enters("#keep live again");
    ASSERT_TRUE(alice.sees("Message from carol in #keep: live again"));

    const std::string& seen = alice.process().out();
    EXPECT_EQ(count_of(seen, "before the restart"), 1u);
    EXPECT_EQ(count_of(seen, "meanwhile in keep"), 1u);
    EXPECT_EQ(count_of(seen, "meanwhile to all"), 1u);
    EXPECT_EQ(count_of(seen, "live again"), 1u);
    // Dated, since they were not live: "[HH:MM] Message from ...".
    EXPECT_NE(seen.find("] Message from carol in #keep: meanwhile in keep"), std::string::npos);
    alice.enters("q");
    EXPECT_EQ(alice.process().wait_exit(), 0);
}

TEST(History, AStartShowsWhatWasSaidSinceTheLastRun) {
    client::test::TempDir state;
    const std::vector<std::string> same_state{"XDG_STATE_HOME=" + state.path().string()};
    KeptServer server;
    ASSERT_TRUE(server->started());
    Person bob(*server);
    ASSERT_TRUE(bob.registers_as("bob"));
    {
        Person alice(*server, {}, same_state);
        ASSERT_TRUE(alice.registers_as("alice"));
        bob.enters("@ALL seen last time");
        ASSERT_TRUE(alice.sees("Message from bob: seen last time"));
        alice.enters("q");
        ASSERT_EQ(alice.process().wait_exit(), 0);  // the state file is current at exit
    }
    bob.enters("@ALL said while alice was out");
    ASSERT_TRUE(bob.sees("Message from bob: said while alice was out"));

    Person alice(*server, {}, same_state);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(alice.sees("Message from bob: said while alice was out"));
    ASSERT_TRUE(alice.sees("-- 1 message while you were away --"));
    EXPECT_EQ(count_of(alice.process().out(), "seen last time"), 0u);

    // Another name, or a state of its own, starts with nothing replayed.
    Person fresh(*server);
    ASSERT_TRUE(fresh.registers_as("alicia"));
    bob.enters("@ALL now");
    ASSERT_TRUE(fresh.sees("Message from bob: now"));
    EXPECT_EQ(count_of(fresh.process().out(), "while alice was out"), 0u);
}

TEST(History, TheHistoryCommandShowsAConversationsLastMessages) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server);
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    alice.enters("/join #dev");
    ASSERT_TRUE(alice.sees("* alice joined #dev"));
    bob.enters("/join #dev");
    ASSERT_TRUE(alice.sees("* bob joined #dev"));
    for (const char* text : {"first", "second", "third"}) {
        bob.enters(std::string("#dev ") + text);
        ASSERT_TRUE(alice.sees(std::string("Message from bob in #dev: ") + text));
    }
    alice.enters("/history 2 #dev");
    ASSERT_TRUE(alice.sees("-- Last 2 messages in #dev --"));
    ASSERT_TRUE(alice.sees("] bob: second"));
    ASSERT_TRUE(alice.sees("] bob: third"));

    // Without a name: where alice last wrote.
    alice.enters("@ALL hello all");
    ASSERT_TRUE(alice.sees("Message from alice: hello all"));
    alice.enters("/history");
    ASSERT_TRUE(alice.sees("-- Last 1 message to ALL --"));
    ASSERT_TRUE(alice.sees("] alice: hello all"));

    alice.enters("/history #elsewhere");  // not a member: the server's refusal
    EXPECT_TRUE(alice.sees("Error: "));
    alice.enters("/history 0");
    EXPECT_TRUE(alice.sees("Usage: /history [N] [#room|name]"));
    alice.enters("/help");
    EXPECT_TRUE(alice.sees("/history [N]"));
}

TEST(History, ARegisteredNameGetsTheDirectMessagesSentWhileItWasLoggedOut) {
    Server server;
    ASSERT_TRUE(server.started());
    {
        Person owner(server);
        ASSERT_TRUE(owner.registers_as("alice"));
        owner.enters("/register");
        ASSERT_TRUE(owner.sees("New password for alice> "));
        owner.enters(kAlicePassword);
        ASSERT_TRUE(owner.sees("Again> "));
        owner.enters(kAlicePassword);
        ASSERT_TRUE(owner.sees("is now registered to you"));
        owner.enters("q");
        ASSERT_EQ(owner.process().wait_exit(), 0);
    }
    Process send(hubchat(server, {"--name", "bot", "--to", "alice", "--send", "kept for you"}));
    EXPECT_EQ(send.wait_exit(), 0) << send.err();  // stored for her: accepted
    Person bob(server);
    ASSERT_TRUE(bob.registers_as("bob"));
    bob.enters("@alice and this one");
    ASSERT_TRUE(bob.sees("alice is not connected; kept for them until they log in."));
    bob.enters("@ghost nobody");
    EXPECT_TRUE(bob.sees("Error: "));  // a name nobody holds is still refused

    Person alice(server);
    ASSERT_TRUE(alice.sees("Your name> "));
    alice.enters("alice");
    ASSERT_TRUE(alice.sees("Password for alice> "));
    alice.enters(kAlicePassword);
    ASSERT_TRUE(alice.sees("Message from bot (while you were away): kept for you"));
    ASSERT_TRUE(alice.sees("Message from bob (while you were away): and this one"));
    // Delivered once: they are not kept after that.
    alice.enters("q");
    ASSERT_EQ(alice.process().wait_exit(), 0);
    Person again(server);
    ASSERT_TRUE(again.sees("Your name> "));
    again.enters("alice");
    ASSERT_TRUE(again.sees("Password for alice> "));
    again.enters(kAlicePassword);
    ASSERT_TRUE(again.sees("You say  > "));
    bob.enters("@alice live now");
    ASSERT_TRUE(again.sees("Message from bob: live now"));
    EXPECT_EQ(count_of(again.process().out(), "kept for you"), 0u);
}

TEST(History, ListenResumesAcrossARestartMissingNothingRepeatingNothing) {
    KeptServer server;
    ASSERT_TRUE(server->started());
    Person bob(*server);
    ASSERT_TRUE(bob.registers_as("bob"));
    Process listener(hubchat(*server, {"--name", "logger", "--listen"}));
    ASSERT_TRUE(bob.sees("* logger joined ALL"));
    bob.enters("@ALL one");
    ASSERT_TRUE(listener.expect("bob: one\n"));

    listener.signal(SIGSTOP);
    ASSERT_TRUE(server.restart());
    ASSERT_TRUE(bob.sees("Reconnected to the server as bob."));
    bob.enters("@ALL two");
    ASSERT_TRUE(bob.sees("Message from bob: two"));
    listener.signal(SIGCONT);
    ASSERT_TRUE(listener.expect("bob: two\n"));
    ASSERT_TRUE(bob.sees("* logger joined ALL"));
    bob.enters("@ALL three");
    ASSERT_TRUE(listener.expect("bob: three\n"));
    EXPECT_EQ(listener.out(), "bob: one\nbob: two\nbob: three\n");
}

}  // namespace
}  // namespace hubchat::e2e
