// The hub with a message store (history): nothing is delivered or acknowledged before the
// store has kept it; replies keep the order of requests; a full store refuses, a failed
// one says so; registered users who are away get their direct messages kept.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "core/hub.hpp"
#include "recording_peer.hpp"

namespace hubchat {
namespace {

using test::RecordingPeer;

// Keeps every message, answering only when told to.
struct FakeStore : MessageStore {
    struct Appended {
        std::string text;
        std::vector<std::string> targets;
        std::vector<std::string> offline;
        Stored stored;
    };
    std::vector<Appended> appended;
    MessageId next_id = 100;
    bool full = false;

    std::optional<MessageId> append(std::shared_ptr<const ChatMessage> message,
                                    std::vector<std::string> targets,
                                    const std::vector<std::string>& offline,
                                    Stored stored) override {
        if (full) return std::nullopt;
        appended.push_back({message->text, std::move(targets), offline, std::move(stored)});
        return next_id++;
    }
    void answer_all(bool kept = true) {
        auto pending = std::move(appended);
        appended.clear();
        for (auto& a : pending) a.stored(kept);
    }
};

struct Registry : NameRegistry {
    bool is_registered(std::string_view name) const override { return name == "bob"; }
    bool accounts_only() const override { return false; }
};

class HubStoreTest : public ::testing::Test {
  protected:
    Hub hub{[] { return TimestampMs{5}; }, HubLimits{}};
    FakeStore store;
    Registry registry;
    RecordingPeer alice_peer, carol_peer;
    ConnectionId alice = 0, carol = 0;

    void SetUp() override {
        hub.set_message_store(&store);
        hub.set_name_registry(&registry);
        alice = hub.attach(alice_peer);
        carol = hub.attach(carol_peer);
        hub.handle(alice, Hello{"alice"});
        hub.handle(carol, Hello{"carol"});
        alice_peer.events.clear();
        carol_peer.events.clear();
    }
};

TEST_F(HubStoreTest, NothingGoesOutBeforeTheStoreHasKeptIt) {
    hub.handle(alice, SendMessage{{"carol"}, "kept first", "1"});
    ASSERT_EQ(store.appended.size(), 1u);
    EXPECT_EQ(store.appended[0].targets, std::vector<std::string>{"carol"});
    EXPECT_EQ(carol_peer.count<ChatPtr>(), 0u);
    EXPECT_EQ(alice_peer.count<Ack>(), 0u);

    store.answer_all();
    ASSERT_EQ(carol_peer.count<ChatPtr>(), 1u);
    const auto& chat = std::get<ChatPtr>(carol_peer.events.back());
    EXPECT_EQ(chat->id, 100u);  // the store's id
    EXPECT_EQ(chat->text, "kept first");
    ASSERT_EQ(alice_peer.count<Ack>(), 1u);
    EXPECT_EQ(std::get<Ack>(alice_peer.events.back()).id, 100u);
}

TEST_F(HubStoreTest, RequestsAfterAMessageAreAnsweredAfterItsAck) {
    hub.handle(alice, SendMessage{{"ALL"}, "one", "1"});
    hub.handle(alice, Ping{"p"});
    hub.handle(alice, SendMessage{{"ALL"}, "two", "2"});  // messages never wait
    EXPECT_EQ(store.appended.size(), 2u);
    EXPECT_EQ(alice_peer.count<Pong>(), 0u);
    store.answer_all();
    // ack 1, ack 2, then the pong (and alice's own copies of the messages in between).
    std::vector<std::string> order;
    for (const auto& e : alice_peer.events) {
        if (const auto* ack = std::get_if<Ack>(&e)) order.push_back("ack " + ack->ref);
        if (std::holds_alternative<Pong>(e)) order.push_back("pong");
    }
    EXPECT_EQ(order, (std::vector<std::string>{"ack 1", "ack 2", "pong"}));
    // Once nothing is pending, requests are answered at once again.
    hub.handle(alice, Ping{"q"});
    EXPECT_EQ(alice_peer.count<Pong>(), 2u);
}

TEST_F(HubStoreTest, AFullStoreRefusesAndAFailedOneSaysNobodyGotIt) {
    store.full = true;
    hub.handle(alice, SendMessage{{"carol"}, "no room", "1"});
    ASSERT_EQ(alice_peer.count<Error>(), 1u);
    const auto& busy = std::get<Error>(alice_peer.events.back());
    EXPECT_EQ(busy.code, ErrorCode::Busy);
    EXPECT_GT(busy.retry_after_ms, 0u);
    EXPECT_EQ(busy.ref, "1");

    store.full = false;
    hub.handle(alice, SendMessage{{"carol"}, "lost", "2"});
    store.answer_all(false);
    EXPECT_EQ(carol_peer.count<ChatPtr>(), 0u);
    EXPECT_EQ(alice_peer.count<Ack>(), 0u);
    EXPECT_EQ(std::get<Error>(alice_peer.events.back()).code, ErrorCode::StorageFailed);
}

TEST_F(HubStoreTest, ARegisteredUserWhoIsAwayHasTheMessageKeptForThem) {
    hub.handle(alice, SendMessage{{"bob", "zed"}, "for later", "1"});
    ASSERT_EQ(store.appended.size(), 1u);
    EXPECT_EQ(store.appended[0].offline, std::vector<std::string>{"bob"});
    EXPECT_EQ(alice_peer.count<Error>(), 1u);  // zed: nobody, not registered
    store.answer_all();
    ASSERT_EQ(alice_peer.count<Ack>(), 1u);
    const auto& ack = std::get<Ack>(alice_peer.events.back());
    EXPECT_EQ(ack.delivered, 0u);
    EXPECT_EQ(ack.offline, std::vector<std::string>{"bob"});
    EXPECT_EQ(ack.failed, std::vector<std::string>{"zed"});
}

TEST_F(HubStoreTest, ARecipientWhoLeftMeanwhileIsSkippedAndTheSenderStillAcked) {
    hub.handle(alice, SendMessage{{"carol"}, "too late", "1"});
    hub.detach(carol, "quit");
    store.answer_all();
    EXPECT_EQ(carol_peer.count<ChatPtr>(), 0u);
    ASSERT_EQ(alice_peer.count<Ack>(), 1u);
    EXPECT_EQ(std::get<Ack>(alice_peer.events.back()).delivered, 0u);
    // And a sender who left gets nothing, without harm.
    hub.handle(alice, SendMessage{{"ALL"}, "bye", "2"});
    hub.detach(alice, "quit");
    store.answer_all();
}

}  // namespace
}  // namespace hubchat
