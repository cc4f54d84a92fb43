// The protocol drivers without a server: what they write, how they cut the byte stream
// into frames, and what they make of each frame.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol_driver.hpp"

namespace hubchat::bench {
namespace {

// What the worker does with each read: frames cut where the driver says, the incomplete
// rest carried over to the next read with the driver's scan state.
std::vector<std::string> frames_of(const ProtocolDriver& driver,
                                   const std::vector<std::string_view>& reads) {
    std::vector<std::string> frames;
    std::string carried;
    FrameScan scan;
    for (std::string_view read : reads) {
        for (auto end = driver.frame_end(read, scan); end != std::string_view::npos;
             end = driver.frame_end(read, scan)) {
            frames.push_back(carried + std::string(read.substr(0, end)));
            carried.clear();
            read.remove_prefix(end);
        }
        carried += read;
    }
    return frames;
}

// Every way of cutting `stream` into two reads gives the same frames as one read.
void expect_same_frames_at_every_cut(const ProtocolDriver& driver, std::string_view stream,
                                     const std::vector<std::string>& expected) {
    ASSERT_EQ(frames_of(driver, {stream}), expected);
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        EXPECT_EQ(frames_of(driver, {stream.substr(0, cut), stream.substr(cut)}), expected)
            << "cut after " << cut << " bytes";
    }
}

TEST(OriginalDriver, WritesRequestsAsPythonJsonDumps) {
    const auto driver = make_original_driver();
    std::string out;
    driver->append_register(out, "alice");
    EXPECT_EQ(out, R"({"user": "alice", "request": "ClientList"})");
    out.clear();
    driver->append_message_head(out, "alice", "bob");
    out += "Hello Bob";
    driver->append_message_tail(out, "bob");
    EXPECT_EQ(out, R"({"user": "alice", "message": "Hello Bob", "dest": "bob"})");
    out.clear();
    driver->append_ping(out, "alice");
    EXPECT_EQ(out, R"({"user": "alice", "request": "ClientList"})");
    out.clear();
    driver->append_quit(out);
    EXPECT_EQ(out, "");
}

TEST(OriginalDriver, SplitsBackToBackObjects) {
    const auto driver = make_original_driver();
    const std::string first = R"({"user": "alice", "message": "one", "dest": "bob"})";
    const std::string second = R"({"client-list": [{"name": "alice"}, {"name": "bob"}]})";
    expect_same_frames_at_every_cut(*driver, first + second, {first, second});
}

TEST(OriginalDriver, KeepsAnIncompleteObjectForTheNextRead) {
    const auto driver = make_original_driver();
    const std::string frame = R"({"user": "alice", "message": "one", "dest": "bob"})";
    EXPECT_TRUE(frames_of(*driver, {frame.substr(0, 20)}).empty());
    EXPECT_EQ(frames_of(*driver, {frame.substr(0, 20), frame.substr(20, 5), frame.substr(25)}),
              std::vector<std::string>{frame});
}

TEST(OriginalDriver, IgnoresBracesInsideStrings) {
    const auto driver = make_original_driver();
    const std::string braces = R"({"user": "alice", "message": "}}} {", "dest": "bob"})";
    const std::string after = R"({"user": "alice", "message": "x", "dest": "bob"})";
    expect_same_frames_at_every_cut(*driver, braces + after, {braces, after});
}

TEST(OriginalDriver, IgnoresEscapedQuotesAndBackslashes) {
    const auto driver = make_original_driver();
    // An escaped quote does not end the string; an escaped backslash does not escape the
    // quote after it.
    const std::string quotes = R"({"user": "alice", "message": "say \"}\" \\", "dest": "bob"})";
    const std::string backslash = R"({"user": "alice", "message": "\\\\\"{\\", "dest": "b"})";
    expect_same_frames_at_every_cut(*driver, quotes + backslash, {quotes, backslash});
}

TEST(OriginalDriver, AcceptsWhitespaceBetweenObjects) {
    const auto driver = make_original_driver();
    const std::string frame = R"({"user": "alice", "message": "one", "dest": "bob"})";
    const auto frames = frames_of(*driver, {frame + "\n" + frame + "\n"});
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(frames[1], "\n" + frame);
    EXPECT_EQ(driver->parse(frames[1], "bob", "ALL").kind, Inbound::Kind::message);
}

TEST(OriginalDriver, ReadsWhatTheServerSends) {
    const auto driver = make_original_driver();
    const Inbound chat =
        driver->parse(R"({"user": "alice", "message": "Hello Bob", "dest": "ALL"})", "bob", "ALL");
    EXPECT_EQ(chat.kind, Inbound::Kind::message);
    EXPECT_EQ(chat.from, "alice");
    EXPECT_EQ(chat.dest, "ALL");
    EXPECT_EQ(chat.text, "Hello Bob");

    EXPECT_EQ(
        driver->parse(R"({"client-list": [{"name": "alice"}, {"name": "bob"}]})", "bob", "ALL")
            .kind,
        Inbound::Kind::user_list);
    EXPECT_EQ(driver->parse(R"({"client-list": []})", "bob", "ALL").kind, Inbound::Kind::user_list);
    EXPECT_EQ(driver
                  ->parse(R"({"user": "server", "message": "No such user: nobody", "dest": "bob"})",
                          "bob", "ALL")
                  .kind,
              Inbound::Kind::error);
    EXPECT_EQ(driver->parse("}", "bob", "ALL").kind, Inbound::Kind::malformed);
    EXPECT_EQ(driver->parse(R"({"user": "alice"})", "bob", "ALL").kind, Inbound::Kind::malformed);
}

TEST(OriginalDriver, CutsAStrayClosingBraceSoItCanBeReported) {
    const auto driver = make_original_driver();
    EXPECT_EQ(frames_of(*driver, {"}{}"}), (std::vector<std::string>{"}", "{}"}));
}

TEST(LineDrivers, CutAfterEachNewline) {
    for (const auto& driver : {make_json_driver(), make_irc_driver()}) {
        expect_same_frames_at_every_cut(*driver, "PING :a\r\n{\"type\":\"pong\"}\n",
                                        {"PING :a\r\n", "{\"type\":\"pong\"}\n"});
        EXPECT_TRUE(frames_of(*driver, {"no newline yet"}).empty());
    }
}

// Chat frames take a fast path when they come in the server's field order; every other
// order or shape must read the same as before (or be reported), never be misread.
TEST(JsonDriver, ReadsChatFramesInAnyFieldOrder) {
    const auto driver = make_json_driver();
    const std::string_view text = R"(a \"quoted\" \\ ,\"user\":\"mallory\" }{)";
    const std::string lines[] = {
        // hubchat-server's order (the fast path), with and without more fields after.
        std::string(
            R"({"type":"message","id":7,"ts":1700000000000,"user":"alice","dest":"#bench","message":")") +
            std::string(text) + "\"}\n",
        std::string(
            R"({"type":"message","id":7,"ts":-1,"user":"alice","dest":"#bench","message":")") +
            std::string(text) + "\",\"notice\":true}\n",
        // Other orders and spacing (the general reader).
        std::string(R"({"type":"message","dest":"#bench","user":"alice","message":")") +
            std::string(text) + "\"}\n",
        std::string(R"({"type": "message", "user": "alice", "dest": "#bench", "message": ")") +
            std::string(text) + "\"}\n",
        std::string(R"({"type":"message","id":"7","user":"alice","dest":"#bench","message":")") +
            std::string(text) + "\"}\n",
    };
    for (const auto& line : lines) {
        const Inbound in = driver->parse(line, "bob", "#bench");
        EXPECT_EQ(in.kind, Inbound::Kind::message) << line;
        EXPECT_EQ(in.from, "alice") << line;
        EXPECT_EQ(in.dest, "#bench") << line;
        EXPECT_EQ(in.text, text) << line;
    }
}

TEST(JsonDriver, ReportsABrokenChatFrame) {
    const auto driver = make_json_driver();
    for (std::string_view line : {
             R"({"type":"message","id":7,"user":"alice","dest":"#bench","message":"cut)",
             R"({"type":"message","id":7,"user":"alice","dest":"#bench","message":"x"x}")",
             R"({"type":"message","id":7,"user":"alice","dest":"#bench","message":"x";)",
         }) {
        EXPECT_EQ(driver->parse(line, "bob", "#bench").kind, Inbound::Kind::malformed) << line;
    }
}

}  // namespace
}  // namespace hubchat::bench
