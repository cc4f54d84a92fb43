// The hub with fake peers and a fake clock: routing, names, rooms, presence.
#include "core/hub.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "recording_peer.hpp"

namespace hubchat {
namespace {

using test::Delivery;
using test::RecordingPeer;

class HubTest : public ::testing::Test {
  protected:
    static constexpr std::size_t kPresenceLimit = 3;

    TimestampMs now = 1000;
    std::vector<Delivery> log;
    Hub hub{[this] { return now; }, HubLimits{65536, kPresenceLimit}};
    std::vector<std::unique_ptr<RecordingPeer>> peers;

    struct User {
        ConnectionId id;
        RecordingPeer* peer;
    };
    User connect(std::string label = "?", bool presence = true) {
        peers.push_back(std::make_unique<RecordingPeer>());
        peers.back()->label = std::move(label);
        peers.back()->log = &log;
        peers.back()->presence = presence;
        return User{hub.attach(*peers.back()), peers.back().get()};
    }
    // A registered user whose own welcome has been cleared.
    User user(const std::string& name, bool presence = true) {
        auto u = connect(name, presence);
        hub.handle(u.id, Hello{name});
        EXPECT_TRUE(u.peer->last<Welcome>()) << name;
        u.peer->clear();
        return u;
    }
    void send(const User& from, std::vector<std::string> targets, std::string text, Ref ref = "1") {
        hub.handle(from.id, SendMessage{std::move(targets), std::move(text), std::move(ref)});
    }
    void clear_all() {
        for (auto& p : peers) p->clear();
        log.clear();
    }
    // Labels of the peers that received a ChatMessage, in delivery order.
    std::vector<std::string> chat_order() const {
        std::vector<std::string> out;
        for (const auto& d : log) {
            if (std::holds_alternative<ChatPtr>(d.event)) out.push_back(d.to);
        }
        return out;
    }
    std::vector<std::string> room_names(const User& asker) {
        hub.handle(asker.id, ListRooms{""});
        std::vector<std::string> out;
        auto rooms = asker.peer->last<RoomList>();
        EXPECT_TRUE(rooms);
        if (rooms) {
            for (const auto& r : rooms->rooms) out.push_back(r.name);
        }
        return out;
    }
};

using Names = std::vector<std::string>;

// ---- registration ------------------------------------------------------------------

TEST_F(HubTest, HelloRegistersAndWelcomes) {
    auto c = connect();
    EXPECT_EQ(hub.name_of(c.id), nullptr);
    EXPECT_EQ(hub.connection_count(), 1u);
    EXPECT_EQ(hub.user_count(), 0u);
    hub.handle(c.id, Hello{"Alice"});
    ASSERT_EQ(c.peer->events.size(), 1u);  // the welcome, and no presence about itself
    auto welcome = c.peer->last<Welcome>();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->name, "Alice");
    EXPECT_EQ(welcome->max_message, 65536u);
    ASSERT_NE(hub.name_of(c.id), nullptr);
    EXPECT_EQ(*hub.name_of(c.id), "Alice");
    EXPECT_EQ(hub.user_count(), 1u);
}

TEST_F(HubTest, NamesAreUniqueCaseInsensitively) {
    auto alice = user("Alice");
    auto c = connect();
    hub.handle(c.id, Hello{"aLiCe"});
    auto error = c.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::NameTaken);
    EXPECT_EQ(error->names, Names{"aLiCe"});
    EXPECT_NE(error->text.find("aLiCe"), std::string::npos) << error->text;
    EXPECT_FALSE(c.peer->last<Welcome>());
    EXPECT_EQ(hub.name_of(c.id), nullptr);
    EXPECT_EQ(hub.user_count(), 1u);
    EXPECT_EQ(*hub.name_of(alice.id), "Alice");  // the holder keeps it
    // The refused connection may try again with another name.
    hub.handle(c.id, Hello{"alicia"});
    EXPECT_TRUE(c.peer->last<Welcome>());
}

TEST_F(HubTest, NameIsFreeAgainAfterItsHolderLeaves) {
    auto alice = user("alice");
    hub.detach(alice.id, "quit");
    auto again = user("ALICE");
    ASSERT_NE(hub.name_of(again.id), nullptr);
    EXPECT_EQ(*hub.name_of(again.id), "ALICE");  // the new spelling is the one shown
}

TEST_F(HubTest, InvalidNamesAreRefused) {
    const Names bad{"",
                    "a b",
                    "a,b",
                    "ALL",
                    "all",
                    "server",
                    "Server",
                    "HubChat",
                    "#x",
                    "@x",
                    "/x",
                    std::string(33, 'n'),
                    "tab\t",
                    std::string("nul\0", 4),
                    "bell\x07",
                    "del\x7f",
                    "nb\xc2\xa0sp",
                    "zw\xe2\x80\x8bsp",
                    "\xff",
                    "\xc3"};
    for (const auto& name : bad) {
        auto c = connect();
        hub.handle(c.id, Hello{name});
        auto error = c.peer->last<Error>();
        ASSERT_TRUE(error) << name;
        EXPECT_EQ(error->code, ErrorCode::BadName) << name;
        EXPECT_FALSE(error->text.empty()) << name;
        EXPECT_FALSE(c.peer->last<Welcome>()) << name;
        EXPECT_EQ(hub.name_of(c.id), nullptr) << name;
    }
    EXPECT_EQ(hub.user_count(), 0u);
}

TEST_F(HubTest, BorderlineNamesAreAccepted) {
    for (const std::string& good :
         Names{std::string(32, 'n'), "a-b", "[x]", "ALLx", "servers", "^_^", "{a|b}"}) {
        auto c = connect();
        hub.handle(c.id, Hello{good});
        EXPECT_TRUE(c.peer->last<Welcome>()) << good;
    }
}

TEST_F(HubTest, SecondHelloIsRefused) {
    auto a = user("a");
    hub.handle(a.id, Hello{"b"});
    ASSERT_TRUE(a.peer->last<Error>());
    EXPECT_EQ(a.peer->last<Error>()->code, ErrorCode::AlreadyRegistered);
    EXPECT_EQ(*hub.name_of(a.id), "a");
    EXPECT_EQ(hub.user_count(), 1u);
}

TEST_F(HubTest, RequestsBeforeHelloAreRefused) {
    auto bob = user("bob");
    auto c = connect();
    const std::vector<Command> requests{SendMessage{{"bob"}, "hi", "r1"},
                                        SendMessage{{"ALL"}, "hi", "r2"},
                                        ListUsers{"r3"},
                                        ListRooms{"r4"},
                                        JoinRoom{"#x", "r5"},
                                        LeaveRoom{"#x", "r6"},
                                        ListMembers{"ALL", "r7"}};
    for (const auto& request : requests) hub.handle(c.id, request);
    const auto errors = c.peer->all<Error>();
    ASSERT_EQ(errors.size(), requests.size());
    EXPECT_EQ(c.peer->events.size(), requests.size());  // errors and nothing else
    for (std::size_t i = 0; i < errors.size(); ++i) {
        EXPECT_EQ(errors[i].code, ErrorCode::NotRegistered) << i;
        EXPECT_EQ(errors[i].ref, "r" + std::to_string(i + 1));
    }
    EXPECT_TRUE(bob.peer->events.empty());  // nothing was relayed or announced
    hub.handle(c.id, Ping{"p"});
    ASSERT_TRUE(c.peer->last<Pong>());  // ping needs no name
    EXPECT_EQ(c.peer->last<Pong>()->ref, "p");
}

// ---- direct and multi-recipient messages --------------------------------------------

TEST_F(HubTest, DirectMessageGoesToTheRecipientOnlyAndIsAcknowledged) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    clear_all();
    now = 5000;
    send(alice, {"BOB"}, "hi", "42");
    ASSERT_EQ(bob.peer->chats().size(), 1u);
    const auto& chat = *bob.peer->chats()[0];
    EXPECT_GT(chat.id, 0u);
    EXPECT_EQ(chat.from, "alice");
    EXPECT_EQ(chat.dest, "bob");  // the registered spelling, not the sender's
    EXPECT_EQ(chat.text, "hi");
    EXPECT_EQ(chat.ts, 5000);
    EXPECT_EQ(chat.kind, DestKind::Direct);
    EXPECT_TRUE(carol.peer->events.empty());
    EXPECT_TRUE(alice.peer->chats().empty());
    ASSERT_EQ(alice.peer->events.size(), 1u);  // only the ack
    auto ack = alice.peer->last<Ack>();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->ref, "42");
    EXPECT_EQ(ack->id, chat.id);
    EXPECT_EQ(ack->ts, 5000);
    EXPECT_EQ(ack->delivered, 1u);
    EXPECT_TRUE(ack->failed.empty());
    // The ack comes after the delivery.
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0].to, "bob");
    EXPECT_EQ(log[1].to, "alice");
}

TEST_F(HubTest, MessageIdsStrictlyIncreaseAcrossSendersAndKinds) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, JoinRoom{"#r", ""});
    hub.handle(bob.id, JoinRoom{"#r", ""});
    send(alice, {"bob"}, "1");
    send(bob, {"alice"}, "2");
    send(alice, {"ALL"}, "3");
    send(bob, {"#r"}, "4");
    send(alice, {"nobody"}, "refused");  // no message, whatever it does with ids
    send(bob, {"alice,bob"}, "5");
    std::vector<MessageId> ids;
    for (auto* p : {alice.peer, bob.peer}) {
        for (const auto& ack : p->all<Ack>()) ids.push_back(ack.id);
    }
    std::sort(ids.begin(), ids.end());
    ASSERT_EQ(ids.size(), 5u);
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "duplicate id";
    // And in the order sent: every chat alice saw has a higher id than the previous one.
    const auto seen = alice.peer->chats();
    for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i]->id, seen[i - 1]->id);
}

TEST_F(HubTest, CommaStringReachesSeveralRecipients) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    auto dave = user("dave");
    send(alice, {"bob, carol"}, "hey", "m");
    ASSERT_EQ(bob.peer->chats().size(), 1u);
    ASSERT_EQ(carol.peer->chats().size(), 1u);
    EXPECT_TRUE(dave.peer->events.empty());
    EXPECT_TRUE(alice.peer->chats().empty());  // a multi-recipient message skips the sender
    const auto& chat = *carol.peer->chats()[0];
    EXPECT_EQ(chat.dest, "bob,carol");
    EXPECT_EQ(chat.kind, DestKind::Multi);
    EXPECT_EQ(bob.peer->chats()[0].get(), carol.peer->chats()[0].get());  // one object
    auto ack = alice.peer->last<Ack>();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->delivered, 2u);
    EXPECT_TRUE(ack->failed.empty());
    EXPECT_FALSE(alice.peer->last<Error>());
}

TEST_F(HubTest, SeveralTargetsReachSeveralRecipients) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    send(alice, {"carol", "bob"}, "hey");
    ASSERT_EQ(bob.peer->chats().size(), 1u);
    ASSERT_EQ(carol.peer->chats().size(), 1u);
    EXPECT_EQ(bob.peer->chats()[0]->dest, "carol,bob");  // as the sender listed them
    EXPECT_EQ(bob.peer->chats()[0]->kind, DestKind::Multi);
    EXPECT_EQ(chat_order(), (Names{"carol", "bob"}));
    EXPECT_EQ(alice.peer->last<Ack>()->delivered, 2u);
}

TEST_F(HubTest, DuplicateTargetsAreDeliveredOnce) {
    auto alice = user("alice");
    auto bob = user("bob");
    send(alice, {"bob", "BOB", "bob,bob", " bob "}, "once");
    ASSERT_EQ(bob.peer->chats().size(), 1u);
    EXPECT_EQ(bob.peer->chats()[0]->dest, "bob");
    EXPECT_EQ(bob.peer->chats()[0]->kind, DestKind::Direct);
    EXPECT_EQ(alice.peer->last<Ack>()->delivered, 1u);
}

TEST_F(HubTest, RoomAndDirectTargetsOverlappingAreDeliveredOnce) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, JoinRoom{"#r", ""});
    hub.handle(bob.id, JoinRoom{"#r", ""});
    clear_all();
    send(alice, {"#r", "bob"}, "overlap");
    EXPECT_EQ(bob.peer->chats().size(), 1u);
    EXPECT_EQ(alice.peer->chats().size(), 1u);  // via the room
    EXPECT_EQ(alice.peer->last<Ack>()->delivered, 2u);
}

TEST_F(HubTest, UnknownRecipientIsNamedInAnErrorAndInTheAck) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    send(alice, {"bob, zed", "carol"}, "hey", "\"c1\"");
    EXPECT_EQ(bob.peer->chats().size(), 1u);
    EXPECT_EQ(carol.peer->chats().size(), 1u);
    EXPECT_EQ(bob.peer->chats()[0]->dest, "bob,carol");  // only the accepted targets
    auto error = alice.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::UnknownRecipient);
    EXPECT_EQ(error->names, Names{"zed"});
    EXPECT_EQ(error->ref, "\"c1\"");
    EXPECT_NE(error->text.find("zed"), std::string::npos) << error->text;
    auto ack = alice.peer->last<Ack>();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->ref, "\"c1\"");
    EXPECT_EQ(ack->delivered, 2u);
    EXPECT_EQ(ack->failed, Names{"zed"});
}

TEST_F(HubTest, UnknownUserErrorTextMatchesTheContract) {
    // docs/PROTOCOL.md shows both dialects' notice for an unknown user as
    // "No such user: <name>" ({"type":"error",...,"message":"No such user: zed",...} and
    // {"user": "server", "message": "No such user: nobody", ...}).
    auto alice = user("alice");
    send(alice, {"zed"}, "hello?");
    auto error = alice.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->text, "No such user: zed");
}

TEST_F(HubTest, UnknownRoomIsAnUnknownRecipient) {
    auto alice = user("alice");
    send(alice, {"#nowhere"}, "echo");
    auto error = alice.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::UnknownRecipient);
    EXPECT_EQ(error->names, Names{"#nowhere"});
    EXPECT_FALSE(alice.peer->last<Ack>());
}

TEST_F(HubTest, AllTargetsFailedGivesAnErrorAndNoAck) {
    auto alice = user("alice");
    auto bob = user("bob");
    clear_all();
    send(alice, {"ghost,phantom"}, "boo", "7");
    EXPECT_FALSE(alice.peer->last<Ack>());
    ASSERT_EQ(alice.peer->events.size(), 1u);
    auto error = alice.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::UnknownRecipient);
    EXPECT_EQ(error->names, (Names{"ghost", "phantom"}));
    EXPECT_EQ(error->ref, "7");
    EXPECT_TRUE(bob.peer->events.empty());
}

TEST_F(HubTest, EmptyTextAndNoTargetAreRefused) {
    auto alice = user("alice");
    auto bob = user("bob");
    send(alice, {"bob"}, "", "e");
    ASSERT_TRUE(alice.peer->last<Error>());
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::EmptyMessage);
    EXPECT_EQ(alice.peer->last<Error>()->ref, "e");
    send(alice, {" , ", ""}, "x");
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest);
    send(alice, {}, "x");
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest);
    EXPECT_FALSE(alice.peer->last<Ack>());
    EXPECT_TRUE(bob.peer->events.empty());
}

// ---- ALL ---------------------------------------------------------------------------

TEST_F(HubTest, AllReachesEveryoneInRegistrationOrderIncludingTheSender) {
    auto c = user("c");
    auto a = user("a");
    auto b = user("b");
    auto unregistered = connect("unregistered");
    clear_all();
    send(b, {"ALL"}, "everyone");
    EXPECT_EQ(chat_order(), (Names{"c", "a", "b"}));
    for (auto* p : {c.peer, a.peer, b.peer}) {
        ASSERT_EQ(p->chats().size(), 1u);
        EXPECT_EQ(p->chats()[0]->dest, "ALL");
        EXPECT_EQ(p->chats()[0]->kind, DestKind::All);
        EXPECT_EQ(p->chats()[0]->from, "b");
    }
    EXPECT_TRUE(unregistered.peer->events.empty());  // not registered, not in ALL
    // One ChatMessage object shared by every recipient: serialized once per format.
    EXPECT_EQ(c.peer->chats()[0].get(), a.peer->chats()[0].get());
    EXPECT_EQ(a.peer->chats()[0].get(), b.peer->chats()[0].get());
    auto ack = b.peer->last<Ack>();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->delivered, 3u);
    EXPECT_EQ(ack->id, b.peer->chats()[0]->id);
    EXPECT_EQ(log.back().to, "b");  // the ack after every delivery
    EXPECT_TRUE(std::holds_alternative<Ack>(log.back().event));
}

TEST_F(HubTest, AllInAnyCaseIsTheBroadcast) {
    auto a = user("a");
    auto b = user("b");
    for (const std::string& spelling : Names{"all", "All", "aLL"}) {
        clear_all();
        send(a, {spelling}, "x");
        EXPECT_EQ(chat_order(), (Names{"a", "b"})) << spelling;
        ASSERT_EQ(b.peer->chats().size(), 1u) << spelling;
        EXPECT_EQ(b.peer->chats()[0]->dest, "ALL") << spelling;
        EXPECT_EQ(b.peer->chats()[0]->kind, DestKind::All) << spelling;
    }
}

TEST_F(HubTest, AllWithOtherTargetsStillDeliversOncePerConnection) {
    auto a = user("a");
    auto b = user("b");
    send(a, {"b", "ALL", "all,b"}, "x");
    EXPECT_EQ(chat_order(), (Names{"a", "b"}));
    EXPECT_EQ(b.peer->chats().size(), 1u);
    EXPECT_EQ(a.peer->last<Ack>()->delivered, 2u);
}

// ---- rooms -------------------------------------------------------------------------

TEST_F(HubTest, JoinCreatesTheRoomAndTellsTheJoinerAndMembersOnly) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    EXPECT_EQ(room_names(carol), Names{"ALL"});
    clear_all();

    now = 2000;
    hub.handle(alice.id, JoinRoom{"#Dev", "j1"});
    auto joined = alice.peer->last<PresencePtr>();
    ASSERT_TRUE(joined);  // the joiner's confirmation
    EXPECT_EQ((*joined)->kind, PresenceKind::Join);
    EXPECT_EQ((*joined)->room, "#Dev");
    EXPECT_EQ((*joined)->user, "alice");
    EXPECT_EQ((*joined)->ts, 2000);
    EXPECT_TRUE(bob.peer->presences().empty());
    EXPECT_EQ(room_names(carol), (Names{"ALL", "#Dev"}));

    clear_all();
    hub.handle(bob.id, JoinRoom{"#dev", ""});
    ASSERT_EQ(alice.peer->presences().size(), 1u);
    ASSERT_EQ(bob.peer->presences().size(), 1u);
    const PresencePtr seen = alice.peer->presences()[0];
    EXPECT_EQ(seen->user, "bob");
    EXPECT_EQ(seen->room, "#Dev");                          // the first spelling is kept
    EXPECT_EQ(seen.get(), bob.peer->presences()[0].get());  // one event object
    EXPECT_TRUE(carol.peer->presences().empty());
}

TEST_F(HubTest, RoomMessagesReachMembersOnlyIncludingTheSender) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    hub.handle(alice.id, JoinRoom{"#Dev", ""});
    hub.handle(bob.id, JoinRoom{"#dev", ""});
    clear_all();

    send(alice, {"#DEV"}, "room talk", "r");
    EXPECT_EQ(chat_order(), (Names{"alice", "bob"}));  // join order
    ASSERT_EQ(bob.peer->chats().size(), 1u);
    EXPECT_EQ(bob.peer->chats()[0]->dest, "#Dev");
    EXPECT_EQ(bob.peer->chats()[0]->kind, DestKind::Room);
    EXPECT_EQ(bob.peer->chats()[0].get(), alice.peer->chats()[0].get());
    EXPECT_TRUE(carol.peer->events.empty());
    EXPECT_EQ(alice.peer->last<Ack>()->delivered, 2u);
}

TEST_F(HubTest, MessageToARoomYouAreNotInIsRefused) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    hub.handle(alice.id, JoinRoom{"#dev", ""});
    clear_all();

    send(carol, {"#dev"}, "let me in", "n");
    auto error = carol.peer->last<Error>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, ErrorCode::NotInRoom);
    EXPECT_EQ(error->names, Names{"#dev"});
    EXPECT_EQ(error->ref, "n");
    EXPECT_FALSE(carol.peer->last<Ack>());
    EXPECT_TRUE(alice.peer->events.empty());

    // Mixed with a good target: delivered to that one, the room listed as failed.
    send(carol, {"#dev,bob"}, "partly");
    EXPECT_EQ(bob.peer->chats().size(), 1u);
    EXPECT_TRUE(alice.peer->chats().empty());
    auto ack = carol.peer->last<Ack>();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->delivered, 1u);
    EXPECT_EQ(ack->failed, Names{"#dev"});
}

TEST_F(HubTest, LeaveTellsTheLeaverAndTheMembersAndEmptyRoomsDisappear) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    hub.handle(alice.id, JoinRoom{"#dev", ""});
    hub.handle(bob.id, JoinRoom{"#dev", ""});
    clear_all();

    hub.handle(bob.id, LeaveRoom{"#DEV", "l"});
    for (auto* p : {alice.peer, bob.peer}) {
        ASSERT_EQ(p->presences().size(), 1u) << p->label;
        const PresencePtr left = p->presences()[0];
        EXPECT_EQ(left->kind, PresenceKind::Leave);
        EXPECT_EQ(left->room, "#dev");
        EXPECT_EQ(left->user, "bob");
        EXPECT_EQ(left->reason, "left");
    }
    EXPECT_TRUE(carol.peer->events.empty());

    // bob is out: no more room messages, and a second leave is refused.
    send(alice, {"#dev"}, "still here?");
    EXPECT_TRUE(bob.peer->chats().empty());
    hub.handle(bob.id, LeaveRoom{"#dev", "l2"});
    ASSERT_TRUE(bob.peer->last<Error>());
    EXPECT_EQ(bob.peer->last<Error>()->code, ErrorCode::NotInRoom);
    EXPECT_EQ(bob.peer->last<Error>()->ref, "l2");
    send(bob, {"#dev"}, "x");
    EXPECT_EQ(bob.peer->last<Error>()->code, ErrorCode::NotInRoom);

    // The last member leaves: the room is gone.
    hub.handle(alice.id, LeaveRoom{"#dev", ""});
    EXPECT_EQ(room_names(carol), Names{"ALL"});
    hub.handle(carol.id, ListMembers{"#dev", "m"});
    ASSERT_TRUE(carol.peer->last<Error>());
    EXPECT_EQ(carol.peer->last<Error>()->code, ErrorCode::UnknownRecipient);
    send(alice, {"#dev"}, "x");
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::UnknownRecipient);
    hub.handle(alice.id, LeaveRoom{"#never", ""});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::NotInRoom);
}

TEST_F(HubTest, ARoomCreatedAgainTakesTheNewSpelling) {
    auto alice = user("alice");
    hub.handle(alice.id, JoinRoom{"#dev", ""});
    hub.handle(alice.id, LeaveRoom{"#dev", ""});
    hub.handle(alice.id, JoinRoom{"#DEV", ""});
    EXPECT_EQ(room_names(alice), (Names{"ALL", "#DEV"}));
}

TEST_F(HubTest, MembersListInJoinOrder) {
    auto alice = user("alice");
    auto bob = user("bob");
    auto carol = user("carol");
    hub.handle(bob.id, JoinRoom{"#r", ""});
    hub.handle(alice.id, JoinRoom{"#R", ""});
    hub.handle(carol.id, ListMembers{"#r", "m1"});  // a non-member may ask
    auto members = carol.peer->last<MemberList>();
    ASSERT_TRUE(members);
    EXPECT_EQ(members->room, "#r");
    EXPECT_EQ(members->ref, "m1");
    EXPECT_EQ(members->users, (Names{"bob", "alice"}));
    hub.handle(carol.id, ListMembers{"ALL", ""});
    ASSERT_TRUE(carol.peer->last<MemberList>());
    EXPECT_EQ(carol.peer->last<MemberList>()->users, (Names{"alice", "bob", "carol"}));
}

TEST_F(HubTest, RoomsListAllFirstThenAlphabetical) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, JoinRoom{"#zeta", ""});
    hub.handle(alice.id, JoinRoom{"#Beta", ""});
    hub.handle(bob.id, JoinRoom{"#alpha", ""});
    hub.handle(bob.id, JoinRoom{"#beta", ""});
    hub.handle(bob.id, ListRooms{"7"});
    auto list = bob.peer->last<RoomList>();
    ASSERT_TRUE(list);
    EXPECT_EQ(list->ref, "7");
    ASSERT_EQ(list->rooms.size(), 4u);
    EXPECT_EQ(list->rooms[0].name, "ALL");
    EXPECT_EQ(list->rooms[0].members, 2u);
    EXPECT_EQ(list->rooms[1].name, "#alpha");
    EXPECT_EQ(list->rooms[1].members, 1u);
    EXPECT_EQ(list->rooms[2].name, "#Beta");
    EXPECT_EQ(list->rooms[2].members, 2u);
    EXPECT_EQ(list->rooms[3].name, "#zeta");
    EXPECT_EQ(list->rooms[3].members, 1u);
}

TEST_F(HubTest, AllCannotBeJoinedOrLeftAndRoomNamesAreChecked) {
    auto alice = user("alice");
    for (const std::string& all : Names{"ALL", "all"}) {
        hub.handle(alice.id, JoinRoom{all, "j"});
        ASSERT_TRUE(alice.peer->last<Error>());
        EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest) << all;
        EXPECT_EQ(alice.peer->last<Error>()->ref, "j");
        hub.handle(alice.id, LeaveRoom{all, ""});
        EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest) << all;
    }
    for (const std::string& bad :
         Names{"nohash", "#", "#a b", "#a,b", "#" + std::string(33, 'x'), "#tab\t", "#\xff"}) {
        hub.handle(alice.id, JoinRoom{bad, ""});
        EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadName) << bad;
    }
    EXPECT_EQ(room_names(alice), Names{"ALL"});  // nothing was created
    EXPECT_TRUE(alice.peer->presences().empty());
    hub.handle(alice.id, JoinRoom{"#" + std::string(32, 'x'), ""});
    EXPECT_EQ(alice.peer->presences().size(), 1u);
    hub.handle(alice.id, JoinRoom{"#ok", ""});
    hub.handle(alice.id, JoinRoom{"#OK", ""});
    EXPECT_EQ(alice.peer->last<Error>()->code, ErrorCode::BadRequest);  // already in
    EXPECT_EQ(alice.peer->presences().size(), 2u);                      // no second join
}

TEST_F(HubTest, CrowdedRoomsStopAnnouncingOthersButTheJoinerIsConfirmed) {
    // The fixture's presence limit is 3 members.
    std::vector<User> users;
    for (const char* name : {"a", "b", "c", "d"}) users.push_back(user(name));
    for (std::size_t i = 0; i < 3; ++i) hub.handle(users[i].id, JoinRoom{"#big", ""});
    clear_all();
    hub.handle(users[3].id, JoinRoom{"#big", ""});  // 4 members now
    ASSERT_EQ(users[3].peer->presences().size(), 1u);
    EXPECT_EQ(users[3].peer->presences()[0]->room, "#big");
    for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(users[i].peer->events.empty()) << i;
}

// ---- presence on connect / disconnect ------------------------------------------------

TEST_F(HubTest, RegistrationIsAnnouncedToOthersThatWantPresence) {
    auto modern = user("modern");
    auto old_peer = user("old", /*presence=*/false);
    auto waiting = connect("waiting");  // attached, never says hello
    ASSERT_EQ(modern.peer->presences().size(), 1u);
    auto join = modern.peer->presences()[0];
    EXPECT_EQ(join->kind, PresenceKind::Join);
    EXPECT_EQ(join->user, "old");
    EXPECT_EQ(join->room, "ALL");
    now = 3000;
    auto later = user("later");
    ASSERT_EQ(modern.peer->presences().size(), 2u);
    EXPECT_EQ(modern.peer->presences()[1]->ts, 3000);
    EXPECT_TRUE(later.peer->presences().empty());  // not about itself
    EXPECT_TRUE(old_peer.peer->presences().empty());
    EXPECT_TRUE(waiting.peer->events.empty());
}

TEST_F(HubTest, DisconnectIsAnnouncedToOthersThatWantPresence) {
    auto modern = user("modern");
    auto old_peer = user("old", /*presence=*/false);
    auto leaving = user("leaving");
    auto waiting = connect("waiting");
    clear_all();
    hub.detach(leaving.id, "disconnected");
    ASSERT_EQ(modern.peer->presences().size(), 1u);
    const PresencePtr leave = modern.peer->presences()[0];
    EXPECT_EQ(leave->kind, PresenceKind::Leave);
    EXPECT_EQ(leave->room, "ALL");
    EXPECT_EQ(leave->user, "leaving");
    EXPECT_EQ(leave->reason, "disconnected");
    EXPECT_TRUE(old_peer.peer->events.empty());
    EXPECT_TRUE(waiting.peer->events.empty());
    EXPECT_TRUE(leaving.peer->events.empty());  // nothing to the gone connection
}

TEST_F(HubTest, DetachLeavesEveryRoomAndIsIdempotent) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, JoinRoom{"#r", ""});
    hub.handle(alice.id, JoinRoom{"#solo", ""});
    hub.handle(bob.id, JoinRoom{"#r", ""});
    clear_all();
    hub.detach(alice.id, "quit");
    hub.detach(alice.id, "quit");
    const auto presence = bob.peer->presences();
    ASSERT_EQ(presence.size(), 2u);  // left #r, left ALL; once each
    EXPECT_EQ(presence[0]->room, "#r");
    EXPECT_EQ(presence[0]->reason, "quit");
    EXPECT_EQ(presence[1]->room, "ALL");
    EXPECT_EQ(presence[1]->reason, "quit");
    EXPECT_EQ(hub.user_count(), 1u);
    EXPECT_EQ(hub.connection_count(), 1u);
    EXPECT_EQ(hub.name_of(alice.id), nullptr);
    EXPECT_EQ(room_names(bob), (Names{"ALL", "#r"}));  // #solo emptied and removed
    hub.handle(bob.id, ListMembers{"#r", ""});
    EXPECT_EQ(bob.peer->last<MemberList>()->users, Names{"bob"});
    // Commands from a detached connection are ignored.
    hub.handle(alice.id, ListUsers{""});
    hub.handle(alice.id, Ping{""});
    EXPECT_TRUE(alice.peer->events.empty());
}

TEST_F(HubTest, DetachOfAnUnregisteredConnectionIsSilent) {
    auto alice = user("alice");
    auto c = connect();
    EXPECT_EQ(hub.connection_count(), 2u);
    hub.detach(c.id, "disconnected");
    hub.detach(c.id, "disconnected");
    hub.detach(12345, "disconnected");  // never attached
    EXPECT_EQ(hub.connection_count(), 1u);
    EXPECT_EQ(hub.user_count(), 1u);
    EXPECT_TRUE(alice.peer->events.empty());
    EXPECT_TRUE(c.peer->events.empty());
}

TEST_F(HubTest, QuitDetaches) {
    auto alice = user("alice");
    auto bob = user("bob");
    hub.handle(alice.id, Quit{"bye"});
    EXPECT_EQ(hub.user_count(), 1u);
    EXPECT_EQ(hub.connection_count(), 1u);
    ASSERT_TRUE(bob.peer->last<PresencePtr>());
    EXPECT_EQ((*bob.peer->last<PresencePtr>())->reason, "quit");
    auto unregistered = connect();
    hub.handle(unregistered.id, Quit{""});  // allowed before hello
    EXPECT_EQ(hub.connection_count(), 1u);
}

// ---- lists, ping, shutdown -------------------------------------------------------------

TEST_F(HubTest, ListIsInRegistrationOrder) {
    user("c");
    user("a");
    {
        auto b = user("b");
        hub.detach(b.id, "quit");
    }
    auto unregistered = connect();
    auto d = user("D");
    hub.handle(d.id, ListUsers{"x"});
    auto list = d.peer->last<UserList>();
    ASSERT_TRUE(list);
    EXPECT_EQ(list->users, (Names{"c", "a", "D"}));
    EXPECT_EQ(list->ref, "x");
    (void)unregistered;
}

TEST_F(HubTest, PingEchoesTheRef) {
    auto alice = user("alice");
    hub.handle(alice.id, Ping{"5"});
    ASSERT_TRUE(alice.peer->last<Pong>());
    EXPECT_EQ(alice.peer->last<Pong>()->ref, "5");
}

TEST_F(HubTest, ShutdownNoticeReachesEveryConnectionOnce) {
    auto alice = user("alice");
    auto bob = user("bob", /*presence=*/false);
    auto silent = connect();
    clear_all();
    hub.announce_shutdown("bye");
    for (auto* p : {alice.peer, bob.peer, silent.peer}) {
        ASSERT_EQ(p->events.size(), 1u);
        ASSERT_TRUE(p->last<ShutdownNotice>());
        EXPECT_EQ(p->last<ShutdownNotice>()->text, "bye");
    }
}

}  // namespace
}  // namespace hubchat
