#include "core/names.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hubchat::names {
namespace {

std::string repeat(std::string_view piece, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += piece;
    return out;
}

TEST(Names, FoldAndSameIgnoreAsciiCaseOnly) {
    EXPECT_EQ(fold("AbC-\xc3\x89"), "abc-\xc3\x89");
    EXPECT_EQ(fold(""), "");
    EXPECT_EQ(fold("@[`{Z"), "@[`{z");  // the neighbours of A-Z and a-z are untouched
    EXPECT_TRUE(same("Alice", "aLICE"));
    EXPECT_TRUE(same("", ""));
    EXPECT_FALSE(same("alice", "alicia"));
    EXPECT_FALSE(same("alice", "alice "));
    EXPECT_FALSE(same("@", "`"));                // 0x40 vs 0x60: not letters
    EXPECT_FALSE(same("\xc3\xa9", "\xc3\x89"));  // é and É differ: ASCII casemapping
}

TEST(Names, FoldedHashAgreesWithSame) {
    FoldedHash hash;
    EXPECT_EQ(hash("Bob"), hash("bOB"));
    EXPECT_EQ(hash("Bob"), hash(fold("Bob")));
    EXPECT_NE(hash("bob"), hash("rob"));
    EXPECT_TRUE(FoldedEqual{}("ALL", "all"));
}

TEST(Names, AllAndRoomPredicates) {
    EXPECT_TRUE(is_all("ALL"));
    EXPECT_TRUE(is_all("all"));
    EXPECT_TRUE(is_all("All"));
    EXPECT_FALSE(is_all("ALLx"));
    EXPECT_FALSE(is_all("#ALL"));
    EXPECT_FALSE(is_all(""));
    EXPECT_TRUE(is_room("#x"));
    EXPECT_TRUE(is_room("#"));
    EXPECT_FALSE(is_room("x#"));
    EXPECT_FALSE(is_room(""));
}

TEST(Names, Utf8LengthCountsCodePoints) {
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("h\xc3\xa9"), 2u);
    EXPECT_EQ(utf8_length("\xe2\x9c\x93"), 1u);          // ✓
    EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80"), 1u);      // 😀
    EXPECT_EQ(utf8_length("\xf4\x8f\xbf\xbf"), 1u);      // U+10FFFF, the last
    EXPECT_EQ(utf8_length(std::string("a\0b", 3)), 3u);  // NUL is a code point
    EXPECT_EQ(utf8_length("\xef\xbb\xbf"
                          "x"),
              2u);  // BOM counts
}

// ASCII is skipped sixteen bytes at a time: a multi-byte or bad sequence must be found
// wherever it falls in, between or after those blocks.
TEST(Names, Utf8LengthAtEveryOffsetOfTheAsciiScan) {
    for (std::size_t before = 0; before <= 33; ++before) {
        for (std::size_t after = 0; after <= 17; ++after) {
            const std::string a(before, 'a');
            const std::string b(after, 'b');
            EXPECT_EQ(utf8_length(a + "\xc3\xa9" + b), before + 1 + after);
            EXPECT_EQ(utf8_length(a + "\xf0\x9f\x98\x80" + b), before + 1 + after);
            EXPECT_FALSE(utf8_length(a + "\xff" + b).has_value()) << before << " " << after;
            EXPECT_FALSE(utf8_length(a + "\xe2\x9c" + b).has_value()) << before << " " << after;
        }
    }
}

TEST(Names, Utf8LengthRefusesInvalidUtf8) {
    for (const std::string& bad : std::vector<std::string>{"\xc3",          // truncated
                                                           "a\xe2\x9c",     // truncated at the end
                                                           "\xf0\x9f\x98",  // truncated 4-byte
                                                           "\x80",      // lone continuation byte
                                                           "\xc3\x28",  // bad continuation
                                                           "\xc0\xaf",  // overlong '/'
                                                           "\xe0\x80\xaf",      // overlong, 3 bytes
                                                           "\xf0\x80\x80\xaf",  // overlong, 4 bytes
                                                           "\xed\xa0\x80",      // UTF-16 surrogate
                                                           "\xf4\x90\x80\x80",  // above U+10FFFF
                                                           "\xf8\x88\x80\x80\x80",  // 5-byte form
                                                           "\xff", "\xfe"}) {
        EXPECT_FALSE(utf8_length(bad)) << testing::PrintToString(bad);
    }
}

TEST(Names, UserNameLengthIsAtMost32) {
    EXPECT_FALSE(check_user_name("x"));
    EXPECT_FALSE(check_user_name(std::string(32, 'x')));
    EXPECT_TRUE(check_user_name(std::string(33, 'x')));
    EXPECT_TRUE(check_user_name(std::string(10, 'x'), 9));  // a server's own limit tightens
    EXPECT_FALSE(check_user_name(std::string(9, 'x'), 9));
}

// Names follow IRC's nick rules for every protocol (RFC 2812 2.3.1), so an IRC user can
// always write to a JSON user by name.
TEST(Names, UserNamesAreIrcNicks) {
    for (const std::string& good :
         std::vector<std::string>{"alice", "Bob", "a1", "a-b", "[away]", "\\o", "`x", "_", "^^",
                                  "{x}", "|x|", "x-", "A_B-c9[]\\`^{|}"}) {
        EXPECT_FALSE(check_user_name(good)) << good;
    }
    for (const std::string& bad : std::vector<std::string>{
             "1abc", "-a", "h\xc3\xa9l\xc3\xa8ne", "\xf0\x9f\x98\x80", "a.b", "a!b", "a@b", "a#",
             "a:b", "a*", "a?", "a+b", "a=b", "a'b", "a~"}) {
        auto problem = check_user_name(bad);
        ASSERT_TRUE(problem) << bad;
        EXPECT_FALSE(problem->empty());
    }
}

TEST(Names, UserNameRefusesSpacesControlsAndCommas) {
    for (const std::string& bad : std::vector<std::string>{
             "",
             "a b",
             " a",
             "a ",
             "a\tb",
             "a\nb",
             "a\rb",
             std::string("a\0b", 3),
             "a\x01",
             "a\x1f",
             "a\x7f",      // DEL
             "a\xc2\x85",  // NEL (C1 control)
             "a\xc2\x80",  // C1 control
             "a\xc2\xa0"
             "b",              // no-break space
             "a\xe1\x9a\x80",  // ogham space mark
             "a\xe2\x80\x80",  // en quad
             "a\xe2\x80\x8a",  // hair space
             "a\xe2\x80\x8b"
             "b",  // zero-width space
             "a\xe2\x80\x8c"
             "b",  // zero-width non-joiner
             "a\xe2\x80\x8d"
             "b",              // zero-width joiner
             "a\xe2\x80\xa8",  // line separator
             "a\xe2\x80\xa9",  // paragraph separator
             "a\xe2\x80\xaf",  // narrow no-break space
             "a\xe2\x81\x9f",  // medium mathematical space
             "a\xe3\x80\x80",  // ideographic space
             "\xef\xbb\xbf"
             "a",  // zero-width no-break space (BOM)
             "a,b",
             ",",
         }) {
        EXPECT_TRUE(check_user_name(bad)) << testing::PrintToString(bad);
    }
}

TEST(Names, UserNameRefusesNonAscii) {
    for (const std::string& bad :
         std::vector<std::string>{"a\xff", "a\xc3", "a\xc0\xaf", "a\xed\xa0\x80", "a\xc3\xa9"}) {
        auto problem = check_user_name(bad);
        ASSERT_TRUE(problem) << testing::PrintToString(bad);
        EXPECT_NE(problem->find("ASCII"), std::string::npos) << *problem;
    }
}

TEST(Names, UserNameRefusesReservedNamesAndPrefixes) {
    for (const std::string& bad :
         std::vector<std::string>{"ALL", "all", "All", "server", "SERVER", "sErVeR", "hubchat",
                                  "HubChat", "#a", "#", "@a", "/a", "/"}) {
        EXPECT_TRUE(check_user_name(bad)) << bad;
    }
    // Reserved names only as a whole.
    for (const std::string& good :
         std::vector<std::string>{"ALLx", "xALL", "servers", "hubchat2", "_"}) {
        EXPECT_FALSE(check_user_name(good)) << good;
    }
}

TEST(Names, ProblemsAreSentencesForTheUser) {
    auto taken = check_user_name("ALL");
    ASSERT_TRUE(taken);
    EXPECT_NE(taken->find("reserved"), std::string::npos) << *taken;
    auto empty = check_user_name("");
    ASSERT_TRUE(empty);
    EXPECT_NE(empty->find("empty"), std::string::npos) << *empty;
    auto longer = check_user_name(std::string(40, 'x'));
    ASSERT_TRUE(longer);
    EXPECT_NE(longer->find("32"), std::string::npos) << *longer;
}

TEST(Names, RoomNameRules) {
    EXPECT_FALSE(check_room_name("#dev"));
    EXPECT_FALSE(check_room_name("#D\xc3\xa9v"));
    EXPECT_FALSE(check_room_name("##"));  // '#' may follow the first '#'
    // IRC users see ALL as #ALL: no room can take that name.
    EXPECT_TRUE(check_room_name("#ALL"));
    EXPECT_TRUE(check_room_name("#all"));
    EXPECT_FALSE(check_room_name("#ALLx"));
    EXPECT_FALSE(check_room_name("#" + std::string(32, 'r')));
    EXPECT_FALSE(check_room_name("#" + repeat("\xc3\xa9", 32)));
    EXPECT_TRUE(check_room_name("#" + std::string(33, 'r')));
    EXPECT_TRUE(check_room_name("dev"));
    EXPECT_TRUE(check_room_name(""));
    EXPECT_TRUE(check_room_name("#"));
    EXPECT_TRUE(check_room_name("#a b"));
    EXPECT_TRUE(check_room_name("#a,b"));
    EXPECT_TRUE(check_room_name("#a\xc2\xa0"));
    EXPECT_TRUE(check_room_name("#a\xe2\x80\x8b"));
    EXPECT_TRUE(check_room_name(std::string("#a\0", 3)));
    EXPECT_TRUE(check_room_name("#\xff"));
    EXPECT_TRUE(check_room_name(" #dev"));
}

}  // namespace
}  // namespace hubchat::names
