#pragma once
// Shared by the JSON drivers: both dialects are flat objects of a few fixed shapes.

#include <cstring>
#include <string_view>

namespace hubchat::bench {

// The index of the quote that closes the JSON string whose text starts at `start` (just
// after its opening quote), or npos. memchr to each quote; a quote preceded by an odd run
// of backslashes is escaped.
inline std::size_t find_closing_quote(std::string_view text, std::size_t start) {
    for (std::size_t from = start;;) {
        const void* found = std::memchr(text.data() + from, '"', text.size() - from);
        if (found == nullptr) return std::string_view::npos;
        const auto quote = static_cast<std::size_t>(static_cast<const char*>(found) - text.data());
        std::size_t backslashes = 0;
        while (quote - backslashes > start && text[quote - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) return quote;
        from = quote + 1;
    }
}

// Reads the top-level members of one JSON object, handing each to `visit(key, value)`.
// String values arrive without their quotes and with escapes left as they are: every
// field the benchmark compares (names, its own payload) is plain ASCII. Nested values are
// skipped. This is not a validator; it only has to be fast on the server's fixed shapes
// and not misread the rest.
class FlatObjectReader {
  public:
    explicit FlatObjectReader(std::string_view text) : text_(text) {}

    template <typename Visit>
    bool read(Visit&& visit) {
        skip_space();
        if (!consume('{')) return false;
        skip_space();
        if (consume('}')) return true;
        for (;;) {
            std::string_view key;
            skip_space();
            if (!read_string(key)) return false;
            skip_space();
            if (!consume(':')) return false;
            skip_space();
            std::string_view value;
            if (peek() == '"') {
                if (!read_string(value)) return false;
            } else if (!skip_scalar_or_nested(value)) {
                return false;
            }
            visit(key, value);
            skip_space();
            if (consume('}')) return true;
            if (!consume(',')) return false;
        }
    }

  private:
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    bool consume(char c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }
    void skip_space() {
        while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    }
    bool read_string(std::string_view& out) {
        if (!consume('"')) return false;
        const std::size_t start = pos_;
        const std::size_t quote = find_closing_quote(text_, start);
        if (quote == std::string_view::npos) return false;
        out = text_.substr(start, quote - start);
        pos_ = quote + 1;
        return true;
    }
    bool skip_scalar_or_nested(std::string_view& out) {
        const std::size_t start = pos_;
        int depth = 0;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '"') {
                std::string_view ignored;
                if (!read_string(ignored)) return false;
                continue;
            }
            if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (depth == 0) break;
                --depth;
            } else if (c == ',' && depth == 0) {
                break;
            }
            ++pos_;
        }
        if (depth != 0) return false;
        out = text_.substr(start, pos_ - start);
        while (!out.empty() && is_space(out.back())) out.remove_suffix(1);
        return !out.empty();
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace hubchat::bench
