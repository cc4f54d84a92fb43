// Issue 5 in the client: resuming after the last message seen (the hello's `since` and
// `rooms`), replayed and kept-while-away messages, /history.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <map>

#include "client/codec.hpp"
#include "client/commands.hpp"
#include "client/render.hpp"
#include "client/scripted.hpp"
#include "client/session.hpp"
#include "recording_host.hpp"

namespace hubchat::client {
namespace {

using Lines = std::vector<std::string>;
using test::RecordingHost;

// 2026-12-01 14:02:00 UTC, and the same day at 15:00.
constexpr std::int64_t kAt1402 = 1796133720000;
constexpr std::int64_t kAt1500 = 1796137200000;
constexpr std::int64_t kDay = 24 * 3600 * 1000;

// Times are shown in local time: the tests fix it to UTC.
class InUtc : public ::testing::Environment {
  public:
    void SetUp() override {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
};
const auto* const kInUtc = ::testing::AddGlobalTestEnvironment(new InUtc);

template <class T>
T decoded(std::string_view line) {
    auto event = decode_server_line(line);
    EXPECT_TRUE(event.has_value()) << line;
    if (!event || !std::holds_alternative<T>(*event)) {
        ADD_FAILURE() << line << " decoded as something else";
        return T{};
    }
    return std::get<T>(*event);
}

std::string message(std::uint64_t id, std::string_view from, std::string_view dest,
                    std::string_view text, std::string_view extra = "") {
    return R"({"type":"message","id":)" + std::to_string(id) + R"(,"ts":)" +
           std::to_string(kAt1402) + R"(,"user":")" + std::string(from) + R"(","dest":")" +
           std::string(dest) + R"(","message":")" + std::string(text) + "\"" + std::string(extra) +
           "}";
}

std::string welcome(std::string_view name) {
    return R"({"type":"welcome","name":")" + std::string(name) + R"(","protocol":1})";
}

// ---- the codec ----------------------------------------------------------------------

TEST(HistoryCodec, AHelloCarriesSinceAndRoomsOnlyWhenGiven) {
    EXPECT_EQ(encode_hello("alice", {}, Resume{}), encode_hello("alice"));
    EXPECT_EQ(encode_hello("alice", {}, Resume{42, {}}),
              "{\"type\":\"hello\",\"name\":\"alice\",\"protocol\":1,\"since\":42}\n");
    EXPECT_EQ(encode_hello("alice", {"pw", std::nullopt}, Resume{0, {"#a", "#b"}}),
              "{\"type\":\"hello\",\"name\":\"alice\",\"protocol\":1,\"password\":\"pw\","
              "\"since\":0,\"rooms\":[\"#a\",\"#b\"]}\n");
    EXPECT_EQ(encode_hello("alice", {}, Resume{std::nullopt, {"#a"}}),
              "{\"type\":\"hello\",\"name\":\"alice\",\"protocol\":1,\"rooms\":[\"#a\"]}\n");
    EXPECT_EQ(encode_sign_up("dora", {"pw", std::nullopt}, 3, Resume{7, {}}),
              "{\"type\":\"hello\",\"name\":\"dora\",\"protocol\":1,\"password\":\"pw\","
              "\"register\":true,\"ref\":3,\"since\":7}\n");
}

TEST(HistoryCodec, AHistoryRequest) {
    EXPECT_EQ(encode_history("#dev", 20, 4),
              "{\"type\":\"history\",\"with\":\"#dev\",\"limit\":20,\"ref\":4}\n");
    EXPECT_EQ(encode_history("bob", 50, 5, 1200),
              "{\"type\":\"history\",\"with\":\"bob\",\"limit\":50,\"before\":1200,\"ref\":5}\n");
}

TEST(HistoryCodec, MessagesCarryTheirIdTimeAndHowTheyCame) {
    const auto live = decoded<event::Chat>(message(17, "alice", "bob", "hi"));
    EXPECT_EQ(live.id, 17u);
    EXPECT_EQ(live.ts, kAt1402);
    EXPECT_FALSE(live.replay);
    EXPECT_FALSE(live.offline);
    const auto replay =
        decoded<event::Chat>(message(18, "alice", "#dev", "hi", R"(,"replay":true)"));
    EXPECT_TRUE(replay.replay);
    const auto kept = decoded<event::Chat>(message(19, "alice", "bob", "hi", R"(,"offline":true)"));
    EXPECT_TRUE(kept.offline);
    // The original server's frames have neither.
    const auto old = decoded<event::Chat>(R"({"user":"a","message":"m","dest":"b"})");
    EXPECT_EQ(old.id, std::nullopt);
    EXPECT_EQ(old.ts, std::nullopt);
    EXPECT_EQ(decoded<event::Chat>(R"({"type":"message","id":-3,"replay":"yes"})").id,
              std::nullopt);
}

TEST(HistoryCodec, AcksRepliesAndHistory) {
    const auto ack =
        decoded<event::Ack>(R"({"type":"ack","ref":3,"id":40,"delivered":1,"offline":["bob"]})");
    EXPECT_EQ(ack.id, 40u);
    EXPECT_EQ(ack.offline, Lines{"bob"});
    EXPECT_EQ(decoded<event::Replayed>(R"({"type":"replayed","last_id":99})").last_id, 99u);
    const auto history =
        decoded<event::History>(R"({"type":"history","ref":4,"with":"#dev","messages":[)"
                                R"({"id":1,"ts":5,"user":"a","dest":"#dev","message":"one"},7,)"
                                R"({"id":2,"ts":6,"user":"b","dest":"#dev","message":"two"}]})");
    EXPECT_EQ(history.ref, 4u);
    EXPECT_EQ(history.with, "#dev");
    ASSERT_EQ(history.messages.size(), 2u);
    EXPECT_EQ(history.messages[1].id, 2u);
    EXPECT_EQ(history.messages[1].ts, 6);
    EXPECT_EQ(history.messages[1].from, "b");
    EXPECT_EQ(history.messages[1].text, "two");
}

// ---- what is shown ------------------------------------------------------------------

TEST(HistoryRender, TimesAreShortForTodayAndDatedBefore) {
    EXPECT_EQ(time_label(kAt1402, kAt1500), "[14:02]");
    EXPECT_EQ(time_label(kAt1402, kAt1500 + kDay), "[2026-12-01 14:02]");
}

TEST(HistoryRender, ReplayedMessagesAreDatedAndKeptOnesMarked) {
    event::Chat chat{"bob", "#dev", "hi"};
    chat.id = 5;
    chat.ts = kAt1402;
    EXPECT_EQ(chat_line(chat, false, "alice", kAt1500), "Message from bob in #dev: hi");  // live
    chat.replay = true;
    EXPECT_EQ(chat_line(chat, false, "alice", kAt1500), "[14:02] Message from bob in #dev: hi");
    EXPECT_EQ(chat_line(chat, true, "alice", kAt1500),
              "\033[031m [14:02] Message from bob in #dev: hi \033[0m");
    chat.replay = false;
    chat.offline = true;
    chat.dest = "alice";
    EXPECT_EQ(chat_line(chat, false, "alice", kAt1500),
              "[14:02] Message from bob (while you were away): hi");
    // Your own direct message, brought back by a replay.
    event::Chat own{"Alice", "bob", "see you", 6, kAt1402, true};
    EXPECT_EQ(chat_line(own, false, "alice", kAt1500), "[14:02] Message to bob: see you");
    own.dest = "ALL";
    EXPECT_EQ(chat_line(own, false, "alice", kAt1500), "[14:02] Message from Alice: see you");
    own.ts.reset();
    EXPECT_EQ(chat_line(own, false, "alice", kAt1500), "Message from Alice: see you");
}

TEST(HistoryRender, TheReplaySummaryAndTheKeptNotice) {
    EXPECT_EQ(replay_summary_line(0), std::nullopt);
    EXPECT_EQ(replay_summary_line(1), "-- 1 message while you were away --");
    EXPECT_EQ(replay_summary_line(12), "-- 12 messages while you were away --");
    EXPECT_EQ(kept_for_line(event::Ack{1, {}}), std::nullopt);
    EXPECT_EQ(kept_for_line(event::Ack{1, {}, 4, {"bob"}}),
              "bob is not connected; kept for them until they log in.");
    EXPECT_EQ(kept_for_line(event::Ack{1, {}, 4, {"bob", "carol"}}),
              "bob, carol are not connected; kept for them until they log in.");
}

TEST(HistoryRender, HistoryIsAHeadingThenOneDatedLineEach) {
    event::History history{4,
                           "#dev",
                           {{1, kAt1402 - kDay, "bob", "#dev", "yesterday"},
                            {2, kAt1402, "carol", "#dev", "to\033day"}}};
    EXPECT_EQ(history_lines(history, kAt1500),
              (Lines{"-- Last 2 messages in #dev --", "[2026-11-30 14:02] bob: yesterday",
                     "[14:02] carol: to^[day"}));
    history.with = "bob";
    history.messages.pop_back();
    EXPECT_EQ(history_lines(history, kAt1500)[0], "-- Last 1 message with bob --");
    history.with = "ALL";
    history.messages.clear();
    EXPECT_EQ(history_lines(history, kAt1500), Lines{"-- No messages to ALL --"});
}

TEST(HistoryRender, HelpMentionsHistory) {
    bool found = false;
    for (const auto& line : command_lines()) found |= line.rfind("/history", 0) == 0;
    EXPECT_TRUE(found);
}

// ---- /history -----------------------------------------------------------------------

action::History history_of(std::string_view line) {
    const Action a = interpret(line);
    if (!std::holds_alternative<action::History>(a)) {
        ADD_FAILURE() << line << " is not a /history";
        return {};
    }
    return std::get<action::History>(a);
}

TEST(HistoryCommand, CountAndConversationInEitherOrder) {
    EXPECT_EQ(history_of("/history").count, 20u);
    EXPECT_EQ(history_of("/history").with, "");
    EXPECT_EQ(history_of("/HISTORY 5").count, 5u);
    EXPECT_EQ(history_of("/history #dev").with, "#dev");
    EXPECT_EQ(history_of("/history  50   bob ").count, 50u);
    EXPECT_EQ(history_of("/history 50 bob").with, "bob");
    EXPECT_EQ(history_of("/history #dev 500").count, 500u);
    EXPECT_EQ(history_of("/history all").with, "ALL");
}

TEST(HistoryCommand, NonsenseIsExplained) {
    for (const char* line : {"/history 0", "/history 501", "/history 99999999999", "/history 5 6",
                             "/history bob carol"}) {
        const Action a = interpret(line);
        ASSERT_TRUE(std::holds_alternative<action::Problem>(a)) << line;
        EXPECT_EQ(std::get<action::Problem>(a).text,
                  "Usage: /history [N] [#room|name], N from 1 to 500");
    }
}

// ---- the chat session ---------------------------------------------------------------

// The state file, in memory.
class MemoryResumePoints final : public ResumePoints {
  public:
    std::optional<std::uint64_t> last_seen(std::string_view name) override {
        auto it = ids.find(std::string(name));
        if (it == ids.end()) return std::nullopt;
        return it->second;
    }
    void seen(std::string_view name, std::uint64_t id) override { ids[std::string(name)] = id; }
    std::map<std::string, std::uint64_t> ids;
};

class HistorySessionTest : public ::testing::Test {
  protected:
    ChatConfig config() {
        ChatConfig config;
        config.resume_points = &points_;
        config.now_ms = [] { return kAt1500; };
        return config;
    }
    void start_as(std::string_view name, bool take = true) {
        session_.emplace(host_, config());
        session_->connected();
        session_->typed(std::string(name));
        if (!take) return;
        session_->received(welcome(name));
        host_.take_sent();
        host_.take_shown();
    }
    // The connection drops (the loss is said, and not checked here) and comes back.
    void reconnect() {
        session_->disconnected("reset");
        EXPECT_EQ(host_.shown.back(), "Connection to the server lost (reset); reconnecting...");
        host_.shown.pop_back();
        session_->connected();
    }

    RecordingHost host_;
    MemoryResumePoints points_;
    std::optional<ChatSession> session_;
};

TEST_F(HistorySessionTest, AFirstStartAsksNothingBack) {
    start_as("alice", false);
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice")});
}

TEST_F(HistorySessionTest, AStartResumesAfterWhatThePreviousRunShowedThatName) {
    points_.ids["alice"] = 40;
    start_as("alice", false);
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", {}, Resume{40, {}})});
    session_->received(welcome("alice"));
    session_->received(message(41, "bob", "ALL", "while you slept", R"(,"replay":true)"));
    session_->received(message(42, "bob", "alice", "psst", R"(,"offline":true)"));
    session_->received(R"({"type":"replayed","last_id":42})");
    session_->received(message(43, "bob", "ALL", "live"));
    EXPECT_EQ(host_.take_shown(),
              (Lines{"[14:02] Message from bob: while you slept",
                     "[14:02] Message from bob (while you were away): psst",
                     "-- 2 messages while you were away --", "Message from bob: live"}));
    EXPECT_EQ(points_.ids["alice"], 43u);  // remembered as they come
}

TEST_F(HistorySessionTest, NothingMissedSaysNothing) {
    points_.ids["alice"] = 40;
    start_as("alice");
    session_->received(R"({"type":"replayed","last_id":40})");
    EXPECT_TRUE(host_.take_shown().empty());
}

TEST_F(HistorySessionTest, AReconnectionResumesAfterTheLastMessageInTheSameRooms) {
    start_as("alice");
    session_->typed("/join #dev");
    session_->received(R"({"type":"join","room":"#dev","user":"alice"})");
    session_->received(message(7, "bob", "#dev", "before"));
    host_.take_sent();
    host_.take_shown();

    reconnect();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", {}, Resume{7, {"#dev"}})});
    session_->received(welcome("alice"));
    session_->received(R"({"type":"join","room":"#dev","user":"alice"})");
    session_->received(message(8, "bob", "#dev", "meanwhile", R"(,"replay":true)"));
    session_->received(R"({"type":"replayed","last_id":8})");
    session_->received(message(9, "bob", "#dev", "now"));
    EXPECT_EQ(host_.take_shown(),
              (Lines{"Reconnected to the server as alice.", "* alice joined #dev",
                     "[14:02] Message from bob in #dev: meanwhile",
                     "-- 1 message while you were away --", "Message from bob in #dev: now"}));
    // No join of its own: the hello's rooms did it (the ping finds nothing left to join).
    EXPECT_EQ(host_.take_sent(), Lines{encode_query(Query::Ping, 2)});
    session_->received(R"({"type":"pong","ref":2})");
    EXPECT_TRUE(host_.take_sent().empty());
}

TEST_F(HistorySessionTest, AnOlderServerIgnoringTheHellosRoomsIsAskedToJoinThem) {
    start_as("alice");
    session_->typed("/join #dev");
    session_->received(R"({"type":"join","room":"#dev","user":"alice"})");
    session_->typed("/join #ops");
    session_->received(R"({"type":"join","room":"#ops","user":"alice"})");
    host_.take_sent();
    reconnect();
    host_.take_sent();
    session_->received(welcome("alice"));
    EXPECT_EQ(host_.take_sent(), Lines{encode_query(Query::Ping, 3)});
    session_->received(R"({"type":"join","room":"#ops","user":"alice"})");  // only one
    session_->received(R"({"type":"pong","ref":3})");
    EXPECT_EQ(host_.take_sent(), Lines{encode_room_request(RoomRequest::Join, "#dev", 4)});
}

TEST_F(HistorySessionTest, NothingIsShownTwice) {
    start_as("alice");
    session_->received(message(5, "bob", "ALL", "once"));
    session_->received(message(5, "bob", "ALL", "once"));
    EXPECT_EQ(host_.take_shown(), Lines{"Message from bob: once"});
    // alice's own message, known from its ack, is not brought back by the replay.
    session_->typed("@bob mine");
    session_->received(R"({"type":"ack","ref":1,"id":6,"delivered":1})");
    reconnect();
    session_->received(welcome("alice"));
    session_->received(message(5, "bob", "ALL", "once", R"(,"replay":true)"));
    session_->received(message(6, "alice", "bob", "mine", R"(,"replay":true)"));
    session_->received(R"({"type":"replayed","last_id":6})");
    session_->received(message(6, "alice", "bob", "mine"));
    EXPECT_EQ(host_.take_shown(), Lines{"Reconnected to the server as alice."});
}

TEST_F(HistorySessionTest, AServerWithoutHistoryIsNotWaitedFor) {
    start_as("alice");
    session_->received(message(5, "bob", "ALL", "before"));
    reconnect();
    EXPECT_EQ(host_.take_sent(), Lines{encode_hello("alice", {}, Resume{5, {}})});
    session_->received(welcome("alice"));
    session_->received(message(1, "bob", "ALL", "ids started again"));  // no replayed
    session_->typed("@bob still typing");
    EXPECT_EQ(host_.take_shown(),
              (Lines{"Message from bob: before", "Reconnected to the server as alice.",
                     "Message from bob: ids started again"}));
    EXPECT_EQ(host_.take_sent(), Lines{encode_message("bob", "still typing", 1)});
}

TEST_F(HistorySessionTest, AMessageKeptForSomeoneAwayIsSaid) {
    start_as("alice");
    session_->typed("@bob see you");
    session_->received(R"({"type":"ack","ref":1,"id":9,"delivered":0,"offline":["bob"]})");
    EXPECT_EQ(host_.take_shown(), Lines{"bob is not connected; kept for them until they log in."});
}

TEST_F(HistorySessionTest, HistoryLooksWhereYouLastWrote) {
    start_as("alice");
    session_->typed("/history");
    session_->typed("/join #dev");
    session_->typed("/history 5");
    session_->typed("@bob hi");
    session_->typed("/history");
    session_->typed("@bob,carol hi both");  // a list is not a conversation
    session_->typed("/history");
    session_->typed("hello");
    session_->typed("all");  // Dest name>
    session_->typed("/history 3 #ops");
    session_->typed("/history");
    session_->typed("/leave #dev");
    session_->typed("#dev hi");
    session_->typed("/leave #dev");
    session_->typed("/history");
    EXPECT_EQ(
        host_.take_sent(),
        (Lines{
            encode_history("ALL", 20, 1), encode_room_request(RoomRequest::Join, "#dev", 2),
            encode_history("#dev", 5, 3), encode_message("bob", "hi", 4),
            encode_history("bob", 20, 5), encode_message("bob,carol", "hi both", 6),
            encode_history("bob", 20, 7), encode_message("all", "hello", 8),
            encode_history("#ops", 3, 9), encode_history("ALL", 20, 10),
            encode_room_request(RoomRequest::Leave, "#dev", 11), encode_message("#dev", "hi", 12),
            encode_room_request(RoomRequest::Leave, "#dev", 13), encode_history("ALL", 20, 14)}));
}

TEST_F(HistorySessionTest, HistoryIsShownAndItsRefusalsLikeAnyError) {
    start_as("alice");
    session_->typed("/history #dev");
    session_->received(
        R"({"type":"history","ref":1,"with":"#dev","messages":[)"
        R"({"id":3,"ts":1796133720000,"user":"bob","dest":"#dev","message":"hi"}]})");
    session_->received(
        R"({"type":"error","ref":1,"code":"not_member","message":"You are not in #dev"})");
    EXPECT_EQ(host_.take_shown(), (Lines{"-- Last 1 message in #dev --", "[14:02] bob: hi",
                                         "Error: You are not in #dev"}));
    session_->received(message(2, "bob", "ALL", "later"));
    EXPECT_EQ(host_.take_shown(), Lines{"Message from bob: later"});  // history ids are apart
}

TEST_F(HistorySessionTest, HistoryNeedsTheServer) {
    start_as("alice");
    session_->disconnected("reset");
    host_.take_shown();
    session_->typed("/history");
    EXPECT_EQ(host_.take_shown(), Lines{"Not connected to the server; try again shortly."});
    EXPECT_TRUE(host_.sent.empty());
}

TEST(HistoryPipedSession, WithoutAStateFileOnlyReconnectionsResume) {
    RecordingHost host;
    ChatConfig config;
    config.name = "bot";
    config.interactive = false;
    ChatSession session(host, config);
    session.connected();
    EXPECT_EQ(host.take_sent(), Lines{encode_hello("bot")});
    session.received(welcome("bot"));
    session.received(message(12, "bob", "ALL", "hi"));
    session.disconnected("reset");
    session.connected();
    EXPECT_EQ(host.take_sent(), Lines{encode_hello("bot", {}, Resume{12, {}})});
}

// ---- --listen -----------------------------------------------------------------------

TEST(HistoryListen, AReconnectionResumesAndPrintsTheReplayOnceAndPlainly) {
    RecordingHost host;
    ListenSession session(host, "logger", false, false);
    session.connected();
    EXPECT_EQ(host.take_sent(), Lines{encode_hello("logger")});  // a start asks nothing back
    session.received(welcome("logger"));
    session.received(message(3, "bob", "ALL", "one"));
    session.disconnected("reset");
    session.connected();
    EXPECT_EQ(host.take_sent(), Lines{encode_hello("logger", {}, Resume{3, {}})});
    session.received(welcome("logger"));
    session.received(message(3, "bob", "ALL", "one", R"(,"replay":true)"));
    session.received(message(4, "bob", "#dev", "two", R"(,"replay":true)"));
    session.received(R"({"type":"replayed","last_id":4})");
    session.received(message(5, "bob", "ALL", "three"));
    EXPECT_EQ(host.take_shown(), (Lines{"bob: one", "bob in #dev: two", "bob: three"}));
}

TEST(HistoryListen, JsonPrintsReplayedFramesAsReceived) {
    RecordingHost host;
    ListenSession session(host, "logger", true, false);
    session.connected();
    session.received(welcome("logger"));
    const std::string replayed = message(4, "bob", "ALL", "two", R"(,"replay":true)");
    session.received(replayed);
    session.received(replayed);
    EXPECT_EQ(host.take_shown(), Lines{replayed});
}

}  // namespace
}  // namespace hubchat::client
