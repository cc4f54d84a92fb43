#include "client/commands.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

template <class T>
T as(const Action& a) {
    EXPECT_TRUE(std::holds_alternative<T>(a)) << "action index " << a.index();
    return std::holds_alternative<T>(a) ? std::get<T>(a) : T{};
}

template <class T>
bool is(const Action& a) {
    return std::holds_alternative<T>(a);
}

TEST(Commands, TheOriginalsWordsInAnyCase) {
    for (const char* q : {"q", "Q", "quit", "QuIt", "exit", "EXIT"}) {
        EXPECT_TRUE(is<action::Quit>(interpret(q))) << q;
    }
    EXPECT_TRUE(is<action::ListUsers>(interpret("l")));
    EXPECT_TRUE(is<action::ListUsers>(interpret("L")));
    EXPECT_TRUE(is<action::Help>(interpret("h")));
    EXPECT_TRUE(is<action::Help>(interpret("H")));
    EXPECT_TRUE(is<action::Empty>(interpret("")));
}

TEST(Commands, AnythingElseIsAMessageThatAsksForItsRecipient) {
    EXPECT_EQ(as<action::AskDest>(interpret("quit now")).text, "quit now");
    EXPECT_EQ(as<action::AskDest>(interpret(" q")).text, " q");  // not exactly Q
    // As in the original, a line of spaces is a message, sent as typed.
    EXPECT_EQ(as<action::AskDest>(interpret("   ")).text, "   ");
    EXPECT_EQ(as<action::AskDest>(interpret("héllo ✓")).text, "héllo ✓");
}

TEST(Commands, OneLineSends) {
    auto direct = as<action::Send>(interpret("@bob hello there"));
    EXPECT_EQ(direct.dest, "bob");
    EXPECT_EQ(direct.text, "hello there");
    auto several = as<action::Send>(interpret("@bob,carol  hi "));
    EXPECT_EQ(several.dest, "bob,carol");
    EXPECT_EQ(several.text, "hi ");  // the text as typed after the recipient
    EXPECT_EQ(as<action::Send>(interpret("@ALL hi")).dest, "ALL");
    auto room = as<action::Send>(interpret("#dev standup in 5"));
    EXPECT_EQ(room.dest, "#dev");
    EXPECT_EQ(room.text, "standup in 5");
    EXPECT_EQ(as<action::Send>(interpret("@bob\thi")).dest, "bob");
}

TEST(Commands, MalformedSendsAreExplainedNotSent) {
    EXPECT_TRUE(is<action::Problem>(interpret("@bob")));
    EXPECT_TRUE(is<action::Problem>(interpret("@bob   ")));
    EXPECT_TRUE(is<action::Problem>(interpret("@ hi")));
    EXPECT_TRUE(is<action::Problem>(interpret("@, hi")));
    EXPECT_TRUE(is<action::Problem>(interpret("#dev")));
}

TEST(Commands, SlashCommands) {
    EXPECT_EQ(as<action::Join>(interpret("/join #dev")).room, "#dev");
    EXPECT_EQ(as<action::Join>(interpret("/JOIN dev")).room, "#dev");
    EXPECT_EQ(as<action::Leave>(interpret("/leave #dev")).room, "#dev");
    EXPECT_EQ(as<action::Leave>(interpret("/part dev ")).room, "#dev");
    EXPECT_TRUE(is<action::Rooms>(interpret("/rooms")));
    EXPECT_EQ(as<action::Who>(interpret("/who")).room, "");
    EXPECT_EQ(as<action::Who>(interpret("/who #dev")).room, "#dev");
    EXPECT_EQ(as<action::Who>(interpret("/who dev")).room, "#dev");
    EXPECT_TRUE(is<action::Commands>(interpret("/help")));
    EXPECT_TRUE(is<action::Quit>(interpret("/quit")));
    EXPECT_TRUE(is<action::Problem>(interpret("/join")));
    EXPECT_TRUE(is<action::Problem>(interpret("/dance")));
}

TEST(Commands, AccountCommands) {
    EXPECT_TRUE(is<action::Register>(interpret("/register")));
    EXPECT_TRUE(is<action::Register>(interpret("/REGISTER ")));
    EXPECT_EQ(as<action::Login>(interpret("/login bob")).name, "bob");
    EXPECT_EQ(as<action::Login>(interpret("/Login   bob  ")).name, "bob");
    EXPECT_EQ(as<action::Problem>(interpret("/login")).text, "Which name? /login NAME");
}

TEST(Commands, BlankAnswers) {
    EXPECT_TRUE(is_blank(""));
    EXPECT_TRUE(is_blank("  \t"));
    EXPECT_FALSE(is_blank(" bob "));
}

TEST(Commands, TypedRecipientsAreTidied) {
    EXPECT_EQ(normalize_dest("bob"), "bob");
    EXPECT_EQ(normalize_dest("  bob "), "bob");
    EXPECT_EQ(normalize_dest("bob, carol"), "bob,carol");
    EXPECT_EQ(normalize_dest(" bob ,, carol ,"), "bob,carol");
    EXPECT_EQ(normalize_dest(" , "), "");
    EXPECT_EQ(normalize_dest("#dev"), "#dev");
}

}  // namespace
}  // namespace hubchat::client
