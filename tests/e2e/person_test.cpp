// hubchat as a person uses it: typed keys in a pseudo-terminal, the screen read back.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "person.hpp"

namespace hubchat::e2e {
namespace {

using Lines = std::vector<std::string>;

bool has_line(const Lines& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

TEST(PersonAtATerminal, SeesTheOriginalBannerPromptsAndAnswers) {
    Server server;
    ASSERT_TRUE(server.started()) << server.output();
    Person alice(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    const Lines screen = alice.screen().lines();
    const Lines expected{
        "Usage is:",
        "hubchat [--machine-name:127.0.0.1] [--port:7002] [--verbose:true|false]",
        "        where --machine-name: and --port: must match the server's settings.",
        "",
        "connecting to 127.0.0.1 port " + std::to_string(server.port()),
        "...Connected",
        "To exit, type Q, QUIT, or EXIT (lower or upper case)",
        "To get the list of connected clients, type L (lower or upper case)",
        "To see this message again, type H (lower or upper case)",
    };
    ASSERT_GE(screen.size(), expected.size());
    EXPECT_EQ(Lines(screen.begin(), screen.begin() + expected.size()), expected);
    EXPECT_TRUE(has_line(screen, "Your name> alice")) << screen.size();

    alice.enters("");
    EXPECT_TRUE(alice.sees("No empty message please."));
    alice.enters("h");
    EXPECT_TRUE(alice.sees("To see this message again, type H (lower or upper case)"));
    alice.enters("Q");
    EXPECT_TRUE(alice.sees("closing socket"));
    EXPECT_EQ(alice.process().wait_exit(), 0);
}

TEST(PersonAtATerminal, ListsAsksForTheRecipientAndSendsAsTheOriginal) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server);
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    alice.enters("L");
    ASSERT_TRUE(alice.sees("2 Client(s):"));
    EXPECT_TRUE(alice.sees("- Client [alice]"));
    EXPECT_TRUE(alice.sees("- Client [bob]"));

    alice.enters("Hello Bob");
    ASSERT_TRUE(alice.sees("Dest name> "));
    alice.enters("   ");
    EXPECT_TRUE(alice.sees("No empty name please."));
    EXPECT_TRUE(alice.sees("Dest name> "));
    alice.enters("bob");
    // Red on a terminal, exactly as the original printed it.
    EXPECT_TRUE(bob.sees("\033[031m Message from alice: Hello Bob \033[0m"));

    bob.enters("@ALL Hi everyone");
    EXPECT_TRUE(alice.sees("Message from bob: Hi everyone"));
    EXPECT_TRUE(bob.sees("Message from bob: Hi everyone"));  // ALL includes the sender
    bob.enters("@alice,bob both of us");
    EXPECT_TRUE(alice.sees("Message from bob: both of us"));
    bob.enters("@nobody hello?");
    EXPECT_TRUE(bob.sees("Error: "));
    EXPECT_TRUE(bob.sees("nobody"));
}

TEST(PersonAtATerminal, IncomingMessagesDoNotGarbleTheLineBeingTyped) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server);
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    ASSERT_TRUE(alice.sees("* bob joined ALL"));

    bob.types("half of my sent");  // not finished yet
    ASSERT_TRUE(bob.cursor_line_becomes("You say  > half of my sent"));
    alice.enters("@bob interrupting!");
    ASSERT_TRUE(bob.sees("interrupting!"));
    // The message sits on a line of its own above the prompt, which is redrawn with the
    // half-typed text and the cursor at its end.
    ASSERT_TRUE(bob.cursor_line_becomes("You say  > half of my sent"));
    Screen screen = bob.screen();
    Lines lines = screen.lines();
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(lines[lines.size() - 2], " Message from alice: interrupting!");
    EXPECT_EQ(lines.back(), "You say  > half of my sent");
    EXPECT_EQ(screen.cursor_column(), static_cast<int>(lines.back().size()));

    // Finishing the line sends it whole.
    bob.types("ence\r");
    ASSERT_TRUE(bob.sees("Dest name> "));
    bob.enters("alice");
    // Typed ahead, likely while the line before is still being handled: shown once, on
    // the next prompt's line, not echoed ahead of it.
    bob.types("hello world");
    EXPECT_TRUE(alice.sees("Message from bob: half of my sentence"));

    // The cursor stays where it was, here in the middle of the line.
    // Each arrow key in a write of its own, as a terminal sends it: on a loaded machine a
    // sequence split across reads is what a person could never type.
    ASSERT_TRUE(bob.cursor_line_becomes("You say  > hello world"));
    for (int i = 0; i < 5; ++i) bob.types("\033[D");
    alice.enters("@bob again");
    ASSERT_TRUE(bob.sees("again"));
    ASSERT_TRUE(bob.cursor_line_becomes("You say  > hello world"));
    bob.types("big ");
    EXPECT_TRUE(bob.cursor_line_becomes("You say  > hello big world"));
}

TEST(PersonAtATerminal, ATakenNameIsAskedAgain) {
    Server server;
    ASSERT_TRUE(server.started());
    Person first(server);
    ASSERT_TRUE(first.registers_as("tintin"));
    Person second(server);
    ASSERT_TRUE(second.sees("Your name> "));
    second.enters("TINTIN");  // names are the same whatever the case
    EXPECT_TRUE(second.sees("Error: "));
    EXPECT_TRUE(second.sees("taken"));
    EXPECT_TRUE(second.registers_as("haddock"));
    second.enters("l");
    EXPECT_TRUE(second.sees("- Client [haddock]"));
}

TEST(PersonAtATerminal, RoomsAndOneLineCommands) {
    Server server;
    ASSERT_TRUE(server.started());
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
    EXPECT_TRUE(alice.sees("2 Client(s) in #moulinsart:"));
    alice.enters("/rooms");
    EXPECT_TRUE(alice.sees("- Room [#moulinsart] 2 member(s)"));
    bob.enters("/leave #moulinsart");
    EXPECT_TRUE(alice.sees("* bob left #moulinsart"));
    bob.enters("#moulinsart still here?");
    EXPECT_TRUE(bob.sees("Error: "));
    bob.enters("/help");
    EXPECT_TRUE(bob.sees("/join #room"));
}

TEST(PersonAtATerminal, NoColourWhenNoColorIsSet) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server, {}, {"NO_COLOR=1"});
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    bob.enters("@alice plain");
    ASSERT_TRUE(alice.sees("Message from bob: plain"));
    EXPECT_EQ(alice.process().out().find("\033[031m"), std::string::npos);
}

TEST(PersonAtATerminal, AServerRestartIsAnnouncedOnceThenTheClientIsBackInItsRoom) {
    auto server = std::make_unique<Server>();
    ASSERT_TRUE(server->started());
    const auto port = server->port();
    Person alice(*server);
    ASSERT_TRUE(alice.registers_as("alice"));
    alice.enters("/join #keep");
    ASSERT_TRUE(alice.sees("* alice joined #keep"));

    server->stop();
    ASSERT_TRUE(alice.sees("Connection to the server lost"));
    server = std::make_unique<Server>("127.0.0.1", port);
    ASSERT_TRUE(server->started()) << server->output();
    ASSERT_TRUE(alice.sees("Reconnected to the server as alice."));
    // Said once, not in a loop.
    EXPECT_EQ(count_of(alice.process().out(), "Connection to the server lost"), 1u);

    Person bob(*server);
    ASSERT_TRUE(bob.registers_as("bob"));
    bob.enters("/who #keep");
    EXPECT_TRUE(bob.sees("1 Client(s) in #keep:"));
    EXPECT_TRUE(bob.sees("- Client [alice]"));
    bob.enters("#keep welcome back");
    EXPECT_TRUE(bob.sees("Error: "));  // bob is not in #keep: refused
    bob.enters("@alice welcome back");
    EXPECT_TRUE(alice.sees("Message from bob: welcome back"));
    alice.enters("q");
    EXPECT_EQ(alice.process().wait_exit(), 0);
}

TEST(PersonAtATerminal, CtrlDQuitsCleanly) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    alice.types("\x04");
    EXPECT_TRUE(alice.sees("closing socket"));
    EXPECT_EQ(alice.process().wait_exit(), 0);
}

TEST(PersonAtATerminal, CtrlCQuitsCleanlyAndLeavesTheTerminalTidy) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server);
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    alice.types("half typed");
    ASSERT_TRUE(alice.cursor_line_becomes("You say  > half typed"));
    alice.types("\x03");  // the terminal turns it into SIGINT
    EXPECT_TRUE(alice.sees("closing socket"));
    EXPECT_EQ(alice.process().wait_exit(), 0);
    const Lines lines = alice.screen().lines();
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), "closing socket");  // no traceback, no half-drawn prompt
    // The others see it leave, as a quit.
    EXPECT_TRUE(bob.sees("* alice left ALL (quit)"));
}

TEST(PersonAtATerminal, SigtermQuitsCleanlyToo) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    alice.process().signal(SIGTERM);
    EXPECT_TRUE(alice.sees("closing socket"));
    EXPECT_EQ(alice.process().wait_exit(), 0);
}

TEST(PersonAtATerminal, OverIpv6) {
    Server server("::1");
    if (!server.started()) GTEST_SKIP() << "no IPv6 loopback here: " << server.output();
    Person alice(server);
    EXPECT_TRUE(alice.sees("connecting to ::1 port " + std::to_string(server.port())));
    ASSERT_TRUE(alice.registers_as("alice"));
    alice.enters("@ALL to everyone");
    EXPECT_TRUE(alice.sees("Message from alice: to everyone"));
}

}  // namespace
}  // namespace hubchat::e2e
