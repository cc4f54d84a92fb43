// Bytes read from a pipe or file, cut into lines. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubchat::client {

class LineSplitter {
  public:
    // Complete lines in `bytes` (and what came before), without "\n" or "\r\n".
    std::vector<std::string> feed(std::string_view bytes);
    // At end of input: the last line if it had no newline.
    std::optional<std::string> finish();

  private:
    std::string partial_;
};

}  // namespace hubchat::client
