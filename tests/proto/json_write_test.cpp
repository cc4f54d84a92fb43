// The JSON string and number writers, checked against a transcription of Python's
// json.dumps(ensure_ascii=True) string encoder and against a real JSON parser.
#include "proto/json_write.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace hubchat::proto {
namespace {
namespace json = boost::json;

std::string quoted(std::string_view text, JsonStyle style) {
    std::string out;
    append_json_string(out, text, style);
    return out;
}

// Decodes valid UTF-8 (test inputs only).
std::vector<char32_t> code_points(std::string_view s) {
    std::vector<char32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        const int len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
        char32_t cp = len == 1 ? b0 : b0 & (0xFF >> (len + 1));
        for (int k = 1; k < len; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(cp);
        i += static_cast<std::size_t>(len);
    }
    return out;
}

// Python 3 json.encoder.py_encode_basestring_ascii.
std::string python_dumps(std::string_view text) {
    std::string out = "\"";
    char buf[16];
    for (char32_t cp : code_points(text)) {
        switch (cp) {
            case '\\':
                out += "\\\\";
                continue;
            case '"':
                out += "\\\"";
                continue;
            case '\b':
                out += "\\b";
                continue;
            case '\f':
                out += "\\f";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\t':
                out += "\\t";
                continue;
            default:
                break;
        }
        if (cp >= 0x20 && cp <= 0x7E) {
            out += static_cast<char>(cp);
        } else if (cp < 0x10000) {
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
            out += buf;
        } else {
            const char32_t v = cp - 0x10000;
            std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x",
                          static_cast<unsigned>(0xD800 | (v >> 10)),
                          static_cast<unsigned>(0xDC00 | (v & 0x3FF)));
            out += buf;
        }
    }
    return out + "\"";
}

std::vector<std::string> samples() {
    std::vector<std::string> out{
        "",
        "Hello Bob",
        "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\" back\\slash",
        "/ is not escaped",
        "\xc2\x80\xc2\xa0\xc3\xbf",                          // U+0080, NBSP, ÿ
        "\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xef\xbf\xbd",  // separators, BOM, U+FFFD
        "\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",  // astral, first to last
    };
    std::string every_ascii;
    for (int c = 0; c < 0x80; ++c) every_ascii.push_back(static_cast<char>(c));
    out.push_back(every_ascii);
    return out;
}

TEST(JsonWrite, PythonStyleMatchesJsonDumpsByteForByte) {
    for (const auto& text : samples()) {
        EXPECT_EQ(quoted(text, JsonStyle::PythonAscii), python_dumps(text))
            << testing::PrintToString(text);
    }
}

TEST(JsonWrite, PythonStyleKnownOutputs) {
    EXPECT_EQ(quoted("h\xc3\xa9llo \xe2\x9c\x93 \"quoted\" back\\slash", JsonStyle::PythonAscii),
              R"("h\u00e9llo \u2713 \"quoted\" back\\slash")");
    EXPECT_EQ(quoted("\xf0\x9f\x98\x80", JsonStyle::PythonAscii), R"("\ud83d\ude00")");
    EXPECT_EQ(quoted("\x7f\x1f", JsonStyle::PythonAscii), R"("\u007f\u001f")");
    EXPECT_EQ(quoted("\xc3\x89", JsonStyle::PythonAscii), R"("\u00c9")");  // lower-case hex
}

TEST(JsonWrite, CompactStyleKeepsUtf8AndEscapesOnlyWhatItMust) {
    EXPECT_EQ(quoted("\xc3\xa9\"\\\n\x01", JsonStyle::Compact), "\"\xc3\xa9\\\"\\\\\\n\\u0001\"");
    EXPECT_EQ(quoted("\xf0\x9f\x98\x80 / \x7f", JsonStyle::Compact), "\"\xf0\x9f\x98\x80 / \x7f\"");
    EXPECT_EQ(quoted(std::string("\0", 1), JsonStyle::Compact), R"("\u0000")");
    EXPECT_EQ(quoted("\b\f\r\t", JsonStyle::Compact), R"("\b\f\r\t")");
}

TEST(JsonWrite, BothStylesParseBackToTheSameText) {
    for (const auto& text : samples()) {
        for (auto style : {JsonStyle::Compact, JsonStyle::PythonAscii}) {
            const std::string out = quoted(text, style);
            boost::system::error_code ec;
            auto value = json::parse(out, ec);
            ASSERT_FALSE(ec) << out << ": " << ec.message();
            ASSERT_TRUE(value.is_string()) << out;
            EXPECT_EQ(std::string_view(value.as_string()), text) << out;
        }
    }
}

// Plain runs are skipped eight bytes at a time: a byte that needs escaping must be found
// at every position in and across those words, and in the short tail after them.
TEST(JsonWrite, EscapesAreFoundAtEveryOffsetOfTheWordScan) {
    std::vector<std::string> specials;
    for (int c = 0; c < 0x80; ++c) specials.emplace_back(1, static_cast<char>(c));
    specials.emplace_back("\xc3\xa9");          // two-byte UTF-8
    specials.emplace_back("\xf0\x9f\x98\x80");  // four bytes, a surrogate pair in \u form
    for (const auto& special : specials) {
        for (std::size_t before = 0; before <= 17; ++before) {
            for (std::size_t after = 0; after <= 9; ++after) {
                const std::string text =
                    std::string(before, 'a') + special + std::string(after, 'b');
                ASSERT_EQ(quoted(text, JsonStyle::PythonAscii), python_dumps(text))
                    << testing::PrintToString(text);
                boost::system::error_code ec;
                auto value = json::parse(quoted(text, JsonStyle::Compact), ec);
                ASSERT_FALSE(ec) << testing::PrintToString(text);
                ASSERT_EQ(std::string_view(value.as_string()), text);
            }
        }
    }
}

TEST(JsonWrite, AppendsAfterExistingText) {
    std::string out = "{\"a\":";
    append_json_string(out, "x", JsonStyle::Compact);
    out += ",\"b\":";
    append_json_uint(out, 7);
    EXPECT_EQ(out, R"({"a":"x","b":7)");
}

TEST(JsonWrite, Numbers) {
    std::string out;
    append_json_uint(out, 0);
    out += ' ';
    append_json_uint(out, std::numeric_limits<std::uint64_t>::max());
    out += ' ';
    append_json_int(out, -1);
    out += ' ';
    append_json_int(out, std::numeric_limits<std::int64_t>::min());
    out += ' ';
    append_json_int(out, 1764052800123);
    EXPECT_EQ(out, "0 18446744073709551615 -1 -9223372036854775808 1764052800123");
}

// Sizes come from the bit width and one compare, digits two at a time: every power of
// ten and of two, each with its neighbours, both signs, against std::to_string.
TEST(JsonWrite, NumbersOfEveryLengthAreSizedAndWrittenExactly) {
    std::vector<std::uint64_t> values = {0, std::numeric_limits<std::uint64_t>::max()};
    for (std::uint64_t power = 1;; power *= 10) {
        values.insert(values.end(), {power - 1, power, power + 1});
        if (power > std::numeric_limits<std::uint64_t>::max() / 10) break;
    }
    for (int bit = 0; bit < 64; ++bit) {
        const std::uint64_t power = std::uint64_t{1} << bit;
        values.insert(values.end(), {power - 1, power, power + 1});
    }
    for (const std::uint64_t value : values) {
        const std::string expected = std::to_string(value);
        EXPECT_EQ(json_uint_size(value), expected.size()) << expected;
        std::string out;
        append_json_uint(out, value);
        EXPECT_EQ(out, expected);
        std::string written;
        JsonWriter(written, expected.size()).number(value);
        EXPECT_EQ(written, expected);

        for (const std::int64_t signed_value :
             {static_cast<std::int64_t>(value), static_cast<std::int64_t>(0 - value)}) {
            const std::string expected_signed = std::to_string(signed_value);
            EXPECT_EQ(json_int_size(signed_value), expected_signed.size()) << expected_signed;
            std::string signed_written;
            JsonWriter(signed_written, expected_signed.size()).number(signed_value);
            EXPECT_EQ(signed_written, expected_signed);
        }
    }
}

}  // namespace
}  // namespace hubchat::proto
