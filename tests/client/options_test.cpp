#include "client/options.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

TEST(Options, Defaults) {
    const auto parsed = parse_options(std::vector<std::string>{});
    EXPECT_FALSE(parsed.exit_code);
    EXPECT_EQ(parsed.options.host, "127.0.0.1");
    EXPECT_EQ(parsed.options.port, 7002);
    EXPECT_FALSE(parsed.options.verbose);
    EXPECT_FALSE(parsed.options.send);
    EXPECT_FALSE(parsed.options.listen);
}

TEST(Options, TheOriginalsForms) {
    const auto parsed = parse_options({"--machine-name:10.0.0.2", "--port:7100", "--verbose:true"});
    EXPECT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.host, "10.0.0.2");
    EXPECT_EQ(parsed.options.port, 7100);
    EXPECT_TRUE(parsed.options.verbose);
    // As the original reads it: only "true", in any case, turns verbose on.
    EXPECT_TRUE(parse_options({"--verbose:TRUE"}).options.verbose);
    EXPECT_FALSE(parse_options({"--verbose:false"}).options.verbose);
    EXPECT_FALSE(parse_options({"--verbose:yes"}).options.verbose);
    EXPECT_EQ(parse_options({"--machine-name:::1"}).options.host, "::1");
}

TEST(Options, TheConventionalForms) {
    const auto parsed = parse_options({"--host", "::1", "--port", "7100", "-v"});
    EXPECT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.host, "::1");
    EXPECT_EQ(parsed.options.port, 7100);
    EXPECT_TRUE(parsed.options.verbose);
    EXPECT_EQ(parse_options({"--machine-name", "chat.example"}).options.host, "chat.example");
    EXPECT_EQ(parse_options({"--port=7003"}).options.port, 7003);
    EXPECT_TRUE(parse_options({"--verbose"}).options.verbose);
}

TEST(Options, TheLastOfARepeatedOptionWins) {
    const auto parsed =
        parse_options({"--port:7100", "--port", "7200", "--host=a", "--machine-name:b"});
    EXPECT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.port, 7200);
    EXPECT_EQ(parsed.options.host, "b");
}

TEST(Options, BadValuesAreOneLineAndExitCodeTwo) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--port:abc"},
                                                 {"--port", "70000"},
                                                 {"--port", "0"},
                                                 {"--port"},
                                                 {"--bogus"},
                                                 {"stray"},
                                                 {"--json"}}) {
        const auto parsed = parse_options(args);
        ASSERT_TRUE(parsed.exit_code) << args[0];
        EXPECT_EQ(*parsed.exit_code, 2) << args[0];
        EXPECT_TRUE(parsed.out.empty());
        ASSERT_FALSE(parsed.err.empty());
        EXPECT_EQ(parsed.err.find('\n'), parsed.err.size() - 1) << parsed.err;  // one line
        EXPECT_EQ(parsed.err.rfind("hubchat: ", 0), 0u) << parsed.err;
    }
}

TEST(Options, HelpAndVersion) {
    const auto help = parse_options({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--machine-name"), std::string::npos);
    EXPECT_NE(help.out.find("--send"), std::string::npos);
    const auto version = parse_options({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.out, "hubchat " HUBCHAT_VERSION "\n");
}

TEST(Options, ScriptingModes) {
    const auto send = parse_options({"--name", "bot", "--to", "bob,carol", "--send", "hi there"});
    EXPECT_FALSE(send.exit_code) << send.err;
    EXPECT_EQ(send.options.name, "bot");
    EXPECT_EQ(send.options.to, "bob,carol");
    EXPECT_EQ(send.options.send, "hi there");
    const auto empty_text = parse_options({"--name", "bot", "--to", "bob", "--send", ""});
    EXPECT_EQ(empty_text.options.send, "");  // present, even if the server will refuse it
    const auto listen = parse_options({"--name", "ear", "--listen", "--json"});
    EXPECT_FALSE(listen.exit_code) << listen.err;
    EXPECT_TRUE(listen.options.listen);
    EXPECT_TRUE(listen.options.json);
    EXPECT_EQ(parse_options({"--to", "bob", "--send", "x"}).exit_code, 2);  // no name
    EXPECT_EQ(parse_options({"--name", "a", "--send", "x"}).exit_code, 2);  // no recipient
    EXPECT_EQ(parse_options({"--listen"}).exit_code, 2);                    // no name
    EXPECT_EQ(parse_options({"--name", "a", "--to", "b", "--send", "x", "--listen"}).exit_code, 2);
}

}  // namespace
}  // namespace hubchat::client
