#include "net/outbox.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <deque>

namespace hubchat::net {
namespace {

Frame frame(std::size_t size, char c = 'x') {
    return make_frame(std::string(size, c));
}

std::string contents(std::span<const Frame> batch) {
    std::string out;
    for (const auto& f : batch) out += *f;
    return out;
}

TEST(Outbox, StartsEmpty) {
    Outbox box(100);
    EXPECT_TRUE(box.empty());
    EXPECT_FALSE(box.writing());
    EXPECT_EQ(box.bytes(), 0u);
    EXPECT_EQ(box.max_bytes(), 100u);
    EXPECT_TRUE(box.begin_write(8).empty());
    EXPECT_FALSE(box.writing());
    box.end_write();  // nothing in flight: harmless
    EXPECT_TRUE(box.empty());
}

TEST(Outbox, CountsBytesAndRefusesPastTheCap) {
    Outbox box(100);
    EXPECT_TRUE(box.push(frame(60, 'a')));
    EXPECT_FALSE(box.empty());
    EXPECT_FALSE(box.push(frame(41, 'b')));  // refused, nothing queued
    EXPECT_EQ(box.bytes(), 60u);
    EXPECT_TRUE(box.push(frame(40, 'c')));  // exactly the cap is fine
    EXPECT_EQ(box.bytes(), 100u);
    EXPECT_FALSE(box.push(frame(1, 'd')));
    EXPECT_EQ(box.bytes(), 100u);
    EXPECT_EQ(contents(box.begin_write(64)), std::string(60, 'a') + std::string(40, 'c'));
}

TEST(Outbox, AFrameLargerThanTheCapIsRefusedEvenWhenEmpty) {
    Outbox box(10);
    EXPECT_FALSE(box.push(frame(11)));
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(box.bytes(), 0u);
}

TEST(Outbox, PushFinalBypassesTheCap) {
    Outbox box(100);
    EXPECT_TRUE(box.push(frame(100, 'a')));
    box.push_final(frame(10, 'z'));  // the last words go past the cap
    EXPECT_EQ(box.bytes(), 110u);
    EXPECT_FALSE(box.push(frame(1)));
    auto batch = box.begin_write(64);
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(*batch[1], std::string(10, 'z'));
    box.end_write();
    EXPECT_EQ(box.bytes(), 0u);
    EXPECT_TRUE(box.empty());
}

TEST(Outbox, BeginWriteHandsOutAtMostMaxFramesInOrder) {
    Outbox box(1000);
    for (char c : {'a', 'b', 'c', 'd', 'e'}) ASSERT_TRUE(box.push(frame(10, c)));
    auto batch = box.begin_write(2);
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ((*batch[0])[0], 'a');
    EXPECT_EQ((*batch[1])[0], 'b');
    EXPECT_TRUE(box.writing());
    EXPECT_EQ(box.bytes(), 50u);  // in-flight bytes still count until written
    box.end_write();
    EXPECT_FALSE(box.writing());
    EXPECT_EQ(box.bytes(), 30u);
    EXPECT_EQ(contents(box.begin_write(1)), std::string(10, 'c'));
    box.end_write();
    EXPECT_EQ(contents(box.begin_write(100)), std::string(10, 'd') + std::string(10, 'e'));
    box.end_write();
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(box.bytes(), 0u);
}

TEST(Outbox, FramesQueuedDuringAWriteComeNext) {
    Outbox box(1000);
    for (char c : {'a', 'b', 'c'}) box.push(frame(10, c));
    auto batch = box.begin_write(2);
    const char* bytes_in_flight = batch[0]->data();
    box.push(frame(10, 'd'));  // queued while writing: the bytes being written stay put
    EXPECT_EQ(*bytes_in_flight, 'a');
    box.end_write();
    EXPECT_EQ(box.bytes(), 20u);
    batch = box.begin_write(64);
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ((*batch[0])[0], 'c');
    EXPECT_EQ((*batch[1])[0], 'd');
    box.end_write();
    EXPECT_TRUE(box.empty());
}

TEST(Outbox, EndWriteReleasesTheFrames) {
    Outbox box(1000);
    auto shared = frame(10);
    box.push(shared);
    EXPECT_EQ(shared.use_count(), 2);
    box.begin_write(1);
    box.end_write();
    EXPECT_EQ(shared.use_count(), 1);  // the queue no longer holds it
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
    EXPECT_TRUE(box.writing());
    EXPECT_EQ(*bytes_in_flight, 'a');
    box.push_final(frame(5, 'z'));
    box.end_write();
    EXPECT_EQ(box.bytes(), 5u);
    batch = box.begin_write(64);
    ASSERT_EQ(batch.size(), 1u);
    EXPECT_EQ((*batch[0])[0], 'z');
    box.end_write();
    EXPECT_TRUE(box.empty());
}

TEST(Outbox, DropQueuedWhileIdleEmptiesTheQueue) {
    Outbox box(1000);
    box.push(frame(10));
    box.push(frame(20));
    box.drop_queued();
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(box.bytes(), 0u);
    EXPECT_TRUE(box.push(frame(1000)));  // the whole cap is available again
}

TEST(Outbox, LongQueuesStayInOrderAcrossManyPartialWrites) {
    // Enough frames that the written prefix gets compacted away along the way, with frames
    // still being queued while the queue drains.
    Outbox box(1 << 20);
    std::deque<std::string> expected;
    auto push = [&](std::string text) {
        expected.push_back(text);
        ASSERT_TRUE(box.push(make_frame(std::move(text))));
    };
    for (int i = 0; i < 5000; ++i) push(std::to_string(i));
    std::size_t bytes = 0;
    for (const auto& e : expected) bytes += e.size();
    EXPECT_EQ(box.bytes(), bytes);
    std::size_t batch_size = 1;
    int round = 0;
    while (!box.empty()) {
        auto batch = box.begin_write(batch_size);
        ASSERT_FALSE(batch.empty());
        ASSERT_LE(batch.size(), batch_size);
        for (const auto& f : batch) {
            ASSERT_FALSE(expected.empty());
            ASSERT_EQ(*f, expected.front());
            bytes -= f->size();
            expected.pop_front();
        }
        if (++round % 7 == 0 && round < 3000) push("late" + std::to_string(round));
        if (round % 7 == 0 && round < 3000) bytes += expected.back().size();
        box.end_write();
        ASSERT_EQ(box.bytes(), bytes);
        batch_size = batch_size % 5 + 1;
    }
    EXPECT_TRUE(expected.empty());
    EXPECT_EQ(box.bytes(), 0u);
}

TEST(Outbox, SharesBroadcastFramesWithoutCopying) {
    auto shared = frame(10);
    Outbox a(100);
    Outbox b(100);
    a.push(shared);
    b.push(shared);
    EXPECT_EQ(a.begin_write(1)[0].get(), b.begin_write(1)[0].get());
    EXPECT_EQ(a.begin_write(1)[0].get(), shared.get());
}

// A write hands Asio the queued frames themselves as its buffer sequence.
TEST(FrameBuffers, IsABufferSequenceOverTheFramesInOrder) {
    const std::vector<Frame> frames{make_frame("ab"), make_frame(""), make_frame("cde")};
    const FrameBuffers buffers(frames);
    static_assert(boost::asio::is_const_buffer_sequence<FrameBuffers>::value);
    EXPECT_EQ(boost::asio::buffer_size(buffers), 5u);
    std::string out(5, '?');
    EXPECT_EQ(boost::asio::buffer_copy(boost::asio::buffer(out), buffers), 5u);
    EXPECT_EQ(out, "abcde");
    auto it = buffers.begin();
    EXPECT_EQ((*it).data(), frames[0]->data());  // no copy of the bytes
    it += 2;
    EXPECT_EQ((*it).size(), 3u);
    EXPECT_EQ(buffers.end() - buffers.begin(), 3);
    EXPECT_EQ(boost::asio::buffer_size(FrameBuffers(std::span<const Frame>())), 0u);
}

}  // namespace
}  // namespace hubchat::net
