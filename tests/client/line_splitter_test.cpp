#include "client/line_splitter.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

using Lines = std::vector<std::string>;

TEST(LineSplitter, LinesAcrossReads) {
    LineSplitter lines;
    EXPECT_EQ(lines.feed("ali"), Lines{});
    EXPECT_EQ(lines.feed("ce\nhello\n\nbo"), (Lines{"alice", "hello", ""}));
    EXPECT_EQ(lines.feed("b\r\n"), Lines{"bob"});  // CRLF too
    EXPECT_FALSE(lines.finish());
}

TEST(LineSplitter, ALastLineWithoutNewline) {
    LineSplitter lines;
    EXPECT_EQ(lines.feed("q\nbye"), Lines{"q"});
    EXPECT_EQ(lines.finish(), "bye");
    EXPECT_FALSE(lines.finish());
}

}  // namespace
}  // namespace hubchat::client
