#include "proto/json_framer.hpp"

#include <gtest/gtest.h>

namespace hubchat::proto {
namespace {

using Kind = JsonFramer::Kind;
using Frames = std::vector<std::string>;
using Kinds = std::vector<Kind>;

struct Result {
    Frames frames;
    Kinds events;  // every non-NeedMore outcome, frames included, in order
};

// Feeds `chunks` one after another, as separate reads, the way a session does.
Result feed(JsonFramer& framer, const std::vector<std::string>& chunks) {
    Result r;
    for (const auto& chunk : chunks) {
        std::string_view input = chunk;
        while (!input.empty()) {
            auto step = framer.next(input);
            EXPECT_LE(step.consumed, input.size());
            if (step.kind == Kind::NeedMore) {
                EXPECT_EQ(step.consumed, input.size());
            }
            input.remove_prefix(step.consumed);
            if (step.kind == Kind::NeedMore) continue;
            r.events.push_back(step.kind);
            if (step.kind == Kind::Frame) r.frames.emplace_back(step.frame);
            if (step.kind == Kind::Fatal) return r;
        }
    }
    return r;
}

std::vector<std::string> bytes_of(std::string_view stream) {
    std::vector<std::string> out;
    for (char c : stream) out.emplace_back(1, c);
    return out;
}

// Every way of cutting `stream` in two reads, plus one byte per read, gives `expected`.
void expect_same_at_every_split(std::size_t max_frame, const std::string& stream,
                                const Result& expected) {
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        JsonFramer framer(max_frame);
        auto r = feed(framer, {stream.substr(0, cut), stream.substr(cut)});
        EXPECT_EQ(r.frames, expected.frames) << "cut at " << cut;
        EXPECT_EQ(r.events, expected.events) << "cut at " << cut;
    }
    JsonFramer framer(max_frame);
    auto r = feed(framer, bytes_of(stream));
    EXPECT_EQ(r.frames, expected.frames) << "byte by byte";
    EXPECT_EQ(r.events, expected.events) << "byte by byte";
}

TEST(JsonFramer, SingleObject) {
    JsonFramer framer(1024);
    EXPECT_TRUE(framer.idle());
    const std::string frame = R"({"user": "alice", "request": "ClientList"})";
    auto step = framer.next(frame);
    EXPECT_EQ(step.kind, Kind::Frame);
    EXPECT_EQ(step.consumed, frame.size());
    EXPECT_EQ(step.frame, frame);
    EXPECT_EQ(step.frame.data(), frame.data());  // no copy for a frame within one read
    EXPECT_TRUE(framer.idle());
    EXPECT_EQ(framer.next("").kind, Kind::NeedMore);
}

TEST(JsonFramer, BackToBackObjectsAreSplit) {
    JsonFramer framer(1024);
    auto r = feed(
        framer,
        {R"({"user": "a", "request": "ClientList"}{"user": "a", "message": "m", "dest": "b"})"});
    EXPECT_EQ(r.frames, (Frames{R"({"user": "a", "request": "ClientList"})",
                                R"({"user": "a", "message": "m", "dest": "b"})"}));
    EXPECT_EQ(r.events, (Kinds{Kind::Frame, Kind::Frame}));
}

TEST(JsonFramer, NewlineTerminatedObjectsAndWhitespaceBetween) {
    JsonFramer framer(1024);
    auto r = feed(framer, {"{\"a\":1}\n{\"b\":2}\n", " \t\r\n{\"c\":3}\r\n\n  ", "\t{\"d\":4}"});
    EXPECT_EQ(r.frames, (Frames{R"({"a":1})", R"({"b":2})", R"({"c":3})", R"({"d":4})"}));
    EXPECT_EQ(r.events.size(), 4u);  // whitespace is not an error
    EXPECT_TRUE(framer.idle());
}

TEST(JsonFramer, NestedObjectsAndArrays) {
    JsonFramer framer(1024);
    const std::string nested = R"({"d":[1,{"e":{"f":[[],{}]}}],"g":{}})";
    auto r = feed(framer, {nested + nested});
    EXPECT_EQ(r.frames, (Frames{nested, nested}));
}

TEST(JsonFramer, BracesQuotesAndBackslashesInsideStringsDoNotCount) {
    const std::string tricky = R"({"m":"} { \" \\","n":"\\\"}","o":"\\\\","p":"[","q":"\\"})";
    JsonFramer framer(1024);
    auto r = feed(framer, {tricky + tricky});
    EXPECT_EQ(r.frames, (Frames{tricky, tricky}));
    expect_same_at_every_split(1024, tricky + "\n" + tricky,
                               Result{{tricky, tricky}, {Kind::Frame, Kind::Frame}});
}

TEST(JsonFramer, ObjectsSplitAcrossReadsComeOutIdentical) {
    const std::string a = R"({"user": "alice", "message": "a {b} \"c\" \\", "dest": "bob"})";
    const std::string b = R"({"x":"\\"})";
    const std::string c = "{\"u\":\"h\xc3\xa9llo \xe2\x9c\x93\"}";
    const std::string stream = a + b + "\n  " + c + "\n";
    expect_same_at_every_split(1024, stream,
                               Result{{a, b, c}, {Kind::Frame, Kind::Frame, Kind::Frame}});
}

TEST(JsonFramer, PartialFrameIsBufferedUntilComplete) {
    JsonFramer framer(1024);
    auto r = feed(framer, {R"({"a":"bc)"});
    EXPECT_TRUE(r.events.empty());
    EXPECT_FALSE(framer.idle());
    EXPECT_EQ(framer.buffered(), 8u);
    r = feed(framer, {R"(d","e)"});
    EXPECT_EQ(framer.buffered(), 13u);
    r = feed(framer, {R"(":1}{"f")"});
    EXPECT_EQ(r.frames, Frames{R"({"a":"bcd","e":1})"});
    EXPECT_EQ(framer.buffered(), 4u);  // the next one started
    r = feed(framer, {":2}"});
    EXPECT_EQ(r.frames, Frames{R"({"f":2})"});
    EXPECT_TRUE(framer.idle());
    EXPECT_EQ(framer.buffered(), 0u);
    framer.release_memory();
    r = feed(framer, {"{\"g\":", "3}"});  // still works after releasing its memory
    EXPECT_EQ(r.frames, Frames{R"({"g":3})"});
}

TEST(JsonFramer, ExactlyTheLimitIsAccepted) {
    const std::string frame = R"({"m":")" + std::string(56, 'x') + R"("})";
    ASSERT_EQ(frame.size(), 64u);
    JsonFramer framer(64);
    auto r = feed(framer, {frame});
    EXPECT_EQ(r.frames, Frames{frame});
    r = feed(framer, {frame.substr(0, 30), frame.substr(30)});  // also across reads
    EXPECT_EQ(r.frames, Frames{frame});
    r = feed(framer, {R"({"m":")" + std::string(57, 'x') + R"("})"});
    EXPECT_EQ(r.events, Kinds{Kind::TooLarge});
}

TEST(JsonFramer, OversizeObjectIsSkippedAndTheNextOneIsFramed) {
    JsonFramer framer(64);
    const std::string big = R"({"m":")" + std::string(200, 'x') + R"(}{\"","n":[{}]})";
    auto r = feed(framer, {big + R"({"ok":1})" + "\n" + R"({"ok":2})"});
    EXPECT_EQ(r.events, (Kinds{Kind::TooLarge, Kind::Frame, Kind::Frame}));
    EXPECT_EQ(r.frames, (Frames{R"({"ok":1})", R"({"ok":2})"}));
    EXPECT_TRUE(framer.idle());
}

TEST(JsonFramer, OversizeObjectAcrossReadsResynchronises) {
    const std::string stream =
        R"({"m":")" + std::string(200, 'y') + R"(","n":{"}":"{"}})" + "\n" + R"({"ok":2})";
    JsonFramer framer(64);
    auto r = feed(framer, {stream.substr(0, 40), stream.substr(40, 100), stream.substr(140)});
    EXPECT_EQ(r.events, (Kinds{Kind::TooLarge, Kind::Frame}));
    EXPECT_EQ(r.frames, Frames{R"({"ok":2})"});
    EXPECT_EQ(framer.buffered(), 0u);
    // Whatever the cut, the same outcome.
    expect_same_at_every_split(64, stream, Result{{R"({"ok":2})"}, {Kind::TooLarge, Kind::Frame}});
}

TEST(JsonFramer, AnOversizeObjectIsNotBufferedWhileSkipped) {
    JsonFramer framer(64);
    feed(framer, {R"({"m":")" + std::string(40, 'x')});
    EXPECT_GT(framer.buffered(), 0u);
    feed(framer, {std::string(100, 'x')});
    EXPECT_EQ(framer.buffered(), 0u);  // over the limit: dropped, only its structure tracked
    EXPECT_FALSE(framer.idle());       // still inside it
    auto r = feed(framer, {"\"}"});
    EXPECT_EQ(r.events, Kinds{Kind::TooLarge});
    EXPECT_TRUE(framer.idle());
}

TEST(JsonFramer, GarbageLineIsReportedAndSkippedToTheNewline) {
    JsonFramer framer(1024);
    auto r = feed(framer, {"hello there {\"no\":1}\n{\"yes\":1}", "]\n{\"z\":0}"});
    EXPECT_EQ(r.events, (Kinds{Kind::BadFrame, Kind::Frame, Kind::BadFrame, Kind::Frame}));
    EXPECT_EQ(r.frames, (Frames{R"({"yes":1})", R"({"z":0})"}));
}

TEST(JsonFramer, GarbageRightAfterAFrameSkipsTheRestOfThatLine) {
    JsonFramer framer(1024);
    auto r = feed(framer, {"{\"a\":1}x{\"lost\":1}\n{\"b\":2}"});
    EXPECT_EQ(r.events, (Kinds{Kind::Frame, Kind::BadFrame, Kind::Frame}));
    EXPECT_EQ(r.frames, (Frames{R"({"a":1})", R"({"b":2})"}));
}

TEST(JsonFramer, GarbageSplitAcrossReadsIsOneBadFrame) {
    const std::string stream = "not json at all\n[1,2]\n{\"ok\":1}\n";
    expect_same_at_every_split(
        1024, stream, Result{{R"({"ok":1})"}, {Kind::BadFrame, Kind::BadFrame, Kind::Frame}});
}

TEST(JsonFramer, EndlessGarbageIsFatal) {
    JsonFramer garbage(64, 256);
    auto r = feed(garbage, {std::string(100, 'g'), std::string(100, 'g'), std::string(100, 'g')});
    EXPECT_EQ(r.events, (Kinds{Kind::BadFrame, Kind::Fatal}));
    // The session's final error says how far it read; nothing of it is buffered.
    EXPECT_EQ(garbage.scanned(), 100u);
    EXPECT_EQ(garbage.buffered(), 0u);

    // A newline within the frame limit saves the stream (docs/PROTOCOL.md, Framing).
    JsonFramer saved(64, 256);
    r = feed(saved, {std::string(30, 'g'), std::string(30, 'g'), "\n{\"ok\":1}"});
    EXPECT_EQ(r.events, (Kinds{Kind::BadFrame, Kind::Frame}));
}

TEST(JsonFramer, EndlessOversizeObjectIsFatal) {
    JsonFramer endless(64, 256);
    auto r = feed(endless, {R"({"m":")", std::string(300, 'e')});
    EXPECT_EQ(r.events, Kinds{Kind::Fatal});
    EXPECT_EQ(endless.scanned(), 306u);  // past the allowance, though none of it is buffered
    EXPECT_EQ(endless.buffered(), 0u);

    // An oversize object that ends within the allowance is only TooLarge.
    JsonFramer ends(64, 256);
    r = feed(ends, {R"({"m":")", std::string(200, 'e'), "\"}{\"ok\":1}"});
    EXPECT_EQ(r.events, (Kinds{Kind::TooLarge, Kind::Frame}));
}

// Found by fuzz/fuzz_framer: both limits used to be enforced only when the end of the
// garbage line or oversize object came in a later read, so one big read escaped them.
TEST(JsonFramer, GarbageLineLimitHoldsWhereverTheReadsAreCut) {
    expect_same_at_every_split(64, std::string(64, 'g') + "\n{\"ok\":1}",
                               Result{{R"({"ok":1})"}, {Kind::BadFrame, Kind::Frame}});
    expect_same_at_every_split(64, std::string(65, 'g') + "\n{\"ok\":1}",
                               Result{{}, {Kind::BadFrame, Kind::Fatal}});
}

TEST(JsonFramer, SkipAllowanceHoldsWhereverTheReadsAreCut) {
    // Default allowance: 16 x 64 = 1024 bytes.
    const std::string within = "{\"m\":\"" + std::string(1000, 'e') + "\"}";
    expect_same_at_every_split(64, within + R"({"ok":1})",
                               Result{{R"({"ok":1})"}, {Kind::TooLarge, Kind::Frame}});
    const std::string beyond = "{\"m\":\"" + std::string(1100, 'e') + "\"}";
    expect_same_at_every_split(64, beyond + R"({"ok":1})", Result{{}, {Kind::Fatal}});
}

TEST(JsonFramer, DefaultSkipAllowanceIsGenerous) {
    // No explicit max_skip: an oversize object several times the limit still resyncs.
    JsonFramer framer(64);
    auto r = feed(framer, {"{\"m\":\"" + std::string(640, 'x') + "\"}{\"ok\":1}"});
    EXPECT_EQ(r.events, (Kinds{Kind::TooLarge, Kind::Frame}));
}

// Strings are skipped eight bytes at a time up to a quote or backslash: escaped quotes,
// backslashes and braces inside a string must be seen at every offset, whether the frame
// arrives in one read or byte by byte.
TEST(JsonFramer, StringContentsAtEveryOffsetOfTheWordScan) {
    for (const std::string special : {"\\\"", "\\\\", "}", "{", "]", "\\u0022"}) {
        for (std::size_t before = 0; before <= 17; ++before) {
            for (std::size_t after = 0; after <= 9; ++after) {
                const std::string frame = R"({"type":"message","text":")" +
                                          std::string(before, 'a') + special +
                                          std::string(after, 'b') + R"("})";
                JsonFramer whole(1024);
                auto r = feed(whole, {frame + frame});
                ASSERT_EQ(r.frames, (Frames{frame, frame})) << frame;
                JsonFramer split(1024);
                r = feed(split, bytes_of(frame));
                ASSERT_EQ(r.frames, Frames{frame}) << frame;
            }
        }
    }
}

}  // namespace
}  // namespace hubchat::proto
