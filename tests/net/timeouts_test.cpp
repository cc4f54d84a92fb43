// Timeouts through the real server, with one-second settings so that every test ends in a
// few seconds: the registration deadline, a stalled frame (slowloris), and the keepalive
// ping of idle hubchat connections. The server checks deadlines once a second, so a 1 s
// timeout fires after 1 to 2 s; waits for something that must NOT happen last 3 s.
#include <chrono>

#include "net_fixture.hpp"

namespace hubchat::test {
namespace {

using Clock = std::chrono::steady_clock;

// Longer than a 1 s timeout can take to fire (up to 2 s, plus scheduling).
constexpr std::chrono::milliseconds kLongerThanTimeout = 3s;

// The last frame before the close, parsed; an empty object when there is none.
json::object last_words(TestClient& client, Clock::time_point* closed_at = nullptr) {
    std::vector<std::string> frames;
    const bool closed = client.expect_closed(kDeadline, &frames);
    if (closed_at != nullptr) *closed_at = Clock::now();
    EXPECT_TRUE(closed) << "the connection stayed open";
    if (frames.empty()) return {};
    boost::system::error_code ec;
    auto value = json::parse(frames.back(), ec);
    if (ec || !value.is_object()) return {{"unparsed", frames.back()}};
    return value.as_object();
}

// True if nothing arrives and the connection stays open for `how_long`.
bool stays_quiet(TestClient& client, std::chrono::milliseconds how_long = kLongerThanTimeout) {
    const auto frame = client.next_frame(how_long);
    EXPECT_FALSE(frame) << "unexpected: " << *frame;
    return !frame && !client.at_eof();
}

// ---- registration deadline -----------------------------------------------------------

class RegistrationTimeoutTest : public NetTest {
  protected:
    RegistrationTimeoutTest() : NetTest({"--registration-timeout", "1"}) {}
};

TEST_F(RegistrationTimeoutTest, AClientThatSpeaksButNeverSaysHelloIsClosedWithAnError) {
    auto client = connect();
    const auto started = Clock::now();
    ASSERT_TRUE(client->send_raw(R"({"type":"list","ref":1})"
                                 "\n"));
    const auto refused = client->wait_type("error");
    ASSERT_TRUE(refused);
    EXPECT_EQ(field(*refused, "code"), "not_registered") << to_text(*refused);
    Clock::time_point closed_at;
    const auto error = last_words(*client, &closed_at);
    EXPECT_EQ(field(error, "type"), "error") << to_text(error);
    EXPECT_EQ(field(error, "code"), "timeout") << to_text(error);
    EXPECT_EQ(field(error, "message"), "No name registered within 1 s; closing the connection");
    EXPECT_GE(closed_at - started, 1s) << "closed before its deadline";
}

TEST_F(RegistrationTimeoutTest, AnOriginalClientWhoseNameWasRefusedGetsANoticeThenTheClose) {
    auto bob = user("bob");
    auto impostor = connect();
    ASSERT_TRUE(impostor->send_raw(list_request("bob")));
    const auto taken = impostor->next_json();
    ASSERT_TRUE(taken);
    EXPECT_EQ(field(*taken, "user"), "server") << to_text(*taken);
    const auto notice = last_words(*impostor);
    EXPECT_EQ(field(notice, "user"), "server") << to_text(notice);
    EXPECT_EQ(field(notice, "message"), "No name registered within 1 s; closing the connection");
    EXPECT_EQ(notice.size(), 3u) << "not the original's chat shape: " << to_text(notice);
    EXPECT_TRUE(bob->sync()) << "the registered user was disturbed";
}

TEST_F(RegistrationTimeoutTest, ASilentConnectionWaitsLikeTheOriginalClientBeforeItsUserTypes) {
    auto silent = connect();
    ASSERT_TRUE(stays_quiet(*silent)) << "a silent connection must not be timed out";
    // Its user finally types: the first frame registers it as it always did.
    ASSERT_TRUE(silent->send_raw(list_request("late")));
    const auto list = silent->next_frame();
    ASSERT_TRUE(list);
    EXPECT_NE(list->find("\"late\""), std::string::npos) << *list;
}

TEST_F(RegistrationTimeoutTest, ARegisteredConnectionIsNotTouched) {
    auto original_user = original("carol");  // first: alice would hear carol join
    auto alice = user("alice");
    ASSERT_TRUE(stays_quiet(*alice));
    ASSERT_TRUE(stays_quiet(*original_user, 100ms));
    EXPECT_TRUE(alice->sync());
    ASSERT_TRUE(original_user->send_raw(list_request("carol")));
    EXPECT_TRUE(original_user->next_frame());
}

// ---- stalled frames (slowloris) ------------------------------------------------------

class FrameTimeoutTest : public NetTest {
  protected:
    FrameTimeoutTest() : NetTest({"--frame-timeout", "1"}) {}
};

TEST_F(FrameTimeoutTest, AFrameLeftUnfinishedClosesTheConnection) {
    auto alice = user("alice");
    const auto started = Clock::now();
    ASSERT_TRUE(alice->send_raw(R"({"type":"message","dest":"ALL","mess)"));
    Clock::time_point closed_at;
    const auto error = last_words(*alice, &closed_at);
    EXPECT_EQ(field(error, "code"), "timeout") << to_text(error);
    EXPECT_EQ(field(error, "message"), "A frame stayed incomplete for 1 s; closing the connection");
    EXPECT_GE(closed_at - started, 1s) << "closed before its deadline";
}

TEST_F(FrameTimeoutTest, DrippingBytesDoesNotExtendTheDeadline) {
    auto client = connect();
    ASSERT_TRUE(client->send_raw(R"({"type":"hello",)"));
    // A byte every 300 ms: each read is progress, but the frame never ends.
    const std::string rest = R"("name":"slowlorisslowloris")";
    bool closed = false;
    for (char c : rest) {
        if (!client->send_raw(std::string(1, c))) {
            closed = true;
            break;
        }
        if (client->next_frame(300ms) || client->at_eof()) {
            closed = true;
            break;
        }
    }
    EXPECT_TRUE(closed || client->expect_closed()) << "dripping kept the frame alive";
}

TEST_F(FrameTimeoutTest, AFrameSplitAcrossQuickReadsIsFine) {
    auto alice = user("alice");
    const std::string frame = message("alice", "in pieces", "p1");
    for (std::size_t at = 0; at < frame.size(); at += 7) {
        ASSERT_TRUE(alice->send_raw(frame.substr(at, 7)));
    }
    const auto ack = alice->wait_type("ack");
    ASSERT_TRUE(ack);
    EXPECT_EQ(field(*ack, "ref"), "p1");
    ASSERT_TRUE(stays_quiet(*alice)) << "a finished frame must not leave a deadline behind";
}

TEST_F(FrameTimeoutTest, AConnectionThatSaysTooLittleToTellItsProtocolIsClosed) {
    auto client = connect();
    ASSERT_TRUE(client->send_raw("  \r\n"));  // whitespace only: still undecided
    EXPECT_TRUE(client->expect_closed());
}

// ---- keepalive -------------------------------------------------------------------------

class IdleTimeoutTest : public NetTest {
  protected:
    IdleTimeoutTest() : NetTest({"--idle-timeout", "1"}) {}
};

TEST_F(IdleTimeoutTest, AnIdleHubchatClientIsPingedAndStaysWhileItAnswers) {
    auto alice = user("alice");
    for (int round = 0; round < 2; ++round) {
        const auto ping = alice->wait_type("ping");
        ASSERT_TRUE(ping) << "round " << round;
        ASSERT_TRUE(ping->contains("ref")) << to_text(*ping);
        ASSERT_TRUE(alice->send_json({{"type", "pong"}, {"ref", ping->at("ref")}}));
    }
    // The pongs were taken quietly: nothing but the sync's own pong comes back.
    const auto replies = alice->sync();
    ASSERT_TRUE(replies);
    for (const auto& frame : *replies) {
        EXPECT_FALSE(has_type(frame, "error")) << to_text(frame);
    }
}

TEST_F(IdleTimeoutTest, AClientThatNeverAnswersIsClosedAfterTheSecondPeriod) {
    auto alice = user("alice");
    const auto ping = alice->wait_type("ping");
    ASSERT_TRUE(ping);
    const auto pinged_at = Clock::now();
    Clock::time_point closed_at;
    const auto error = last_words(*alice, &closed_at);
    EXPECT_EQ(field(error, "code"), "timeout") << to_text(error);
    EXPECT_EQ(field(error, "message"),
              "No reply to the server's ping within 1 s; closing the connection");
    EXPECT_GE(closed_at - pinged_at, 500ms) << "no time to answer";
    // The hub let go of her: the name is free again.
    auto again = connect();
    EXPECT_TRUE(has_type(again->hello_reply("alice"), "welcome"));
}

TEST_F(IdleTimeoutTest, AnyInputCountsAsAnAnswer) {
    auto alice = user("alice");
    ASSERT_TRUE(alice->wait_type("ping"));
    // A client that does not know server pings but chats, or pings us, is alive too.
    auto replies = alice->sync();
    ASSERT_TRUE(replies);
    ASSERT_TRUE(alice->wait_type("ping")) << "the next period must ping again";
    replies = alice->sync();
    ASSERT_TRUE(replies);
    EXPECT_FALSE(alice->at_eof());
}

TEST_F(IdleTimeoutTest, OriginalClientsCannotAnswerAndAreNeverPinged) {
    auto carol = original("carol");
    ASSERT_TRUE(stays_quiet(*carol));
    ASSERT_TRUE(carol->send_raw(list_request("carol")));
    const auto list = carol->next_frame();
    ASSERT_TRUE(list);
    EXPECT_NE(list->find("\"client-list\""), std::string::npos) << *list;
}

// ---- options -----------------------------------------------------------------------------

TEST(TimeoutOptions, AreListedAndChecked) {
    const auto help = run_program({HUBCHAT_SERVER_BIN, "--help"});
    for (const char* option : {"--registration-timeout", "--frame-timeout", "--idle-timeout"}) {
        EXPECT_NE(help.out.find(option), std::string::npos) << option << "\n" << help.out;
        const auto bad = run_program({HUBCHAT_SERVER_BIN, option, "-1"});
        EXPECT_EQ(bad.exit_code, 2) << option << ": " << bad.err;
    }
}

}  // namespace
}  // namespace hubchat::test
