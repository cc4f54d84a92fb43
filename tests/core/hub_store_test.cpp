// The hub with a message store (history): nothing is delivered or acknowledged before the
// store has kept it; replies keep the order of requests; a full store refuses, a failed
// one says so; registered users who are away get their direct messages kept.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/hub.hpp"
#include "recording_peer.hpp"

namespace hubchat {
namespace {

using test::RecordingPeer;

// Keeps every message, answering only when told to. Reads what the hub hands over only
// when told to, as a store's writer thread would, after more messages were sent.
struct FakeStore : MessageStore {
    struct Appended {
        MessageId id;
        const ChatMessage* message;
        std::span<const std::string> targets;
        std::span<const std::string> offline;
        // Copies made at append(), to check that what is read later is unchanged.
        std::string text;
        std::vector<std::string> targets_then;
        std::vector<std::string> offline_then;
    };
    Sink* sink = nullptr;
    std::vector<Appended> appended;  // not yet answered
    MessageId next_id = 100;
    bool full = false;

    void set_sink(Sink* s) override { sink = s; }
    std::optional<MessageId> append(const ChatMessage& message,
                                    std::span<const std::string> targets,
                                    std::span<const std::string> offline) override {
        if (full) return std::nullopt;
        appended.push_back({next_id,
                            &message,
                            targets,
                            offline,
                            message.text,
                            {targets.begin(), targets.end()},
                            {offline.begin(), offline.end()}});
        return next_id++;
    }
    // What the store would write now: as it was handed over.
    void expect_unchanged() const {
        for (const auto& a : appended) {
            EXPECT_EQ(a.message->text, a.text);
            EXPECT_EQ(std::vector<std::string>(a.targets.begin(), a.targets.end()), a.targets_then);
            EXPECT_EQ(std::vector<std::string>(a.offline.begin(), a.offline.end()), a.offline_then);
        }
    }
    // Reports the first `count` (all by default) in one report, as a group commit does.
    void answer(bool kept = true, std::size_t count = SIZE_MAX) {
        count = std::min(count, appended.size());
        if (count == 0) return;
        expect_unchanged();
        const MessageId last = appended[count - 1].id;
        appended.erase(appended.begin(), appended.begin() + static_cast<std::ptrdiff_t>(count));
        sink->stored(last, kept);
    }
    void answer_all(bool kept = true) { answer(kept); }
};

struct Registry : NameRegistry {
    bool is_registered(std::string_view name) const override { return name == "bob"; }
    bool accounts_only() const override { return false; }
};

class HubStoreTest : public ::testing::Test {
  protected:
    // No flood control: some tests keep many messages in flight.
    Hub hub{[] { return TimestampMs{5}; },
            HubLimits{.message_burst = 0, .message_rate_per_second = 0}};
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
    EXPECT_EQ(store.appended[0].targets_then, std::vector<std::string>{"carol"});
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
    EXPECT_EQ(store.appended[0].offline_then, std::vector<std::string>{"bob"});
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

// Many messages in flight: the hub's queue of them grows meanwhile (its slots move, what
// the store reads must not), and reports covering several at once release them in order.
TEST_F(HubStoreTest, ManyInFlightGoOutInAppendOrderWhateverTheReportsCover) {
    constexpr int kMessages = 150;
    for (int i = 0; i < kMessages; ++i) {
        // Long enough not to sit inside the string object itself.
        hub.handle(i % 3 == 0 ? carol : alice,
                   SendMessage{{i % 3 == 0 ? "alice" : "carol"},
                               "message number " + std::to_string(i) + " of many, in order",
                               std::to_string(i)});
    }
    ASSERT_EQ(store.appended.size(), static_cast<std::size_t>(kMessages));
    hub.handle(alice, Ping{"p"});  // waits for alice's messages, all of them
    store.expect_unchanged();
    for (const std::size_t part : {1u, 7u, 60u}) {
        store.answer(true, part);
        EXPECT_EQ(alice_peer.count<Pong>(), 0u);
    }
    store.answer(true);
    EXPECT_EQ(alice_peer.count<Pong>(), 1u);

    std::vector<std::string> got;  // as carol and alice received them, merged by id
    std::vector<std::pair<MessageId, std::string>> by_id;
    for (auto* peer : {&alice_peer, &carol_peer}) {
        MessageId last = 0;
        for (const auto& e : peer->events) {
            if (const auto* chat = std::get_if<ChatPtr>(&e)) {
                EXPECT_GT((*chat)->id, last);  // each recipient in append order
                last = (*chat)->id;
                by_id.emplace_back((*chat)->id, (*chat)->text);
            }
        }
    }
    ASSERT_EQ(by_id.size(), static_cast<std::size_t>(kMessages));
    std::sort(by_id.begin(), by_id.end());
    for (int i = 0; i < kMessages; ++i) {
        EXPECT_EQ(by_id[static_cast<std::size_t>(i)].first, static_cast<MessageId>(100 + i));
        EXPECT_EQ(by_id[static_cast<std::size_t>(i)].second,
                  "message number " + std::to_string(i) + " of many, in order");
    }
    // Each sender's acks in its own order, with the ids the store gave.
    MessageId last_ack = 0;
    std::size_t acks = 0;
    for (const auto& e : alice_peer.events) {
        if (const auto* ack = std::get_if<Ack>(&e)) {
            EXPECT_GT(ack->id, last_ack);
            EXPECT_EQ(ack->id, 100 + std::stoul(ack->ref));
            EXPECT_EQ(ack->delivered, 1u);
            last_ack = ack->id;
            ++acks;
        }
    }
    EXPECT_EQ(acks, static_cast<std::size_t>(kMessages - kMessages / 3));
}

// A failed batch between kept ones: only its messages are lost, and said to be.
TEST_F(HubStoreTest, AFailedReportLosesOnlyTheMessagesItCovers) {
    for (int i = 0; i < 5; ++i) {
        hub.handle(alice, SendMessage{{"carol"}, "m" + std::to_string(i), std::to_string(i)});
    }
    store.full = true;  // refused: never in the queue, never reported
    hub.handle(alice, SendMessage{{"carol"}, "refused", "r"});
    store.full = false;
    hub.handle(alice, SendMessage{{"carol"}, "m5", "5"});
    store.answer(true, 2);
    store.answer(false, 2);
    store.answer(true);
    std::vector<std::string> texts;
    for (const auto& e : carol_peer.events) {
        if (const auto* chat = std::get_if<ChatPtr>(&e)) texts.push_back((*chat)->text);
    }
    EXPECT_EQ(texts, (std::vector<std::string>{"m0", "m1", "m4", "m5"}));
    std::vector<std::string> replies;  // alice's, in order
    for (const auto& e : alice_peer.events) {
        if (const auto* ack = std::get_if<Ack>(&e)) replies.push_back("ack " + ack->ref);
        if (const auto* error = std::get_if<Error>(&e)) {
            replies.push_back(std::string(error_code_name(error->code)) + " " + error->ref);
        }
    }
    EXPECT_EQ(replies, (std::vector<std::string>{"busy r", "ack 0", "ack 1", "storage_failed 2",
                                                 "storage_failed 3", "ack 4", "ack 5"}));
    // Nothing is left in flight: requests are answered at once.
    hub.handle(alice, Ping{"q"});
    EXPECT_EQ(alice_peer.count<Pong>(), 1u);
}

}  // namespace
}  // namespace hubchat
