#include "proto/json_write.hpp"

#include "core/byte_scan.hpp"

namespace hubchat::proto {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, std::uint32_t unit) {
    char buf[6] = {'\\',
                   'u',
                   kHex[(unit >> 12) & 0xF],
                   kHex[(unit >> 8) & 0xF],
                   kHex[(unit >> 4) & 0xF],
                   kHex[unit & 0xF]};
    out.append(buf, 6);
}

// Decodes one UTF-8 sequence starting at s[i]; on malformed input yields U+FFFD and
// consumes one byte (our inputs come from a validating parser, so this is defensive).
char32_t decode_utf8(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1;
    if (len == 1 || i + static_cast<std::size_t>(len) > s.size()) {
        ++i;
        return 0xFFFD;
    }
    char32_t cp = b0 & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    i += static_cast<std::size_t>(len);
    return cp;
}

}  // namespace

std::size_t find_escape(std::string_view text, std::size_t from, JsonStyle style) {
    return style == JsonStyle::Compact
               ? byte_scan::find_first<CompactEscapes>(text.data(), from, text.size())
               : byte_scan::find_first<PythonAsciiEscapes>(text.data(), from, text.size());
}

void append_json_string(std::string& out, std::string_view text, JsonStyle style) {
    out.push_back('"');
    std::size_t run_start = 0;
    std::size_t i = 0;
    auto flush = [&](std::size_t upto) { out.append(text.data() + run_start, upto - run_start); };
    while (i < text.size()) {
        // Straight to the next byte that may need an escape: most text is plain.
        i = find_escape(text, i, style);
        if (i == text.size()) break;
        const auto c = static_cast<unsigned char>(text[i]);
        const bool plain_ascii = c >= 0x20 && c != '"' && c != '\\' && c < 0x7F;
        if (plain_ascii || (c >= 0x80 && style == JsonStyle::Compact) ||
            (c == 0x7F && style == JsonStyle::Compact)) {
            ++i;
            continue;
        }
        flush(i);
        if (c < 0x80) {
            ++i;
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                case '\b':
                    out.append("\\b");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                default:
                    append_u_escape(out, c);
                    break;
            }
        } else {
            const char32_t cp = decode_utf8(text, i);
            if (cp >= 0x10000) {
                const char32_t v = cp - 0x10000;
                append_u_escape(out, 0xD800 + (v >> 10));
                append_u_escape(out, 0xDC00 + (v & 0x3FF));
            } else {
                append_u_escape(out, cp);
            }
        }
        run_start = i;
    }
    flush(i);
    out.push_back('"');
}

MeasuredString::MeasuredString(std::string_view text, JsonStyle style, bool known_plain)
    : text(text) {
    assert(!known_plain || find_escape(text, 0, style) == text.size());
    if (known_plain) return;
    if (find_escape(text, 0, style) != text.size()) append_json_string(escaped, text, style);
}

void append_json_uint(std::string& out, std::uint64_t value) {
    JsonWriter(out, json_uint_size(value)).number(value);
}

void append_json_int(std::string& out, std::int64_t value) {
    JsonWriter(out, json_int_size(value)).number(value);
}

}  // namespace hubchat::proto
