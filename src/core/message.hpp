// Core messages: what every protocol adapter turns wire bytes into (commands) and what
// the hub hands back to sessions for encoding (events). Protocol-neutral: no JSON, no
// IRC, no Asio here.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/frame.hpp"

namespace hubchat {

using ConnectionId = std::uint64_t;
using MessageId = std::uint64_t;
using TimestampMs = std::int64_t;

// A client's correlation token, echoed in replies. Kept as the already-encoded JSON
// value text (e.g. `"c1"` or `42`) so the core never needs to know JSON.
using Ref = std::string;

// ---- commands (client -> hub) ----------------------------------------------------

struct Hello {
    std::string name;
    // The adapter checked this name's account password. Registered names are refused
    // without it; see NameRegistry in hub.hpp.
    bool authenticated = false;
    // How IRC's USER command describes the user; empty for other protocols (the name then
    // stands for both).
    std::string username{};
    std::string realname{};
};
struct SendMessage {
    std::vector<std::string> targets;  // as given: user names, "#room", "ALL"
    std::string text;
    Ref ref;
    // IRC's NOTICE: delivered like any message, but programs must never answer it
    // automatically (and the IRC adapter sends no error numerics for it).
    bool notice = false;
    // Set by a decoder that found the text printable ASCII with no quote or backslash:
    // nothing a JSON writer escapes in either dialect, so writers need not look again.
    bool text_plain = false;
    // Labels the sender's client attached (IRCv3 client-only tags, "+key" -> value), relayed
    // as they are to recipients that show them; not kept in history.
    std::vector<std::pair<std::string, std::string>> client_tags{};
};
struct ListUsers {
    Ref ref;
};
struct ListRooms {
    Ref ref;
};
struct JoinRoom {
    std::string room;
    Ref ref;
};
struct LeaveRoom {
    std::string room;
    Ref ref;
    std::string message{};  // the user's parting words, if any (IRC's PART reason)
};
struct ListMembers {
    std::string room;
    Ref ref;
};
struct Ping {
    Ref ref;
};
struct Quit {
    std::string reason;
};
// Sets a room's topic (empty clears it); members only.
struct SetTopic {
    std::string room;
    std::string text;
    Ref ref;
};
// Marks the user away with `text`, or back when it is empty.
struct SetAway {
    std::string text;
    Ref ref;
};

// Takes another name (IRC's NICK after registration).
struct ChangeName {
    std::string name;
    Ref ref;
};

using Command = std::variant<Hello, SendMessage, ListUsers, ListRooms, JoinRoom, LeaveRoom,
                             ListMembers, Ping, Quit, SetTopic, SetAway, ChangeName>;

// ---- events (hub -> session) -------------------------------------------------------

// Every wire format an adapter can encode to gets a small id; broadcast events cache one
// encoded frame per format so a broadcast is serialized once per format, not per member.
using WireFormatId = std::uint8_t;
inline constexpr std::size_t kMaxWireFormats = 8;

// A message usually goes out in one or two formats: those have slots inline, the others
// a table made on first use. Inline, the cache is 40 bytes instead of the 64 of a slot per
// format, which counts while thousands of messages wait for their group commit.
class FrameCache {
  public:
    FrameCache() = default;
    FrameCache(const FrameCache& other) { *this = other; }
    FrameCache& operator=(const FrameCache& other) {
        if (this != &other) {
            first_ = other.first_;
            more_ = other.more_ ? std::make_unique<More>(*other.more_) : nullptr;
        }
        return *this;
    }
    FrameCache(FrameCache&&) noexcept = default;
    FrameCache& operator=(FrameCache&&) noexcept = default;
    ~FrameCache() = default;

    // The frame for `format` (below kMaxWireFormats): the one made before, or else the
    // frame (or text) `make()` returns, kept from now on. A slot is taken only once its frame is
    // made, so a `make` that asks for other formats cannot find its own slot taken.
    template <class Make>
    const Frame& frame(WireFormatId format, Make&& make) const {
        for (const Entry& entry : first_) {
            if (entry.frame && entry.format == format) return entry.frame;
        }
        if (more_ && (*more_)[format]) return (*more_)[format];
        Frame made = made_frame(make());
        for (Entry& entry : first_) {
            if (!entry.frame) {
                entry.format = format;
                return entry.frame = std::move(made);
            }
        }
        if (!more_) more_ = std::make_unique<More>();
        return (*more_)[format] = std::move(made);
    }

    // The frame for `format` if one was made before and kept inline (the first two
    // formats asked for), else null, when frame() is the way: the test a recipient after
    // the first makes, cheap enough to inline at every delivery.
    const Frame* cached(WireFormatId format) const {
        for (const Entry& entry : first_) {
            if (entry.frame && entry.format == format) return &entry.frame;
        }
        return nullptr;
    }

  private:
    static Frame made_frame(Frame frame) { return frame; }
    static Frame made_frame(std::string_view text) { return make_frame(text); }

    struct Entry {
        Frame frame;
        WireFormatId format = 0;
    };
    using More = std::array<Frame, kMaxWireFormats>;
    mutable std::array<Entry, 2> first_;
    mutable std::unique_ptr<More> more_;
};

enum class DestKind : std::uint8_t { Direct, Multi, Room, All };
// How a message reaches a connection: as it is sent, replayed from history for a client
// resuming after an id, or delivered from the inbox of a user who was offline.
enum class ChatOrigin : std::uint8_t { Live, Replay, Offline };

struct ChatMessage : FrameCache {
    MessageId id = 0;
    TimestampMs ts = 0;
    std::string from;
    std::string
        dest;  // normalised target list as shown to recipients: "bob", "bob,carol", "#dev", "ALL"
    DestKind kind = DestKind::Direct;
    ChatOrigin origin = ChatOrigin::Live;
    std::string text;
    bool notice = false;                                           // see SendMessage::notice
    bool text_plain = false;                                       // see SendMessage
    std::vector<std::pair<std::string, std::string>> client_tags;  // see SendMessage
    // The sender's account when they logged in to their name (IRC's account-tag); empty
    // for guests.
    std::string account;
};

enum class PresenceKind : std::uint8_t { Join, Leave };
struct Presence : FrameCache {
    PresenceKind kind = PresenceKind::Join;
    std::string room;  // "ALL" for connect/disconnect
    std::string user;
    std::string reason;   // for Leave: "left", "quit", "disconnected"
    std::string message;  // for Leave: the user's own words, if any (IRC's QUIT reason)
    TimestampMs ts = 0;
};

struct Welcome {
    std::string name;
    std::size_t max_message = 0;  // largest frame the server accepts, in bytes
};
struct Ack {
    Ref ref;
    MessageId id = 0;
    TimestampMs ts = 0;
    std::size_t delivered = 0;
    std::vector<std::string> failed;
    // Registered recipients who were offline: stored, delivered when they log in.
    std::vector<std::string> offline;
};

enum class ErrorCode : std::uint8_t {
    BadFrame,
    BadJson,
    TooLarge,
    BadRequest,
    NotRegistered,
    AlreadyRegistered,
    BadName,
    NameTaken,
    Spoofing,
    UnknownRecipient,
    NotInRoom,
    EmptyMessage,
    SendQueueExceeded,
    Shutdown,
    RateLimited,        // over the flood-control budget; retry_after_ms says when to retry
    TooManyRooms,       // a join past the rooms-per-user cap
    TooManyRecipients,  // a message to more distinct targets than allowed
    NameRegistered,     // a guest asked for a name that belongs to an account
    AccountRequired,    // a guest on a server that takes only accounts
    LoginFailed,        // wrong name or password (never says which)
    AccessDenied,       // the server password is missing or wrong
    HistoryOff,         // a history request to a server running without history
    Busy,               // history storage is behind: the message was not taken; retry
    StorageFailed,      // the message could not be stored, so it was not delivered
};
const char* error_code_name(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::BadRequest;
    std::string text;
    Ref ref;
    std::vector<std::string> names;  // e.g. the unknown recipients
    // RateLimited: milliseconds until the same request would be accepted. 0 otherwise.
    std::uint32_t retry_after_ms = 0;
};
struct UserList {
    Ref ref;
    std::vector<std::string> users;  // registration order
};
struct RoomInfo {
    std::string name;
    std::size_t members = 0;
};
struct RoomList {
    Ref ref;
    std::vector<RoomInfo> rooms;
};
struct MemberList {
    Ref ref;
    std::string room;
    std::vector<std::string> users;
};
struct Pong {
    Ref ref;
};
struct ShutdownNotice {
    std::string text;
};
// The connection's name now belongs to an account with a password.
struct Registered {
    std::string name;
    Ref ref;
};

// A room's topic changed; sent to its members, the setter included.
struct TopicChange : FrameCache {
    std::string room;
    std::string text;  // empty: cleared
    std::string setter;
    TimestampMs ts = 0;
};
// A user went away (text set) or came back (text empty); sent to peers that want it.
struct AwayChange {
    std::string user;
    std::string text;
};

// A user took another name; sent to everyone who gets presence, the user included.
struct Renamed {
    std::string from;
    std::string to;
};

using ChatPtr = std::shared_ptr<const ChatMessage>;
using PresencePtr = std::shared_ptr<const Presence>;
using TopicPtr = std::shared_ptr<const TopicChange>;

using Event =
    std::variant<Welcome, ChatPtr, PresencePtr, Ack, Error, UserList, RoomList, MemberList, Pong,
                 ShutdownNotice, Registered, TopicPtr, AwayChange, Renamed>;

}  // namespace hubchat
