#include "client/render.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

using Lines = std::vector<std::string>;

TEST(Render, TheOriginalsFixedTexts) {
    EXPECT_EQ(kNamePrompt, "Your name> ");
    EXPECT_EQ(kSayPrompt, "You say  > ");
    EXPECT_EQ(kDestPrompt, "Dest name> ");
    const Lines banner = banner_lines("::1", 7100);
    ASSERT_EQ(banner.size(), 5u);
    EXPECT_EQ(banner[0], "Usage is:");
    EXPECT_EQ(banner[1], "hubchat [--machine-name:127.0.0.1] [--port:7002] [--verbose:true|false]");
    EXPECT_EQ(banner[2], "\twhere --machine-name: and --port: must match the server's settings.");
    EXPECT_EQ(banner[3], "");
    EXPECT_EQ(banner[4], "connecting to ::1 port 7100");
    EXPECT_EQ(banner_lines("chat.lan", 7002, true)[4], "connecting to chat.lan port 7002 over TLS");
    const Lines help = help_lines();
    ASSERT_GE(help.size(), 3u);
    EXPECT_EQ(help[0], "To exit, type Q, QUIT, or EXIT (lower or upper case)");
    EXPECT_EQ(help[1], "To get the list of connected clients, type L (lower or upper case)");
    EXPECT_EQ(help[2], "To see this message again, type H (lower or upper case)");
}

TEST(Render, ChatAsTheOriginalPrintedIt) {
    const ServerEvent direct = event::Chat{"alice", "bob", "Hello Bob"};
    EXPECT_EQ(lines_for_person(direct, false), Lines{"Message from alice: Hello Bob"});
    // Red, with the original's codes and the spaces inside them.
    EXPECT_EQ(lines_for_person(direct, true),
              Lines{"\033[031m Message from alice: Hello Bob \033[0m"});
    EXPECT_EQ(lines_for_person(event::Chat{"bob", "ALL", "Hi everyone"}, false),
              Lines{"Message from bob: Hi everyone"});
    EXPECT_EQ(lines_for_person(event::Chat{"alice", "bob,carol", "both"}, false),
              Lines{"Message from alice: both"});
}

TEST(Render, RoomMessagesSayTheRoom) {
    EXPECT_EQ(lines_for_person(event::Chat{"alice", "#dev", "hi"}, false),
              Lines{"Message from alice in #dev: hi"});
    EXPECT_EQ(listen_line({"alice", "#dev", "hi"}), "alice in #dev: hi");
    EXPECT_EQ(listen_line({"alice", "bob", "hi"}), "alice: hi");
}

TEST(Render, ListsAsTheOriginal) {
    EXPECT_EQ(lines_for_person(event::UserList{{"alice", "bob"}}, true),
              (Lines{"", "2 Client(s):", "- Client [alice]", "- Client [bob]"}));
    EXPECT_EQ(lines_for_person(event::UserList{{"alice"}}, false),
              (Lines{"", "1 Client(s):", "- Client [alice]"}));
    EXPECT_EQ(lines_for_person(event::Members{"#dev", {"alice", "bob"}}, false),
              (Lines{"2 Client(s) in #dev:", "- Client [alice]", "- Client [bob]"}));
    EXPECT_EQ(lines_for_person(event::RoomList{{{"ALL", 2}, {"#dev", 1}}}, false),
              (Lines{"2 Room(s):", "- Room [ALL] 2 member(s)", "- Room [#dev] 1 member(s)"}));
}

TEST(Render, JoinsLeavesErrorsAndShutdown) {
    EXPECT_EQ(lines_for_person(event::Joined{"#dev", "bob"}, false), Lines{"* bob joined #dev"});
    EXPECT_EQ(lines_for_person(event::Left{"#dev", "bob", "left"}, false),
              Lines{"* bob left #dev"});
    EXPECT_EQ(lines_for_person(event::Joined{"ALL", "bob"}, false), Lines{"* bob joined ALL"});
    EXPECT_EQ(lines_for_person(event::Left{"ALL", "bob", "quit"}, false),
              Lines{"* bob left ALL (quit)"});
    EXPECT_EQ(lines_for_person(event::Left{"ALL", "bob", "disconnected"}, false),
              Lines{"* bob left ALL (disconnected)"});
    EXPECT_EQ(lines_for_person(event::Error{"unknown_recipient", "No such user: zed", 1}, false),
              Lines{"Error: No such user: zed"});
    EXPECT_EQ(lines_for_person(event::Shutdown{"Server is shutting down"}, false),
              Lines{"Server: Server is shutting down"});
}

TEST(Render, RenamesAndTopicsAsJoinsAndLeavesAre) {
    EXPECT_EQ(lines_for_person(event::Renamed{"ivy", "ivy2"}, false),
              Lines{"* ivy is now known as ivy2"});
    EXPECT_EQ(lines_for_person(event::Topic{"#dev", "release friday", "ivy"}, false),
              Lines{"* topic of #dev set by ivy: release friday"});
    EXPECT_EQ(lines_for_person(event::Topic{"#dev", "", "ivy"}, false),
              Lines{"* topic of #dev cleared by ivy"});
    // Network text cannot move the cursor or colour the screen.
    EXPECT_EQ(lines_for_person(event::Topic{"#dev", "\033[2Jgone", "ivy"}, true),
              Lines{"* topic of #dev set by ivy: ^[[2Jgone"});
}

TEST(Render, RepliesWithNothingToShow) {
    EXPECT_TRUE(lines_for_person(event::Welcome{"alice", "hubchat"}, false).empty());
    EXPECT_TRUE(lines_for_person(event::Ack{1, {}}, false).empty());
    EXPECT_TRUE(lines_for_person(event::Pong{1}, false).empty());
    EXPECT_TRUE(lines_for_person(event::Unknown{"typing"}, false).empty());
}

TEST(Render, TextFromTheNetworkCannotDriveTheTerminal) {
    EXPECT_EQ(printable("plain é ✓\ttab"), "plain é ✓\ttab");
    EXPECT_EQ(printable("two\nlines\r"), "two^Jlines^M");
    EXPECT_EQ(printable("\033[2Jwiped"), "^[[2Jwiped");
    EXPECT_EQ(printable("del\x7f"), "del^?");
    EXPECT_EQ(printable("c1 \xc2\x9b"
                        "31m"),
              "c1 ?31m");  // U+009B, a one-byte CSI
    EXPECT_EQ(lines_for_person(event::Chat{"eve\033]0;x\a", "bob", "a\nb"}, false),
              Lines{"Message from eve^[]0;x^G: a^Jb"});
    EXPECT_EQ(listen_line({"eve", "bob", "a\nb"}), "eve: a^Jb");
}

}  // namespace
}  // namespace hubchat::client
