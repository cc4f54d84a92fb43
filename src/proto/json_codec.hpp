// The JSON codec for both dialects (see docs/PROTOCOL.md): client frames to core
// commands, core events to server frames. Pure functions; no sockets.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/message.hpp"

namespace hubchat::proto {

// Wire format ids for FrameCache: one encoded frame per format per broadcast.
inline constexpr WireFormatId kHubchatJson = 0;
inline constexpr WireFormatId kOriginalJson = 1;

struct InboundFrame {
    bool typed = false;               // has a "type": the hubchat dialect
    bool hello = false;               // {"type":"hello"}
    std::optional<std::string> user;  // the "user" field (original dialect's identity)
    std::optional<Command> command;   // nullopt: the original's bare {"user": ...}
    // Account fields, checked by the adapter before the hub sees the hello. Never logged.
    std::optional<std::string> password;         // hello: log in to the name's account
    std::optional<std::string> server_password;  // hello: the server's own password
    // hello with "register":true: create the name's account with `password`, then log in.
    bool create_account = false;
    bool register_account = false;  // {"type":"register","password":..}: `password` is the new one
    // hello: resume after this message id (replay what was missed), joining `rooms` first.
    std::optional<MessageId> since;
    std::vector<std::string> rooms;
    // {"type":"history","with":..,"limit":..,"before":..}: answered by the adapter from
    // the message store, not by the hub.
    struct HistoryRequest {
        std::string with;  // "ALL", "#room" or a user name
        std::size_t limit = 50;
        std::optional<MessageId> before;
    };
    std::optional<HistoryRequest> history;
    Ref ref;  // the frame's ref, for replies the adapter makes itself
};

// The most messages one history request or one page of a replay returns.
inline constexpr std::size_t kMaxHistoryPage = 500;

struct DecodeError {
    ErrorCode code = ErrorCode::BadRequest;
    std::string text;
    Ref ref;
};

using DecodeResult = std::variant<InboundFrame, DecodeError>;

// Decodes one complete JSON object frame (as cut by JsonFramer).
DecodeResult decode_client_frame(std::string_view frame);

namespace detail {
// decode_client_frame's two ways, exposed so tests and the fuzzer can hold them to the
// same answers. The shortcut reads the common chat frame (a message with plain ASCII
// strings, no escapes, each key once) straight from the bytes; anything else, including
// every frame with an error, gives nullopt and goes to the full parser.
std::optional<DecodeResult> decode_plain_message(std::string_view frame);
DecodeResult decode_with_parser(std::string_view frame);
// The shortcut into a frame the caller made; false (the frame then half-filled) when the
// full parser must decide.
bool read_plain_message(std::string_view frame, InboundFrame& decoded);
}  // namespace detail

// The same shortcut on a stream, before any framing: when `input` starts (at its first
// byte, a '{') with a whole frame the shortcut reads, decodes it into `decoded` and
// returns its length, which is where JsonFramer would have cut it; else 0 (another
// kind of frame, or one not complete yet: JsonFramer and decode_client_frame decide),
// and `decoded` is to be thrown away. Reading the frame once instead of twice (to find
// its end, then to decode it) is most of the saving.
std::size_t read_plain_message_prefix(std::string_view input, InboundFrame& decoded);

// hubchat dialect: one line of compact JSON, newline-terminated.
std::string encode_hubchat(const Event& event);
// The same as a frame: the shared one of a broadcast event, else written into the frame.
Frame hubchat_event_frame(const Event& event);
// The shared, cached hubchat frame of a broadcast event.
Frame hubchat_frame(const ChatMessage& chat);
Frame hubchat_frame(const Presence& presence);

// A message out of history for one connection: `origin` Replay or Offline is marked.
std::string hubchat_history_message(const ChatMessage& chat);
// Ends a replay: everything up to `last_id` has been sent.
std::string hubchat_replayed(MessageId last_id);
// The answer to a history request: `messages` oldest first.
std::string hubchat_history_page(const Ref& ref, std::string_view with,
                                 const std::vector<ChatMessage>& messages);

// Original dialect: only the two shapes the original client parses, Python formatting,
// no newline. Events it has no use for give nullopt. `self` is the connection's name.
std::optional<std::string> encode_original(const Event& event, std::string_view self);
Frame original_frame(const ChatMessage& chat);
// A notice shown by the original client as "Message from server: <text>".
std::string original_notice(std::string_view text, std::string_view self);

}  // namespace hubchat::proto
