// The terminal client as a person uses it: typed keys in, screen text out.
#include <gtest/gtest.h>
#include <signal.h>

#include "support/chat_socket.hpp"
#include "support/process.hpp"

namespace hubchat::test {
namespace {

// A hubchat client in a pseudo-terminal.
class Person {
  public:
    Person(const ServerProcess& server, std::vector<std::string> extra = {},
           std::vector<std::string> env = {})
        : child_(argv(server, std::move(extra)), true, std::move(env)) {}

    // Waits for `text` to appear after everything already matched.
    bool sees(const std::string& text, std::chrono::milliseconds timeout = 10s) {
        if (!child_.wait_for(text, timeout, mark_)) return false;
        mark_ = child_.output().find(text, mark_) + text.size();
        return true;
    }
    void types(const std::string& keys) { child_.write(keys); }
    void enters(const std::string& line) { child_.write(line + "\r"); }
    bool registers_as(const std::string& name) {
        if (!sees("Your name> ")) return false;
        enters(name);
        return sees("You say  > ");
    }
    Child& child() { return child_; }
    std::string screen() const { return child_.output(); }

  private:
    static std::vector<std::string> argv(const ServerProcess& server,
                                         std::vector<std::string> extra) {
        std::vector<std::string> args{HUBCHAT_CLIENT_BIN, "--machine-name:" + server.host(),
                                      "--port:" + std::to_string(server.port())};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }
    Child child_;
    std::size_t mark_ = 0;
};

TEST(PersonAtATerminal, SeesTheOriginalBannerAndPrompts) {
    ServerProcess server;
    Person alice(server);
    EXPECT_TRUE(alice.sees("Usage is:"));
    EXPECT_TRUE(alice.sees("connecting to 127.0.0.1 port " + std::to_string(server.port())));
    EXPECT_TRUE(alice.sees("...Connected"));
    EXPECT_TRUE(alice.sees("To exit, type Q, QUIT, or EXIT (lower or upper case)"));
    EXPECT_TRUE(alice.sees("To get the list of connected clients, type L (lower or upper case)"));
    EXPECT_TRUE(alice.sees("To see this message again, type H (lower or upper case)"));
    EXPECT_TRUE(alice.registers_as("alice"));
    alice.enters("");
    EXPECT_TRUE(alice.sees("No empty message please."));
    alice.enters("q");
    EXPECT_TRUE(alice.sees("closing socket"));
    EXPECT_EQ(alice.child().wait_exit(), 0);
}

TEST(PersonAtATerminal, TwoPeopleListDirectAndAll) {
    ServerProcess server;
    Person alice(server);
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    alice.enters("L");
    EXPECT_TRUE(alice.sees("2 Client(s):"));
    EXPECT_TRUE(alice.sees("- Client [alice]"));
    EXPECT_TRUE(alice.sees("- Client [bob]"));
    alice.enters("Hello Bob");
    ASSERT_TRUE(alice.sees("Dest name> "));
    alice.enters("  ");
    EXPECT_TRUE(alice.sees("No empty name please."));
    alice.enters("bob");
    // In red on a terminal, exactly as the original printed it.
    EXPECT_TRUE(bob.sees("\033[031m Message from alice: Hello Bob \033[0m"));
    bob.enters("@ALL Hi everyone");
    EXPECT_TRUE(alice.sees("Message from bob: Hi everyone"));
    EXPECT_TRUE(bob.sees("Message from bob: Hi everyone"));
    bob.enters("@nobody hello?");
    EXPECT_TRUE(bob.sees("Error: No such user or room: nobody"));
}

TEST(PersonAtATerminal, IncomingMessagesDoNotGarbleTheLineBeingTyped) {
    ServerProcess server;
    Person alice(server);
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    bob.types("half of my sent");  // not finished yet
    alice.enters("@bob interrupting!");
    ASSERT_TRUE(bob.sees("Message from alice: interrupting!"));
    // The prompt and the half-typed text are redrawn after the message...
    EXPECT_TRUE(bob.sees("You say  > half of my sent"));
    // ...and finishing the line sends it whole.
    bob.types("ence\r");
    ASSERT_TRUE(bob.sees("Dest name> "));
    bob.enters("alice");
    EXPECT_TRUE(alice.sees("Message from bob: half of my sentence"));
}

TEST(PersonAtATerminal, TakenNameAsksAgain) {
    ServerProcess server;
    ChatSocket first(server.host(), server.port());
    ASSERT_TRUE(first.hello("tintin"));
    Person second(server);
    ASSERT_TRUE(second.sees("Your name> "));
    second.enters("TINTIN");
    EXPECT_TRUE(second.sees("Error: The name TINTIN is already taken"));
    EXPECT_TRUE(second.registers_as("haddock"));
}

TEST(PersonAtATerminal, RoomsAndOneLineCommands) {
    ServerProcess server;
    Person alice(server);
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    alice.enters("/join #moulinsart");
    EXPECT_TRUE(alice.sees("* alice joined #moulinsart"));
    bob.enters("/join moulinsart");
    EXPECT_TRUE(alice.sees("* bob joined #moulinsart"));
    bob.enters("#moulinsart Mille sabords!");
    EXPECT_TRUE(alice.sees("Message from bob in #moulinsart: Mille sabords!"));
    alice.enters("/who #moulinsart");
    EXPECT_TRUE(alice.sees("In #moulinsart: alice, bob"));
    alice.enters("/rooms");
    EXPECT_TRUE(alice.sees("Rooms: ALL (2), #moulinsart (2)"));
    bob.enters("/leave #moulinsart");
    EXPECT_TRUE(alice.sees("* bob left #moulinsart"));
}

TEST(PersonAtATerminal, NoColourWhenAsked) {
    ServerProcess server;
    Person alice(server, {}, {"NO_COLOR=1"});
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    bob.enters("@alice plain");
    ASSERT_TRUE(alice.sees("Message from bob: plain"));
    EXPECT_EQ(alice.screen().find("\033[031m"), std::string::npos);
}

TEST(PersonAtATerminal, ServerRestartIsAnnouncedOnceThenTheClientReconnects) {
    auto server = std::make_unique<ServerProcess>();
    const auto port = server->port();
    Person alice(*server);
    ASSERT_TRUE(alice.registers_as("alice"));
    alice.enters("/join #keep");
    ASSERT_TRUE(alice.sees("* alice joined #keep"));
    ASSERT_EQ(server->terminate(), 0);
    ASSERT_TRUE(alice.sees("Connection to the server lost"));
    server =
        std::make_unique<ServerProcess>(std::vector<std::string>{"--port:" + std::to_string(port)});
    ASSERT_TRUE(alice.sees("Reconnected to the server as alice."));
    // Said once, not in a loop.
    const auto& screen = alice.screen();
    const auto first = screen.find("Connection to the server lost");
    EXPECT_EQ(screen.find("Connection to the server lost", first + 1), std::string::npos);
    // Back in its room, and chatting.
    ChatSocket bob(server->host(), port);
    ASSERT_TRUE(bob.hello("bob"));
    bob.send_raw(R"({"type":"members","room":"#keep"})"
                 "\n");
    auto members = bob.wait_type("members");
    ASSERT_TRUE(members);
    EXPECT_EQ(text_of(*members, "users"), R"(["alice"])");
    bob.send_raw(R"({"type":"message","dest":"alice","message":"welcome back"})"
                 "\n");
    EXPECT_TRUE(alice.sees("Message from bob: welcome back"));
}

TEST(PersonAtATerminal, CtrlDQuitsCleanly) {
    ServerProcess server;
    Person alice(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    alice.types("\x04");
    EXPECT_TRUE(alice.sees("closing socket"));
    EXPECT_EQ(alice.child().wait_exit(), 0);
}

TEST(Scripting, SendExitsZeroOnceAcceptedAndOneWhenRefused) {
    ServerProcess server;
    ChatSocket bob(server.host(), server.port());
    ASSERT_TRUE(bob.hello("bob"));
    const std::string host = "--host=" + server.host();
    const std::string port = "--port=" + std::to_string(server.port());
    Child ok({HUBCHAT_CLIENT_BIN, host, port, "--name", "bot", "--to", "bob", "--send", "done"},
             false);
    EXPECT_EQ(ok.wait_exit(), 0) << ok.output();
    auto got = bob.wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(text_of(*got, "message"), "done");
    Child refused({HUBCHAT_CLIENT_BIN, host, port, "--name", "bot", "--to", "ghost", "--send", "x"},
                  false);
    EXPECT_EQ(refused.wait_exit(), 1);
    EXPECT_NE(refused.output().find("ghost"), std::string::npos);
    Child no_server({HUBCHAT_CLIENT_BIN, "--host=127.0.0.1", "--port=1", "--name", "b", "--to", "x",
                     "--send", "x"},
                    false);
    EXPECT_EQ(no_server.wait_exit(), 1);
}

TEST(Scripting, ListenPrintsEachMessageAndPipedLinesAreSent) {
    ServerProcess server;
    const std::string host = "--host=" + server.host();
    const std::string port = "--port=" + std::to_string(server.port());
    Child listener({HUBCHAT_CLIENT_BIN, host, port, "--name", "ear", "--listen"}, false);
    Child json_listener({HUBCHAT_CLIENT_BIN, host, port, "--name", "ear2", "--listen", "--json"},
                        false);
    ChatSocket probe(server.host(), server.port());
    ASSERT_TRUE(probe.hello("probe"));
    // Both listeners are registered once the probe sees their names listed.
    for (int i = 0; i < 100; ++i) {
        probe.send_raw(R"({"type":"list"})"
                       "\n");
        auto list = probe.wait_type("list");
        if (list && text_of(*list, "users").find("ear2") != std::string::npos &&
            text_of(*list, "users").find("\"ear\"") != std::string::npos) {
            break;
        }
    }
    // stdin is a pipe here: a shell pipeline through /bin/sh.
    Child piper({"/bin/sh", "-c",
                 "printf 'first line\\nsecond line\\n' | " + std::string(HUBCHAT_CLIENT_BIN) + " " +
                     host + " " + port + " --name piper --to ear,ear2"},
                false);
    EXPECT_EQ(piper.wait_exit(), 0) << piper.output();
    EXPECT_TRUE(listener.wait_for("piper: first line\npiper: second line\n"));
    EXPECT_TRUE(json_listener.wait_for(R"("message":"second line")"));
}

}  // namespace
}  // namespace hubchat::test
