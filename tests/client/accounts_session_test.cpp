// Accounts and keepalives in the sessions, with no I/O: the passwords a server asks for,
// --password-file's, /register, /login, and the answer to the server's ping.
#include <gtest/gtest.h>

#include "client/codec.hpp"
#include "client/scripted.hpp"
#include "client/session.hpp"
#include "recording_host.hpp"

namespace hubchat::client {
namespace {

using Lines = std::vector<std::string>;
using test::RecordingHost;

std::string welcome(std::string_view name) {
    return R"({"type":"welcome","name":")" + std::string(name) + R"(","protocol":1})";
}

std::string error(std::string_view code, std::string_view message) {
    return R"({"type":"error","code":")" + std::string(code) + R"(","message":")" +
           std::string(message) + R"("})";
}

const std::string kRegisteredAlice =
    error("name_registered",
          "The name alice is registered: log in with its password, or choose another name");
const std::string kLoginFailed = error("login_failed", "Wrong name or password");

Credentials password(std::string pw) {
    return Credentials{std::move(pw), std::nullopt};
}

bool contains(const std::vector<std::string>& lines, std::string_view text) {
    for (const auto& line : lines) {
        if (line.find(text) != std::string::npos) return true;
    }
    return false;
}

class AccountsTest : public ::testing::Test {
  protected:
    void start(ChatConfig config = {}) {
        session_.emplace(host_, std::move(config));
        session_->connected();
    }
    // Welcomed as `name` after typing it.
    void start_as(std::string_view name, ChatConfig config = {}) {
        start(std::move(config));
        session_->typed(std::string(name));
        session_->received(welcome(name));
        host_.take_sent();
        host_.take_shown();
    }

    RecordingHost host_;
    std::optional<ChatSession> session_;
};

// ---- keepalive ------------------------------------------------------------------------

TEST_F(AccountsTest, TheServersPingIsAnsweredWithItsRef) {
    start_as("alice");
    session_->received(R"({"type":"ping","ref":42})");
    EXPECT_EQ(host_.take_sent(), Lines{encode_pong(42)});
    EXPECT_TRUE(host_.take_shown().empty());  // nothing for the person to see
    session_->received(R"({"type":"ping","ref":43})");
    EXPECT_EQ(host_.take_sent(), Lines{encode_pong(43)});

    ChatConfig piped;
    piped.interactive = false;
    piped.name = "bot";
    RecordingHost host;
    ChatSession pipe(host, piped);
    pipe.connected();
    pipe.received(welcome("bot"));
    host.take_sent();
    pipe.received(R"({"type":"ping","ref":7})");
    EXPECT_EQ(host.take_sent(), Lines{encode_pong(7)});
}

TEST(ScriptedKeepalive, SendAndListenAnswerThePingToo) {
    RecordingHost send_host;
    SendSession send(send_host, "bot", "bob", "x", false);
    send.connected();
    send.received(welcome("bot"));
    send_host.take_sent();
    send.received(R"({"type":"ping","ref":3})");
    EXPECT_EQ(send_host.take_sent(), Lines{encode_pong(3)});
    EXPECT_FALSE(send_host.exit_code);

    RecordingHost listen_host;
    ListenSession listen(listen_host, "ear", false, false);
    listen.connected();
    listen.received(welcome("ear"));
    listen_host.take_sent();
    listen.received(R"({"type":"ping","ref":9})");
    EXPECT_EQ(listen_host.take_sent(), Lines{encode_pong(9)});
    EXPECT_TRUE(listen_host.shown.empty());  // stdout carries messages only
}

// ---- a registered name typed at the prompt -------------------------------------------

TEST_F(AccountsTest, ARegisteredNameAsksForItsPasswordUnechoed) {
    start();
    session_->typed("alice");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice")});
    session_->received(kRegisteredAlice);
    EXPECT_EQ(host_.take_shown(),
              (Lines{"Error: The name alice is registered: log in with its password, or choose "
                     "another name",
                     "Type the password of alice, or just Enter to choose another name."}));
    EXPECT_EQ(host_.current_prompt, "Password for alice> ");
    EXPECT_TRUE(host_.prompt_is_secret);
    EXPECT_TRUE(host_.sent.empty());

    session_->typed("s3cret pw");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", password("s3cret pw"))});
    EXPECT_EQ(host_.current_prompt, "");
    EXPECT_FALSE(host_.prompt_is_secret);
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.current_prompt, "You say  > ");

    // Reconnections log in with it, without asking.
    session_->disconnected("reset");
    host_.take_shown();
    session_->connected();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", password("s3cret pw"))});
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.take_shown(), Lines{"Reconnected to the server as alice."});
    EXPECT_EQ(host_.current_prompt, "You say  > ");
}

TEST_F(AccountsTest, AWrongPasswordIsAskedAgainAndEnterAloneGoesBackToTheName) {
    start();
    session_->typed("alice");
    session_->received(kRegisteredAlice);
    session_->typed("typo");
    host_.take_sent();
    host_.take_shown();
    session_->received(kLoginFailed);
    // As ssh does: the password again (the hint was given already).
    EXPECT_EQ(host_.take_shown(), Lines{"Error: Wrong name or password"});
    EXPECT_EQ(host_.current_prompt, "Password for alice> ");
    EXPECT_TRUE(host_.prompt_is_secret);

    session_->typed("");
    EXPECT_EQ(host_.current_prompt, "Your name> ");
    EXPECT_FALSE(host_.prompt_is_secret);
    EXPECT_TRUE(host_.sent.empty());
    session_->typed("alicia");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alicia")});  // no password with it
    session_->received(welcome("alicia"));
    EXPECT_EQ(host_.current_prompt, "You say  > ");
}

TEST_F(AccountsTest, ThrottledLoginsSayWhyAndAskAgain) {
    start();
    session_->typed("alice");
    session_->received(kRegisteredAlice);
    session_->typed("guess");
    host_.take_shown();
    session_->received(
        R"({"type":"error","code":"rate_limited","message":"Too many failed logins: wait 30 s","retry_after_ms":30000})");
    EXPECT_EQ(host_.take_shown(), Lines{"Error: Too many failed logins: wait 30 s"});
    EXPECT_EQ(host_.current_prompt, "Password for alice> ");
}

TEST_F(AccountsTest, LinesTypedAheadAreNeverTakenAsThePassword) {
    start();
    session_->typed("alice");
    session_->typed("@bob typed before the answer");  // on the screen: not a password
    session_->received(kRegisteredAlice);
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice")});
    EXPECT_EQ(host_.current_prompt, "Password for alice> ");
    session_->typed("pw");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", password("pw"))});
}

TEST_F(AccountsTest, AnAccountsOnlyServerAsksForThePasswordOfTheNameTyped) {
    start();
    session_->typed("zed");
    session_->received(error("account_required", "This server takes only registered users"));
    EXPECT_EQ(host_.current_prompt, "Password for zed> ");
    EXPECT_TRUE(host_.prompt_is_secret);
}

TEST_F(AccountsTest, ThePasswordFileGoesInEveryHello) {
    ChatConfig config;
    config.credentials = password("from file");
    start(config);
    session_->typed("alice");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", password("from file"))});
    session_->received(welcome("alice"));
    session_->disconnected("reset");
    session_->connected();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", password("from file"))});
}

TEST_F(AccountsTest, AWrongPasswordFileIsAskedAtATerminal) {
    ChatConfig config;
    config.name = "alice";
    config.credentials = password("stale");
    start(config);
    host_.take_sent();
    session_->received(kLoginFailed);
    EXPECT_EQ(host_.current_prompt, "Password for alice> ");
    session_->typed("fresh");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", password("fresh"))});
}

TEST_F(AccountsTest, APipeCannotBeAskedAPasswordAndSaysWhichOptionGivesIt) {
    ChatConfig config;
    config.interactive = false;
    config.name = "alice";
    start(config);
    session_->received(kRegisteredAlice);
    EXPECT_EQ(host_.warned,
              (Lines{"hubchat: The name alice is registered: log in with its password, or "
                     "choose another name",
                     "hubchat: give its password with --password-file FILE"}));
    EXPECT_EQ(host_.exit_code, 1);

    RecordingHost wrong_host;
    config.credentials = password("wrong");
    ChatSession with_file(wrong_host, config);
    with_file.connected();
    with_file.received(kLoginFailed);
    EXPECT_EQ(wrong_host.exit_code, 1);
    EXPECT_EQ(wrong_host.warned, Lines{"hubchat: Wrong name or password"});
}

// ---- a private hub ----------------------------------------------------------------------

TEST_F(AccountsTest, AServerPasswordIsAskedOnceThenTheClientGivesUp) {
    start();
    session_->typed("alice");
    host_.take_sent();
    session_->received(
        error("access_denied", "This server needs its password: put it in 'server_password'"));
    EXPECT_TRUE(contains(host_.take_shown(), "This server needs its password"));
    EXPECT_EQ(host_.current_prompt, "Server password> ");
    EXPECT_TRUE(host_.prompt_is_secret);
    session_->typed("hub secret");
    EXPECT_EQ(host_.take_sent(),
              Lines{encode_hello("alice", Credentials{std::nullopt, "hub secret"})});
    session_->received(error("access_denied", "Wrong server password"));
    EXPECT_EQ(host_.warned, Lines{"hubchat: Wrong server password"});
    EXPECT_EQ(host_.exit_code, 1);
}

TEST_F(AccountsTest, TheServerPasswordGoesWithTheAccountsInEveryHello) {
    ChatConfig config;
    config.credentials = Credentials{std::nullopt, "hub"};
    start(config);
    session_->typed("alice");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", Credentials{std::nullopt, "hub"})});
    session_->received(kRegisteredAlice);
    session_->typed("pw");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", Credentials{"pw", "hub"})});
    session_->received(welcome("alice"));
    session_->disconnected("reset");
    session_->connected();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", Credentials{"pw", "hub"})});
}

// ---- /register ------------------------------------------------------------------------

TEST_F(AccountsTest, RegisterAsksTwiceUnechoedThenLogsInWithItFromThenOn) {
    start_as("alice");
    session_->typed("/register");
    EXPECT_EQ(host_.current_prompt, "New password for alice> ");
    EXPECT_TRUE(host_.prompt_is_secret);
    session_->typed("horse battery");
    EXPECT_EQ(host_.current_prompt, "Again> ");
    EXPECT_TRUE(host_.prompt_is_secret);
    EXPECT_TRUE(host_.sent.empty());
    session_->typed("horse battery");
    EXPECT_EQ(host_.current_prompt, "You say  > ");
    EXPECT_FALSE(host_.prompt_is_secret);
    EXPECT_EQ(host_.take_sent(), Lines{encode_register("horse battery", 1)});
    session_->received(R"({"type":"registered","ref":1,"name":"alice"})");
    EXPECT_EQ(host_.take_shown(), Lines{"The name alice is now registered to you; log in with "
                                        "this password from now on."});

    session_->disconnected("reset");
    session_->connected();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", password("horse battery"))});
}

TEST_F(AccountsTest, RegisterWithTwoDifferentAnswersDoesNothing) {
    start_as("alice");
    session_->typed("/register");
    session_->typed("horse battery");
    session_->typed("horse batery");
    EXPECT_EQ(host_.take_shown(), Lines{"The passwords differ; nothing registered."});
    EXPECT_TRUE(host_.sent.empty());
    EXPECT_EQ(host_.current_prompt, "You say  > ");

    session_->typed("/register");
    session_->typed("");
    EXPECT_EQ(host_.take_shown(), Lines{"No password given; nothing registered."});
    EXPECT_TRUE(host_.sent.empty());
    EXPECT_EQ(host_.current_prompt, "You say  > ");
}

TEST_F(AccountsTest, ARefusedRegistrationIsShownAsErrorsAreAndChangesNothing) {
    start_as("alice");
    session_->typed("/register");
    session_->typed("short");
    session_->typed("short");
    host_.take_sent();
    session_->received(
        R"({"type":"error","code":"bad_request","message":"Password too short: use at least 8 characters.","ref":1})");
    EXPECT_EQ(host_.take_shown(), Lines{"Error: Password too short: use at least 8 characters."});
    session_->disconnected("reset");
    session_->connected();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice")});
}

TEST_F(AccountsTest, RegisterNeedsATerminal) {
    ChatConfig config;
    config.interactive = false;
    config.name = "bot";
    start(config);
    session_->received(welcome("bot"));
    host_.take_sent();
    session_->typed("/register");
    EXPECT_EQ(host_.take_shown(),
              Lines{"/register needs a terminal, to ask for the password unseen."});
    EXPECT_TRUE(host_.sent.empty());
}

// ---- /login ---------------------------------------------------------------------------

TEST_F(AccountsTest, LoginConnectsAgainAsTheOtherNameInTheSameRooms) {
    start_as("alice");
    session_->received(R"({"type":"join","room":"#dev","user":"alice"})");
    host_.take_shown();
    session_->typed("/login bob");
    EXPECT_EQ(host_.current_prompt, "Password for bob> ");
    EXPECT_TRUE(host_.prompt_is_secret);
    session_->typed("bobs password");
    EXPECT_EQ(host_.current_prompt, "You say  > ");
    EXPECT_EQ(host_.take_sent(), Lines{encode_quit()});
    EXPECT_EQ(host_.reconnects, 1);

    session_->typed("@carol typed while switching");  // waits for the new welcome
    session_->disconnected("reconnecting");
    EXPECT_TRUE(host_.take_shown().empty());  // asked for: not a lost connection
    session_->connected();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("bob", password("bobs password"))});
    session_->received(welcome("bob"));
    EXPECT_EQ(host_.take_shown(), Lines{"Logged in as bob."});
    EXPECT_EQ(host_.take_sent(), (Lines{encode_room_request(RoomRequest::Join, "#dev", 1),
                                        encode_message("carol", "typed while switching", 2)}));
}

TEST_F(AccountsTest, ARefusedLoginGoesBackToTheNameBefore) {
    ChatConfig config;
    config.credentials = password("alices password");
    start(config);
    session_->typed("alice");
    session_->received(welcome("alice"));
    host_.take_sent();
    session_->typed("/login bob");
    session_->typed("wrong");
    session_->disconnected("reconnecting");
    session_->connected();
    host_.take_sent();
    host_.take_shown();
    session_->received(kLoginFailed);
    EXPECT_EQ(host_.take_shown(), (Lines{"Error: Wrong name or password",
                                         "Not logged in as bob; connecting again as alice."}));
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", password("alices password"))});
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.take_shown(), Lines{"Reconnected to the server as alice."});
    EXPECT_EQ(host_.current_prompt, "You say  > ");
    EXPECT_FALSE(host_.exit_code);
}

TEST_F(AccountsTest, LoginWithoutAPasswordStays) {
    start_as("alice");
    session_->typed("/login bob");
    session_->typed("");
    EXPECT_EQ(host_.take_shown(), Lines{"No password given; still alice."});
    EXPECT_EQ(host_.reconnects, 0);
    EXPECT_TRUE(host_.sent.empty());
    session_->typed("/login");
    EXPECT_EQ(host_.take_shown(), Lines{"Which name? /login NAME"});
}

// ---- passwords stay off the screen -----------------------------------------------------

TEST_F(AccountsTest, VerboseNeverShowsAPassword) {
    ChatConfig config;
    config.verbose = true;
    config.credentials = Credentials{"pw in file", "hub pw"};
    start(config);
    session_->typed("alice");
    session_->received(welcome("alice"));
    session_->typed("/register");
    session_->typed("new secret");
    session_->typed("new secret");
    const Lines shown = host_.take_shown();
    EXPECT_TRUE(contains(shown, R"("password":"********")")) << shown.size();
    for (const auto& line : shown) {
        EXPECT_EQ(line.find("pw in file"), std::string::npos) << line;
        EXPECT_EQ(line.find("hub pw"), std::string::npos) << line;
        EXPECT_EQ(line.find("new secret"), std::string::npos) << line;
    }
}

TEST(ScriptedAccounts, SendAndListenLogInWithThePasswordFile) {
    RecordingHost send_host;
    SendSession send(send_host, "bot", "bob", "x", false, password("pw"));
    send.connected();
    EXPECT_EQ(send_host.take_sent(), Lines{encode_hello("bot", password("pw"))});
    send.received(kLoginFailed);
    EXPECT_EQ(send_host.warned, Lines{"hubchat: Wrong name or password"});
    EXPECT_EQ(send_host.exit_code, 1);

    RecordingHost listen_host;
    ListenSession listen(listen_host, "ear", false, true, Credentials{"pw", "hub"});
    listen.connected();
    EXPECT_EQ(listen_host.take_sent(), Lines{encode_hello("ear", Credentials{"pw", "hub"})});
    listen.received(welcome("ear"));
    listen.disconnected("reset");
    listen.connected();
    EXPECT_EQ(listen_host.take_sent(), Lines{encode_hello("ear", Credentials{"pw", "hub"})});
    for (const auto& line : listen_host.warned) {
        EXPECT_EQ(line.find("\"pw\""), std::string::npos) << line;  // verbose, but hidden
        EXPECT_EQ(line.find("\"hub\""), std::string::npos) << line;
    }
}

TEST(ScriptedAccounts, ARefusedHelloSaysWhichOptionAnswersIt) {
    RecordingHost host;
    SendSession send(host, "alice", "bob", "x", false);
    send.connected();
    send.received(kRegisteredAlice);
    EXPECT_EQ(host.warned.back(), "hubchat: give its password with --password-file FILE");

    RecordingHost listen_host;
    ListenSession listen(listen_host, "ear", false, false);
    listen.connected();
    listen.received(error("access_denied", "Wrong server password"));
    EXPECT_EQ(listen_host.warned,
              (Lines{"hubchat: Wrong server password",
                     "hubchat: give the server's password with --server-password-file FILE"}));
    EXPECT_EQ(listen_host.exit_code, 1);
}

// ---- reconnections that had to ask again ----------------------------------------------

TEST_F(AccountsTest, AReconnectionThatAskedForANameAgainGoesBackToChat) {
    start_as("alice");
    session_->disconnected("reset");
    session_->connected();
    session_->received(error("name_taken", "The name alice is already taken"));
    EXPECT_EQ(host_.current_prompt, "Your name> ");
    session_->typed("alice2");
    session_->received(welcome("alice2"));
    EXPECT_EQ(host_.current_prompt, "You say  > ");
    host_.take_sent();
    session_->typed("@bob hi");  // a message, not another name
    EXPECT_EQ(host_.take_sent(), Lines{encode_message("bob", "hi", 1)});
}

}  // namespace
}  // namespace hubchat::client
