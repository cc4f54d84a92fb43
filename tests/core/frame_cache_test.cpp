// The per-message cache of encoded frames: one frame per wire format, whichever formats
// ask and in whatever order, two kept inline and the rest in a table made on first use.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "core/message.hpp"

namespace hubchat {
namespace {

std::shared_ptr<const std::string> frame(const std::string& text) {
    return std::make_shared<const std::string>(text);
}

TEST(FrameCache, EveryFormatKeepsItsOwnFrame) {
    ChatMessage message;
    // In an order that fills the inline slots with formats 5 and 0, the rest in the table.
    const WireFormatId order[] = {5, 0, 7, 1, 2, 3, 4, 6};
    for (WireFormatId format : order) {
        auto& slot = message.frame_slot(format);
        EXPECT_FALSE(slot) << "format " << int(format) << " starts empty";
        slot = frame("frame " + std::to_string(format));
    }
    for (WireFormatId format = 0; format < kMaxWireFormats; ++format) {
        const auto& slot = message.frame_slot(format);
        ASSERT_TRUE(slot) << "format " << int(format);
        EXPECT_EQ(*slot, "frame " + std::to_string(format));
        // The same slot every time: a frame is encoded once.
        EXPECT_EQ(&message.frame_slot(format), &slot);
    }
}

TEST(FrameCache, AFormatAskedButNeverFilledLosesNothing) {
    ChatMessage message;
    message.frame_slot(3);  // asked, never filled
    message.frame_slot(4) = frame("four");
    message.frame_slot(6) = frame("six");
    message.frame_slot(3) = frame("three");
    EXPECT_EQ(*message.frame_slot(4), "four");
    EXPECT_EQ(*message.frame_slot(6), "six");
    EXPECT_EQ(*message.frame_slot(3), "three");
}

TEST(FrameCache, ACopyHasTheFramesAndSlotsOfItsOwn) {
    ChatMessage original;
    original.frame_slot(0) = frame("zero");
    original.frame_slot(1) = frame("one");
    original.frame_slot(2) = frame("two");  // in the table
    ChatMessage copy = original;
    EXPECT_EQ(*copy.frame_slot(0), "zero");
    EXPECT_EQ(*copy.frame_slot(2), "two");
    copy.frame_slot(3) = frame("three");
    copy.frame_slot(2) = frame("other two");
    EXPECT_FALSE(original.frame_slot(3));
    EXPECT_EQ(*original.frame_slot(2), "two");

    ChatMessage moved = std::move(copy);
    EXPECT_EQ(*moved.frame_slot(3), "three");
    EXPECT_EQ(*moved.frame_slot(1), "one");
}

}  // namespace
}  // namespace hubchat
