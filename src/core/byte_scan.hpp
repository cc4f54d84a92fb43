// Finds the first of a few byte values JSON and IRC scanning stop at (quotes, backslashes,
// control bytes, line ends), so the long plain runs of message text are skipped sixteen
// bytes at a time instead of one. Portable: the compiler's vector extensions (g++ and
// clang) become SSE2 on the x86 servers here and NEON on a Raspberry Pi's ARM; elsewhere
// eight bytes at a time in an ordinary integer.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__GNUC__)
#define HUBCHAT_BYTE_SCAN_LANES 1
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#endif

namespace hubchat::byte_scan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

inline std::uint64_t load8(const char* at) {
    std::uint64_t word;
    std::memcpy(&word, at, sizeof word);
    return word;
}

// The `n` bytes at `at` (n < 8) as the low bytes of a word, the others zero, on a
// little-endian machine. Two overlapping loads of four (or two) bytes, which agree where
// they overlap: it reads only those bytes, whatever lies around them.
inline std::uint64_t load_short(const char* at, std::size_t n) {
    if (n >= 4) {
        std::uint32_t low, high;
        std::memcpy(&low, at, sizeof low);
        std::memcpy(&high, at + n - 4, sizeof high);
        return low | std::uint64_t{high} << (8 * (n - 4));
    }
    if (n >= 2) {
        std::uint16_t low, high;
        std::memcpy(&low, at, sizeof low);
        std::memcpy(&high, at + n - 2, sizeof high);
        return low | std::uint64_t{high} << (8 * (n - 2));
    }
    return n == 1 ? static_cast<unsigned char>(*at) : 0;
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

#if HUBCHAT_BYTE_SCAN_LANES
// Sixteen bytes, compared all at once: a comparison yields 0xFF in each lane that holds.
using Lanes = unsigned char __attribute__((vector_size(16)));
// The same bytes read as signed: 0x80 and up are negative, so one compare finds them
// (x86 has no unsigned byte compare).
using SignedLanes = signed char __attribute__((vector_size(16)));

inline Lanes load16(const char* at) {
    Lanes lanes;
    std::memcpy(&lanes, at, sizeof lanes);
    return lanes;
}

constexpr Lanes splat(unsigned char byte) {
    return Lanes{byte, byte, byte, byte, byte, byte, byte, byte,
                 byte, byte, byte, byte, byte, byte, byte, byte};
}

// The index of the first lane of `hits` (each lane 0 or 0xFF) that is set, or -1: any
// machine, either byte order (lanes are exact, no borrow runs between them).
inline int first_hit_portable(Lanes hits) {
    std::uint64_t half[2];
    std::memcpy(half, &hits, sizeof half);
    for (int h = 0; h < 2; ++h) {
        if (half[h] == 0) continue;
        const int bit = std::endian::native == std::endian::little ? std::countr_zero(half[h])
                                                                   : std::countl_zero(half[h]);
        return h * 8 + bit / 8;
    }
    return -1;
}

inline int first_hit(Lanes hits) {
#if defined(__SSE2__)
    const int mask = _mm_movemask_epi8(reinterpret_cast<__m128i>(hits));
    return mask == 0 ? -1 : std::countr_zero(static_cast<unsigned>(mask));
#else
    return first_hit_portable(hits);
#endif
}
#endif

// The bytes a scan stops at: every byte below `Below` (at most 128; 0 for none), every
// byte from 0x80 up when `High`, and each of `Equal`. One definition gives the byte test
// and both wide ones, so they cannot disagree.
template <unsigned char Below, bool High, unsigned char... Equal>
struct StopBytes {
    static_assert(Below <= 128);
    static_assert(!High || Below < 128);  // the signed compare in lanes()

    static constexpr bool byte(unsigned char c) {
        bool stop = ((c == Equal) || ...);
        if constexpr (Below > 0) stop = stop || c < Below;
        if constexpr (High) stop = stop || c >= 0x80;
        return stop;
    }

    // Flags (with the byte's high bit) at least every byte that stops, exactly at the
    // first one and only possibly wrongly above it: the borrow of the subtractions runs
    // towards later bytes on a little-endian machine, so the lowest flag is the first stop.
    static constexpr std::uint64_t word(std::uint64_t w) {
        std::uint64_t flags = (any_equal(w, Equal) | ... | 0);
        if constexpr (Below > 0) flags |= any_below(w, Below);
        if constexpr (High) flags |= any_high(w);
        return flags;
    }

#if HUBCHAT_BYTE_SCAN_LANES
    static Lanes lanes(Lanes v) {
        Lanes hits = ((Lanes)(v == splat(Equal)) | ... | Lanes{});
        const auto as_signed = (SignedLanes)v;
        if constexpr (High) {
            // Below `Below` or from 0x80 up: below `Below` as signed bytes, in one compare.
            hits |= (Lanes)(as_signed < (SignedLanes)splat(Below));
        } else if constexpr (Below > 0) {
            hits |= (Lanes)(v < splat(Below));
        }
        return hits;
    }
#endif
};

// The index in data[from, end) of the first byte `Stops` stops at, or `end`.
template <typename Stops>
std::size_t find_first(const char* data, std::size_t from, std::size_t end) {
    std::size_t i = from;
#if HUBCHAT_BYTE_SCAN_LANES
    if (end - i >= 16) {
        for (; end - i >= 16; i += 16) {
            if (const int at = first_hit(Stops::lanes(load16(data + i))); at >= 0) {
                return i + static_cast<std::size_t>(at);
            }
        }
        if (i == end) return end;
        // The last sixteen bytes, overlapping some already passed: none of those stops,
        // so a hit is at or after i.
        const std::size_t last = end - 16;
        const int at = first_hit(Stops::lanes(load16(data + last)));
        return at >= 0 ? last + static_cast<std::size_t>(at) : end;
    }
#endif
    if constexpr (std::endian::native == std::endian::little) {
        while (end - i >= 8) {
            if (const std::uint64_t flags = Stops::word(load8(data + i)); flags != 0) {
                return i + static_cast<std::size_t>(std::countr_zero(flags)) / 8;
            }
            i += 8;
        }
        // The last few bytes (most names and keys are shorter than eight) in one word too,
        // not a byte at a time. The zero bytes above them may be flagged: masked off, and
        // a borrow runs only upwards, so it cannot flag a byte of the text wrongly.
        if (i == end) return end;
        const std::size_t left = end - i;
        const std::uint64_t flags =
            Stops::word(load_short(data + i, left)) & (kHighBits >> (8 * (8 - left)));
        return flags != 0 ? i + static_cast<std::size_t>(std::countr_zero(flags)) / 8 : end;
    } else {
        while (i < end && !Stops::byte(static_cast<unsigned char>(data[i]))) ++i;
        return i;
    }
}

// The index in data[from, end) of the first of the bytes `Stops`, or `end`.
template <unsigned char... Stops>
std::size_t find_any_of(const char* data, std::size_t from, std::size_t end) {
    return find_first<StopBytes<0, false, Stops...>>(data, from, end);
}

}  // namespace hubchat::byte_scan
