// What a person would see: the bytes written to a terminal replayed on a small model of
// one (the VT100/xterm subset libedit uses with TERM=xterm). It lets a test say "the
// bottom line reads exactly `You say  > half typed`" instead of searching a byte
// stream full of cursor movements.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hubchat::e2e {

class Screen {
  public:
    Screen(int rows, int columns);
    void feed(std::string_view bytes);

    // Every line, those scrolled off the top first, without trailing blanks.
    std::vector<std::string> lines() const;
    // The visible line the cursor is on, without trailing blanks.
    std::string cursor_line() const;
    int cursor_column() const { return column_; }

  private:
    using Row = std::vector<std::string>;  // one UTF-8 character per cell
    void put(std::string character);
    void newline();
    void control_sequence(std::string_view parameters, char final);
    static std::string text_of(const Row& row);

    int rows_;
    int columns_;
    std::vector<Row> screen_;
    std::vector<std::string> scrolled_;
    int row_ = 0;
    int column_ = 0;
    bool wrap_pending_ = false;
    // Escape sequence and UTF-8 parsing state.
    enum class State { Text, Escape, EscapeIntermediate, Csi, Osc } state_ = State::Text;
    std::string sequence_;
    std::string utf8_;
    int utf8_left_ = 0;
};

}  // namespace hubchat::e2e
