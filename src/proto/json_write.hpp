// Minimal JSON text writers for the fixed server frames: faster than building a DOM and
// able to produce both our compact UTF-8 output and Python json.dumps' ASCII-only form.
#pragma once

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/byte_scan.hpp"

namespace hubchat::proto {

enum class JsonStyle : std::uint8_t {
    Compact,     // hubchat dialect: raw UTF-8, only mandatory escapes
    PythonAscii  // original dialect: like json.dumps(ensure_ascii=True)
};

// The bytes each style writes escaped: a quote, a backslash, a control byte; in
// PythonAscii also DEL and every non-ASCII byte.
using CompactEscapes = byte_scan::StopBytes<0x20, false, '"', '\\'>;
using PythonAsciiEscapes = byte_scan::StopBytes<0x20, true, '"', '\\', 0x7F>;

// The index of the first byte of text[from..] that `style` writes escaped, or
// text.size(). Found a word at a time: message text is mostly plain.
std::size_t find_escape(std::string_view text, std::size_t from, JsonStyle style);
// Appends `text` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view text, JsonStyle style);
void append_json_uint(std::string& out, std::uint64_t value);
void append_json_int(std::string& out, std::int64_t value);

// How many characters `value` takes written in decimal: the count from its bit width
// (times log10 2, 1233 / 4096), one compare to settle it.
inline std::size_t json_uint_size(std::uint64_t value) {
    static constexpr std::uint64_t kPowersOf10[] = {1ULL,
                                                    10ULL,
                                                    100ULL,
                                                    1000ULL,
                                                    10000ULL,
                                                    100000ULL,
                                                    1000000ULL,
                                                    10000000ULL,
                                                    100000000ULL,
                                                    1000000000ULL,
                                                    10000000000ULL,
                                                    100000000000ULL,
                                                    1000000000000ULL,
                                                    10000000000000ULL,
                                                    100000000000000ULL,
                                                    1000000000000000ULL,
                                                    10000000000000000ULL,
                                                    100000000000000000ULL,
                                                    1000000000000000000ULL,
                                                    10000000000000000000ULL};
    if (value < 10) return 1;
    const auto low = static_cast<std::size_t>(std::bit_width(value)) * 1233 >> 12;
    return low + (value >= kPowersOf10[low] ? 1 : 0);
}
// A negative value is the '-' and its magnitude, negated as unsigned so that the most
// negative one has its own too.
inline std::size_t json_int_size(std::int64_t value) {
    return value >= 0 ? json_uint_size(static_cast<std::uint64_t>(value))
                      : 1 + json_uint_size(0 - static_cast<std::uint64_t>(value));
}

namespace detail {
// Writes `value`'s `size` (json_uint_size) digits at `at`, two at a time from the end.
inline char* write_decimal(char* at, std::uint64_t value, std::size_t size) {
    static constexpr char kPairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char* const end = at + size;
    char* p = end;
    while (value >= 100) {
        p -= 2;
        std::memcpy(p, kPairs + 2 * (value % 100), 2);
        value /= 100;
    }
    if (value >= 10) {
        std::memcpy(p - 2, kPairs + 2 * value, 2);
    } else {
        p[-1] = static_cast<char>('0' + value);
    }
    return end;
}
}  // namespace detail

// A string value measured before a frame is sized: plain text (the usual case) is copied
// as it is between its quotes; the rest is escaped here, once.
struct MeasuredString {
    MeasuredString(std::string_view text, JsonStyle style) : MeasuredString(text, style, false) {}
    // `known_plain`: the caller knows `text` needs no escape (ChatMessage::text_plain), and
    // it is not scanned (debug builds check).
    MeasuredString(std::string_view text, JsonStyle style, bool known_plain);
    std::size_t size() const { return escaped.empty() ? text.size() + 2 : escaped.size(); }

    std::string_view text;
    std::string escaped;  // quoted and escaped; empty when `text` needs no escape
};

// Counts what the same calls on a JsonWriter would write. A frame is written by one
// function template run twice, first over a JsonSizer, then over a JsonWriter of the size
// it counted (append_in_one_piece): the sum cannot drift from what is written.
class JsonSizer {
  public:
    JsonSizer& raw(std::string_view text) {
        size_ += text.size();
        return *this;
    }
    JsonSizer& string(const MeasuredString& value) {
        size_ += value.size();
        return *this;
    }
    template <typename Integer>
    JsonSizer& number(Integer value) {
        if constexpr (std::is_signed_v<Integer>) {
            size_ += json_int_size(value);
        } else {
            size_ += json_uint_size(value);
        }
        return *this;
    }
    std::size_t size() const { return size_; }

  private:
    std::size_t size_ = 0;
};

// Writes a frame of a size known in advance (JsonSizer): each piece is a copy through a
// pointer rather than a checked, possibly growing append, and the frame's memory is what
// it needs. Debug builds check every piece against the size.
class JsonWriter {
  public:
    // Appends to `out` the `size` bytes the writes that follow fill.
    JsonWriter(std::string& out, std::size_t size) {
        const std::size_t start = out.size();
        out.resize(start + size);
        at_ = out.data() + start;
        end_ = at_ + size;
    }
    // Fills the `size` bytes at `at`.
    JsonWriter(char* at, std::size_t size) : at_(at), end_(at + size) {}
    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;
    ~JsonWriter() { assert(at_ == end_ && "frame sized wrongly"); }

    JsonWriter& raw(std::string_view text) {
        assert(text.size() <= static_cast<std::size_t>(end_ - at_));
        std::memcpy(at_, text.data(), text.size());
        at_ += text.size();
        return *this;
    }
    JsonWriter& string(const MeasuredString& value) {
        if (!value.escaped.empty()) return raw(value.escaped);
        assert(value.text.size() + 2 <= static_cast<std::size_t>(end_ - at_));
        *at_++ = '"';
        raw(value.text);
        *at_++ = '"';
        return *this;
    }
    template <typename Integer>
    JsonWriter& number(Integer value) {
        std::uint64_t magnitude = static_cast<std::uint64_t>(value);
        if constexpr (std::is_signed_v<Integer>) {
            if (value < 0) {
                *at_++ = '-';
                magnitude = 0 - magnitude;
            }
        }
        const std::size_t size = json_uint_size(magnitude);
        assert(size <= static_cast<std::size_t>(end_ - at_));
        at_ = detail::write_decimal(at_, magnitude, size);
        return *this;
    }

  private:
    char* at_;
    [[maybe_unused]] char* end_;  // for the checks of debug builds
};

// Appends what `write(out)` writes, in one piece: `write` (a generic callable) runs once
// over a JsonSizer, then over a JsonWriter of the size it counted.
template <typename Write>
void append_in_one_piece(std::string& out, Write&& write) {
    JsonSizer sizer;
    write(sizer);
    JsonWriter writer(out, sizer.size());
    write(writer);
}

}  // namespace hubchat::proto
