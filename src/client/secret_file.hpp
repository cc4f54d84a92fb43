// Passwords kept in files (--password-file, --server-password-file), read as ssh reads a
// private key: the file must be the user's alone, so a password in it is not shared by
// accident through a group- or world-readable file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace hubchat::client {

// The first line of `path`, its line ending removed. nullopt, with `error` saying why,
// when the file cannot be read, is empty (or starts with an empty line), or grants any
// permission to its group or to others. `what` names the option in messages.
std::optional<std::string> read_secret_file(const std::filesystem::path& path,
                                            std::string_view what, std::string& error);

}  // namespace hubchat::client
