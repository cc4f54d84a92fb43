// IRC lines (RFC 1459/2812, the Modern IRC Client Protocol, IRCv3 message-tags): a pure
// parser and serializer, and a splitter that cuts a byte stream into lines with a bounded
// buffer. No sockets, no hub: the IRC adapter (net/irc_session) and the fuzz target use it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/frame.hpp"

namespace hubchat::proto::irc {

// Limits of the Modern IRC Client Protocol: the part after the tags is at most 512 bytes
// with its CRLF; the tags (with '@' and the space after them) at most 8191 bytes.
inline constexpr std::size_t kMaxBodyBytes = 510;  // without CRLF
inline constexpr std::size_t kMaxTagBytes = 8191;
inline constexpr std::size_t kMaxLineBytes = kMaxBodyBytes + kMaxTagBytes;

struct Tag {
    std::string key;    // may start with '+' (client-only) and hold a vendor prefix
    std::string value;  // unescaped; empty for a tag without a value
    friend bool operator==(const Tag&, const Tag&) = default;
};

struct Message {
    std::vector<Tag> tags;
    std::string source;               // without the ':'; empty when the line has none
    std::string command;              // as sent (callers compare case-insensitively)
    std::vector<std::string> params;  // the trailing parameter, if any, last
    friend bool operator==(const Message&, const Message&) = default;
};

enum class ParseError : std::uint8_t {
    None,
    Empty,        // nothing but spaces
    TooLong,      // the part after the tags is over kMaxBodyBytes (ERR_INPUTTOOLONG 417)
    TagsTooLong,  // the tags are over kMaxTagBytes (ERR_INPUTTOOLONG 417)
    BadTags,      // '@' with no tag, or tags with no command after them
    NoCommand,    // a source with nothing after it
    BadCommand,   // not letters, and not three digits
    BadByte,      // NUL, CR or LF inside the line
};
const char* parse_error_text(ParseError error);

struct ParseResult {
    std::optional<Message> message;  // set when error is None
    ParseError error = ParseError::None;
};

// Parses one line, given without its line ending (a trailing CR or LF is ignored).
ParseResult parse_line(std::string_view line);

// The line for `message`, with CRLF. The last parameter gets a ':' when it needs one
// (empty, holds a space, or starts with ':'); CR, LF and NUL anywhere are replaced by
// spaces so the result is always exactly one line. Tags are escaped.
std::string serialize(const Message& message);
// Appends the line serialize() makes for {tags, source, command, {target, text}} to
// `out`, from views: a chat line's delivery builds no Message and no temporary strings.
void append_chat_line(std::string& out, std::span<const Tag> tags, std::string_view source,
                      std::string_view command, std::string_view target, std::string_view text);
// The same line with no tags, as a frame of its exact size, when it is all there is to
// send: `text` is not empty, has no CR, LF or NUL (nor have source, command and target)
// and is at most `max_text` bytes, so it is neither split nor cleaned. nullptr
// otherwise; the caller then renders the general way. Most chat lines are of this kind:
// written straight into their frame, with no buffer in between and no copy of it.
Frame single_chat_line(std::string_view source, std::string_view command, std::string_view target,
                       std::string_view text, std::size_t max_text);

std::string escape_tag_value(std::string_view value);
std::string unescape_tag_value(std::string_view value);

// Decodes standard base64 (RFC 4648 with padding, as AUTHENTICATE uses); nullopt when
// malformed.
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

// Cuts a byte stream into lines at LF, CR or CRLF, skipping empty lines. A line longer
// than the limit is reported once (TooLong) and skipped to its end; the buffer never
// holds more than the limit.
class LineSplitter {
  public:
    enum class Kind : std::uint8_t { NeedMore, Line, TooLong };
    struct Step {
        Kind kind = Kind::NeedMore;
        std::size_t consumed = 0;  // bytes of the input used by this step
        std::string_view line;     // without its ending; valid until the next call
    };

    // At most 65535 (kMaxLineBytes is 8701).
    explicit LineSplitter(std::size_t max_line = kMaxLineBytes)
        : max_line_(static_cast<std::uint16_t>(std::min<std::size_t>(max_line, 65535))) {}

    // Call repeatedly, dropping `consumed` bytes each time, until NeedMore.
    Step next(std::string_view input);

    // Nothing buffered but (maybe) the line last handed out.
    bool idle() const { return (!pending_ || pending_->empty() || handed_out_) && !skipping_; }
    std::size_t buffered() const { return handed_out_ || !pending_ ? 0 : pending_->size(); }
    // Only when idle(); the line last handed out is gone.
    void release_memory() {
        pending_.reset();
        handed_out_ = false;
    }

  private:
    // The start of a line that spans reads; once complete, the line handed out by next()
    // until the next call. Behind a pointer: most reads end on a line's end, and an idle
    // connection holds no buffer at all.
    std::unique_ptr<std::string> pending_;
    std::uint16_t max_line_;
    bool handed_out_ = false;
    bool skipping_ = false;
};

}  // namespace hubchat::proto::irc
