#include "proto/sniff.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hubchat::proto {
namespace {

std::string bytes(std::initializer_list<unsigned char> list) {
    return std::string(list.begin(), list.end());
}

TEST(Sniff, JsonStartsWithABrace) {
    EXPECT_EQ(sniff("{"), Protocol::Json);
    EXPECT_EQ(sniff(R"({"user": "alice", "request": "ClientList"})"), Protocol::Json);
    EXPECT_EQ(sniff(" \r\n\t{\"user\""), Protocol::Json);
    EXPECT_EQ(sniff("\n\n{"), Protocol::Json);
}

TEST(Sniff, Tls) {
    EXPECT_EQ(sniff(bytes({0x16, 0x03})), Protocol::Tls);
    EXPECT_EQ(sniff(bytes({0x16, 0x03, 0x01, 0x02, 0x00})), Protocol::Tls);
    EXPECT_EQ(sniff(bytes({0x16})), Protocol::NeedMore);
    EXPECT_EQ(sniff(bytes({0x16, 0x04})), Protocol::Json);  // not a TLS record
}

TEST(Sniff, Http) {
    EXPECT_EQ(sniff("GET / HTTP/1.1\r\n"), Protocol::Http);
    EXPECT_EQ(sniff("GET /"), Protocol::Http);
    EXPECT_EQ(sniff("POST "), Protocol::Http);
    EXPECT_EQ(sniff("POST /x"), Protocol::Http);
    EXPECT_EQ(sniff("HEAD / "), Protocol::Http);
    EXPECT_EQ(sniff("PUT /a"), Protocol::Http);
    EXPECT_EQ(sniff("DELETE /a"), Protocol::Http);
    EXPECT_EQ(sniff("OPTIONS * HTTP/1.1"), Protocol::Http);
    EXPECT_EQ(sniff("get / HTTP/1.1"), Protocol::Json);  // methods are case-sensitive
}

TEST(Sniff, Irc) {
    EXPECT_EQ(sniff("NICK x"), Protocol::Irc);
    EXPECT_EQ(sniff("NICK alice\r\nUSER alice 0 * :Alice\r\n"), Protocol::Irc);
    EXPECT_EQ(sniff("nick alice"), Protocol::Irc);  // commands are case-insensitive
    EXPECT_EQ(sniff("Nick alice"), Protocol::Irc);
    EXPECT_EQ(sniff("CAP LS 302"), Protocol::Irc);
    EXPECT_EQ(sniff("CAP LS\r\n"), Protocol::Irc);
    EXPECT_EQ(sniff("CAP\r\n"), Protocol::Irc);
    EXPECT_EQ(sniff("CAP\n"), Protocol::Irc);
    EXPECT_EQ(sniff("PASS "), Protocol::Irc);
    EXPECT_EQ(sniff("PASS secret\r\n"), Protocol::Irc);
    EXPECT_EQ(sniff("USER a 0 * :A"), Protocol::Irc);
}

TEST(Sniff, WaitsWhileThePrefixIsAmbiguous) {
    EXPECT_EQ(sniff(""), Protocol::NeedMore);
    EXPECT_EQ(sniff("   "), Protocol::NeedMore);
    EXPECT_EQ(sniff("\r\n"), Protocol::NeedMore);
    EXPECT_EQ(sniff("P"), Protocol::NeedMore);  // PASS, POST or PUT
    EXPECT_EQ(sniff("PA"), Protocol::NeedMore);
    EXPECT_EQ(sniff("PO"), Protocol::NeedMore);
    EXPECT_EQ(sniff("GE"), Protocol::NeedMore);
    EXPECT_EQ(sniff("GET"), Protocol::NeedMore);
    EXPECT_EQ(sniff("CAP"), Protocol::NeedMore);
    EXPECT_EQ(sniff("n"), Protocol::NeedMore);
    EXPECT_EQ(sniff("OPTIONS"), Protocol::NeedMore);
    // "PASS" alone may still become "PASS secret": never JSON or HTTP.
    const auto pass = sniff("PASS");
    EXPECT_TRUE(pass == Protocol::NeedMore || pass == Protocol::Irc) << protocol_name(pass);
}

TEST(Sniff, AnythingElseGoesToTheJsonAdapterForAClearError) {
    EXPECT_EQ(sniff("hello"), Protocol::Json);
    EXPECT_EQ(sniff("x"), Protocol::Json);
    EXPECT_EQ(sniff("GET/"), Protocol::Json);
    EXPECT_EQ(sniff("GETTINGS"), Protocol::Json);  // no IRC command is that long
    EXPECT_EQ(sniff("NICKNAME"), Protocol::Json);
    EXPECT_EQ(sniff("[1,2]"), Protocol::Json);
    EXPECT_EQ(sniff("\"str\""), Protocol::Json);
    EXPECT_EQ(sniff(bytes({0x00, 0x01, 0x02})), Protocol::Json);
    EXPECT_EQ(sniff(bytes({0xff, 0xfe})), Protocol::Json);
}

TEST(Sniff, AnyUppercaseCommandOrTaggedLineIsIrc) {
    EXPECT_EQ(sniff("PING x\r\n"), Protocol::Irc);
    EXPECT_EQ(sniff("PRIVMSG "), Protocol::Irc);
    EXPECT_EQ(sniff("QUIT\r\n"), Protocol::Irc);
    EXPECT_EQ(sniff("@time=1 PING x"), Protocol::Irc);
    EXPECT_EQ(sniff(":src PING x"), Protocol::Irc);
    EXPECT_EQ(sniff("PRIVMSG"), Protocol::NeedMore);  // a space may follow
    EXPECT_EQ(sniff("PI"), Protocol::NeedMore);       // may become PING
    EXPECT_EQ(sniff("PI x"), Protocol::Json);         // two letters are no IRC command
    EXPECT_EQ(sniff("Ping x"), Protocol::Json);       // clients send commands in capitals
}

TEST(Sniff, DecidesWithinTheAdvertisedPrefixLength) {
    // Whatever the input, kSniffBytes non-blank bytes are enough to decide.
    for (const char* text :
         {"PPPPPPPPPP", "OPTIONSX", "CAPCAPCAP", "GETGETGET", "USERUSER", "DELETEDX", "nicknick"}) {
        const std::string prefix = std::string(text).substr(0, kSniffBytes);
        EXPECT_NE(sniff(prefix), Protocol::NeedMore) << prefix;
    }
}

TEST(Sniff, ProtocolNames) {
    EXPECT_STREQ(protocol_name(Protocol::Json), "json");
    EXPECT_STREQ(protocol_name(Protocol::Tls), "tls");
    EXPECT_STREQ(protocol_name(Protocol::Http), "http");
    EXPECT_STREQ(protocol_name(Protocol::Irc), "irc");
    EXPECT_STREQ(protocol_name(Protocol::NeedMore), "undecided");
}

}  // namespace
}  // namespace hubchat::proto
