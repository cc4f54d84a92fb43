// Framing, bad input and misbehaving peers, through real sockets.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "support/chat_socket.hpp"
#include "support/process.hpp"

namespace hubchat::test {
namespace {
namespace json = boost::json;

class RobustnessTest : public ::testing::Test {
  protected:
    explicit RobustnessTest(std::vector<std::string> args = {}) : server(std::move(args)) {}
    ServerProcess server;
    std::unique_ptr<ChatSocket> user(std::string_view name) {
        auto s = std::make_unique<ChatSocket>(server.host(), server.port());
        EXPECT_TRUE(s->hello(name)) << name;
        return s;
    }
    static std::string error_code_of(ChatSocket& s) {
        auto error = s.wait_type("error");
        return error ? text_of(*error, "code") : "<none>";
    }
};

TEST_F(RobustnessTest, CoalescedSplitAndTrickyStringsAreFramed) {
    auto bob = user("bob");
    auto alice = std::make_unique<ChatSocket>(server.host(), server.port());
    // Back to back, no delimiter, with braces and escaped quotes inside strings.
    alice->send_raw(
        R"({"type":"hello","name":"alice"}{"type":"message","dest":"bob","message":"a {b} \"c\" \\"})"
        "\n"
        R"({"type":"message","dest":"bob","message":"}{"}   {"type":"message","dest":"bob","message":"3"})");
    for (const std::string& expected : std::vector<std::string>{"a {b} \"c\" \\", "}{", "3"}) {
        auto got = bob->wait_type("message");
        ASSERT_TRUE(got) << expected;
        EXPECT_EQ(text_of(*got, "message"), expected);
    }
    // One byte per write.
    const std::string frame = R"({"type":"message","dest":"bob","message":"slow \u00e9 {"})"
                              "\n";
    for (char c : frame) alice->send_raw(std::string(1, c));
    auto got = bob->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(text_of(*got, "message"), "slow \xc3\xa9 {");
}

TEST_F(RobustnessTest, BadJsonAndWrongTypesGetErrorsAndTheConnectionStays) {
    auto bob = user("bob");
    auto alice = user("alice");
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"type":"message","dest":"bob","message":})", "bad_json"},
        {R"({"type":"message","dest":"bob","message":42})", "bad_request"},
        {R"({"type":"message","dest":{"a":1},"message":"x"})", "bad_request"},
        {R"({"type":"message","dest":["bob",7],"message":"x"})", "bad_request"},
        {R"({"type":"message","message":"no dest"})", "bad_request"},
        {R"({"type":7})", "bad_request"},
        {R"({"type":"fly"})", "bad_request"},
        {R"({"user":5,"message":"x","dest":"bob"})", "bad_request"},
        {"{\"type\":\"message\",\"dest\":\"bob\",\"message\":\"\xff\xfe\"}", "bad_json"},
        {std::string(40, '[') + std::string(40, ']'), "bad_frame"},
        {"{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}", "bad_json"},
        {R"({"type":"message","dest":"bob","message":1e999999})", "bad_request"},
        {R"({"type":"message","dest":"bob","message":123456789012345678901234567890})",
         "bad_request"},
        {R"({"type":"message","dest":"bob","message":""})", "empty_message"},
        {"not json at all", "bad_frame"},
    };
    for (const auto& [input, code] : cases) {
        alice->send_raw(input + "\n");
        EXPECT_EQ(error_code_of(*alice), code) << input;
    }
    alice->send_raw(R"({"type":"message","dest":"bob","message":"still here \u0000 nul"})"
                    "\n");
    auto got = bob->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(text_of(*got, "message"), std::string("still here \0 nul", 16));
}

class SmallLimitsTest : public RobustnessTest {
  protected:
    SmallLimitsTest() : RobustnessTest({"--max-message", "1024", "--max-queue", "65536"}) {}
};

TEST_F(SmallLimitsTest, OversizeFrameIsRefusedAndTheStreamResynchronises) {
    auto bob = user("bob");
    auto alice = user("alice");
    const std::string big(5000, 'x');
    alice->send_raw(R"({"type":"message","dest":"bob","message":")" + big +
                    R"(\"}{"})"
                    "\n");
    EXPECT_EQ(error_code_of(*alice), "too_large");
    alice->send_raw(R"({"type":"message","dest":"bob","message":"after"})"
                    "\n");
    auto got = bob->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(text_of(*got, "message"), "after");
    // 1024 bytes is no longer a limit of the protocol itself, only of this server's setting.
    const std::string fits(900, 'y');
    alice->send_raw(R"({"type":"message","dest":"bob","message":")" + fits + "\"}\n");
    got = bob->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(text_of(*got, "message"), fits);
}

TEST_F(SmallLimitsTest, EndlessFrameIsClosedWithAFinalError) {
    auto bob = user("bob");
    auto alice = user("alice");
    alice->send_raw(R"({"type":"message","dest":"bob","message":")");
    const std::string chunk(8192, 'z');
    std::vector<std::string> last;
    bool closed = false;
    for (int i = 0; i < 64 && !closed; ++i) {
        try {
            alice->send_raw(chunk);
        } catch (const std::exception&) {
            break;  // the server already closed
        }
    }
    closed = alice->wait_closed(std::chrono::seconds(5), &last);
    EXPECT_TRUE(closed);
    ASSERT_FALSE(last.empty());
    EXPECT_NE(last.back().find("too_large"), std::string::npos);
    EXPECT_TRUE(bob->sync());  // the server is fine
}

class SmallQueueTest : public RobustnessTest {
  protected:
    SmallQueueTest() : RobustnessTest({"--max-queue", "65536"}) {}
};

TEST_F(SmallQueueTest, ReaderThatStopsIsDisconnectedWhileOthersGetEverything) {
    // It never reads, so the kernel never grows its receive window past the initial one.
    auto stuck = user("stuck");
    auto reader = user("reader");
    auto sender = user("sender");
    // Enough to fill the kernel's socket buffers (a few MiB) and then the 64 KiB queue.
    const int count = 100;
    const std::string text(60000, 'm');
    std::vector<json::object> reader_other;  // what the reader got besides messages
    for (int i = 0; i < count; ++i) {
        sender->send_raw(R"({"type":"message","dest":"reader,stuck","message":")" +
                         std::to_string(i) + ":" + text + "\"}\n");
        ASSERT_TRUE(sender->wait_type("ack")) << i;
        // The reader keeps up as a live client would, and misses nothing.
        auto got =
            reader->wait_for([](const json::object& o) { return text_of(o, "type") == "message"; },
                             std::chrono::seconds(5), &reader_other);
        ASSERT_TRUE(got) << i;
        EXPECT_EQ(text_of(*got, "message"), std::to_string(i) + ":" + text);
    }
    // The stuck client was cut off with a final error line...
    std::vector<std::string> frames;
    EXPECT_TRUE(stuck->wait_closed(std::chrono::seconds(10), &frames));
    bool told = false;
    for (const auto& f : frames) told |= f.find("send_queue_exceeded") != std::string::npos;
    EXPECT_TRUE(told);
    // ...and the others saw it leave.
    auto is_stuck_leaving = [](const json::object& o) {
        return text_of(o, "type") == "leave" && text_of(o, "user") == "stuck";
    };
    const bool left = std::any_of(reader_other.begin(), reader_other.end(), is_stuck_leaving) ||
                      reader->wait_for(is_stuck_leaving).has_value();
    EXPECT_TRUE(left);
}

TEST_F(RobustnessTest, ClientKilledMidFrameDisturbsNoOne) {
    auto bob = user("bob");
    for (int i = 0; i < 20; ++i) {
        auto victim = user("victim" + std::to_string(i));
        victim->send_raw(R"({"type":"message","dest":"bob","mess)");
        if (i % 2) {
            victim->reset();
        } else {
            victim->close();
        }
    }
    auto alice = user("alice");
    alice->send_raw(R"({"type":"message","dest":"bob","message":"fine"})"
                    "\n");
    auto got = bob->wait_for([](const json::object& o) { return text_of(o, "type") == "message"; });
    ASSERT_TRUE(got);
    EXPECT_EQ(text_of(*got, "message"), "fine");
}

TEST_F(RobustnessTest, SilentConnectionsAndGarbageDoNotHurtOthers) {
    auto bob = user("bob");
    std::vector<std::unique_ptr<ChatSocket>> idle;
    for (int i = 0; i < 50; ++i) {
        idle.push_back(std::make_unique<ChatSocket>(server.host(), server.port()));
    }
    auto garbage = std::make_unique<ChatSocket>(server.host(), server.port());
    garbage->send_raw(std::string("\x16\x03\x01\x00\x05hello", 10));
    garbage->send_raw("GET / HTTP/1.1\r\n\r\n");
    auto alice = user("alice");
    alice->send_raw(R"({"type":"message","dest":"bob","message":"ok"})"
                    "\n");
    auto got = bob->wait_for([](const json::object& o) { return text_of(o, "type") == "message"; });
    ASSERT_TRUE(got);
}

}  // namespace
}  // namespace hubchat::test
