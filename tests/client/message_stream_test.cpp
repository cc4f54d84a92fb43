#include "client/message_stream.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

event::Chat live(std::uint64_t id) {
    event::Chat chat{"bob", "ALL", "text " + std::to_string(id)};
    chat.id = id;
    return chat;
}

event::Chat replayed(std::uint64_t id) {
    event::Chat chat = live(id);
    chat.replay = true;
    return chat;
}

event::Chat kept(std::uint64_t id) {
    event::Chat chat = live(id);
    chat.offline = true;
    return chat;
}

TEST(MessageStream, RemembersTheLatestIdForTheNextHello) {
    MessageStream stream;
    EXPECT_EQ(stream.last_id(), std::nullopt);
    EXPECT_TRUE(stream.accept(live(3)));
    EXPECT_TRUE(stream.accept(live(5)));
    EXPECT_EQ(stream.last_id(), 5u);
    event::Chat no_id{"bob", "ALL", "from an older server"};
    EXPECT_TRUE(stream.accept(no_id));  // shown; nothing to go by
    EXPECT_EQ(stream.last_id(), 5u);
}

TEST(MessageStream, AMessageSeenAlreadyIsNotShownAgain) {
    MessageStream stream;
    EXPECT_TRUE(stream.accept(live(7)));
    stream.resume(6);  // say a hello asked from a little too early
    EXPECT_FALSE(stream.accept(replayed(7)));
    EXPECT_TRUE(stream.accept(replayed(8)));
    EXPECT_EQ(stream.replayed(), 1u);  // only what was shown counts
    EXPECT_FALSE(stream.accept(live(8)));
    EXPECT_TRUE(stream.accept(live(9)));
}

TEST(MessageStream, OwnMessagesKnownByTheirAckAreNotReplayedBack) {
    MessageStream stream;
    stream.accept(live(10));
    stream.sent(11);  // alice's own direct message to bob
    stream.resume(stream.last_id());
    EXPECT_EQ(stream.last_id(), 10u);  // acks do not move `since`: a message may be in flight
    EXPECT_FALSE(stream.accept(replayed(11)));
    EXPECT_TRUE(stream.accept(replayed(12)));
}

TEST(MessageStream, CountsWhatTheReplayShowedIncludingMessagesKeptWhileAway) {
    MessageStream stream;
    EXPECT_EQ(stream.replayed(), std::nullopt);  // no replay asked for
    stream.resume(20);
    EXPECT_TRUE(stream.replaying());
    EXPECT_TRUE(stream.accept(replayed(21)));
    EXPECT_TRUE(stream.accept(kept(22)));
    EXPECT_TRUE(stream.accept(replayed(23)));
    EXPECT_EQ(stream.replayed(), 3u);
    EXPECT_FALSE(stream.replaying());
    EXPECT_EQ(stream.replayed(), std::nullopt);  // once
    EXPECT_EQ(stream.last_id(), 23u);
    stream.resume(23);
    EXPECT_EQ(stream.replayed(), 0u);  // nothing missed
}

TEST(MessageStream, AServerWithoutHistoryRestartingItsIdsHidesNothing) {
    MessageStream stream;
    for (std::uint64_t id = 1; id <= 5; ++id) stream.accept(live(id));
    stream.resume(5);                     // ignored by a --no-history server, which restarted at 1
    EXPECT_TRUE(stream.accept(live(1)));  // live before any `replayed`: no replay coming
    EXPECT_FALSE(stream.replaying());
    EXPECT_EQ(stream.replayed(), std::nullopt);
    EXPECT_TRUE(stream.accept(live(2)));
    EXPECT_EQ(stream.last_id(), 2u);  // the next hello asks from where this server is
    EXPECT_FALSE(stream.accept(live(2)));
}

TEST(MessageStream, AServerThatLostItsHistoryStartsAfresh) {
    MessageStream stream;
    for (std::uint64_t id = 1; id <= 5; ++id) stream.accept(live(id));
    stream.resume(5);
    EXPECT_EQ(stream.replayed(), 0u);  // a new database: nothing after 5
    EXPECT_TRUE(stream.accept(live(1)));
    EXPECT_TRUE(stream.accept(live(2)));
}

TEST(MessageStream, TheWindowIsBounded) {
    MessageStream stream(3);
    for (std::uint64_t id = 1; id <= 4; ++id) stream.accept(live(id));
    stream.resume(4);
    EXPECT_TRUE(stream.accept(replayed(1)));  // forgotten: too old to be a repeat in practice
    EXPECT_FALSE(stream.accept(replayed(4)));
}

}  // namespace
}  // namespace hubchat::client
