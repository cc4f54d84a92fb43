#include "proto/irc_line.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hubchat::proto::irc {
namespace {

Message parsed(std::string_view line) {
    auto result = parse_line(line);
    EXPECT_EQ(result.error, ParseError::None) << line;
    return result.message.value_or(Message{});
}

ParseError error_of(std::string_view line) {
    return parse_line(line).error;
}

TEST(IrcParse, CommandAndMiddleParams) {
    const auto m = parsed("USER alice 0 * realname");
    EXPECT_EQ(m.command, "USER");
    EXPECT_EQ(m.params, (std::vector<std::string>{"alice", "0", "*", "realname"}));
    EXPECT_TRUE(m.source.empty());
    EXPECT_TRUE(m.tags.empty());
}

TEST(IrcParse, TrailingParamKeepsSpacesAndColons) {
    const auto m = parsed("PRIVMSG #dev :hello there: :-)");
    EXPECT_EQ(m.params, (std::vector<std::string>{"#dev", "hello there: :-)"}));
    EXPECT_EQ(parsed("PRIVMSG bob :").params, (std::vector<std::string>{"bob", ""}));
    EXPECT_EQ(parsed("PRIVMSG bob ::)").params, (std::vector<std::string>{"bob", ":)"}));
}

TEST(IrcParse, SourceAndExtraSpaces) {
    const auto m = parsed(":nick!user@host   PRIVMSG   bob   :hi  ");
    EXPECT_EQ(m.source, "nick!user@host");
    EXPECT_EQ(m.command, "PRIVMSG");
    EXPECT_EQ(m.params, (std::vector<std::string>{"bob", "hi  "}));
    EXPECT_EQ(parsed("NICK bob   ").params, (std::vector<std::string>{"bob"}));
}

TEST(IrcParse, LineEndingsAreIgnored) {
    EXPECT_EQ(parsed("PING x\r\n").params, (std::vector<std::string>{"x"}));
    EXPECT_EQ(parsed("PING x\n").params, (std::vector<std::string>{"x"}));
    EXPECT_EQ(parsed("PING x\r").params, (std::vector<std::string>{"x"}));
}

TEST(IrcParse, TagsWithEscapes) {
    const auto m = parsed(R"(@a=1;+example.com/b=x\sy\:z\\w\r\n;c;d= :src TAGMSG #x)");
    ASSERT_EQ(m.tags.size(), 4u);
    EXPECT_EQ(m.tags[0], (Tag{"a", "1"}));
    EXPECT_EQ(m.tags[1], (Tag{"+example.com/b", "x y;z\\w\r\n"}));
    EXPECT_EQ(m.tags[2], (Tag{"c", ""}));
    EXPECT_EQ(m.tags[3], (Tag{"d", ""}));
    EXPECT_EQ(m.source, "src");
    EXPECT_EQ(m.command, "TAGMSG");
}

TEST(IrcParse, TagUnescapingEdgeCases) {
    EXPECT_EQ(unescape_tag_value("a\\"), "a");  // trailing backslash dropped
    EXPECT_EQ(unescape_tag_value("\\b"), "b");  // unknown escape: the character
    EXPECT_EQ(unescape_tag_value("\\\\s"), "\\s");
    const auto m = parsed("@k=1;k=2 PING x");  // the last value wins
    ASSERT_EQ(m.tags.size(), 1u);
    EXPECT_EQ(m.tags[0].value, "2");
}

TEST(IrcParse, Errors) {
    EXPECT_EQ(error_of(""), ParseError::Empty);
    EXPECT_EQ(error_of("    "), ParseError::Empty);
    EXPECT_EQ(error_of(":src"), ParseError::NoCommand);
    EXPECT_EQ(error_of(":src   "), ParseError::NoCommand);
    EXPECT_EQ(error_of("@a=b"), ParseError::BadTags);
    EXPECT_EQ(error_of("@ PING"), ParseError::BadTags);
    EXPECT_EQ(error_of("@a=b   "), ParseError::BadTags);
    EXPECT_EQ(error_of("PR1VMSG x"), ParseError::BadCommand);
    EXPECT_EQ(error_of("12 x"), ParseError::BadCommand);
    EXPECT_EQ(error_of(std::string("PRIVMSG a :b\0c", 14)), ParseError::BadByte);
    EXPECT_EQ(error_of("PRIVMSG a :b\rc"), ParseError::BadByte);
    EXPECT_EQ(parsed("001 me :hi").command, "001");
}

TEST(IrcParse, BodyLimitIs510BytesWithoutCrlf) {
    const std::string head = "PRIVMSG #x :";
    const std::string fits = head + std::string(kMaxBodyBytes - head.size(), 'a');
    EXPECT_EQ(error_of(fits), ParseError::None);
    EXPECT_EQ(error_of(fits + "\r\n"), ParseError::None);
    EXPECT_EQ(error_of(fits + "a"), ParseError::TooLong);
    // Tags do not count toward the body's limit.
    EXPECT_EQ(error_of("@" + std::string(4000, 't') + " " + fits), ParseError::None);
}

TEST(IrcParse, TagLimitIs8191BytesWithAtAndSpace) {
    const std::string body = "PING x";
    EXPECT_EQ(error_of("@" + std::string(kMaxTagBytes - 2, 't') + " " + body), ParseError::None);
    EXPECT_EQ(error_of("@" + std::string(kMaxTagBytes - 1, 't') + " " + body),
              ParseError::TagsTooLong);
}

TEST(IrcSerialize, TrailingParamGetsAColonOnlyWhenNeeded) {
    EXPECT_EQ(serialize({{}, "", "PING", {"x"}}), "PING x\r\n");
    EXPECT_EQ(serialize({{}, "srv", "001", {"bob", "Welcome to hubchat"}}),
              ":srv 001 bob :Welcome to hubchat\r\n");
    EXPECT_EQ(serialize({{}, "", "PRIVMSG", {"bob", ""}}), "PRIVMSG bob :\r\n");
    EXPECT_EQ(serialize({{}, "", "PRIVMSG", {"bob", ":)"}}), "PRIVMSG bob ::)\r\n");
    EXPECT_EQ(serialize({{}, "", "MODE", {"#x", "+nt"}}), "MODE #x +nt\r\n");
}

TEST(IrcSerialize, NeverMoreThanOneLine) {
    EXPECT_EQ(serialize({{}, "", "PRIVMSG", {"bob", "a\r\nQUIT"}}), "PRIVMSG bob :a  QUIT\r\n");
    EXPECT_EQ(serialize({{}, "", "PRIVMSG", {"bob", std::string("a\0b", 3)}}),
              "PRIVMSG bob :a b\r\n");
}

TEST(IrcSerialize, TagsEscapedAndRoundTrip) {
    Message m{{{"time", "2026-01-01T00:00:00.000Z"}, {"+x", "a b;c\\d\r\n"}, {"flag", ""}},
              "alice!alice@hubchat",
              "PRIVMSG",
              {"#dev", "hello world"}};
    const std::string line = serialize(m);
    EXPECT_EQ(line,
              "@time=2026-01-01T00:00:00.000Z;+x=a\\sb\\:c\\\\d\\r\\n;flag "
              ":alice!alice@hubchat PRIVMSG #dev :hello world\r\n");
    EXPECT_EQ(parsed(line), m);
}

// The chat line writer is serialize() without the Message: byte for byte the same line.
TEST(IrcSerialize, ChatLineIsWhatSerializeWrites) {
    const std::vector<Tag> tag_sets[] = {
        {}, {{"time", "2026-01-01T00:00:00.000Z"}, {"+x", "a b;c\\d\r\n"}, {"flag", ""}}};
    const std::string texts[] = {"hello",   "hello world",          "",   ":)", "a\r\nQUIT",
                                 "tab\tok", std::string("a\0b", 3), "\r", "x:y"};
    for (const auto& tags : tag_sets) {
        for (const std::string source : {"", "alice!alice@hubchat"}) {
            for (const std::string target : {"#dev", "bob", "a\nb"}) {
                for (const auto& text : texts) {
                    std::string out = "kept ";
                    append_chat_line(out, tags, source, "PRIVMSG", target, text);
                    EXPECT_EQ(out, "kept " + serialize({tags, source, "PRIVMSG", {target, text}}))
                        << "text " << text << " target " << target;
                }
            }
        }
    }
}

// The one-line shortcut writes exactly what append_chat_line does with no tags, and
// declines (nullptr) whatever would be cleaned, split, or is empty.
TEST(IrcSerialize, ASingleChatLineIsWhatTheChatLineWriterWrites) {
    const std::string texts[] = {"hello",       "hello world",        ":)", "x:y", "tab\tok",
                                 "caf\xc3\xa9", std::string(100, 'm')};
    for (const std::string source : {"", "alice!alice@hubchat"}) {
        for (const std::string command : {"PRIVMSG", "NOTICE"}) {
            for (const std::string target : {"#dev", "bob"}) {
                for (const auto& text : texts) {
                    const Frame line = single_chat_line(source, command, target, text, 400);
                    ASSERT_TRUE(line) << text;
                    std::string expected;
                    append_chat_line(expected, {}, source, command, target, text);
                    EXPECT_EQ(*line, expected) << text;
                }
            }
        }
    }
}

TEST(IrcSerialize, ASingleChatLineDeclinesWhatNeedsCleaningOrSplitting) {
    const std::string source = "alice!alice@hubchat";
    for (const std::string& text : {std::string(), std::string("a\r\nQUIT"), std::string("\r"),
                                    std::string("a\nb"), std::string("a\0b", 3)}) {
        EXPECT_FALSE(single_chat_line(source, "PRIVMSG", "bob", text, 400)) << text;
    }
    EXPECT_FALSE(single_chat_line(source, "PRIVMSG", "a\nb", "hi", 400));
    EXPECT_FALSE(single_chat_line("a\rb", "PRIVMSG", "bob", "hi", 400));
    EXPECT_FALSE(single_chat_line(source, "PRIVMSG", "bob", std::string(401, 'x'), 400));
    EXPECT_TRUE(single_chat_line(source, "PRIVMSG", "bob", std::string(400, 'x'), 400));
}

TEST(IrcBase64, DecodesAndEncodes) {
    const std::string plain("\0alice\0secret", 13);
    EXPECT_EQ(encode_base64(plain), "AGFsaWNlAHNlY3JldA==");
    EXPECT_EQ(decode_base64("AGFsaWNlAHNlY3JldA==").value(), plain);
    EXPECT_EQ(decode_base64("").value(), "");
    EXPECT_EQ(decode_base64("YQ==").value(), "a");
    EXPECT_EQ(decode_base64("YWI=").value(), "ab");
    EXPECT_FALSE(decode_base64("YQ="));
    EXPECT_FALSE(decode_base64("Y=Q="));
    EXPECT_FALSE(decode_base64("YQ==YQ=="));
    EXPECT_FALSE(decode_base64("Y!Q="));
}

std::vector<std::string> split_all(LineSplitter& splitter, std::string_view input,
                                   int* too_long = nullptr) {
    std::vector<std::string> lines;
    while (!input.empty()) {
        const auto step = splitter.next(input);
        input.remove_prefix(step.consumed);
        if (step.kind == LineSplitter::Kind::Line) lines.emplace_back(step.line);
        if (step.kind == LineSplitter::Kind::TooLong && too_long != nullptr) ++*too_long;
        if (step.kind == LineSplitter::Kind::NeedMore) break;
    }
    return lines;
}

TEST(IrcSplitter, CrLfCrAndLfEndLines) {
    LineSplitter splitter;
    EXPECT_EQ(split_all(splitter, "NICK a\r\nUSER a 0 * a\nPING 1\rPING 2\r\n\r\n\n"),
              (std::vector<std::string>{"NICK a", "USER a 0 * a", "PING 1", "PING 2"}));
    EXPECT_TRUE(splitter.idle());
}

TEST(IrcSplitter, LinesSplitAcrossReads) {
    LineSplitter splitter;
    EXPECT_TRUE(split_all(splitter, "PRIV").empty());
    EXPECT_FALSE(splitter.idle());
    EXPECT_EQ(split_all(splitter, "MSG a :b\r"), (std::vector<std::string>{"PRIVMSG a :b"}));
    // The LF of a CRLF split from its CR is an empty line, skipped.
    EXPECT_EQ(split_all(splitter, "\nPING x\r\n"), (std::vector<std::string>{"PING x"}));
    EXPECT_TRUE(splitter.idle());
}

TEST(IrcSplitter, ASpanningLineIsHandedOutOfTheSameBufferThatThenTakesTheNextLine) {
    LineSplitter splitter;
    EXPECT_TRUE(split_all(splitter, "PRIV").empty());
    // The completed line, then the start of the next in the same read.
    EXPECT_EQ(split_all(splitter, "MSG a :b\r\nPI"), (std::vector<std::string>{"PRIVMSG a :b"}));
    EXPECT_FALSE(splitter.idle());
    EXPECT_EQ(splitter.buffered(), 2u);
    EXPECT_EQ(split_all(splitter, "NG x\n"), (std::vector<std::string>{"PING x"}));
    // Holding only the line handed out counts as idle: its memory can go.
    EXPECT_TRUE(splitter.idle());
    EXPECT_EQ(splitter.buffered(), 0u);
    splitter.release_memory();
    EXPECT_EQ(split_all(splitter, "PONG y\r\n"), (std::vector<std::string>{"PONG y"}));
}

TEST(IrcSplitter, TooLongIsReportedOnceAndSkipped) {
    LineSplitter splitter(16);
    int too_long = 0;
    auto lines = split_all(splitter, std::string(10, 'a'), &too_long);
    lines = split_all(splitter, std::string(10, 'b'), &too_long);
    EXPECT_EQ(too_long, 1);
    EXPECT_LE(splitter.buffered(), 16u);
    lines = split_all(splitter, std::string(100, 'c'), &too_long);
    EXPECT_EQ(too_long, 1);
    lines = split_all(splitter, "ccc\r\nPING ok\r\n", &too_long);
    EXPECT_EQ(lines, (std::vector<std::string>{"PING ok"}));
    EXPECT_EQ(too_long, 1);
    // A whole long line in one read.
    lines = split_all(splitter, std::string(40, 'x') + "\nPING 2\n", &too_long);
    EXPECT_EQ(lines, (std::vector<std::string>{"PING 2"}));
    EXPECT_EQ(too_long, 2);
}

}  // namespace
// CR, LF and NUL are found by a word scan in serialize, parse_line and the splitter:
// at every offset of those words they must still be seen.
TEST(IrcLine, LineBreaksAndNulAtEveryOffsetOfTheWordScan) {
    for (std::size_t before = 0; before <= 17; ++before) {
        const std::string a(before, 'a');
        for (const char bad : {'\r', '\n', '\0'}) {
            EXPECT_EQ(serialize({{}, "", "PRIVMSG", {"bob", a + bad + "bc"}}),
                      "PRIVMSG bob :" + a + " bc\r\n");
            EXPECT_EQ(parse_line("PRIVMSG bob :" + a + bad + "bc").error, ParseError::BadByte)
                << before;
        }
        LineSplitter splitter(512);
        const std::string input = "PING " + a + "\r\nPING x\n";
        auto step = splitter.next(input);
        ASSERT_EQ(step.kind, LineSplitter::Kind::Line) << before;
        EXPECT_EQ(step.line, "PING " + a);
        step = splitter.next(std::string_view(input).substr(step.consumed));
        ASSERT_EQ(step.kind, LineSplitter::Kind::Line);
        EXPECT_EQ(step.line, "PING x");
    }
}

}  // namespace hubchat::proto::irc
