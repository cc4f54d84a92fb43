// What the hub gained for IRC (issue 7): notices, the sender's account, topics, away
// state and the queries behind WHOIS, NAMES, WHO and LIST. Protocol-neutral, no sockets.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/hub.hpp"
#include "recording_peer.hpp"

namespace hubchat {
namespace {

using test::RecordingPeer;

class HubIrcTest : public ::testing::Test {
  protected:
    TimestampMs now = 5000;
    Hub hub{[this] { return now; }};
    std::vector<std::unique_ptr<RecordingPeer>> peers;

    struct User {
        ConnectionId id;
        RecordingPeer* peer;
    };
    User user(const std::string& name, bool authenticated = false, bool wants_away = false) {
        peers.push_back(std::make_unique<RecordingPeer>());
        peers.back()->away = wants_away;
        User u{hub.attach(*peers.back()), peers.back().get()};
        hub.handle(u.id, Hello{name, authenticated});
        EXPECT_TRUE(u.peer->last<Welcome>()) << name;
        u.peer->events.clear();
        return u;
    }
};

TEST_F(HubIrcTest, NoticeFlagReachesRecipients) {
    auto alice = user("alice");
    auto bob = user("bob");
    SendMessage notice{{"bob"}, "automated", "1"};
    notice.notice = true;
    hub.handle(alice.id, notice);
    hub.handle(alice.id, SendMessage{{"bob"}, "plain", "2"});
    const auto chats = bob.peer->all<ChatPtr>();
    ASSERT_EQ(chats.size(), 2u);
    EXPECT_TRUE(chats[0]->notice);
    EXPECT_FALSE(chats[1]->notice);
}

TEST_F(HubIrcTest, ChatCarriesTheSendersAccountOnlyWhenLoggedIn) {
    auto member = user("member", true);
    auto guest = user("guest");
    hub.handle(member.id, SendMessage{{"ALL"}, "from a member", "1"});
    hub.handle(guest.id, SendMessage{{"ALL"}, "from a guest", "2"});
    const auto chats = guest.peer->all<ChatPtr>();
    ASSERT_EQ(chats.size(), 2u);
    EXPECT_EQ(chats[0]->account, "member");
    EXPECT_EQ(chats[1]->account, "");
}

TEST_F(HubIrcTest, MembersSetTopicsAndEveryMemberHears) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    hub.handle(alice.id, JoinRoom{"#dev", ""});
    hub.handle(bob.id, JoinRoom{"#dev", ""});
    now = 7000;
    hub.handle(alice.id, SetTopic{"#DEV", "release on friday", "t"});
    for (auto* peer : {alice.peer, bob.peer}) {
        const auto topic = peer->last<TopicPtr>();
        ASSERT_TRUE(topic);
        EXPECT_EQ((*topic)->room, "#dev");
        EXPECT_EQ((*topic)->text, "release on friday");
        EXPECT_EQ((*topic)->setter, "alice");
        EXPECT_EQ((*topic)->ts, 7000);
    }
    EXPECT_FALSE(carol.peer->last<TopicPtr>());
    const auto state = hub.room_state("#Dev");
    ASSERT_TRUE(state);
    EXPECT_EQ(state->topic, "release on friday");
    EXPECT_EQ(state->topic_setter, "alice");
    EXPECT_EQ(state->topic_ts, 7000);
    EXPECT_EQ(state->members, (std::vector<std::string>{"alice", "bob"}));
}

TEST_F(HubIrcTest, TopicRefusals) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, JoinRoom{"#dev", ""});
    hub.handle(bob.id, SetTopic{"#dev", "mine now", "1"});
    ASSERT_TRUE(bob.peer->last<Error>());
    EXPECT_EQ(bob.peer->last<Error>()->code, ErrorCode::NotInRoom);
    hub.handle(bob.id, SetTopic{"#nowhere", "x", "2"});
    EXPECT_EQ(bob.peer->last<Error>()->code, ErrorCode::UnknownRecipient);
    hub.handle(alice.id, SetTopic{"#dev", std::string(391, 't'), "3"});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::TooLarge);
    hub.handle(alice.id, SetTopic{"#dev", "bad \xff", "4"});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest);
    EXPECT_TRUE(hub.room_state("#dev")->topic.empty());
    EXPECT_TRUE(alice.peer->all<TopicPtr>().empty());
}

TEST_F(HubIrcTest, AnyoneMaySetTheTopicOfAll) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, SetTopic{"ALL", "welcome", ""});
    ASSERT_TRUE(bob.peer->last<TopicPtr>());
    EXPECT_EQ((*bob.peer->last<TopicPtr>())->room, "ALL");
    EXPECT_EQ(hub.room_state("all")->topic, "welcome");
}

TEST_F(HubIrcTest, AwayIsToldToThoseWhoWantItAndShownInUserInfo) {
    auto alice = user("alice", false, true);
    auto bob = user("bob", false, true);
    auto json = user("json");  // does not want away notices
    hub.handle(bob.id, SetAway{"lunch", ""});
    const auto notice = alice.peer->last<AwayChange>();
    ASSERT_TRUE(notice);
    EXPECT_EQ(notice->user, "bob");
    EXPECT_EQ(notice->text, "lunch");
    EXPECT_FALSE(bob.peer->last<AwayChange>());  // not told of itself
    EXPECT_FALSE(json.peer->last<AwayChange>());
    EXPECT_EQ(hub.user_info("BOB")->away, "lunch");
    const auto note = hub.away_note("BOB");  // what a message to bob is answered with
    ASSERT_TRUE(note);
    EXPECT_EQ(note->name, "bob");
    EXPECT_EQ(note->away, "lunch");
    EXPECT_FALSE(hub.away_note("alice"));      // here
    EXPECT_FALSE(hub.away_note("nobody"));     // not connected
    hub.handle(bob.id, SetAway{"lunch", ""});  // no change, no notice
    EXPECT_EQ(alice.peer->all<AwayChange>().size(), 1u);
    hub.handle(bob.id, SetAway{"", ""});
    EXPECT_EQ(alice.peer->last<AwayChange>()->text, "");
    EXPECT_EQ(hub.user_info("bob")->away, "");
    EXPECT_FALSE(hub.away_note("bob"));
}

// The note is skipped at once while nobody is away: the count behind that must follow
// every way of going away and coming back, leaving included.
TEST_F(HubIrcTest, AwayNotesFollowEveryoneWhoGoesAwayComesBackOrLeaves) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    auto dave = user("dave");
    hub.handle(bob.id, SetAway{"lunch", ""});
    hub.handle(carol.id, SetAway{"out", ""});
    hub.handle(carol.id, SetAway{"still out", ""});  // a new text, still one away
    hub.detach(dave.id, "Quit");                     // was here
    hub.detach(bob.id, "Quit");                      // was away
    ASSERT_TRUE(hub.away_note("carol"));
    EXPECT_EQ(hub.away_note("carol")->away, "still out");
    hub.handle(carol.id, SetAway{"", ""});
    EXPECT_FALSE(hub.away_note("carol"));
    hub.handle(alice.id, SetAway{"brb", ""});
    ASSERT_TRUE(hub.away_note("alice"));
    EXPECT_EQ(hub.away_note("alice")->away, "brb");
}

TEST_F(HubIrcTest, LongAwayMessagesAreCutAtACharacterBoundary) {
    auto alice = user("alice");
    std::string text;
    for (int i = 0; i < 150; ++i) text += "\xc3\xa9";  // 300 bytes
    hub.handle(alice.id, SetAway{text, ""});
    const auto away = hub.user_info("alice")->away;
    EXPECT_EQ(away.size(), 200u);
    EXPECT_FALSE(alice.peer->last<Error>());
}

TEST_F(HubIrcTest, UserInfoAndRoomQueries) {
    auto alice = user("alice", true);
    user("bob");
    hub.handle(alice.id, JoinRoom{"#dev", ""});
    hub.handle(alice.id, JoinRoom{"#ops", ""});
    const auto info = hub.user_info("Alice");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->name, "alice");
    EXPECT_TRUE(info->authenticated);
    EXPECT_EQ(info->rooms, (std::vector<std::string>{"#dev", "#ops"}));
    EXPECT_FALSE(hub.user_info("bob")->authenticated);
    EXPECT_FALSE(hub.user_info("nobody"));
    EXPECT_FALSE(hub.room_state("#nowhere"));
    EXPECT_EQ(hub.room_state("ALL")->members, (std::vector<std::string>{"alice", "bob"}));
    const auto rooms = hub.room_list();
    ASSERT_EQ(rooms.size(), 3u);
    EXPECT_EQ(rooms[0].name, "ALL");
    EXPECT_EQ(rooms[0].members, 2u);
    EXPECT_EQ(rooms[1].name, "#dev");
    EXPECT_EQ(rooms[2].name, "#ops");
}

TEST_F(HubIrcTest, RenamesAreToldToEveryoneAndFreeTheOldName) {
    auto alice = user("alice", true);
    auto bob = user("bob");
    hub.handle(alice.id, ChangeName{"Alice", ""});  // case only: keeps the account
    ASSERT_TRUE(bob.peer->last<Renamed>());
    EXPECT_EQ(bob.peer->last<Renamed>()->to, "Alice");
    EXPECT_TRUE(hub.user_info("alice")->authenticated);
    hub.handle(alice.id, ChangeName{"carol", ""});
    EXPECT_EQ(alice.peer->last<Renamed>()->to, "carol");
    EXPECT_FALSE(hub.user_info("alice"));
    EXPECT_FALSE(hub.user_info("carol")->authenticated);  // another name: a guest now
    hub.handle(bob.id, ChangeName{"CAROL", "r"});
    EXPECT_EQ(bob.peer->last<Error>()->code, ErrorCode::NameTaken);
    hub.handle(bob.id, ChangeName{"1x", "r"});
    EXPECT_EQ(bob.peer->last<Error>()->code, ErrorCode::BadName);
    hub.handle(bob.id, ChangeName{"alice", "r"});
    EXPECT_EQ(*hub.name_of(bob.id), "alice");
    hub.handle(bob.id, SendMessage{{"carol"}, "hi", "m"});
    EXPECT_EQ(alice.peer->last<ChatPtr>().value()->from, "alice");
}

TEST_F(HubIrcTest, NoRoomMayBeCalledAllWithAHash) {
    auto alice = user("alice");
    hub.handle(alice.id, JoinRoom{"#all", "j"});
    ASSERT_TRUE(alice.peer->last<Error>());
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadName);
    EXPECT_EQ(hub.room_list().size(), 1u);
}

TEST_F(HubIrcTest, TopicAndAwayRequestsAreMeteredAsRequestsNotMessages) {
    HubLimits limits;
    limits.request_burst = 2;
    limits.request_rate_per_second = 1;
    Hub metered([this] { return now; }, limits);
    RecordingPeer peer;
    const auto id = metered.attach(peer);
    metered.handle(id, Hello{"alice"});
    metered.handle(id, SetAway{"a", ""});
    metered.handle(id, SetAway{"b", ""});
    metered.handle(id, SetAway{"c", ""});
    ASSERT_TRUE(peer.last<Error>());
    EXPECT_EQ(peer.last<Error>()->code, ErrorCode::RateLimited);
    EXPECT_EQ(metered.user_info("alice")->away, "b");
    // Messages still have their own budget.
    metered.handle(id, SendMessage{{"ALL"}, "hi", "m"});
    EXPECT_EQ(peer.last<Ack>()->ref, "m");
}

}  // namespace
}  // namespace hubchat
