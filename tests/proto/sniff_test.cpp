#include "proto/sniff.hpp"

#include <gtest/gtest.h>

namespace hubchat::proto {
namespace {

TEST(Sniff, TellsProtocolsByTheirFirstBytes) {
    EXPECT_EQ(sniff("{"), Protocol::Json);
    EXPECT_EQ(sniff(" \r\n{\"user\""), Protocol::Json);
    EXPECT_EQ(sniff(std::string("\x16\x03\x01", 3)), Protocol::Tls);
    EXPECT_EQ(sniff("GET / HTTP/1.1"), Protocol::Http);
    EXPECT_EQ(sniff("POST /x"), Protocol::Http);
    EXPECT_EQ(sniff("NICK alice"), Protocol::Irc);
    EXPECT_EQ(sniff("nick alice"), Protocol::Irc);
    EXPECT_EQ(sniff("CAP LS 302"), Protocol::Irc);
    EXPECT_EQ(sniff("PASS secret"), Protocol::Irc);
    EXPECT_EQ(sniff("USER a 0 * :A"), Protocol::Irc);
}

TEST(Sniff, WaitsWhenThePrefixIsAmbiguous) {
    EXPECT_EQ(sniff(""), Protocol::NeedMore);
    EXPECT_EQ(sniff("   "), Protocol::NeedMore);
    EXPECT_EQ(sniff("P"), Protocol::NeedMore);  // PASS or POST
    EXPECT_EQ(sniff("GE"), Protocol::NeedMore);
    EXPECT_EQ(sniff(std::string("\x16", 1)), Protocol::NeedMore);
}

TEST(Sniff, AnythingElseGoesToTheJsonAdapterForAClearError) {
    EXPECT_EQ(sniff("hello"), Protocol::Json);
    EXPECT_EQ(sniff("GET/"), Protocol::Json);
    EXPECT_EQ(sniff("[1,2]"), Protocol::Json);
}

}  // namespace
}  // namespace hubchat::proto
