// The screen model the terminal tests rely on.
#include "screen.hpp"

#include <gtest/gtest.h>

namespace hubchat::e2e {
namespace {

using Lines = std::vector<std::string>;

TEST(Screen, TextLinesAndOverwriting) {
    Screen screen(5, 20);
    screen.feed("hello\r\nworld\rW");
    EXPECT_EQ(screen.lines(), (Lines{"hello", "World"}));
    EXPECT_EQ(screen.cursor_line(), "World");
    EXPECT_EQ(screen.cursor_column(), 1);
}

TEST(Screen, EraseAndCursorMoves) {
    Screen screen(5, 20);
    screen.feed("You say  > abc\r\033[Kmsg\r\n");
    EXPECT_EQ(screen.lines(), Lines{"msg"});
    screen.feed("abcdef\033[3D\033[KX\b\bY");
    EXPECT_EQ(screen.cursor_line(), "abYX");
    screen.feed("\033[1;5HZ\033[A");
    EXPECT_EQ(screen.lines()[0], "msg Z");
}

TEST(Screen, ColoursAreInvisibleAndUtf8IsOneCell) {
    Screen screen(5, 20);
    screen.feed("\033[031m red \033[0m é✓!");
    EXPECT_EQ(screen.cursor_line(), " red  é✓!");
    EXPECT_EQ(screen.cursor_column(), 9);
}

TEST(Screen, WrapsAtTheLastColumnAndScrolls) {
    Screen screen(2, 4);
    screen.feed("abcd");
    EXPECT_EQ(screen.lines(), Lines{"abcd"});  // the wrap waits for the next character
    screen.feed("ef\r\ngh");
    EXPECT_EQ(screen.lines(), (Lines{"abcd", "ef", "gh"}));
}

}  // namespace
}  // namespace hubchat::e2e
