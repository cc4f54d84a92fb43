#include "client/line_splitter.hpp"

namespace hubchat::client {
namespace {

std::string without_cr(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace

std::vector<std::string> LineSplitter::feed(std::string_view bytes) {
    std::vector<std::string> lines;
    while (true) {
        const auto newline = bytes.find('\n');
        if (newline == std::string_view::npos) break;
        partial_.append(bytes.substr(0, newline));
        lines.push_back(without_cr(std::move(partial_)));
        partial_.clear();
        bytes.remove_prefix(newline + 1);
    }
    partial_.append(bytes);
    return lines;
}

std::optional<std::string> LineSplitter::finish() {
    if (partial_.empty()) return std::nullopt;
    std::string last = without_cr(std::move(partial_));
    partial_.clear();
    return last;
}

}  // namespace hubchat::client
