// The wide byte scanners against the plain byte-at-a-time test they stand for: every byte
// value at every position of texts from empty to past two vector widths, from several
// starting points, so the sixteen-byte, eight-byte and single-byte paths and the
// overlapping last load are each where the first stop falls.
#include "core/byte_scan.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hubchat::byte_scan {
namespace {

template <typename Stops>
std::size_t find_first_bytewise(const std::string& text, std::size_t from) {
    std::size_t i = from;
    while (i < text.size() && !Stops::byte(static_cast<unsigned char>(text[i]))) ++i;
    return i;
}

// Every length up to 40, starts up to 18, one byte of every value at every position of a
// plain background, and the same byte again three places on, which must not be the one
// found. (A plain comparison first: gtest's assertions would make it slow to run.)
template <typename Stops>
void expect_agrees_with_bytewise() {
    for (std::size_t length = 0; length <= 40; ++length) {
        std::string text(length, 'x');
        for (std::size_t from = 0; from <= length && from <= 18; ++from) {
            ASSERT_EQ(find_first<Stops>(text.data(), from, length), length);
            for (std::size_t at = from; at < length; ++at) {
                for (int value = 0; value < 256; ++value) {
                    text[at] = static_cast<char>(value);
                    if (at + 3 < length) text[at + 3] = static_cast<char>(value);
                    const std::size_t found = find_first<Stops>(text.data(), from, length);
                    const std::size_t expected = find_first_bytewise<Stops>(text, from);
                    if (found != expected) {
                        FAIL() << "length " << length << ", from " << from << ", byte " << value
                               << " at " << at << ": found " << found << ", expected " << expected;
                    }
                    text[at] = 'x';
                    if (at + 3 < length) text[at + 3] = 'x';
                }
            }
        }
    }
}

TEST(ByteScan, QuoteOrBackslashAgreesWithTheByteTest) {
    expect_agrees_with_bytewise<StopBytes<0, false, '"', '\\'>>();
}

TEST(ByteScan, JsonEscapesAgreeWithTheByteTest) {
    expect_agrees_with_bytewise<StopBytes<0x20, false, '"', '\\'>>();
    expect_agrees_with_bytewise<StopBytes<0x20, true, '"', '\\', 0x7F>>();
}

TEST(ByteScan, LineEndsAndNulAgreeWithTheByteTest) {
    expect_agrees_with_bytewise<StopBytes<0, false, '\0', '\r', '\n'>>();
}

#if HUBCHAT_BYTE_SCAN_LANES
// The x86 build finds the first hit with an SSE2 instruction; other machines take the
// portable way, checked here against it for every first lane with later lanes set too.
TEST(ByteScan, ThePortableFirstHitAgreesWithTheMachinesOwn) {
    Lanes none{};
    EXPECT_EQ(first_hit_portable(none), -1);
    EXPECT_EQ(first_hit(none), -1);
    for (int first = 0; first < 16; ++first) {
        for (int later = first; later < 16; ++later) {
            Lanes hits{};
            hits[first] = 0xFF;
            hits[later] = 0xFF;
            EXPECT_EQ(first_hit_portable(hits), first) << later;
            EXPECT_EQ(first_hit(hits), first) << later;
        }
    }
}
#endif

TEST(ByteScan, TheByteTestIsTheSetItNames) {
    using Escapes = StopBytes<0x20, true, '"', 0x7F>;
    for (int value = 0; value < 256; ++value) {
        const bool expected = value < 0x20 || value >= 0x80 || value == '"' || value == 0x7F;
        EXPECT_EQ(Escapes::byte(static_cast<unsigned char>(value)), expected) << value;
    }
    EXPECT_EQ((find_any_of<'a', 'b'>("xxxxbxxxa", 0, 9)), 4U);
    EXPECT_EQ((find_any_of<'a', 'b'>("xxxxbxxxa", 5, 9)), 8U);
}

}  // namespace
}  // namespace hubchat::byte_scan
