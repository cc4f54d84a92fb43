#include "cli/seed_args.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

namespace hubchat::cli {

std::vector<std::string> rewrite_seed_args(int argc, const char* const* argv) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value_after = [&](std::string_view prefix) -> std::optional<std::string> {
            if (arg.substr(0, prefix.size()) != prefix) return std::nullopt;
            return std::string(arg.substr(prefix.size()));
        };
        if (auto host = value_after("--machine-name:")) {
            out.push_back("--host=" + *host);
        } else if (auto port = value_after("--port:")) {
            out.push_back("--port=" + *port);
        } else if (auto verbose = value_after("--verbose:")) {
            std::string lower = *verbose;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (lower == "true") out.emplace_back("--verbose");
        } else {
            out.emplace_back(arg);
        }
    }
    return out;
}

}  // namespace hubchat::cli
