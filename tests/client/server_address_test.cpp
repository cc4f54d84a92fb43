#include "client/server_address.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

ServerAddress parsed(std::string_view text) {
    std::string error;
    auto address = parse_server_address(text, error);
    EXPECT_TRUE(address) << text << ": " << error;
    return address.value_or(ServerAddress{});
}

std::string problem(std::string_view text) {
    std::string error;
    EXPECT_FALSE(parse_server_address(text, error)) << text;
    return error;
}

TEST(ServerAddress, ABareHostIsTakenAsTheOriginalTookIt) {
    for (const char* host : {"127.0.0.1", "chat.lan", "::1", "fe80::1%eth0"}) {
        const auto address = parsed(host);
        EXPECT_EQ(address.host, host);
        EXPECT_FALSE(address.port);
        EXPECT_FALSE(address.tls);
    }
}

TEST(ServerAddress, TheSchemeSaysWhetherToEncrypt) {
    const auto secure = parsed("hubchats://chat.lan:7100");
    EXPECT_EQ(secure.host, "chat.lan");
    EXPECT_EQ(secure.port, 7100);
    EXPECT_EQ(secure.tls, true);
    const auto plain = parsed("hubchat://10.0.0.2:7002");
    EXPECT_EQ(plain.host, "10.0.0.2");
    EXPECT_EQ(plain.port, 7002);
    EXPECT_EQ(plain.tls, false);
    EXPECT_EQ(parsed("HUBCHATS://chat.lan").tls, true);  // schemes have no case
}

TEST(ServerAddress, ThePortMayBeLeftOut) {
    const auto address = parsed("hubchats://chat.lan");
    EXPECT_EQ(address.host, "chat.lan");
    EXPECT_FALSE(address.port);
    EXPECT_EQ(parsed("hubchats://chat.lan/").host, "chat.lan");
}

TEST(ServerAddress, IPv6GoesInBrackets) {
    const auto address = parsed("hubchats://[::1]:7003");
    EXPECT_EQ(address.host, "::1");
    EXPECT_EQ(address.port, 7003);
    EXPECT_EQ(parsed("hubchat://[fe80::2]").host, "fe80::2");
    EXPECT_NE(problem("hubchats://::1:7002").find("hubchats://[::1:7002]"), std::string::npos);
}

TEST(ServerAddress, MalformedAddressesSayWhatIsWrong) {
    EXPECT_NE(problem("https://chat.lan").find("unknown scheme https://"), std::string::npos);
    EXPECT_NE(problem("hubchats://chat.lan:0").find("1 to 65535"), std::string::npos);
    EXPECT_NE(problem("hubchats://chat.lan:70000").find("1 to 65535"), std::string::npos);
    EXPECT_NE(problem("hubchats://chat.lan:x").find("1 to 65535"), std::string::npos);
    EXPECT_NE(problem("hubchats://chat.lan:").find("1 to 65535"), std::string::npos);
    EXPECT_NE(problem("hubchats://:7002").find("no host"), std::string::npos);
    EXPECT_NE(problem("hubchats://").find("no host"), std::string::npos);
    EXPECT_NE(problem("hubchats://[::1").find("no ]"), std::string::npos);
    EXPECT_NE(problem("hubchats://[::1]7002").find("only :PORT"), std::string::npos);
    EXPECT_NE(problem("hubchats://chat.lan/room").find("more than a host"), std::string::npos);
    EXPECT_NE(problem("hubchats://me@chat.lan").find("more than a host"), std::string::npos);
    EXPECT_FALSE(problem("").empty());
}

TEST(ServerAddress, HostPortTextIsTheKeyOfKnownServers) {
    EXPECT_EQ(host_port_text("Chat.LAN", 7002), "chat.lan:7002");
    EXPECT_EQ(host_port_text("127.0.0.1", 7100), "127.0.0.1:7100");
    EXPECT_EQ(host_port_text("::1", 7002), "[::1]:7002");
}

}  // namespace
}  // namespace hubchat::client
