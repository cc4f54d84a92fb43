#include "proto/json_framer.hpp"

#include <gtest/gtest.h>

namespace hubchat::proto {
namespace {

using Kind = JsonFramer::Kind;

struct Result {
    std::vector<std::string> frames;
    std::vector<Kind> events;  // non-frame outcomes, in order
};

// Feeds `chunks` one after another, as separate reads.
Result feed(JsonFramer& framer, const std::vector<std::string>& chunks) {
    Result r;
    for (const auto& chunk : chunks) {
        std::string_view input = chunk;
        while (!input.empty()) {
            auto step = framer.next(input);
            input.remove_prefix(step.consumed);
            if (step.kind == Kind::Frame) {
                r.frames.emplace_back(step.frame);
            } else if (step.kind != Kind::NeedMore) {
                r.events.push_back(step.kind);
                if (step.kind == Kind::Fatal) return r;
            }
        }
    }
    return r;
}

TEST(JsonFramer, SplitsCoalescedAndNewlineFramedObjects) {
    JsonFramer framer(1024);
    auto r = feed(framer, {R"({"a":1}{"b":2}
{"c":3}
  {"d":[1,{"e":{}}]}	)"});
    EXPECT_EQ(r.frames, (std::vector<std::string>{R"({"a":1})", R"({"b":2})", R"({"c":3})",
                                                  R"({"d":[1,{"e":{}}]})"}));
    EXPECT_TRUE(r.events.empty());
    EXPECT_TRUE(framer.idle());
}

TEST(JsonFramer, BracesQuotesAndBackslashesInsideStringsDoNotCount) {
    JsonFramer framer(1024);
    const std::string tricky = R"({"m":"} { \" \\","n":"\\\"}"})";
    auto r = feed(framer, {tricky + tricky});
    EXPECT_EQ(r.frames, (std::vector<std::string>{tricky, tricky}));
}

TEST(JsonFramer, ObjectsSplitAcrossReadsByteByByteComeOutWhole) {
    const std::string stream = R"({"user": "alice", "message": "a {b} \"c\"", "dest": "bob"})"
                               R"({"x":"\\"}
)";
    std::vector<std::string> bytes;
    for (char c : stream) bytes.emplace_back(1, c);
    JsonFramer framer(1024);
    auto r = feed(framer, bytes);
    ASSERT_EQ(r.frames.size(), 2u);
    EXPECT_EQ(r.frames[0], R"({"user": "alice", "message": "a {b} \"c\"", "dest": "bob"})");
    EXPECT_EQ(r.frames[1], R"({"x":"\\"})");
    EXPECT_TRUE(framer.idle());
    EXPECT_EQ(framer.buffered(), 0u);
}

TEST(JsonFramer, PartialFrameIsBuffered) {
    JsonFramer framer(1024);
    auto r = feed(framer, {R"({"a":"bc)"});
    EXPECT_TRUE(r.frames.empty());
    EXPECT_FALSE(framer.idle());
    EXPECT_EQ(framer.buffered(), 8u);
    r = feed(framer, {R"("})"});
    EXPECT_EQ(r.frames, std::vector<std::string>{R"({"a":"bc"})"});
}

TEST(JsonFramer, OversizeObjectIsSkippedAndTheNextOneIsFramed) {
    JsonFramer framer(64);
    const std::string big = R"({"m":")" + std::string(200, 'x') + R"(}{"})";
    auto r = feed(framer, {big + R"({"ok":1})"});
    EXPECT_EQ(r.events, std::vector<Kind>{Kind::TooLarge});
    EXPECT_EQ(r.frames, std::vector<std::string>{R"({"ok":1})"});
}

TEST(JsonFramer, OversizeObjectAcrossReadsResynchronises) {
    JsonFramer framer(64);
    auto r = feed(framer, {R"({"m":")", std::string(100, 'y'), std::string(100, 'y'),
                           R"(","n":{}})", "\n", R"({"ok":2})"});
    EXPECT_EQ(r.events, std::vector<Kind>{Kind::TooLarge});
    EXPECT_EQ(r.frames, std::vector<std::string>{R"({"ok":2})"});
    EXPECT_EQ(framer.buffered(), 0u);
}

TEST(JsonFramer, GarbageLineIsReportedAndSkippedToTheNewline) {
    JsonFramer framer(1024);
    auto r = feed(framer, {"hello there {\"no\":1}\n{\"yes\":1}", "]\n{\"z\":0}"});
    EXPECT_EQ(r.events, (std::vector<Kind>{Kind::BadFrame, Kind::BadFrame}));
    EXPECT_EQ(r.frames, (std::vector<std::string>{R"({"yes":1})", R"({"z":0})"}));
}

TEST(JsonFramer, EndlessGarbageOrEndlessObjectIsFatal) {
    JsonFramer garbage(64, 256);
    auto r = feed(garbage, {std::string(100, 'g'), std::string(100, 'g'), std::string(100, 'g')});
    EXPECT_EQ(r.events, (std::vector<Kind>{Kind::BadFrame, Kind::Fatal}));

    JsonFramer endless(64, 256);
    r = feed(endless, {R"({"m":")", std::string(300, 'e')});
    EXPECT_EQ(r.events, std::vector<Kind>{Kind::Fatal});
}

TEST(JsonFramer, ExactlyTheLimitIsAccepted) {
    const std::string frame = R"({"m":")" + std::string(56, 'x') + R"("})";
    ASSERT_EQ(frame.size(), 64u);
    JsonFramer framer(64);
    auto r = feed(framer, {frame});
    EXPECT_EQ(r.frames, std::vector<std::string>{frame});
    r = feed(framer, {R"({"m":")" + std::string(57, 'x') + R"("})"});
    EXPECT_EQ(r.events, std::vector<Kind>{Kind::TooLarge});
}

}  // namespace
}  // namespace hubchat::proto
