#include "screen.hpp"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace hubchat::e2e {
namespace {

int parameter(std::string_view parameters, std::size_t index, int fallback) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < index; ++i) {
        start = parameters.find(';', start);
        if (start == std::string_view::npos) return fallback;
        ++start;
    }
    const auto end = parameters.find(';', start);
    const std::string_view value = parameters.substr(start, end - start);
    if (value.empty()) return fallback;
    return std::atoi(std::string(value).c_str());
}

}  // namespace

Screen::Screen(int rows, int columns)
    : rows_(rows), columns_(columns), screen_(rows, Row(columns, " ")) {}

void Screen::feed(std::string_view bytes) {
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        switch (state_) {
            case State::Escape:
                if (c == '[') {
                    state_ = State::Csi;
                    sequence_.clear();
                } else if (c == ']') {
                    state_ = State::Osc;
                } else if (c == '(' || c == ')' || c == '#') {
                    state_ = State::EscapeIntermediate;
                } else {
                    state_ = State::Text;  // ESC 7, ESC 8, ESC =, ESC >: no effect on text
                }
                continue;
            case State::EscapeIntermediate:
                state_ = State::Text;
                continue;
            case State::Osc:
                if (c == '\a') state_ = State::Text;  // (ESC \ ends it too, via Escape)
                if (c == '\033') state_ = State::Escape;
                continue;
            case State::Csi:
                if (byte >= 0x40 && byte <= 0x7e) {
                    state_ = State::Text;
                    control_sequence(sequence_, c);
                } else {
                    sequence_ += c;
                }
                continue;
            case State::Text:
                break;
        }
        if (utf8_left_ > 0 && (byte & 0xc0) == 0x80) {
            utf8_ += c;
            if (--utf8_left_ == 0) put(std::exchange(utf8_, {}));
            continue;
        }
        utf8_left_ = 0;
        utf8_.clear();
        if (byte >= 0xc0) {
            utf8_ = std::string(1, c);
            utf8_left_ = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
        } else if (byte >= 0x20 && byte != 0x7f) {
            put(std::string(1, c));
        } else if (c == '\033') {
            state_ = State::Escape;
        } else if (c == '\r') {
            column_ = 0;
            wrap_pending_ = false;
        } else if (c == '\n') {
            newline();
        } else if (c == '\b') {
            wrap_pending_ = false;
            column_ = std::max(0, column_ - 1);
        } else if (c == '\t') {
            column_ = std::min(columns_ - 1, (column_ / 8 + 1) * 8);
        }
        // BEL and other controls: nothing to see.
    }
}

void Screen::put(std::string character) {
    if (wrap_pending_) {
        wrap_pending_ = false;
        column_ = 0;
        newline();
    }
    screen_[row_][column_] = std::move(character);
    if (column_ == columns_ - 1) {
        wrap_pending_ = true;  // xterm waits for the next character before wrapping
    } else {
        ++column_;
    }
}

void Screen::newline() {
    wrap_pending_ = false;
    if (row_ < rows_ - 1) {
        ++row_;
        return;
    }
    scrolled_.push_back(text_of(screen_.front()));
    screen_.erase(screen_.begin());
    screen_.emplace_back(columns_, " ");
}

void Screen::control_sequence(std::string_view parameters, char final) {
    if (!parameters.empty() && (parameters.front() == '?' || parameters.front() == '>')) return;
    const int n = parameter(parameters, 0, 1);
    Row& row = screen_[row_];
    wrap_pending_ = false;
    switch (final) {
        case 'A':
            row_ = std::max(0, row_ - n);
            break;
        case 'B':
            row_ = std::min(rows_ - 1, row_ + n);
            break;
        case 'C':
            column_ = std::min(columns_ - 1, column_ + n);
            break;
        case 'D':
            column_ = std::max(0, column_ - n);
            break;
        case 'G':
            column_ = std::clamp(n - 1, 0, columns_ - 1);
            break;
        case 'H':
        case 'f':
            row_ = std::clamp(n - 1, 0, rows_ - 1);
            column_ = std::clamp(parameter(parameters, 1, 1) - 1, 0, columns_ - 1);
            break;
        case 'K': {
            const int mode = parameter(parameters, 0, 0);
            const int from = mode == 0 ? column_ : 0;
            const int to = mode == 1 ? column_ + 1 : columns_;
            std::fill(row.begin() + from, row.begin() + to, " ");
            break;
        }
        case 'J': {
            const int mode = parameter(parameters, 0, 0);
            if (mode == 0) {
                std::fill(row.begin() + column_, row.end(), " ");
                for (int r = row_ + 1; r < rows_; ++r) screen_[r] = Row(columns_, " ");
            } else if (mode == 2) {
                for (auto& r : screen_) r = Row(columns_, " ");
            }
            break;
        }
        case 'P': {  // delete characters
            const int count = std::min(n, columns_ - column_);
            row.erase(row.begin() + column_, row.begin() + column_ + count);
            row.insert(row.end(), count, " ");
            break;
        }
        case '@': {  // insert blanks
            const int count = std::min(n, columns_ - column_);
            row.insert(row.begin() + column_, count, " ");
            row.resize(columns_);
            break;
        }
        default:
            break;  // colours (m) and modes do not change the text
    }
}

std::string Screen::text_of(const Row& row) {
    std::string text;
    for (const auto& cell : row) text += cell;
    const auto end = text.find_last_not_of(' ');
    return end == std::string::npos ? std::string() : text.substr(0, end + 1);
}

std::vector<std::string> Screen::lines() const {
    std::vector<std::string> all = scrolled_;
    for (const auto& row : screen_) all.push_back(text_of(row));
    while (!all.empty() && all.back().empty()) all.pop_back();
    return all;
}

std::string Screen::cursor_line() const {
    return text_of(screen_[row_]);
}

}  // namespace hubchat::e2e
