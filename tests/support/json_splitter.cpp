#include "support/json_splitter.hpp"

namespace hubchat::test {

namespace {
bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}
}  // namespace

void JsonSplitter::finish() {
    ready_.push_back(std::move(current_));
    current_.clear();
    depth_ = 0;
    in_string_ = false;
    escaped_ = false;
    in_junk_ = false;
}

void JsonSplitter::feed(std::string_view bytes) {
    for (const char c : bytes) {
        if (in_junk_) {
            // Stray text ends at a newline (dropped) or where an object starts.
            if (c == '\n') {
                finish();
                continue;
            }
            if (c == '{') {
                finish();
            } else {
                current_ += c;
                continue;
            }
        }
        if (depth_ == 0) {
            if (is_space(c)) continue;
            if (c != '{') {
                in_junk_ = true;
                current_ += c;
                continue;
            }
        }
        current_ += c;
        if (in_string_) {
            if (escaped_) {
                escaped_ = false;
            } else if (c == '\\') {
                escaped_ = true;
            } else if (c == '"') {
                in_string_ = false;
            }
            continue;
        }
        if (c == '"') {
            in_string_ = true;
        } else if (c == '{' || c == '[') {
            ++depth_;
        } else if (c == '}' || c == ']') {
            if (--depth_ == 0) finish();
        }
    }
}

std::optional<std::string> JsonSplitter::pop() {
    if (ready_.empty()) return std::nullopt;
    std::string frame = std::move(ready_.front());
    ready_.pop_front();
    return frame;
}

}  // namespace hubchat::test
