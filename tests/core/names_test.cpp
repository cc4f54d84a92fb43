#include "core/names.hpp"

#include <gtest/gtest.h>

namespace hubchat::names {
namespace {

TEST(Names, FoldAndSameIgnoreAsciiCaseOnly) {
    EXPECT_EQ(fold("AbC-\xc3\x89"), "abc-\xc3\x89");
    EXPECT_TRUE(same("Alice", "aLICE"));
    EXPECT_FALSE(same("alice", "alicia"));
    EXPECT_FALSE(same("\xc3\xa9", "\xc3\x89"));  // é and É differ: ASCII casemapping
}

TEST(Names, Utf8LengthCountsCodePoints) {
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("h\xc3\xa9"), 2u);
    EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80"), 1u);
    EXPECT_FALSE(utf8_length("\xc3"));
    EXPECT_FALSE(utf8_length("\xc0\xaf"));      // overlong
    EXPECT_FALSE(utf8_length("\xed\xa0\x80"));  // surrogate
}

TEST(Names, UserNameRules) {
    EXPECT_FALSE(check_user_name("tintin"));
    EXPECT_FALSE(check_user_name("h\xc3\xa9l\xc3\xa8ne"));
    EXPECT_FALSE(check_user_name(std::string(32, 'x')));
    // 32 two-byte characters are 32 characters, not 64.
    std::string accented;
    for (int i = 0; i < 32; ++i) accented += "\xc3\xa9";
    EXPECT_FALSE(check_user_name(accented));
    EXPECT_TRUE(check_user_name(accented + "x"));
    EXPECT_TRUE(check_user_name(""));
    EXPECT_TRUE(check_user_name("a b"));
    EXPECT_TRUE(
        check_user_name("a\xc2\xa0"
                        "b"));  // no-break space
    EXPECT_TRUE(
        check_user_name("a\xe2\x80\x8b"
                        "b"));  // zero-width space
    EXPECT_TRUE(check_user_name(std::string("a\0b", 3)));
    EXPECT_TRUE(check_user_name("a,b"));
    EXPECT_TRUE(check_user_name("#a"));
    EXPECT_TRUE(check_user_name("ALL"));
    EXPECT_TRUE(check_user_name("sErVeR"));
    EXPECT_TRUE(check_user_name("\xff"));
}

TEST(Names, RoomNameRules) {
    EXPECT_FALSE(check_room_name("#dev"));
    EXPECT_TRUE(check_room_name("dev"));
    EXPECT_TRUE(check_room_name("#"));
    EXPECT_TRUE(check_room_name("#a b"));
    EXPECT_TRUE(is_room("#x"));
    EXPECT_FALSE(is_room("x"));
    EXPECT_TRUE(is_all("All"));
}

}  // namespace
}  // namespace hubchat::names
