// hubchat over TLS against hubchat-server --tls: first-use trust, silent later runs, a
// changed certificate refused (at start and on reconnection), --require-tls. Every test
// has its own XDG_CONFIG_HOME (and HOME), so the real known_servers is never touched.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../client/temp_dir.hpp"
#include "person.hpp"

namespace hubchat::e2e {
namespace {

namespace fs = std::filesystem;
using client::test::TempDir;

constexpr int kRefusedExitCode = 3;

// One user's machine: a config directory of its own, and a place for servers' data.
class Home {
  public:
    Home() {
        fs::create_directories(temp_.path() / "config");
        fs::create_directories(temp_.path() / "home");
    }
    std::vector<std::string> env() const {
        return {"XDG_CONFIG_HOME=" + (temp_.path() / "config").string(),
                "HOME=" + (temp_.path() / "home").string()};
    }
    fs::path known_servers() const { return temp_.path() / "config" / "hubchat" / "known_servers"; }
    std::string data_dir(const std::string& name) const { return (temp_.path() / name).string(); }

    std::string known_servers_text() const {
        std::ifstream in(known_servers());
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    void write_known_servers(const std::string& text) const {
        fs::create_directories(known_servers().parent_path());
        std::ofstream(known_servers()) << text;
    }

  private:
    TempDir temp_;
};

std::string host_port(const Server& server) {
    return server.host() + ":" + std::to_string(server.port());
}

std::vector<std::string> hubchat(const Server& server, std::vector<std::string> args) {
    std::vector<std::string> argv{HUBCHAT_CLIENT_BIN, "--host", server.host(), "--port",
                                  std::to_string(server.port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Launch with_env(std::vector<std::string> env) {
    Launch launch;
    launch.env = std::move(env);
    return launch;
}

TEST(Tls, TheFirstConnectionSaysWhatItTrustsThenChatsWithAPlainClient) {
    Home home;
    Server server("127.0.0.1", 0, {"--tls", "--data-dir", home.data_dir("server")});
    ASSERT_TRUE(server.started()) << server.output();
    const std::string fingerprint = server.tls_fingerprint();
    ASSERT_FALSE(fingerprint.empty()) << server.output();

    // The address form, given the original's way.
    Person alice(server, {"--machine-name:hubchats://" + host_port(server)}, home.env());
    ASSERT_TRUE(alice.sees("over TLS"));
    ASSERT_TRUE(alice.sees("trusting it on first use"));
    ASSERT_TRUE(alice.sees(fingerprint));  // to compare with the server's banner
    ASSERT_TRUE(alice.sees(home.known_servers().string()));
    ASSERT_TRUE(alice.registers_as("alice"));
    Person bob(server);  // plain TCP, same port
    ASSERT_TRUE(bob.registers_as("bob"));

    bob.enters("@alice hello over two transports");
    EXPECT_TRUE(alice.sees("Message from bob: hello over two transports"));
    alice.enters("@bob hi back");
    EXPECT_TRUE(bob.sees("Message from alice: hi back"));
    alice.enters("q");
    EXPECT_EQ(alice.process().wait_exit(), 0);

    EXPECT_NE(home.known_servers_text().find("\n" + host_port(server) + " " + fingerprint + "\n"),
              std::string::npos)
        << home.known_servers_text();
    EXPECT_EQ(fs::status(home.known_servers()).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
}

TEST(Tls, ALaterRunConnectsSilentlyAndScriptsWorkToo) {
    Home home;
    Server server("127.0.0.1", 0, {"--tls", "--data-dir", home.data_dir("server")});
    ASSERT_TRUE(server.started()) << server.output();
    Process ear(hubchat(server, {"--tls", "--name", "ear", "--listen"}), with_env(home.env()));
    ASSERT_TRUE(ear.expect_error("trusting it on first use"));
    ASSERT_TRUE(ear.expect_error(server.tls_fingerprint()));

    // A --send keeps trying the name `ear` until the listener has registered it.
    const auto deadline = Clock::now() + kPatience;
    std::optional<int> sent;
    while (sent != 0 && Clock::now() < deadline) {
        Process send(hubchat(server, {"--tls", "--name", "bot", "--to", "ear", "--send", "ping"}),
                     with_env(home.env()));
        sent = send.wait_exit();
        EXPECT_TRUE(send.err().empty() || sent != 0) << send.err();  // known: no notice
    }
    ASSERT_EQ(sent, 0);
    EXPECT_TRUE(ear.expect("bot: ping\n"));

    // Piped stdin, and a person at a terminal: nothing said about trust either.
    Process piped(hubchat(server, {"--tls", "--name", "pipe", "--to", "ear"}), [&] {
        Launch launch = with_input("through a pipe\nq\n");
        launch.env = home.env();
        return launch;
    }());
    EXPECT_EQ(piped.wait_exit(), 0) << piped.err();
    EXPECT_TRUE(piped.err().empty()) << piped.err();
    EXPECT_TRUE(ear.expect("pipe: through a pipe\n"));

    Person alice(server, {"--tls"}, home.env());
    ASSERT_TRUE(alice.registers_as("alice"));
    EXPECT_EQ(alice.process().out().find("trust"), std::string::npos) << alice.process().out();
    alice.enters("@ear from a terminal");
    EXPECT_TRUE(ear.expect("alice: from a terminal\n"));
    ear.signal(SIGINT);
    EXPECT_EQ(ear.wait_exit(), 0);
}

TEST(Tls, AnotherCertificateForAKnownServerIsRefusedLoudly) {
    Home home;
    Server first("127.0.0.1", 0, {"--tls", "--data-dir", home.data_dir("first")});
    ASSERT_TRUE(first.started()) << first.output();
    const std::string trusted = first.tls_fingerprint();
    // A server with another certificate, which known_servers says was trusted with the
    // first one's: what a server replaced at the same address looks like.
    Server second("127.0.0.1", 0, {"--tls", "--data-dir", home.data_dir("second")});
    ASSERT_TRUE(second.started()) << second.output();
    const std::string presented = second.tls_fingerprint();
    ASSERT_NE(trusted, presented);
    home.write_known_servers("# a comment\n" + host_port(second) + " " + trusted + "\n");

    Process refused(hubchat(second, {"--tls", "--name", "bot", "--to", "ALL", "--send", "x"}),
                    with_env(home.env()));
    EXPECT_EQ(refused.wait_exit(), kRefusedExitCode);
    const std::string& warning = refused.err();
    EXPECT_NE(warning.find("WARNING"), std::string::npos) << warning;
    EXPECT_NE(warning.find("HAS CHANGED"), std::string::npos) << warning;
    EXPECT_NE(warning.find(presented), std::string::npos) << warning;
    EXPECT_NE(warning.find(trusted), std::string::npos) << warning;
    EXPECT_NE(warning.find("delete line 2 "), std::string::npos) << warning;
    EXPECT_NE(warning.find(home.known_servers().string()), std::string::npos) << warning;
    EXPECT_TRUE(refused.out().empty());

    // At a terminal too, before any question is asked; and the file is left alone.
    Person person(second, {"--tls"}, home.env());
    EXPECT_TRUE(person.sees("HAS CHANGED"));
    EXPECT_EQ(person.process().wait_exit(), kRefusedExitCode);
    EXPECT_EQ(person.process().out().find("Your name>"), std::string::npos);
    EXPECT_EQ(home.known_servers_text(),
              "# a comment\n" + host_port(second) + " " + trusted + "\n");

    // --tls-fingerprint overrides first-use trust in both directions, with no notice.
    Process pinned(hubchat(second, {"--tls-fingerprint", presented, "--name", "bot", "--to", "bot",
                                    "--send", "x"}),
                   with_env(home.env()));
    EXPECT_EQ(pinned.wait_exit(), 0) << pinned.err();
    EXPECT_TRUE(pinned.err().empty()) << pinned.err();
    Process mispinned(hubchat(first, {"--tls-fingerprint", presented, "--name", "bot", "--to",
                                      "bot", "--send", "x"}),
                      with_env(home.env()));
    EXPECT_EQ(mispinned.wait_exit(), kRefusedExitCode);
    EXPECT_NE(mispinned.err().find("--tls-fingerprint"), std::string::npos) << mispinned.err();
}

TEST(Tls, AReconnectionChecksTheCertificateAgain) {
    Home home;
    auto server = std::make_unique<Server>(
        "127.0.0.1", 0, std::vector<std::string>{"--tls", "--data-dir", home.data_dir("a")});
    ASSERT_TRUE(server->started()) << server->output();
    const auto port = server->port();
    Process ear(hubchat(*server, {"--tls", "--name", "ear", "--listen"}), with_env(home.env()));
    ASSERT_TRUE(ear.expect_error("trusting it on first use"));

    // The same server back (same certificate): reconnects without a word about trust.
    // (Perhaps before `ear` was welcomed: the client must come back either way.)
    server->stop();
    ASSERT_TRUE(ear.expect_error("connection to the server lost")) << ear.err();
    server = std::make_unique<Server>(
        "127.0.0.1", port, std::vector<std::string>{"--tls", "--data-dir", home.data_dir("a")});
    ASSERT_TRUE(server->started()) << server->output();
    ASSERT_TRUE(ear.expect_error("reconnected as ear")) << ear.err();
    EXPECT_EQ(ear.err().find("trusting it on first use", ear.err().find("reconnected")),
              std::string::npos);

    // Another server at that address: refused at the reconnection.
    server->stop();
    ASSERT_TRUE(ear.expect_error("connection to the server lost"));
    server = std::make_unique<Server>(
        "127.0.0.1", port, std::vector<std::string>{"--tls", "--data-dir", home.data_dir("b")});
    ASSERT_TRUE(server->started()) << server->output();
    EXPECT_TRUE(ear.expect_error("HAS CHANGED"));
    EXPECT_EQ(ear.wait_exit(), kRefusedExitCode);
}

TEST(Tls, ARequireTlsServerTurnsPlainClientsAwayWithTheReason) {
    Home home;
    Server server("127.0.0.1", 0, {"--require-tls", "--data-dir", home.data_dir("server")});
    ASSERT_TRUE(server.started()) << server.output();

    Person plain(server, {}, home.env());
    ASSERT_TRUE(plain.sees("Your name> "));
    plain.enters("plain");
    EXPECT_TRUE(plain.sees("This server accepts only encrypted connections"));
    Process plain_send(hubchat(server, {"--name", "bot", "--to", "ALL", "--send", "x"}),
                       with_env(home.env()));
    EXPECT_EQ(plain_send.wait_exit(), 1);
    EXPECT_NE(plain_send.err().find("This server accepts only encrypted connections"),
              std::string::npos)
        << plain_send.err();

    Person secure(server, {"--machine-name:hubchats://" + host_port(server)}, home.env());
    ASSERT_TRUE(secure.registers_as("secure"));
    secure.enters("@ALL encrypted");
    EXPECT_TRUE(secure.sees("Message from secure: encrypted"));
}

TEST(Tls, ATlsClientToAPlainOnlyServerSaysWhatIsMissing) {
    Home home;
    Server server;
    ASSERT_TRUE(server.started());
    Process send(hubchat(server, {"--tls", "--name", "bot", "--to", "ALL", "--send", "x"}),
                 with_env(home.env()));
    EXPECT_EQ(send.wait_exit(), 1);
    EXPECT_NE(send.err().find("hubchat-server needs --tls"), std::string::npos) << send.err();
    EXPECT_FALSE(fs::exists(home.known_servers()));
}

}  // namespace
}  // namespace hubchat::e2e
