#include "client/options.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

ParsedClientOptions parse(std::vector<const char*> args) {
    args.insert(args.begin(), "hubchat");
    return parse_client_options(static_cast<int>(args.size()), args.data());
}

TEST(ClientOptions, BothSyntaxesAndDefaults) {
    auto defaults = parse({});
    EXPECT_FALSE(defaults.exit_code);
    EXPECT_EQ(defaults.options.host, "127.0.0.1");
    EXPECT_EQ(defaults.options.port, 7002);
    auto seed = parse({"--machine-name:10.0.0.2", "--port:7100", "--verbose:true"});
    EXPECT_EQ(seed.options.host, "10.0.0.2");
    EXPECT_EQ(seed.options.port, 7100);
    EXPECT_TRUE(seed.options.verbose);
    auto modern = parse({"--host", "::1", "--port", "7101", "-v", "--port:7102"});
    EXPECT_EQ(modern.options.host, "::1");
    EXPECT_EQ(modern.options.port, 7102);  // the last one wins, as in the original
}

TEST(ClientOptions, ScriptingModesNeedTheirCompanions) {
    auto send = parse({"--name", "bot", "--to", "bob", "--send", "hi"});
    EXPECT_FALSE(send.exit_code);
    EXPECT_TRUE(send.options.has_send);
    EXPECT_EQ(parse({"--send", "hi"}).exit_code, 2);
    EXPECT_EQ(parse({"--listen"}).exit_code, 2);
    EXPECT_EQ(parse({"--port:x"}).exit_code, 2);
    EXPECT_EQ(parse({"--port", "99999"}).exit_code, 2);
}

}  // namespace
}  // namespace hubchat::client
