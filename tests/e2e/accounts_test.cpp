// Accounts as people and scripts use them, against the real server: /register, a
// registered name's password asked without echo, --password-file for --send and --listen,
// /login, signing up where only registered users are taken (at the terminal and with
// --sign-up), a private hub's password, and the keepalive that keeps an idle client
// connected.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "person.hpp"

namespace hubchat::e2e {
namespace {

constexpr std::string_view kAlicePassword = "correct horse battery";
constexpr std::string_view kBobPassword = "tr0ub4dor & 3";

std::vector<std::string> hubchat(const Server& server, std::vector<std::string> args) {
    std::vector<std::string> argv{HUBCHAT_CLIENT_BIN, "--host", server.host(), "--port",
                                  std::to_string(server.port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

// A file holding `content`, with `mode`, in a directory removed at the end.
class SecretFile {
  public:
    explicit SecretFile(std::string_view content, mode_t mode = 0600)
        : path_((dir_.path() / "password").string()) {
        std::ofstream(path_) << content << '\n';
        ::chmod(path_.c_str(), mode);
    }
    const std::string& path() const { return path_; }

  private:
    client::test::TempDir dir_;
    std::string path_;
};

bool never_shown(Person& person, std::string_view secret) {
    person.process().pump();
    return person.process().out().find(secret) == std::string::npos;
}

// `name` registered with `password` by a person who then leaves.
void register_name(const Server& server, const std::string& name, std::string_view password) {
    Person owner(server);
    ASSERT_TRUE(owner.registers_as(name));
    owner.enters("/register");
    ASSERT_TRUE(owner.sees("New password for " + name + "> "));
    owner.enters(password);
    ASSERT_TRUE(owner.sees("Again> "));
    owner.enters(password);
    ASSERT_TRUE(owner.sees("The name " + name +
                           " is now registered to you; log in with this password from now on."));
    EXPECT_TRUE(never_shown(owner, password));
    owner.enters("q");
    ASSERT_EQ(owner.process().wait_exit(), 0);
}

TEST(Accounts, ARegisteredNameIsRefusedToOthersAndAskedOfItsOwnerUnseen) {
    Server server;
    ASSERT_TRUE(server.started()) << server.output();
    register_name(server, "alice", kAlicePassword);

    // Someone else: a wrong password is refused and asked again; Enter alone lets them
    // choose another name.
    Person other(server);
    ASSERT_TRUE(other.sees("Your name> "));
    other.enters("alice");
    ASSERT_TRUE(other.sees("Error: The name alice is registered"));
    ASSERT_TRUE(other.sees("Password for alice> "));
    other.enters("a guess");
    ASSERT_TRUE(other.sees("Error: Wrong name or password"));
    ASSERT_TRUE(other.sees("Password for alice> "));
    other.enters("");
    EXPECT_TRUE(other.registers_as("mallory"));
    EXPECT_TRUE(never_shown(other, "a guess"));

    // The owner: the password is asked with echo off, and never reaches the screen.
    Person owner(server);
    ASSERT_TRUE(owner.sees("Your name> "));
    owner.enters("alice");
    ASSERT_TRUE(owner.sees("Password for alice> "));
    owner.types(std::string(kAlicePassword).substr(0, 7));
    // Half typed: the line still shows the prompt alone.
    ASSERT_TRUE(owner.cursor_line_becomes("Password for alice>"));  // (trailing blanks cut)
    EXPECT_EQ(owner.screen().cursor_column(), 20);
    owner.types(std::string(kAlicePassword).substr(7) + "\r");
    ASSERT_TRUE(owner.sees("You say  > "));
    EXPECT_TRUE(never_shown(owner, kAlicePassword));
    EXPECT_TRUE(never_shown(owner, "horse"));
    // The password did not go to the line editor's history: the last line there is the
    // name typed before it.
    owner.types("\033[A");
    EXPECT_TRUE(owner.cursor_line_becomes("You say  > alice"));
    owner.types("\033[B");
    EXPECT_TRUE(owner.cursor_line_becomes("You say  >"));
    owner.enters("L");
    EXPECT_TRUE(owner.sees("- Client [alice]"));
    other.enters("@alice it is you");
    EXPECT_TRUE(owner.sees("Message from mallory: it is you"));
}

TEST(Accounts, MessagesArrivingWhileAPasswordIsTypedDoNotDisturbIt) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server);
    Person bob(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    ASSERT_TRUE(bob.registers_as("bob"));
    bob.enters("/register");
    ASSERT_TRUE(bob.sees("New password for bob> "));
    bob.types("tr0ub4dor ");  // half of it
    alice.enters("@bob interrupting");
    ASSERT_TRUE(bob.sees("Message from alice: interrupting"));
    // Printed above the prompt, which is asked again below with nothing shown after it.
    ASSERT_TRUE(bob.cursor_line_becomes("New password for bob>"));  // (trailing blanks cut)
    EXPECT_EQ(bob.screen().cursor_column(), 22);
    bob.types("& 3\r");
    ASSERT_TRUE(bob.sees("Again> "));
    bob.enters(kBobPassword);
    ASSERT_TRUE(bob.sees("is now registered to you"));
    EXPECT_TRUE(never_shown(bob, "tr0ub4dor"));
    bob.enters("q");
    ASSERT_EQ(bob.process().wait_exit(), 0);

    // What was typed before the message and after it made one password.
    SecretFile file(kBobPassword);
    Process send(hubchat(server, {"--name", "bob", "--to", "alice", "--send", "it worked",
                                  "--password-file", file.path()}));
    EXPECT_EQ(send.wait_exit(), 0) << send.err();
    EXPECT_TRUE(alice.sees("Message from bob: it worked"));
}

TEST(Accounts, CtrlCAtAPasswordPromptLeavesCleanly) {
    Server server;
    ASSERT_TRUE(server.started());
    Person alice(server);
    ASSERT_TRUE(alice.registers_as("alice"));
    alice.enters("/register");
    ASSERT_TRUE(alice.sees("New password for alice> "));
    alice.types("half typed");
    alice.types("\x03");  // the terminal makes it SIGINT, echo off or not
    EXPECT_TRUE(alice.sees("closing socket"));
    EXPECT_EQ(alice.process().wait_exit(), 0);
    EXPECT_TRUE(never_shown(alice, "half typed"));
    // The prompt redrawn under "closing socket" is blanked: the shell's comes next.
    EXPECT_EQ(alice.screen().cursor_line(), "");
}

TEST(Accounts, PasswordFileForSendAndListen) {
    Server server;
    ASSERT_TRUE(server.started());
    register_name(server, "alice", kAlicePassword);
    SecretFile alice_file(kAlicePassword);

    // Without it, a registered name is refused, saying which option gives it.
    Process guest(hubchat(server, {"--name", "alice", "--listen"}));
    EXPECT_EQ(guest.wait_exit(), 1);
    EXPECT_NE(guest.err().find("is registered"), std::string::npos) << guest.err();
    EXPECT_NE(guest.err().find("--password-file FILE"), std::string::npos) << guest.err();

    Process listener(hubchat(
        server, {"--name", "alice", "--listen", "-v", "--password-file", alice_file.path()}));
    ASSERT_TRUE(listener.expect_error(R"("type":"welcome","name":"alice")")) << listener.err();
    EXPECT_EQ(listener.err().find(kAlicePassword), std::string::npos) << listener.err();
    Person bob(server);
    ASSERT_TRUE(bob.registers_as("bob"));
    bob.enters("@alice to the listener");
    EXPECT_TRUE(listener.expect("bob: to the listener\n"));

    // A --send as a registered name needs its password too; the listener is alice, so
    // the sender is bob, registered first.
    bob.enters("/register");
    ASSERT_TRUE(bob.sees("New password for bob> "));
    bob.enters(kBobPassword);
    ASSERT_TRUE(bob.sees("Again> "));
    bob.enters(kBobPassword);
    ASSERT_TRUE(bob.sees("is now registered to you"));
    bob.enters("q");
    ASSERT_EQ(bob.process().wait_exit(), 0);

    SecretFile bob_file(kBobPassword);
    Process send(hubchat(server, {"--name", "bob", "--to", "alice", "--send", "from a script",
                                  "--password-file", bob_file.path()}));
    EXPECT_EQ(send.wait_exit(), 0) << send.err();
    EXPECT_TRUE(listener.expect("bob: from a script\n"));

    SecretFile wrong(kAlicePassword);
    Process refused(hubchat(server, {"--name", "bob", "--to", "alice", "--send", "x",
                                     "--password-file", wrong.path()}));
    EXPECT_EQ(refused.wait_exit(), 1);
    EXPECT_NE(refused.err().find("Wrong name or password"), std::string::npos) << refused.err();
    EXPECT_TRUE(listener.out().find("bob: x\n") == std::string::npos);
}

TEST(Accounts, APasswordFileOthersCanReadOrAMissingOneIsRefused) {
    Server server;
    ASSERT_TRUE(server.started());
    SecretFile open_file(kAlicePassword, 0644);
    Process too_open(hubchat(server, {"--name", "alice", "--to", "bob", "--send", "x",
                                      "--password-file", open_file.path()}));
    EXPECT_EQ(too_open.wait_exit(), 2);
    EXPECT_TRUE(too_open.expect_error("permissions 0644 for --password-file " + open_file.path() +
                                      " are too open"));

    Process missing(hubchat(server, {"--name", "alice", "--listen", "--password-file",
                                     "/nonexistent/hubchat-password"}));
    EXPECT_EQ(missing.wait_exit(), 2);
    EXPECT_TRUE(missing.expect_error("cannot read --password-file /nonexistent/hubchat-password"));

    SecretFile empty("", 0600);
    Process blank(
        hubchat(server, {"--name", "alice", "--listen", "--server-password-file", empty.path()}));
    EXPECT_EQ(blank.wait_exit(), 2);
    EXPECT_TRUE(blank.expect_error("is empty"));
}

TEST(Accounts, APasswordFileAtATerminalLogsInWithoutAsking) {
    Server server;
    ASSERT_TRUE(server.started());
    register_name(server, "alice", kAlicePassword);
    SecretFile file(kAlicePassword);
    Person alice(server, {"--name", "alice", "--password-file", file.path()});
    ASSERT_TRUE(alice.sees("You say  > "));
    alice.enters("L");
    EXPECT_TRUE(alice.sees("- Client [alice]"));
    EXPECT_TRUE(never_shown(alice, "Password for"));
}

TEST(Accounts, LoginSwitchesNamesAndKeepsTheRooms) {
    Server server;
    ASSERT_TRUE(server.started());
    register_name(server, "bob", kBobPassword);

    Person watcher(server);
    ASSERT_TRUE(watcher.registers_as("watcher"));
    watcher.enters("/join #dev");
    ASSERT_TRUE(watcher.sees("* watcher joined #dev"));

    Person person(server);
    ASSERT_TRUE(person.registers_as("guest"));
    person.enters("/join #dev");
    ASSERT_TRUE(person.sees("* guest joined #dev"));
    ASSERT_TRUE(watcher.sees("* guest joined #dev"));

    // A wrong password: back as before, saying why.
    person.enters("/login bob");
    ASSERT_TRUE(person.sees("Password for bob> "));
    person.enters("not it");
    ASSERT_TRUE(person.sees("Error: Wrong name or password"));
    ASSERT_TRUE(person.sees("Not logged in as bob; connecting again as guest."));
    ASSERT_TRUE(person.sees("Reconnected to the server as guest."));
    ASSERT_TRUE(watcher.sees("* guest left ALL (quit)"));
    ASSERT_TRUE(watcher.sees("* guest joined #dev"));  // again, after the reconnection

    // The right one: a new connection as bob, in the same rooms.
    person.enters("/login bob");
    ASSERT_TRUE(person.sees("Password for bob> "));
    person.enters(kBobPassword);
    ASSERT_TRUE(person.sees("Logged in as bob."));
    EXPECT_TRUE(watcher.sees("* guest left ALL (quit)"));
    EXPECT_TRUE(watcher.sees("* bob joined #dev"));
    person.enters("#dev now as bob");
    EXPECT_TRUE(watcher.sees("Message from bob in #dev: now as bob"));
    EXPECT_TRUE(never_shown(person, kBobPassword));
    EXPECT_TRUE(never_shown(person, "not it"));
    EXPECT_TRUE(never_shown(person, "Connection to the server lost"));
}

TEST(Accounts, SignUpANewPersonCreatesTheirAccountAtTheTerminalAndNobodyElseGetsTheName) {
    Server server("127.0.0.1", 0, {"--accounts-only"});
    ASSERT_TRUE(server.started()) << server.output();
    // Someone already there to talk to, signed up from a file at an interactive start.
    SecretFile bob_file(kBobPassword);
    Person bob(server, {"--name", "bob", "--sign-up", "--password-file", bob_file.path()});
    ASSERT_TRUE(bob.sees("You say  > "));
    ASSERT_TRUE(bob.sees("The name bob is now registered to you"));

    constexpr std::string_view kDoraPassword = "dora's own passphrase";
    Person dora(server);
    ASSERT_TRUE(dora.sees("Your name> "));
    dora.enters("dora");
    ASSERT_TRUE(dora.sees("This server takes only registered users, and dora has no account yet."));
    ASSERT_TRUE(
        dora.sees("To create it, choose its password (typed twice, unseen); or just "
                  "Enter to choose another name."));
    // The server's rules first: too short, said so, and asked again.
    ASSERT_TRUE(dora.sees("New password for dora> "));
    dora.enters("tiny pw");
    ASSERT_TRUE(dora.sees("Again> "));
    dora.enters("tiny pw");
    ASSERT_TRUE(dora.sees("Error: Password too short"));
    ASSERT_TRUE(dora.sees("New password for dora> "));
    // Half typed, the line shows the prompt alone: no echo.
    dora.types(std::string(kDoraPassword).substr(0, 6));
    ASSERT_TRUE(dora.cursor_line_becomes("New password for dora>"));  // (trailing blanks cut)
    dora.types(std::string(kDoraPassword).substr(6) + "\r");
    ASSERT_TRUE(dora.sees("Again> "));
    dora.enters(kDoraPassword);
    ASSERT_TRUE(dora.sees("You say  > "));
    ASSERT_TRUE(
        dora.sees("The name dora is now registered to you; log in with this password "
                  "from now on."));

    dora.enters("@bob hi, I am new here");
    EXPECT_TRUE(bob.sees("Message from dora: hi, I am new here"));
    bob.enters("@dora welcome");
    EXPECT_TRUE(dora.sees("Message from bob: welcome"));
    EXPECT_TRUE(never_shown(dora, kDoraPassword));
    EXPECT_TRUE(never_shown(dora, "passphrase"));
    EXPECT_TRUE(never_shown(dora, "tiny pw"));

    // Someone else cannot take the name: not while dora uses it...
    Person other(server);
    ASSERT_TRUE(other.sees("Your name> "));
    other.enters("dora");
    ASSERT_TRUE(other.sees("Error: The name dora is already taken"));
    ASSERT_TRUE(other.sees("Your name> "));
    dora.enters("q");
    ASSERT_EQ(dora.process().wait_exit(), 0);
    ASSERT_TRUE(bob.sees("* dora left ALL (quit)"));
    // ...nor once she has left: the name is hers, and needs her password.
    other.enters("dora");
    ASSERT_TRUE(other.sees("Error: The name dora is registered"));
    ASSERT_TRUE(other.sees("Password for dora> "));
    other.enters("a guess");
    ASSERT_TRUE(other.sees("Error: Wrong name or password"));
    ASSERT_TRUE(other.sees("Password for dora> "));
    other.enters("");
    ASSERT_TRUE(other.sees("Your name> "));
    EXPECT_TRUE(never_shown(other, "a guess"));
    // Nor by signing up for it.
    SecretFile thief_file("another long password");
    Process thief(hubchat(
        server, {"--name", "dora", "--listen", "--sign-up", "--password-file", thief_file.path()}));
    EXPECT_EQ(thief.wait_exit(), 1);
    EXPECT_NE(thief.err().find("dora has an account already: log in without --sign-up"),
              std::string::npos)
        << thief.err();

    // Her password logs her in from then on.
    SecretFile dora_file(kDoraPassword);
    Process send(hubchat(server, {"--name", "dora", "--to", "bob", "--send", "back again",
                                  "--password-file", dora_file.path()}));
    EXPECT_EQ(send.wait_exit(), 0) << send.err();
    EXPECT_TRUE(bob.sees("Message from dora: back again"));
}

TEST(Accounts, SignUpScriptsCreateAccountsWithTheFlagAndAreToldHow) {
    Server server("127.0.0.1", 0, {"--accounts-only"});
    ASSERT_TRUE(server.started()) << server.output();

    // A guest is refused, and told which options make the account.
    Process guest(hubchat(server, {"--name", "ear", "--listen"}));
    EXPECT_EQ(guest.wait_exit(), 1);
    EXPECT_NE(guest.err().find("ear has no account here: create it with --sign-up "
                               "--password-file FILE"),
              std::string::npos)
        << guest.err();

    SecretFile ear_file(kAlicePassword);
    Process listener(hubchat(server, {"--name", "ear", "--listen", "-v", "--sign-up",
                                      "--password-file", ear_file.path()}));
    ASSERT_TRUE(listener.expect_error(R"("password":"********","register":true)"))
        << listener.err();
    ASSERT_TRUE(listener.expect_error("hubchat: the name ear is now registered to you"))
        << listener.err();
    EXPECT_EQ(listener.err().find(kAlicePassword), std::string::npos) << listener.err();

    SecretFile bot_file(kBobPassword);
    Process send(hubchat(server, {"--name", "bot", "--to", "ear", "--send", "made by a script",
                                  "--sign-up", "--password-file", bot_file.path()}));
    EXPECT_EQ(send.wait_exit(), 0) << send.err();
    EXPECT_TRUE(listener.expect("bot: made by a script\n"));

    // The account exists now: a second sign-up is refused, a login works.
    Process again(hubchat(server, {"--name", "bot", "--to", "ear", "--send", "x", "--sign-up",
                                   "--password-file", bot_file.path()}));
    EXPECT_EQ(again.wait_exit(), 1);
    EXPECT_NE(again.err().find("log in without --sign-up"), std::string::npos) << again.err();
    Process login(hubchat(server, {"--name", "bot", "--to", "ear", "--send", "logged in",
                                   "--password-file", bot_file.path()}));
    EXPECT_EQ(login.wait_exit(), 0) << login.err();
    EXPECT_TRUE(listener.expect("bot: logged in\n"));
    EXPECT_EQ(listener.out().find("bot: x\n"), std::string::npos);

    // A password the server's rules refuse: nothing is made.
    SecretFile short_file("tiny pw");
    Process weak(hubchat(
        server, {"--name", "weak", "--listen", "--sign-up", "--password-file", short_file.path()}));
    EXPECT_EQ(weak.wait_exit(), 1);
    EXPECT_NE(weak.err().find("Password too short"), std::string::npos) << weak.err();
}

TEST(Accounts, APrivateHubAsksItsPasswordOnce) {
    client::test::TempDir dir;
    const std::string hub_file = (dir.path() / "hub-password").string();
    std::ofstream(hub_file) << "members only\n";
    ::chmod(hub_file.c_str(), 0600);
    Server server("127.0.0.1", 0, {"--server-password-file", hub_file});
    ASSERT_TRUE(server.started()) << server.output();

    Person person(server);
    ASSERT_TRUE(person.sees("Your name> "));
    person.enters("alice");
    ASSERT_TRUE(person.sees("Server password> "));
    person.enters("members only");
    ASSERT_TRUE(person.sees("You say  > "));
    EXPECT_TRUE(never_shown(person, "members only"));

    Person wrong(server);
    ASSERT_TRUE(wrong.sees("Your name> "));
    wrong.enters("bob");
    ASSERT_TRUE(wrong.sees("Server password> "));
    wrong.enters("guess");
    EXPECT_TRUE(wrong.sees("Wrong server password"));
    EXPECT_EQ(wrong.process().wait_exit(), 1);

    SecretFile file("members only");
    Process send(hubchat(server, {"--name", "bot", "--to", "alice", "--send", "hi",
                                  "--server-password-file", file.path()}));
    EXPECT_EQ(send.wait_exit(), 0) << send.err();
    EXPECT_TRUE(person.sees("Message from bot: hi"));
}

// The server pings a connection silent for --idle-timeout and closes it if it stays silent
// as long again. A client that answers is pinged again and again, and stays: seeing the
// third ping proves it outlived the close a silent one gets at the second.
TEST(Keepalive, AnIdleClientAnswersThePingsAndStaysConnected) {
    Server server("127.0.0.1", 0, {"--idle-timeout", "1"});
    ASSERT_TRUE(server.started()) << server.output();
    Person idle(server, {"-v"});
    ASSERT_TRUE(idle.registers_as("idle"));
    Process listener(hubchat(server, {"--name", "ear", "--listen", "-v"}));
    for (int pong = 0; pong < 3; ++pong) {
        ASSERT_TRUE(idle.sees("\tsending \"{\"type\":\"pong\",\"ref\":")) << pong;
        ASSERT_TRUE(listener.expect_error("\tsending \"{\"type\":\"pong\",\"ref\":")) << pong;
    }
    Person other(server);
    ASSERT_TRUE(other.registers_as("other"));
    other.enters("@idle,ear still there?");
    EXPECT_TRUE(idle.sees("Message from other: still there?"));
    EXPECT_TRUE(listener.expect("other: still there?\n"));
    EXPECT_TRUE(never_shown(idle, "Connection to the server lost"));
    EXPECT_EQ(listener.err().find("connection to the server lost"), std::string::npos)
        << listener.err();
}

}  // namespace
}  // namespace hubchat::e2e
