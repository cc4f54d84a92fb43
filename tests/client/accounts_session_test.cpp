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

// ---- signing up where only registered users are taken ----------------------------------

const std::string kAccountRequired =
    error("account_required",
          "This server takes only registered users: log in with your name and password");

TEST_F(AccountsTest, AnAccountsOnlyServerOffersToCreateTheAccountOfTheNameTyped) {
    start();
    session_->typed("dora");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("dora")});
    session_->received(kAccountRequired);
    // account_required comes only for a name without an account: nothing to log in to.
    EXPECT_EQ(host_.take_shown(),
              (Lines{"This server takes only registered users, and dora has no account yet.",
                     "To create it, choose its password (typed twice, unseen); or just Enter to "
                     "choose another name."}));
    EXPECT_EQ(host_.current_prompt, "New password for dora> ");
    EXPECT_TRUE(host_.prompt_is_secret);

    session_->typed("correct horse");
    EXPECT_EQ(host_.current_prompt, "Again> ");
    EXPECT_TRUE(host_.prompt_is_secret);
    EXPECT_TRUE(host_.sent.empty());
    session_->typed("correct horse");
    EXPECT_EQ(host_.take_sent(), Lines{encode_sign_up("dora", password("correct horse"), 1)});
    EXPECT_EQ(host_.current_prompt, "");
    EXPECT_FALSE(host_.prompt_is_secret);

    session_->received(welcome("dora"));
    EXPECT_EQ(host_.current_prompt, "You say  > ");
    session_->received(R"({"type":"registered","ref":1,"name":"dora"})");
    EXPECT_EQ(host_.take_shown(), Lines{"The name dora is now registered to you; log in with "
                                        "this password from now on."});

    // Reconnections log in: the account exists now.
    session_->disconnected("reset");
    session_->connected();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("dora", password("correct horse"))});
    session_->received(welcome("dora"));
    EXPECT_EQ(host_.current_prompt, "You say  > ");
}

TEST_F(AccountsTest, SignUpPasswordsThatDifferAreAskedAgainAndEnterAloneGoesBackToTheName) {
    start();
    session_->typed("dora");
    session_->received(kAccountRequired);
    host_.take_sent();
    host_.take_shown();
    session_->typed("correct horse");
    session_->typed("correct hrose");
    EXPECT_EQ(host_.take_shown(), Lines{"The passwords differ; type it twice again."});
    EXPECT_EQ(host_.current_prompt, "New password for dora> ");
    EXPECT_TRUE(host_.prompt_is_secret);
    EXPECT_TRUE(host_.sent.empty());

    session_->typed("");
    EXPECT_EQ(host_.current_prompt, "Your name> ");
    EXPECT_FALSE(host_.prompt_is_secret);
    EXPECT_TRUE(host_.sent.empty());
    session_->typed("dora2");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("dora2")});  // no password, no sign-up
}

TEST_F(AccountsTest, APasswordTheServerRejectsIsAskedAgainForTheSameName) {
    start();
    session_->typed("dora");
    session_->received(kAccountRequired);
    session_->typed("short");
    session_->typed("short");
    EXPECT_EQ(host_.take_sent(),
              (Lines{encode_hello("dora"), encode_sign_up("dora", password("short"), 1)}));
    host_.take_shown();
    session_->typed("@bob typed ahead");  // on the screen: never a password
    session_->received(
        R"({"type":"error","code":"bad_request","message":"Password too short: use at least 8 characters.","ref":1})");
    EXPECT_EQ(host_.take_shown(), Lines{"Error: Password too short: use at least 8 characters."});
    EXPECT_EQ(host_.current_prompt, "New password for dora> ");
    EXPECT_TRUE(host_.prompt_is_secret);
    session_->typed("long enough now");
    session_->typed("long enough now");
    EXPECT_EQ(host_.take_sent(), Lines{encode_sign_up("dora", password("long enough now"), 2)});
}

TEST_F(AccountsTest, ANameTakenMeanwhileGoesToTheLoginOrToAnotherName) {
    start();
    session_->typed("dora");
    session_->received(kAccountRequired);
    session_->typed("correct horse");
    session_->typed("correct horse");
    host_.take_sent();
    host_.take_shown();
    // Someone signed up as dora in between: her account's password, as for any other.
    session_->received(
        R"({"type":"error","code":"name_registered","message":"That name is already registered.","ref":1})");
    EXPECT_EQ(host_.take_shown(),
              (Lines{"Error: That name is already registered.",
                     "Type the password of dora, or just Enter to choose another name."}));
    EXPECT_EQ(host_.current_prompt, "Password for dora> ");
    session_->typed("her password");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("dora", password("her password"))});

    // Someone is using it: another name.
    RecordingHost host;
    ChatSession other(host, ChatConfig{});
    other.connected();
    other.typed("dora");
    other.received(kAccountRequired);
    other.typed("correct horse");
    other.typed("correct horse");
    host.take_shown();
    other.received(
        R"({"type":"error","code":"name_taken","message":"The name dora is already taken","ref":1})");
    EXPECT_EQ(host.take_shown(), Lines{"Error: The name dora is already taken"});
    EXPECT_EQ(host.current_prompt, "Your name> ");
}

TEST_F(AccountsTest, VerboseHidesTheSignUpPassword) {
    ChatConfig config;
    config.verbose = true;
    start(config);
    session_->typed("dora");
    session_->received(kAccountRequired);
    session_->typed("new secret");
    session_->typed("new secret");
    const Lines shown = host_.take_shown();
    EXPECT_TRUE(contains(shown, R"("password":"********","register":true)")) << shown.size();
    for (const auto& line : shown) EXPECT_EQ(line.find("new secret"), std::string::npos) << line;
}

TEST_F(AccountsTest, SignUpFromThePasswordFileGoesInTheFirstHelloOnly) {
    ChatConfig config;
    config.name = "dora";
    config.credentials = password("from the file");
    config.sign_up = true;
    start(config);
    EXPECT_EQ(host_.take_sent(), Lines{encode_sign_up("dora", password("from the file"), 1)});
    session_->received(welcome("dora"));
    session_->received(R"({"type":"registered","ref":1,"name":"dora"})");
    EXPECT_TRUE(contains(host_.take_shown(), "is now registered to you"));
    session_->disconnected("reset");
    session_->connected();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("dora", password("from the file"))});
}

TEST_F(AccountsTest, AFileSignUpThePasswordRulesRefuseIsAskedAtATerminal) {
    ChatConfig config;
    config.name = "dora";
    config.credentials = password("short");
    config.sign_up = true;
    start(config);
    host_.take_sent();
    session_->received(
        R"({"type":"error","code":"bad_request","message":"Password too short: use at least 8 characters.","ref":1})");
    EXPECT_EQ(host_.current_prompt, "New password for dora> ");
    session_->typed("long enough now");
    session_->typed("long enough now");
    EXPECT_EQ(host_.take_sent(), Lines{encode_sign_up("dora", password("long enough now"), 2)});
}

TEST_F(AccountsTest, AFilePasswordThatDoesNotLogInSaysHowToCreateTheAccount) {
    ChatConfig config;
    config.name = "dora";
    config.credentials = password("from the file");
    start(config);
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("dora", password("from the file"))});
    session_->received(kLoginFailed);
    EXPECT_EQ(host_.take_shown(),
              (Lines{"Error: Wrong name or password",
                     "The password from --password-file is wrong, or dora has no account yet (to "
                     "create it: Enter, then dora again).",
                     "Type the password of dora, or just Enter to choose another name."}));
    EXPECT_EQ(host_.current_prompt, "Password for dora> ");
    session_->typed("");
    session_->typed("dora");
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("dora")});  // the server now says which
    session_->received(kAccountRequired);
    EXPECT_EQ(host_.current_prompt, "New password for dora> ");
}

TEST_F(AccountsTest, APipeIsToldWhichOptionsCreateTheAccount) {
    ChatConfig config;
    config.interactive = false;
    config.name = "dora";
    start(config);
    session_->received(kAccountRequired);
    EXPECT_EQ(host_.warned,
              (Lines{"hubchat: This server takes only registered users: log in with your name "
                     "and password",
                     "hubchat: dora has no account here: create it with --sign-up "
                     "--password-file FILE"}));
    EXPECT_EQ(host_.exit_code, 1);

    RecordingHost taken;
    config.credentials = password("long enough");
    config.sign_up = true;
    ChatSession again(taken, config);
    again.connected();
    EXPECT_EQ(taken.take_sent(), Lines{encode_sign_up("dora", password("long enough"), 1)});
    again.received(
        R"({"type":"error","code":"name_registered","message":"That name is already registered.","ref":1})");
    EXPECT_EQ(taken.warned,
              (Lines{"hubchat: That name is already registered.",
                     "hubchat: dora has an account already: log in without --sign-up"}));
    EXPECT_EQ(taken.exit_code, 1);
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
    EXPECT_EQ(wrong_host.warned, (Lines{"hubchat: Wrong name or password",
                                        "hubchat: if alice has no account yet, --sign-up "
                                        "creates it"}));
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
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("bob", password("bobs password"),
                                                    Resume{std::nullopt, {"#dev"}})});
    session_->received(welcome("bob"));
    EXPECT_EQ(host_.take_shown(), Lines{"Logged in as bob."});
    EXPECT_EQ(host_.take_sent(), (Lines{encode_query(Query::Ping, 1),
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
    EXPECT_EQ(send_host.warned,
              (Lines{"hubchat: Wrong name or password",
                     "hubchat: if bot has no account yet, --sign-up creates it"}));
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

TEST(ScriptedAccounts, SendAndListenSignUpInTheFirstHelloThenLogIn) {
    RecordingHost send_host;
    SendSession send(send_host, "dora", "bob", "hello", true, password("long enough"), true);
    send.connected();
    EXPECT_EQ(send_host.take_sent(), Lines{encode_sign_up("dora", password("long enough"), 3)});
    send.received(welcome("dora"));
    send.received(R"({"type":"registered","ref":3,"name":"dora"})");
    send.received(R"({"type":"ack","ref":1})");
    send.received(R"({"type":"pong","ref":2})");
    EXPECT_EQ(send_host.exit_code, 0);
    EXPECT_TRUE(contains(send_host.warned, "hubchat: the name dora is now registered to you"));
    for (const auto& line : send_host.warned) {
        EXPECT_EQ(line.find("long enough"), std::string::npos) << line;  // verbose, but hidden
    }

    RecordingHost listen_host;
    ListenSession listen(listen_host, "ear", false, false, password("long enough"), true);
    listen.connected();
    EXPECT_EQ(listen_host.take_sent(), Lines{encode_sign_up("ear", password("long enough"), 3)});
    listen.received(welcome("ear"));
    listen.received(R"({"type":"registered","ref":3,"name":"ear"})");
    EXPECT_EQ(listen_host.warned, Lines{"hubchat: the name ear is now registered to you"});
    EXPECT_TRUE(listen_host.shown.empty());  // stdout carries messages only
    listen.disconnected("reset");
    listen.connected();
    EXPECT_EQ(listen_host.take_sent(), Lines{encode_hello("ear", password("long enough"))});
    listen.received(welcome("ear"));
    EXPECT_FALSE(listen_host.exit_code);
}

TEST(ScriptedAccounts, ASignUpRefusedSaysWhyAndWhatToDo) {
    RecordingHost host;
    SendSession send(host, "dora", "bob", "x", false, password("short"), true);
    send.connected();
    send.received(
        R"({"type":"error","code":"bad_request","message":"Password too short: use at least 8 characters.","ref":3})");
    EXPECT_EQ(host.warned, Lines{"hubchat: Password too short: use at least 8 characters."});
    EXPECT_EQ(host.exit_code, 1);

    RecordingHost listen_host;
    ListenSession listen(listen_host, "alice", false, false, password("long enough"), true);
    listen.connected();
    listen.received(
        R"({"type":"error","code":"name_registered","message":"That name is already registered.","ref":3})");
    EXPECT_EQ(listen_host.warned,
              (Lines{"hubchat: That name is already registered.",
                     "hubchat: alice has an account already: log in without --sign-up"}));
    EXPECT_EQ(listen_host.exit_code, 1);

    RecordingHost guest_host;
    ListenSession guest(guest_host, "dora", false, false);
    guest.connected();
    guest.received(kAccountRequired);
    EXPECT_EQ(guest_host.warned.back(),
              "hubchat: dora has no account here: create it with --sign-up --password-file FILE");
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
