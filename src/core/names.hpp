// Name rules shared by every protocol: user names, room names, case folding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hubchat::names {

inline constexpr std::size_t kMaxNameChars = 32;
inline constexpr std::string_view kAllRoom = "ALL";
inline constexpr std::string_view kServerName = "server";

// The key names are compared by: ASCII letters folded to lower case (IRC's "ascii"
// casemapping), everything else as is.
std::string fold(std::string_view name);
// The same into `out`, replacing what it held and keeping its capacity: no allocation
// once it has grown, for code that folds a name per message.
void fold_into(std::string& out, std::string_view name);
bool same(std::string_view a, std::string_view b);

// Hash and equality under the same folding, for maps keyed by a view of the name as
// spelled: no folded copy is kept. Transparent: a set of strings is searched with a view.
struct FoldedHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const;
};
struct FoldedEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return same(a, b); }
};

// nullopt when valid, else a sentence saying what is wrong, fit to show the user.
// `max_chars` may tighten the length rule (a server's configured limit); it cannot loosen
// it past kMaxNameChars.
std::optional<std::string> check_user_name(std::string_view name,
                                           std::size_t max_chars = kMaxNameChars);
// Room names are '#' + a name under the user-name character rules; `max_chars` does not
// count the '#'.
std::optional<std::string> check_room_name(std::string_view room,
                                           std::size_t max_chars = kMaxNameChars);

bool is_all(std::string_view target);
bool is_room(std::string_view target);

// Number of code points in valid UTF-8; nullopt for invalid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view text);

}  // namespace hubchat::names
