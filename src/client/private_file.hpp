// Small files of the user's own (known servers, last message seen): made with mode 0600 in
// directories made with mode 0700, since they say which servers and names the user uses.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hubchat::client {

// The text of the file; nullopt when it does not exist, `error` set when it cannot be read.
std::optional<std::string> read_text(const std::filesystem::path& path, std::string& error);

// mkdir -p with mode 0700 for each directory it makes; existing ones are left as they are.
bool make_private_directories(const std::filesystem::path& directory, std::string& error);

// Replaces the file with `text` in one step (a 0600 temporary beside it, then rename):
// a reader, or a crash, sees the old text or the new, never half of one. Makes the
// directories too. false with `error` on failure.
bool replace_file(const std::filesystem::path& path, std::string_view text, std::string& error);

}  // namespace hubchat::client
