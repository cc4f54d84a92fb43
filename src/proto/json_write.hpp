// Minimal JSON text writers for the fixed server frames: faster than building a DOM and
// able to produce both our compact UTF-8 output and Python json.dumps' ASCII-only form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hubchat::proto {

enum class JsonStyle : std::uint8_t {
    Compact,     // hubchat dialect: raw UTF-8, only mandatory escapes
    PythonAscii  // original dialect: like json.dumps(ensure_ascii=True)
};

// The index of the first byte of text[from..] that `style` writes escaped (a quote, a
// backslash, a control byte; in PythonAscii also DEL and every non-ASCII byte), or
// text.size(). Found a word at a time: message text is mostly plain.
std::size_t find_escape(std::string_view text, std::size_t from, JsonStyle style);
// Appends `text` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view text, JsonStyle style);
void append_json_uint(std::string& out, std::uint64_t value);
void append_json_int(std::string& out, std::int64_t value);

}  // namespace hubchat::proto
