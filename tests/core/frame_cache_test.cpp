// The per-message cache of encoded frames: one frame per wire format, made once, whichever
// formats ask and in whatever order, two kept inline and the rest in a table made on first
// use. Frames themselves: shared immutable text.
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/message.hpp"

namespace hubchat {
namespace {

// Asks `message` for `format`'s frame, counting how often one had to be made.
std::string frame_of(const ChatMessage& message, WireFormatId format, int& made) {
    return std::string(*message.frame(format, [&] {
        ++made;
        return "frame " + std::to_string(format);
    }));
}

TEST(FrameCache, EveryFormatGetsItsOwnFrameMadeOnce) {
    ChatMessage message;
    int made = 0;
    // In an order that puts formats 5 and 0 inline, the rest in the table.
    const WireFormatId order[] = {5, 0, 7, 1, 2, 3, 4, 6};
    for (WireFormatId format : order) {
        EXPECT_EQ(frame_of(message, format, made), "frame " + std::to_string(format));
    }
    EXPECT_EQ(made, 8);
    for (WireFormatId format = 0; format < kMaxWireFormats; ++format) {
        EXPECT_EQ(frame_of(message, format, made), "frame " + std::to_string(format));
        // The same frame every time, not a copy: a broadcast is encoded once per format.
        EXPECT_EQ(&message.frame(format, [] { return std::string("again"); }),
                  &message.frame(format, [] { return std::string("again"); }));
    }
    EXPECT_EQ(made, 8);
}

TEST(FrameCache, CachedIsAFrameMadeBeforeAndKeptInline) {
    ChatMessage message;
    int made = 0;
    EXPECT_EQ(message.cached(0), nullptr);
    frame_of(message, 5, made);
    EXPECT_EQ(message.cached(0), nullptr);
    EXPECT_EQ(message.cached(5), &message.frame(5, [] { return std::string("again"); }));
    frame_of(message, 0, made);
    ASSERT_NE(message.cached(0), nullptr);
    EXPECT_EQ(**message.cached(0), "frame 0");
    // A third format goes to the table, which cached() leaves to frame().
    frame_of(message, 7, made);
    EXPECT_EQ(message.cached(7), nullptr);
    EXPECT_EQ(frame_of(message, 7, made), "frame 7");
    EXPECT_EQ(made, 3);
}

TEST(FrameCache, AFrameWhoseMakingAsksForOthersKeepsItsOwnSlot) {
    ChatMessage message;
    int made = 0;
    const auto& three = message.frame(3, [&] {
        // Both inline slots are taken while format 3 is being made.
        EXPECT_EQ(frame_of(message, 4, made), "frame 4");
        EXPECT_EQ(frame_of(message, 6, made), "frame 6");
        return std::string("frame 3");
    });
    EXPECT_EQ(*three, "frame 3");
    EXPECT_EQ(frame_of(message, 3, made), "frame 3");
    EXPECT_EQ(frame_of(message, 4, made), "frame 4");
    EXPECT_EQ(frame_of(message, 6, made), "frame 6");
    EXPECT_EQ(made, 2);
}

TEST(FrameCache, ACopyHasTheFramesAndATableOfItsOwn) {
    ChatMessage original;
    int made = 0;
    const WireFormatId formats[] = {0, 1, 2};  // 2 goes in the table
    for (WireFormatId format : formats) frame_of(original, format, made);
    ChatMessage copy = original;
    EXPECT_EQ(frame_of(copy, 0, made), "frame 0");
    EXPECT_EQ(frame_of(copy, 2, made), "frame 2");
    EXPECT_EQ(made, 3);
    frame_of(copy, 3, made);  // the copy's table only
    EXPECT_EQ(made, 4);
    EXPECT_EQ(frame_of(original, 3, made), "frame 3");
    EXPECT_EQ(made, 5);  // made again: the original had none

    ChatMessage moved = std::move(copy);
    EXPECT_EQ(frame_of(moved, 3, made), "frame 3");
    EXPECT_EQ(frame_of(moved, 1, made), "frame 1");
    EXPECT_EQ(made, 5);
}

TEST(Frame, CopiesShareOneTextAndCountTheirOwners) {
    Frame none;
    EXPECT_FALSE(none);
    EXPECT_TRUE(none == nullptr);
    EXPECT_EQ(none.use_count(), 0);

    Frame first = make_frame("hello\n");
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, "hello\n");
    EXPECT_EQ(first->size(), 6u);

    std::vector<Frame> copies(3, first);      // three more owners of the same text
    EXPECT_EQ(copies[2].get(), first.get());  // the same string, not a copy of it
    EXPECT_EQ(first.use_count(), 4);
    copies.pop_back();
    EXPECT_EQ(first.use_count(), 3);

    Frame moved = std::move(copies.front());  // a move adds no owner
    EXPECT_FALSE(copies.front());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(moved.use_count(), 3);
    moved = nullptr;
    EXPECT_FALSE(moved);
    EXPECT_EQ(first.use_count(), 2);
}

TEST(Frame, IsWrittenInPlaceToTheSizeGiven) {
    Frame written = make_frame(5, [](char* bytes) { std::memcpy(bytes, "ab\0cd", 5); });
    EXPECT_EQ(*written, std::string_view("ab\0cd", 5));  // every byte, a zero one included
    EXPECT_EQ(written.use_count(), 1);

    Frame empty = make_frame(0, [](char*) {});
    ASSERT_TRUE(empty);  // a frame, of no bytes
    EXPECT_TRUE(empty->empty());
    EXPECT_TRUE(make_frame(std::string_view())->empty());

    // A cache takes a frame its maker wrote as it is, not a copy.
    ChatMessage message;
    const std::string_view* made = nullptr;
    const Frame& cached = message.frame(2, [&] {
        Frame frame = make_frame("in place\n");
        made = frame.get();
        return frame;
    });
    EXPECT_EQ(cached.get(), made);
    EXPECT_EQ(*cached, "in place\n");
}

TEST(Frame, WrittenFrameIsFreedWhenItsWriterThrows) {
    // Under the sanitizer builds, a leak here fails the run.
    EXPECT_THROW(make_frame(64, [](char*) { throw std::runtime_error("cannot write"); }),
                 std::runtime_error);
}

}  // namespace
}  // namespace hubchat
