// Splits a received byte stream into top-level JSON objects, the way a client of either
// dialect has to: hubchat frames end in '\n', the original dialect's do not end at all.
//
// Deliberately independent of src/proto: a test oracle that shared the server's framer
// would share its bugs.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace hubchat::test {

class JsonSplitter {
  public:
    // Appends bytes; every object completed by them becomes available from pop().
    void feed(std::string_view bytes);
    // The next complete object, raw. Bytes outside any object that are not whitespace
    // are returned too (up to the next newline or '{'), so a test sees them and fails.
    std::optional<std::string> pop();
    bool empty() const { return ready_.empty(); }
    std::size_t size() const { return ready_.size(); }
    // Bytes of an object (or stray text) begun but not finished.
    const std::string& partial() const { return current_; }

  private:
    void finish();

    std::deque<std::string> ready_;
    std::string current_;
    int depth_ = 0;
    bool in_string_ = false;
    bool escaped_ = false;
    bool in_junk_ = false;
};

}  // namespace hubchat::test
