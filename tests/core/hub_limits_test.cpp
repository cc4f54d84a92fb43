// The hub's flood control and caps, with recording peers and a clock the test moves.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/hub.hpp"
#include "recording_peer.hpp"

namespace hubchat {
namespace {

using test::RecordingPeer;

class HubLimitsTest : public ::testing::Test {
  protected:
    TimestampMs now = 1'764'052'800'000;
    std::vector<std::unique_ptr<RecordingPeer>> peers;
    std::unique_ptr<Hub> hub;

    struct User {
        ConnectionId id;
        RecordingPeer* peer;
    };

    void start(HubLimits limits = {}) {
        hub = std::make_unique<Hub>([this] { return now; }, limits);
    }
    User user(const std::string& name) {
        if (!hub) start();
        peers.push_back(std::make_unique<RecordingPeer>());
        User u{hub->attach(*peers.back()), peers.back().get()};
        hub->handle(u.id, Hello{name});
        EXPECT_EQ(u.peer->count<Welcome>(), 1u) << name;
        u.peer->events.clear();
        return u;
    }
    void send(const User& from, std::vector<std::string> targets, std::string ref = "1") {
        hub->handle(from.id, SendMessage{std::move(targets), "hi", std::move(ref)});
    }
    static std::optional<Error> last_error(const User& u) {
        auto errors = u.peer->errors();
        if (errors.empty()) return std::nullopt;
        return errors.back();
    }
};

// ---- message rate --------------------------------------------------------------------

TEST_F(HubLimitsTest, ABurstOfTenPassesAndTheEleventhIsRefusedWithARetryTime) {
    auto alice = user("alice");
    auto bob = user("bob");
    for (int i = 0; i < 10; ++i) send(alice, {"bob"}, std::to_string(i));
    EXPECT_EQ(bob.peer->count<ChatPtr>(), 10u);
    EXPECT_EQ(alice.peer->count<Ack>(), 10u);
    EXPECT_TRUE(alice.peer->errors().empty());

    send(alice, {"bob"}, "\"c11\"");
    EXPECT_EQ(bob.peer->count<ChatPtr>(), 10u);  // not relayed
    auto error = last_error(alice);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::RateLimited);
    EXPECT_EQ(error->retry_after_ms, 200u);  // 5 a second
    EXPECT_EQ(error->ref, "\"c11\"");
    EXPECT_EQ(error->text, "Too many messages: wait 0.2 s and send again");
    EXPECT_EQ(alice.peer->count<Ack>(), 10u);
    EXPECT_EQ(hub->connection_count(), 2u);  // never disconnected for a burst
}

TEST_F(HubLimitsTest, TheBudgetRefillsAsTheClockAdvances) {
    auto alice = user("alice");
    auto bob = user("bob");
    for (int i = 0; i < 10; ++i) send(alice, {"bob"});
    now += 100;
    send(alice, {"bob"});
    ASSERT_TRUE(last_error(alice));
    EXPECT_EQ(last_error(alice)->retry_after_ms, 100u);
    EXPECT_EQ(last_error(alice)->text, "Too many messages: wait 0.1 s and send again");
    now += 100;  // as told
    send(alice, {"bob"});
    EXPECT_EQ(bob.peer->count<ChatPtr>(), 11u);
    // After two quiet seconds, a full burst again.
    now += 2000;
    for (int i = 0; i < 10; ++i) send(alice, {"bob"});
    EXPECT_EQ(bob.peer->count<ChatPtr>(), 21u);
    send(alice, {"bob"});
    EXPECT_EQ(bob.peer->count<ChatPtr>(), 21u);
}

TEST_F(HubLimitsTest, OtherUsersKeepTheirOwnBudget) {
    auto alice = user("alice");
    auto bob = user("bob");
    for (int i = 0; i < 15; ++i) send(alice, {"bob"});
    EXPECT_EQ(alice.peer->errors().size(), 5u);
    for (int i = 0; i < 10; ++i) send(bob, {"alice"});
    EXPECT_TRUE(bob.peer->errors().empty());
    EXPECT_EQ(alice.peer->count<ChatPtr>(), 10u);
}

TEST_F(HubLimitsTest, RefusedAndInvalidMessagesSpendTheBudgetToo) {
    auto alice = user("alice");
    for (int i = 0; i < 10; ++i) send(alice, {"nobody"});  // each refused: unknown recipient
    send(alice, {"nobody"});
    ASSERT_TRUE(last_error(alice));
    EXPECT_EQ(last_error(alice)->code, ErrorCode::RateLimited);
}

TEST_F(HubLimitsTest, LongWaitsAreShownInWholeAndTenthSeconds) {
    HubLimits limits;
    limits.message_burst = 1;
    limits.message_rate_per_second = 1;
    start(limits);
    auto alice = user("alice");
    user("bob");
    send(alice, {"bob"});
    send(alice, {"bob"});
    EXPECT_EQ(last_error(alice)->text, "Too many messages: wait 1 s and send again");
    now += 1;
    send(alice, {"bob"});
    EXPECT_EQ(last_error(alice)->retry_after_ms, 999u);
    EXPECT_EQ(last_error(alice)->text, "Too many messages: wait 1 s and send again");
    now += 850;
    send(alice, {"bob"});
    EXPECT_EQ(last_error(alice)->retry_after_ms, 149u);
    EXPECT_EQ(last_error(alice)->text, "Too many messages: wait 0.2 s and send again");
}

TEST_F(HubLimitsTest, RateZeroMeansUnlimited) {
    HubLimits limits;
    limits.message_rate_per_second = 0;
    limits.request_rate_per_second = 0;
    start(limits);
    auto alice = user("alice");
    auto bob = user("bob");
    for (int i = 0; i < 1000; ++i) send(alice, {"bob"});
    for (int i = 0; i < 1000; ++i) hub->handle(alice.id, ListUsers{""});
    EXPECT_EQ(bob.peer->count<ChatPtr>(), 1000u);
    EXPECT_EQ(alice.peer->count<UserList>(), 1000u);
    EXPECT_TRUE(alice.peer->errors().empty());
}

TEST_F(HubLimitsTest, JoinsLeavesAndListingsHaveTheirOwnRoomierBudget) {
    auto alice = user("alice");
    // Messages used up: joins (a reconnecting client rejoins all its rooms) still work.
    for (int i = 0; i < 10; ++i) send(alice, {"ALL"});
    for (int i = 0; i < 50; ++i) hub->handle(alice.id, JoinRoom{"#r" + std::to_string(i), ""});
    EXPECT_TRUE(alice.peer->errors().empty());
    for (int i = 0; i < 10; ++i) hub->handle(alice.id, ListRooms{""});
    EXPECT_TRUE(alice.peer->errors().empty());
    hub->handle(alice.id, ListUsers{"\"l\""});
    auto error = last_error(alice);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::RateLimited);
    EXPECT_EQ(error->ref, "\"l\"");
    EXPECT_EQ(error->retry_after_ms, 100u);  // 10 a second
    EXPECT_EQ(error->text, "Too many requests: wait 0.1 s and try again");
}

TEST_F(HubLimitsTest, PingsAreNeverLimited) {
    auto alice = user("alice");
    for (int i = 0; i < 1000; ++i) hub->handle(alice.id, Ping{""});
    EXPECT_EQ(alice.peer->count<Pong>(), 1000u);
    EXPECT_TRUE(alice.peer->errors().empty());
}

// ---- caps ----------------------------------------------------------------------------

TEST_F(HubLimitsTest, RoomsPerUserAreCapped) {
    HubLimits limits;
    limits.max_rooms_per_user = 3;
    start(limits);
    auto alice = user("alice");
    auto bob = user("bob");
    for (const char* room : {"#a", "#b", "#c"}) hub->handle(alice.id, JoinRoom{room, ""});
    EXPECT_TRUE(alice.peer->errors().empty());
    hub->handle(alice.id, JoinRoom{"#d", "\"j4\""});
    auto error = last_error(alice);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::TooManyRooms);
    EXPECT_EQ(error->ref, "\"j4\"");
    EXPECT_EQ(error->names, std::vector<std::string>{"#d"});
    EXPECT_EQ(error->text, "You are in 3 rooms, the most allowed; leave one before joining #d");
    // The refused room was not made; joining an existing room is refused the same way.
    hub->handle(bob.id, ListRooms{""});
    EXPECT_EQ(bob.peer->count<RoomList>(), 1u);
    const auto rooms = std::get<RoomList>(bob.peer->events.back()).rooms;
    EXPECT_EQ(rooms.size(), 4u);  // ALL, #a, #b, #c
    hub->handle(bob.id, JoinRoom{"#e", ""});
    hub->handle(alice.id, JoinRoom{"#e", ""});
    EXPECT_EQ(last_error(alice)->code, ErrorCode::TooManyRooms);
    // Joining a room one is already in says so, whatever the count.
    hub->handle(alice.id, JoinRoom{"#A", ""});
    EXPECT_EQ(last_error(alice)->code, ErrorCode::BadRequest);
    // Leaving one makes room.
    hub->handle(alice.id, LeaveRoom{"#a", ""});
    const auto errors_before = alice.peer->errors().size();
    hub->handle(alice.id, JoinRoom{"#e", ""});
    EXPECT_EQ(alice.peer->errors().size(), errors_before);
}

TEST_F(HubLimitsTest, RecipientsPerMessageAreCapped) {
    HubLimits limits;
    limits.max_recipients = 3;
    start(limits);
    auto alice = user("alice");
    auto bob = user("bob");
    user("carol");
    user("dave");
    // Repeats and ALL count once each: 3 distinct targets pass.
    send(alice, {"bob,carol", "BOB", "ALL"});
    EXPECT_TRUE(alice.peer->errors().empty());
    EXPECT_EQ(alice.peer->count<Ack>(), 1u);
    bob.peer->events.clear();
    send(alice, {"bob", "carol,dave", "nobody"}, "\"m\"");
    auto error = last_error(alice);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::TooManyRecipients);
    EXPECT_EQ(error->ref, "\"m\"");
    EXPECT_EQ(error->text, "More than 3 recipients in one message; send it to a room, or in parts");
    EXPECT_EQ(bob.peer->count<ChatPtr>(), 0u);  // nothing delivered to anyone
    EXPECT_EQ(alice.peer->count<Ack>(), 1u);
}

TEST_F(HubLimitsTest, DefaultRecipientCapIsAHundredDistinctTargets) {
    HubLimits limits;
    limits.message_rate_per_second = 0;
    start(limits);
    auto alice = user("alice");
    std::vector<std::string> hundred;
    for (int i = 0; i < 100; ++i) hundred.push_back("u" + std::to_string(i));
    send(alice, hundred);  // all unknown, but within the cap
    EXPECT_EQ(last_error(alice)->code, ErrorCode::UnknownRecipient);
    hundred.push_back("u100");
    send(alice, hundred);
    EXPECT_EQ(last_error(alice)->code, ErrorCode::TooManyRecipients);
}

TEST_F(HubLimitsTest, NameLengthsCanBeTightened) {
    HubLimits limits;
    limits.max_name_chars = 8;
    limits.max_room_name_chars = 4;
    start(limits);
    user("eightchr");
    peers.push_back(std::make_unique<RecordingPeer>());
    const auto id = hub->attach(*peers.back());
    hub->handle(id, Hello{"ninechars"});
    auto errors = peers.back()->errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, ErrorCode::BadName);
    EXPECT_EQ(errors[0].text, "A name is longer than 8 characters");

    auto alice = user("alice");
    hub->handle(alice.id, JoinRoom{"#four", ""});
    EXPECT_TRUE(alice.peer->errors().empty());
    hub->handle(alice.id, JoinRoom{"#fives", ""});
    ASSERT_TRUE(last_error(alice));
    EXPECT_EQ(last_error(alice)->code, ErrorCode::BadName);
    EXPECT_EQ(last_error(alice)->text, "A room name is longer than 4 characters");
}

TEST_F(HubLimitsTest, NameLengthsCannotGoPastTheNameRules) {
    HubLimits limits;
    limits.max_name_chars = 100;
    limits.max_room_name_chars = 0;  // off: the name rules' 32 still hold
    start(limits);
    auto alice = user("alice");
    peers.push_back(std::make_unique<RecordingPeer>());
    const auto id = hub->attach(*peers.back());
    hub->handle(id, Hello{std::string(33, 'n')});
    ASSERT_EQ(peers.back()->errors().size(), 1u);
    EXPECT_EQ(peers.back()->errors()[0].code, ErrorCode::BadName);
    hub->handle(alice.id, JoinRoom{"#" + std::string(32, 'r'), ""});
    EXPECT_TRUE(alice.peer->errors().empty());
    hub->handle(alice.id, JoinRoom{"#" + std::string(33, 'r'), ""});
    EXPECT_EQ(last_error(alice)->code, ErrorCode::BadName);
}

TEST_F(HubLimitsTest, CapsOfZeroAreOff) {
    HubLimits limits;
    limits.max_rooms_per_user = 0;
    limits.max_recipients = 0;
    limits.request_rate_per_second = 0;
    limits.message_rate_per_second = 0;
    start(limits);
    auto alice = user("alice");
    for (int i = 0; i < 200; ++i) hub->handle(alice.id, JoinRoom{"#r" + std::to_string(i), ""});
    std::vector<std::string> many;
    for (int i = 0; i < 500; ++i) many.push_back("#r" + std::to_string(i % 200));
    many.push_back("alice");
    send(alice, many);
    EXPECT_TRUE(alice.peer->errors().empty());
    EXPECT_EQ(alice.peer->count<Ack>(), 1u);
}

}  // namespace
}  // namespace hubchat
