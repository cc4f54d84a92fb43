#include "client/commands.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

template <class T>
T as(const Action& a) {
    EXPECT_TRUE(std::holds_alternative<T>(a));
    return std::holds_alternative<T>(a) ? std::get<T>(a) : T{};
}

TEST(Commands, TheOriginalsWordsInAnyCase) {
    for (const char* q : {"q", "Q", "quit", "QuIt", "exit", "EXIT"}) {
        EXPECT_TRUE(std::holds_alternative<action::Quit>(interpret(q))) << q;
    }
    EXPECT_TRUE(std::holds_alternative<action::ListUsers>(interpret("l")));
    EXPECT_TRUE(std::holds_alternative<action::ListUsers>(interpret("L")));
    EXPECT_TRUE(std::holds_alternative<action::Help>(interpret("h")));
    EXPECT_TRUE(std::holds_alternative<action::Empty>(interpret("")));
    // Not exactly a command word: a message, which asks for its recipient.
    EXPECT_EQ(as<action::AskDest>(interpret("quit now")).text, "quit now");
    EXPECT_EQ(as<action::AskDest>(interpret("   ")).text, "   ");  // spaces are a message
}

TEST(Commands, OneLineSends) {
    auto s = as<action::Send>(interpret("@bob hello there"));
    EXPECT_EQ(s.dest, "bob");
    EXPECT_EQ(s.text, "hello there");
    EXPECT_EQ(as<action::Send>(interpret("@bob,carol  hi")).dest, "bob,carol");
    EXPECT_EQ(as<action::Send>(interpret("@bob,carol  hi")).text, "hi");
    EXPECT_EQ(as<action::Send>(interpret("@ALL hi")).dest, "ALL");
    auto room = as<action::Send>(interpret("#dev standup in 5"));
    EXPECT_EQ(room.dest, "#dev");
    EXPECT_EQ(room.text, "standup in 5");
    EXPECT_TRUE(std::holds_alternative<action::Problem>(interpret("@bob")));
    EXPECT_TRUE(std::holds_alternative<action::Problem>(interpret("@ hi")));
}

TEST(Commands, SlashCommands) {
    EXPECT_EQ(as<action::Join>(interpret("/join #dev")).room, "#dev");
    EXPECT_EQ(as<action::Join>(interpret("/JOIN dev")).room, "#dev");
    EXPECT_EQ(as<action::Leave>(interpret("/leave #dev")).room, "#dev");
    EXPECT_TRUE(std::holds_alternative<action::Rooms>(interpret("/rooms")));
    EXPECT_EQ(as<action::Who>(interpret("/who")).room, "");
    EXPECT_EQ(as<action::Who>(interpret("/who #dev")).room, "#dev");
    EXPECT_TRUE(std::holds_alternative<action::Quit>(interpret("/quit")));
    EXPECT_TRUE(std::holds_alternative<action::Problem>(interpret("/join")));
    EXPECT_TRUE(std::holds_alternative<action::Problem>(interpret("/dance")));
}

TEST(Commands, BlankDestinations) {
    EXPECT_TRUE(is_blank(""));
    EXPECT_TRUE(is_blank("  \t"));
    EXPECT_FALSE(is_blank(" bob "));
}

}  // namespace
}  // namespace hubchat::client
