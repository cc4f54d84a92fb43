// What the user sees: the original client's fixed texts, and server events turned into
// lines. Pure: tested without a terminal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/codec.hpp"

namespace hubchat::client {

// The original's prompts, spaces included.
inline constexpr std::string_view kNamePrompt = "Your name> ";
inline constexpr std::string_view kSayPrompt = "You say  > ";
inline constexpr std::string_view kDestPrompt = "Dest name> ";

// The original's start-up lines up to and including `connecting to HOST port N` (with
// ` over TLS` after it when encrypted).
std::vector<std::string> banner_lines(std::string_view host, std::uint16_t port, bool tls = false);
// The original's three help lines (start-up and `H`), then one line pointing at /help.
std::vector<std::string> help_lines();
// `/help`: everything this client understands.
std::vector<std::string> command_lines();

// Lines shown at the terminal for one server event (none for acks, pongs, welcomes).
// `color`: chat lines in red, with the original's escape codes and spaces.
std::vector<std::string> lines_for_person(const ServerEvent& event, bool color);

// How a message that was not live is dated: `[14:02]` when `ts_ms` is today (local time,
// as `now_ms`), `[2026-11-30 14:02]` otherwise.
std::string time_label(std::int64_t ts_ms, std::int64_t now_ms);

// A chat message at the terminal, seen by `self`. Live ones as the original printed them;
// replayed ones (said while this client was away) dated, and a direct message kept while
// `self` was logged out marked as such; `self`'s own direct messages, which a replay can
// bring back, as `Message to bob: ...`. `color`: in red, as lines_for_person.
std::string chat_line(const event::Chat& chat, bool color, std::string_view self,
                      std::int64_t now_ms);
// After a replay: `-- 12 messages while you were away --`; nothing when none was shown.
std::optional<std::string> replay_summary_line(std::size_t shown);
// The answer to /history: a heading, then `[14:02] bob: text` per message, oldest first.
std::vector<std::string> history_lines(const event::History& history, std::int64_t now_ms);
// An ack whose recipients were partly logged out: their copy waits for them. nullopt when
// everyone got it now.
std::optional<std::string> kept_for_line(const event::Ack& ack);

// `--listen`: one line per chat message (`alice: hi`, `alice in #dev: hi`).
std::string listen_line(const event::Chat& chat);

// A refused hello where nobody can be asked for a password (a script, a pipe): the
// server's reason, then the options that answer it, if any. `signing_up`: the hello was
// --sign-up's. Each line starts with "hubchat: ", for stderr.
std::vector<std::string> script_refusal_lines(const event::Error& error, std::string_view name,
                                              bool signing_up);

// Text from the network made safe to print: control characters (which could move the
// cursor, recolour or clear the screen, or break a line in two) shown as ^X.
std::string printable(std::string_view text);

}  // namespace hubchat::client
