#include "net/outbox.hpp"

#include <gtest/gtest.h>

namespace hubchat::net {
namespace {

Frame frame(std::size_t size, char c = 'x') {
    return std::make_shared<const std::string>(size, c);
}

TEST(Outbox, CountsBytesAndRefusesPastTheCap) {
    Outbox box(100);
    EXPECT_TRUE(box.empty());
    EXPECT_TRUE(box.push(frame(60)));
    EXPECT_FALSE(box.push(frame(41)));  // refused, nothing queued
    EXPECT_EQ(box.bytes(), 60u);
    EXPECT_TRUE(box.push(frame(40)));
    EXPECT_EQ(box.bytes(), 100u);
    box.push_final(frame(10));  // the last words go past the cap
    EXPECT_EQ(box.bytes(), 110u);
}

TEST(Outbox, GathersFramesForOneWriteAndFreesThemAfter) {
    Outbox box(1000);
    for (char c : {'a', 'b', 'c'}) box.push(frame(10, c));
    auto batch = box.begin_write(2);
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ((*batch[0])[0], 'a');
    EXPECT_EQ((*batch[1])[0], 'b');
    const char* bytes_in_flight = batch[0]->data();
    EXPECT_TRUE(box.writing());
    box.push(frame(10, 'd'));  // queued while writing: the bytes being written stay put
    EXPECT_EQ(*bytes_in_flight, 'a');
    box.end_write();
    EXPECT_FALSE(box.writing());
    EXPECT_EQ(box.bytes(), 20u);
    batch = box.begin_write(64);
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ((*batch[0])[0], 'c');
    EXPECT_EQ((*batch[1])[0], 'd');
    box.end_write();
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(box.bytes(), 0u);
}

TEST(Outbox, DropQueuedKeepsTheFramesInFlight) {
    Outbox box(1000);
    box.push(frame(10, 'a'));
    box.push(frame(10, 'b'));
    auto batch = box.begin_write(1);
    const char* bytes_in_flight = batch[0]->data();
    box.push(frame(10, 'c'));
    box.drop_queued();
    EXPECT_EQ(box.bytes(), 10u);
    EXPECT_EQ(*bytes_in_flight, 'a');
    box.push_final(frame(5, 'z'));
    box.end_write();
    batch = box.begin_write(64);
    ASSERT_EQ(batch.size(), 1u);
    EXPECT_EQ((*batch[0])[0], 'z');
}

TEST(Outbox, SharesBroadcastFramesWithoutCopying) {
    auto shared = frame(10);
    Outbox a(100);
    Outbox b(100);
    a.push(shared);
    b.push(shared);
    EXPECT_EQ(a.begin_write(1)[0].get(), b.begin_write(1)[0].get());
}

}  // namespace
}  // namespace hubchat::net
