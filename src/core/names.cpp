#include "core/names.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/byte_scan.hpp"

namespace hubchat::names {
namespace {

// The one folding rule (fold, same, FoldedHash): ASCII letters to lower case.
char fold_char(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Decodes one UTF-8 code point at `i`; returns false on malformed input.
bool next_code_point(std::string_view s, std::size_t& i, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = 0;
    if (b0 < 0x80) {
        cp = b0;
        len = 1;
    } else if ((b0 & 0xE0) == 0xC0) {
        cp = b0 & 0x1F;
        len = 2;
    } else if ((b0 & 0xF0) == 0xE0) {
        cp = b0 & 0x0F;
        len = 3;
    } else if ((b0 & 0xF8) == 0xF0) {
        cp = b0 & 0x07;
        len = 4;
    } else {
        return false;
    }
    if (i + static_cast<std::size_t>(len) > s.size()) return false;
    for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::array<char32_t, 5> kMinForLength{0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[static_cast<std::size_t>(len)] || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        return false;  // overlong, out of range or a surrogate
    }
    i += static_cast<std::size_t>(len);
    return true;
}

bool is_space_or_control(char32_t cp) {
    if (cp <= 0x20 || cp == 0x7F) return true;      // C0 controls and space
    if (cp >= 0x80 && cp <= 0xA0) return true;      // C1 controls and no-break space
    if (cp >= 0x2000 && cp <= 0x200F) return true;  // typographic spaces, zero-width, marks
    // Bidirectional embeddings and overrides, invisible operators and isolates: they make
    // a name display as some other name.
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069)) return true;
    switch (cp) {
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
        case 0xFEFF:
            return true;
        default:
            return false;
    }
}

std::optional<std::string> check_chars(std::string_view name, std::string_view what,
                                       std::size_t max_chars) {
    max_chars = std::min(max_chars, kMaxNameChars);
    if (name.empty()) return std::string(what) + " must not be empty";
    std::size_t i = 0;
    std::size_t count = 0;
    while (i < name.size()) {
        char32_t cp = 0;
        if (!next_code_point(name, i, cp)) return std::string(what) + " is not valid UTF-8";
        if (is_space_or_control(cp)) {
            return std::string(what) + " must not contain spaces or control characters";
        }
        if (cp == ',') return std::string(what) + " must not contain commas";
        ++count;
    }
    if (count > max_chars) {
        return std::string(what) + " is longer than " + std::to_string(max_chars) + " characters";
    }
    return std::nullopt;
}

}  // namespace

std::string fold(std::string_view name) {
    std::string key;
    fold_into(key, name);
    return key;
}

void fold_into(std::string& out, std::string_view name) {
    out.resize(name.size());
    std::transform(name.begin(), name.end(), out.begin(), fold_char);
}

bool same(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return fold_char(x) == fold_char(y);
           });
}

std::size_t FoldedHash::operator()(std::string_view name) const {
    std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
    for (char c : name) hash = (hash ^ static_cast<unsigned char>(fold_char(c))) * 1099511628211ull;
    return static_cast<std::size_t>(hash);
}

bool is_all(std::string_view target) {
    return same(target, kAllRoom);
}
bool is_room(std::string_view target) {
    return !target.empty() && target.front() == '#';
}

static bool is_nick_special(char c) {
    return c == '[' || c == ']' || c == '\\' || c == '`' || c == '_' || c == '^' || c == '{' ||
           c == '|' || c == '}';
}

// IRC's nick rules (RFC 2812 section 2.3.1), for every protocol: a JSON user's name is then
// always a name IRC users can write to.
std::optional<std::string> check_user_name(std::string_view name, std::size_t max_chars) {
    max_chars = std::min(max_chars, kMaxNameChars);
    if (name.empty()) return std::string("A name must not be empty");
    auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const char first = name.front();
    if (!letter(first) && !is_nick_special(first)) {
        return std::string("A name must start with a letter or one of [ ] \\ ` _ ^ { | }");
    }
    for (char c : name) {
        if (!letter(c) && !digit(c) && !is_nick_special(c) && c != '-') {
            return std::string(
                "A name may hold only ASCII letters, digits, '-' and [ ] \\ ` _ ^ { | }");
        }
    }
    if (name.size() > max_chars) {
        return "A name is longer than " + std::to_string(max_chars) + " characters";
    }
    static constexpr std::array<std::string_view, 3> kReserved{"ALL", "server", "hubchat"};
    for (auto reserved : kReserved) {
        if (same(name, reserved)) return "The name " + std::string(name) + " is reserved";
    }
    return std::nullopt;
}

std::optional<std::string> check_room_name(std::string_view room, std::size_t max_chars) {
    if (!is_room(room)) return std::string("A room name must start with '#'");
    // IRC users see ALL as the channel #ALL: no room may take that name.
    if (is_all(room.substr(1))) return "The room name " + std::string(room) + " is reserved";
    return check_chars(room.substr(1), "A room name", max_chars);
}

std::optional<std::size_t> utf8_length(std::string_view text) {
    std::size_t i = 0;
    std::size_t count = 0;
    while (i < text.size()) {
        // Plain ASCII (most text) is valid whatever it holds: skipped sixteen bytes at a time.
        const std::size_t ascii_end =
            byte_scan::find_first<byte_scan::StopBytes<0, true>>(text.data(), i, text.size());
        count += ascii_end - i;
        i = ascii_end;
        if (i == text.size()) break;
        char32_t cp = 0;
        if (!next_code_point(text, i, cp)) return std::nullopt;
        ++count;
    }
    return count;
}

}  // namespace hubchat::names
