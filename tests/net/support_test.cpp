// The harness judges the server, so it is checked too: a splitter that merged or cut
// frames would make the framing tests pass or fail for the wrong reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/json_splitter.hpp"

namespace hubchat::test {
namespace {

std::vector<std::string> split(const std::vector<std::string>& chunks) {
    JsonSplitter splitter;
    std::vector<std::string> out;
    for (const auto& c : chunks) {
        splitter.feed(c);
        while (auto f = splitter.pop()) out.push_back(*f);
    }
    EXPECT_EQ(splitter.partial(), "") << "left over";
    return out;
}

TEST(JsonSplitter, NewlineFramesAndBackToBackObjects) {
    EXPECT_EQ(split({"{\"a\":1}\n{\"b\":2}\n"}),
              (std::vector<std::string>{R"({"a":1})", R"({"b":2})"}));
    EXPECT_EQ(split({R"({"user": "a"}{"user": "b"})"}),
              (std::vector<std::string>{R"({"user": "a"})", R"({"user": "b"})"}));
}

TEST(JsonSplitter, BracesQuotesAndBackslashesInsideStrings) {
    const std::string tricky = R"({"m":"}{ [\"]\\","n":{"o":["}"]}})";
    EXPECT_EQ(split({tricky + tricky}), (std::vector<std::string>{tricky, tricky}));
}

TEST(JsonSplitter, ObjectsSplitAtEveryByte) {
    const std::string frames = R"({"m":"a\\\"}"} {"n":[{}]})";
    for (std::size_t cut = 0; cut <= frames.size(); ++cut) {
        EXPECT_EQ(split({frames.substr(0, cut), frames.substr(cut)}),
                  (std::vector<std::string>{R"({"m":"a\\\"}"})", R"({"n":[{}]})"}))
            << cut;
    }
    std::vector<std::string> bytes;
    for (const char c : frames) bytes.emplace_back(1, c);
    EXPECT_EQ(split(bytes).size(), 2u);
}

TEST(JsonSplitter, StrayTextIsReportedNotSwallowed) {
    EXPECT_EQ(split({"oops\n{\"a\":1}x{\"b\":2}"}),
              (std::vector<std::string>{"oops", R"({"a":1})", "x", R"({"b":2})"}));
}

TEST(JsonSplitter, UnfinishedObjectStaysPending) {
    JsonSplitter splitter;
    splitter.feed(R"({"a":"}")");
    EXPECT_FALSE(splitter.pop());
    EXPECT_EQ(splitter.partial(), R"({"a":"}")");
}

}  // namespace
}  // namespace hubchat::test
