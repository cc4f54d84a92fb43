// Tests eight bytes at once for the few byte values JSON scanning stops at (quotes,
// backslashes, control bytes), so the long plain runs of message text are skipped a word
// at a time instead of a byte at a time. Portable (no SIMD intrinsics): the same code runs
// on the x86 servers here and on a Raspberry Pi's ARM.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace hubchat::proto::byte_scan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

inline std::uint64_t load8(const char* at) {
    std::uint64_t word;
    std::memcpy(&word, at, sizeof word);
    return word;
}

// Non-zero when some byte of `word` equals `byte`.
constexpr std::uint64_t any_equal(std::uint64_t word, unsigned char byte) {
    const std::uint64_t x = word ^ (kOnes * byte);
    return (x - kOnes) & ~x & kHighBits;
}

// Non-zero when some byte of `word` is below `limit` (limit <= 128).
constexpr std::uint64_t any_below(std::uint64_t word, unsigned char limit) {
    return (word - kOnes * limit) & ~word & kHighBits;
}

// Non-zero when some byte of `word` is 0x80 or above.
constexpr std::uint64_t any_high(std::uint64_t word) {
    return word & kHighBits;
}

// The index in data[from, end) of the first byte for which `stops(byte)` holds, or `end`.
// `word_stops(word)` must flag (with the byte's high bit) at least every byte that stops,
// exactly at the first one and only possibly wrongly above it, as the tests above do: the
// borrow of their subtraction runs towards later bytes on a little-endian machine, so the
// lowest flag is the first stop there. Elsewhere a flagged word is searched byte by byte.
template <typename WordStops, typename ByteStops>
std::size_t find_first(const char* data, std::size_t from, std::size_t end, WordStops word_stops,
                       ByteStops stops) {
    std::size_t i = from;
    while (end - i >= 8) {
        const std::uint64_t flags = word_stops(load8(data + i));
        if (flags != 0) {
            if constexpr (std::endian::native == std::endian::little) {
                return i + static_cast<std::size_t>(std::countr_zero(flags)) / 8;
            } else {
                break;
            }
        }
        i += 8;
    }
    while (i < end && !stops(static_cast<unsigned char>(data[i]))) ++i;
    return i;
}

// The index in data[from, end) of the first of the bytes `Stops`, or `end`.
template <unsigned char... Stops>
std::size_t find_any_of(const char* data, std::size_t from, std::size_t end) {
    return find_first(
        data, from, end, [](std::uint64_t word) { return (any_equal(word, Stops) | ...); },
        [](unsigned char c) { return ((c == Stops) || ...); });
}

}  // namespace hubchat::proto::byte_scan
