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

TEST(Options, PasswordFilesAreTakenAsPathsAndReadLater) {
    const auto parsed = parse_options(
        {"--name", "bot", "--password-file", "/no/such/file", "--server-password-file=hub.pw"});
    EXPECT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.password_file, "/no/such/file");
    EXPECT_EQ(parsed.options.server_password_file, "hub.pw");
    EXPECT_FALSE(parse_options(std::vector<std::string>{}).options.password_file);
}

TEST(Options, SignUpTakesItsPasswordFromTheFile) {
    const auto parsed =
        parse_options({"--name", "dora", "--listen", "--sign-up", "--password-file", "pw"});
    EXPECT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_TRUE(parsed.options.sign_up);
    EXPECT_FALSE(parse_options({"--password-file", "pw"}).options.sign_up);

    // Nothing to sign up with: a password typed at a terminal is asked when the server
    // needs one, and a script has no other way to give it.
    const auto alone = parse_options({"--name", "dora", "--sign-up"});
    EXPECT_EQ(alone.exit_code, 2);
    EXPECT_NE(alone.err.find("--sign-up requires --password-file"), std::string::npos) << alone.err;
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

constexpr const char* kFingerprint =
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
    "99";

TEST(Options, TlsIsOffUnlessAsked) {
    EXPECT_FALSE(parse_options(std::vector<std::string>{}).options.tls);
    const auto parsed = parse_options({"--tls"});
    EXPECT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_TRUE(parsed.options.tls);
    EXPECT_FALSE(parsed.options.tls_fingerprint);
    EXPECT_FALSE(parsed.options.tls_ca);
}

TEST(Options, AHubchatsAddressGivesHostPortAndTls) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--host", "hubchats://chat.lan:7100"},
          {"--machine-name:hubchats://chat.lan:7100"},
          {"--machine-name", "hubchats://chat.lan:7100"}}) {
        const auto parsed = parse_options(args);
        EXPECT_FALSE(parsed.exit_code) << parsed.err;
        EXPECT_EQ(parsed.options.host, "chat.lan");
        EXPECT_EQ(parsed.options.port, 7100);
        EXPECT_TRUE(parsed.options.tls);
    }
    const auto ipv6 = parse_options({"--machine-name:hubchats://[::1]"});
    EXPECT_EQ(ipv6.options.host, "::1");
    EXPECT_EQ(ipv6.options.port, 7002);
    const auto with_port = parse_options({"--machine-name:hubchats://chat.lan", "--port:7200"});
    EXPECT_EQ(with_port.options.port, 7200);
    EXPECT_TRUE(with_port.options.tls);
}

TEST(Options, AHubchatAddressIsPlain) {
    const auto parsed = parse_options({"--host", "hubchat://10.0.0.2:7100"});
    EXPECT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.host, "10.0.0.2");
    EXPECT_EQ(parsed.options.port, 7100);
    EXPECT_FALSE(parsed.options.tls);
}

TEST(Options, TlsOptionsImplyTls) {
    const auto pinned = parse_options({"--tls-fingerprint", kFingerprint});
    EXPECT_FALSE(pinned.exit_code) << pinned.err;
    EXPECT_TRUE(pinned.options.tls);
    EXPECT_EQ(pinned.options.tls_fingerprint, kFingerprint);
    // Hex in any case, with or without colons, is stored as the server prints it.
    EXPECT_EQ(parse_options({"--tls-fingerprint",
                             "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"})
                  .options.tls_fingerprint,
              kFingerprint);
    const auto ca = parse_options({"--tls-ca", "/dev/null"});
    EXPECT_FALSE(ca.exit_code) << ca.err;
    EXPECT_TRUE(ca.options.tls);
    EXPECT_EQ(ca.options.tls_ca, "/dev/null");
}

TEST(Options, ContradictionsAndBadTlsValuesAreBadCommandLines) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--host", "hubchat://chat.lan", "--tls"},
          {"--host", "hubchat://chat.lan", "--tls-fingerprint", kFingerprint},
          {"--host", "hubchats://chat.lan:7100", "--port", "7200"},
          {"--host", "https://chat.lan"},
          {"--host", "hubchats://chat.lan:99999"},
          {"--tls-fingerprint", "AA:BB"},
          {"--tls-ca", "/nonexistent/ca.pem"}}) {
        const auto parsed = parse_options(args);
        ASSERT_TRUE(parsed.exit_code) << args[1];
        EXPECT_EQ(*parsed.exit_code, 2) << args[1];
        EXPECT_EQ(parsed.err.find('\n'), parsed.err.size() - 1) << parsed.err;  // one line
    }
    // The same port twice is no contradiction.
    EXPECT_FALSE(parse_options({"--host", "hubchats://chat.lan:7100", "--port", "7100"}).exit_code);
}

}  // namespace
}  // namespace hubchat::client
