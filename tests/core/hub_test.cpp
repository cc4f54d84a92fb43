// The hub with fake peers and a fake clock: routing, names, rooms, presence.
#include "core/hub.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace hubchat {
namespace {

struct FakePeer : Peer {
    std::vector<Event> events;
    bool presence = true;
    void deliver(const Event& event) override { events.push_back(event); }
    bool wants_presence() const override { return presence; }

    template <class T>
    std::vector<T> all() const {
        std::vector<T> out;
        for (const auto& e : events) {
            if (const auto* v = std::get_if<T>(&e)) out.push_back(*v);
        }
        return out;
    }
    template <class T>
    std::optional<T> last() const {
        auto v = all<T>();
        if (v.empty()) return std::nullopt;
        return v.back();
    }
    std::vector<ChatPtr> chats() const { return all<ChatPtr>(); }
    void clear() { events.clear(); }
};

class HubTest : public ::testing::Test {
  protected:
    TimestampMs now = 1000;
    Hub hub{[this] { return now; }, HubLimits{65536, 3}};
    std::vector<std::unique_ptr<FakePeer>> peers;

    struct User {
        ConnectionId id;
        FakePeer* peer;
    };
    User connect() {
        peers.push_back(std::make_unique<FakePeer>());
        return User{hub.attach(*peers.back()), peers.back().get()};
    }
    User user(const std::string& name) {
        auto u = connect();
        hub.handle(u.id, Hello{name});
        EXPECT_TRUE(u.peer->last<Welcome>()) << name;
        u.peer->clear();
        return u;
    }
    void send(const User& from, std::vector<std::string> targets, std::string text, Ref ref = "1") {
        hub.handle(from.id, SendMessage{std::move(targets), std::move(text), std::move(ref)});
    }
};

TEST_F(HubTest, HelloRegistersAndWelcomes) {
    auto c = connect();
    EXPECT_EQ(hub.name_of(c.id), nullptr);
    hub.handle(c.id, Hello{"Alice"});
    auto welcome = c.peer->last<Welcome>();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->name, "Alice");
    EXPECT_EQ(welcome->max_message, 65536u);
    ASSERT_NE(hub.name_of(c.id), nullptr);
    EXPECT_EQ(*hub.name_of(c.id), "Alice");
    EXPECT_EQ(hub.user_count(), 1u);
}

TEST_F(HubTest, NamesAreUniqueCaseInsensitively) {
    user("Alice");
    auto c = connect();
    hub.handle(c.id, Hello{"aLiCe"});
    auto error = c.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::NameTaken);
    EXPECT_EQ(hub.name_of(c.id), nullptr);
    hub.handle(c.id, Hello{"alicia"});
    EXPECT_TRUE(c.peer->last<Welcome>());
}

TEST_F(HubTest, InvalidNamesAreRefused) {
    for (const std::string& bad : std::vector<std::string>{
             "", "a b", "a,b", "ALL", "all", "Server", "#x", "@x", "/x", std::string(33, 'n'),
             std::string("tab\t"), std::string("\xff")}) {
        auto c = connect();
        hub.handle(c.id, Hello{bad});
        auto error = c.peer->last<Error>();
        ASSERT_TRUE(error) << bad;
        EXPECT_EQ(error->code, ErrorCode::BadName) << bad;
    }
}

TEST_F(HubTest, SecondHelloIsRefused) {
    auto a = user("a");
    hub.handle(a.id, Hello{"b"});
    ASSERT_TRUE(a.peer->last<Error>());
    EXPECT_EQ(a.peer->last<Error>()->code, ErrorCode::AlreadyRegistered);
    EXPECT_EQ(*hub.name_of(a.id), "a");
}

TEST_F(HubTest, RequestsBeforeHelloAreRefused) {
    auto c = connect();
    hub.handle(c.id, ListUsers{"r"});
    auto error = c.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::NotRegistered);
    EXPECT_EQ(error->ref, "r");
    hub.handle(c.id, Ping{"p"});
    EXPECT_TRUE(c.peer->last<Pong>());  // ping needs no name
}

TEST_F(HubTest, DirectMessageGoesToTheRecipientOnlyAndIsAcknowledged) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    now = 5000;
    send(alice, {"BOB"}, "hi", "42");
    ASSERT_EQ(bob.peer->chats().size(), 1u);
    const auto& chat = *bob.peer->chats()[0];
    EXPECT_EQ(chat.from, "alice");
    EXPECT_EQ(chat.dest, "bob");
    EXPECT_EQ(chat.text, "hi");
    EXPECT_EQ(chat.ts, 5000);
    EXPECT_EQ(chat.kind, DestKind::Direct);
    EXPECT_TRUE(carol.peer->chats().empty());
    EXPECT_TRUE(alice.peer->chats().empty());
    auto ack = alice.peer->last<Ack>();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->ref, "42");
    EXPECT_EQ(ack->id, chat.id);
    EXPECT_EQ(ack->delivered, 1u);
    EXPECT_TRUE(ack->failed.empty());
}

TEST_F(HubTest, MessageIdsIncrease) {
    auto alice = user("alice");
    auto bob = user("bob");
    for (int i = 0; i < 5; ++i) send(alice, {"bob"}, "m");
    const auto chats = bob.peer->chats();
    ASSERT_EQ(chats.size(), 5u);
    for (std::size_t i = 1; i < chats.size(); ++i) EXPECT_GT(chats[i]->id, chats[i - 1]->id);
}

TEST_F(HubTest, MultiRecipientSplitsCommasDeduplicatesAndReportsFailures) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    send(alice, {"bob, carol", "zed", "Carol", "bob"}, "hey");
    EXPECT_EQ(bob.peer->chats().size(), 1u);
    ASSERT_EQ(carol.peer->chats().size(), 1u);
    EXPECT_EQ(carol.peer->chats()[0]->dest, "bob,carol");
    EXPECT_EQ(carol.peer->chats()[0]->kind, DestKind::Multi);
    auto error = alice.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::UnknownRecipient);
    EXPECT_EQ(error->names, std::vector<std::string>{"zed"});
    auto ack = alice.peer->last<Ack>();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->delivered, 2u);
    EXPECT_EQ(ack->failed, std::vector<std::string>{"zed"});
}

TEST_F(HubTest, AllFailedGivesAnErrorAndNoAck) {
    auto alice = user("alice");
    send(alice, {"ghost,phantom"}, "boo");
    EXPECT_FALSE(alice.peer->last<Ack>());
    auto error = alice.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->names, (std::vector<std::string>{"ghost", "phantom"}));
}

TEST_F(HubTest, EmptyTextAndNoTargetAreRefused) {
    auto alice = user("alice");
    send(alice, {"alice"}, "");
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::EmptyMessage);
    send(alice, {" , "}, "x");
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest);
    EXPECT_TRUE(alice.peer->chats().empty());
}

TEST_F(HubTest, AllReachesEveryoneInRegistrationOrderIncludingTheSender) {
    auto c = user("c");
    auto a = user("a");
    auto b = user("b");
    send(b, {"all"}, "everyone");  // any case
    for (auto* p : {c.peer, a.peer, b.peer}) {
        ASSERT_EQ(p->chats().size(), 1u);
        EXPECT_EQ(p->chats()[0]->dest, "ALL");
        EXPECT_EQ(p->chats()[0]->kind, DestKind::All);
    }
    // One ChatMessage object shared by every recipient: serialized once per format.
    EXPECT_EQ(c.peer->chats()[0].get(), a.peer->chats()[0].get());
    EXPECT_EQ(a.peer->chats()[0].get(), b.peer->chats()[0].get());
    EXPECT_EQ(b.peer->last<Ack>()->delivered, 3u);
}

TEST_F(HubTest, ListIsInRegistrationOrder) {
    user("c");
    user("a");
    {
        auto b = user("b");
        hub.detach(b.id, "quit");
    }
    auto d = user("d");
    hub.handle(d.id, ListUsers{"x"});
    auto list = d.peer->last<UserList>();
    ASSERT_TRUE(list);
    EXPECT_EQ(list->users, (std::vector<std::string>{"c", "a", "d"}));
    EXPECT_EQ(list->ref, "x");
}

TEST_F(HubTest, RoomsJoinMessageLeave) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    hub.handle(alice.id, JoinRoom{"#Dev", ""});
    auto joined = alice.peer->last<PresencePtr>();
    ASSERT_TRUE(joined);
    EXPECT_EQ((*joined)->room, "#Dev");
    hub.handle(bob.id, JoinRoom{"#dev", ""});
    auto seen = alice.peer->last<PresencePtr>();
    ASSERT_TRUE(seen);
    EXPECT_EQ((*seen)->user, "bob");
    EXPECT_EQ((*seen)->room, "#Dev");  // first spelling kept
    EXPECT_TRUE(carol.peer->all<PresencePtr>().empty());

    send(carol, {"#dev"}, "let me in");
    EXPECT_EQ(carol.peer->last<Error>()->code, ErrorCode::NotInRoom);
    send(alice, {"#DEV"}, "room talk");
    ASSERT_EQ(alice.peer->chats().size(), 1u);  // the sender too
    ASSERT_EQ(bob.peer->chats().size(), 1u);
    EXPECT_EQ(bob.peer->chats()[0]->dest, "#Dev");
    EXPECT_EQ(bob.peer->chats()[0]->kind, DestKind::Room);
    EXPECT_TRUE(carol.peer->chats().empty());

    hub.handle(carol.id, ListMembers{"#dev", ""});
    EXPECT_EQ(carol.peer->last<MemberList>()->users, (std::vector<std::string>{"alice", "bob"}));
    hub.handle(carol.id, JoinRoom{"#abc", ""});
    hub.handle(carol.id, ListRooms{""});
    auto rooms = carol.peer->last<RoomList>();
    ASSERT_TRUE(rooms);
    ASSERT_EQ(rooms->rooms.size(), 3u);
    EXPECT_EQ(rooms->rooms[0].name, "ALL");
    EXPECT_EQ(rooms->rooms[1].name, "#abc");
    EXPECT_EQ(rooms->rooms[2].name, "#Dev");
    EXPECT_EQ(rooms->rooms[2].members, 2u);

    hub.handle(bob.id, LeaveRoom{"#dev", ""});
    auto left = alice.peer->last<PresencePtr>();
    ASSERT_TRUE(left);
    EXPECT_EQ((*left)->kind, PresenceKind::Leave);
    EXPECT_EQ((*left)->reason, "left");
    hub.handle(bob.id, LeaveRoom{"#dev", ""});
    EXPECT_EQ(bob.peer->last<Error>()->code, ErrorCode::NotInRoom);

    hub.handle(alice.id, LeaveRoom{"#dev", ""});
    hub.handle(carol.id, ListMembers{"#dev", ""});
    EXPECT_EQ(carol.peer->last<Error>()->code, ErrorCode::UnknownRecipient);  // gone
}

TEST_F(HubTest, AllCannotBeJoinedOrLeftAndRoomNamesAreChecked) {
    auto alice = user("alice");
    hub.handle(alice.id, JoinRoom{"ALL", ""});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest);
    hub.handle(alice.id, LeaveRoom{"all", ""});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest);
    hub.handle(alice.id, JoinRoom{"nohash", ""});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadName);
    hub.handle(alice.id, JoinRoom{"#a b", ""});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadName);
    hub.handle(alice.id, JoinRoom{"#ok", ""});
    hub.handle(alice.id, JoinRoom{"#OK", ""});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest);  // already in
}

TEST_F(HubTest, PresenceGoesOnlyToPeersThatWantIt) {
    auto modern = user("modern");
    auto old_peer = connect();
    old_peer.peer->presence = false;
    hub.handle(old_peer.id, Hello{"old"});
    auto join = modern.peer->last<PresencePtr>();
    ASSERT_TRUE(join);
    EXPECT_EQ((*join)->user, "old");
    EXPECT_EQ((*join)->room, "ALL");
    auto later = user("later");
    EXPECT_TRUE(old_peer.peer->all<PresencePtr>().empty());
    hub.detach(later.id, "disconnected");
    auto leave = modern.peer->last<PresencePtr>();
    ASSERT_TRUE(leave);
    EXPECT_EQ((*leave)->kind, PresenceKind::Leave);
    EXPECT_EQ((*leave)->reason, "disconnected");
    EXPECT_TRUE(old_peer.peer->all<PresencePtr>().empty());
}

TEST_F(HubTest, CrowdedRoomsStopAnnouncingPresence) {
    // The fixture's presence limit is 3 members.
    auto a = user("a");
    user("b");
    user("c");
    a.peer->clear();
    user("d");  // ALL now has 4 members
    EXPECT_TRUE(a.peer->all<PresencePtr>().empty());
}

TEST_F(HubTest, DetachIsIdempotentAndFreesTheName) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, JoinRoom{"#r", ""});
    hub.handle(bob.id, JoinRoom{"#r", ""});
    bob.peer->clear();
    hub.detach(alice.id, "quit");
    hub.detach(alice.id, "quit");
    const auto presence = bob.peer->all<PresencePtr>();
    ASSERT_EQ(presence.size(), 2u);  // left #r, left ALL
    EXPECT_EQ(presence[0]->room, "#r");
    EXPECT_EQ(presence[1]->room, "ALL");
    EXPECT_EQ(presence[1]->reason, "quit");
    EXPECT_EQ(hub.user_count(), 1u);
    auto again = user("ALICE");  // the name is free again
    EXPECT_EQ(*hub.name_of(again.id), "ALICE");
    hub.handle(alice.id, ListUsers{""});  // a detached connection is ignored
    auto c = connect();
    hub.detach(c.id, "disconnected");  // never registered
    EXPECT_EQ(hub.connection_count(), 2u);
}

TEST_F(HubTest, ShutdownNoticeReachesEveryConnection) {
    auto alice = user("alice");
    auto silent = connect();
    hub.announce_shutdown("bye");
    EXPECT_TRUE(alice.peer->last<ShutdownNotice>());
    ASSERT_TRUE(silent.peer->last<ShutdownNotice>());
    EXPECT_EQ(silent.peer->last<ShutdownNotice>()->text, "bye");
}

TEST_F(HubTest, QuitDetaches) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, Quit{"bye"});
    EXPECT_EQ(hub.user_count(), 1u);
    EXPECT_EQ((*bob.peer->last<PresencePtr>())->reason, "quit");
}

}  // namespace
}  // namespace hubchat
