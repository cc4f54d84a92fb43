// The client's side of docs/PROTOCOL.md (hubchat dialect): requests encoded as JSON
// lines, server lines decoded into typed events. Pure: tested without sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hubchat::client {

inline constexpr int kProtocolVersion = 1;

// ---- client -> server: each result is one frame, '\n' included ----------------------

enum class Query { List, Rooms, Ping };
enum class RoomRequest { Join, Leave, Members };

// What a hello may carry beyond the name: the account's password and the hub's
// (private hubs). Absent fields are left out of the frame.
struct Credentials {
    std::optional<std::string> password;
    std::optional<std::string> server_password;
};

// Where a hello picks up (issue 5): `since`, the last message id this client saw, asks a
// server keeping history for every message after it (then `replayed`); `rooms` are
// joined as part of the hello, before that replay, so none of their messages is missed.
// A server running --no-history ignores `since` but still joins the rooms.
struct Resume {
    std::optional<std::uint64_t> since;
    std::vector<std::string> rooms;
};

std::string encode_hello(std::string_view name, const Credentials& credentials = {},
                         const Resume& resume = {});
// A hello that signs up: creates the name's account with `credentials.password` and logs
// in with it (welcome, then `registered` with `ref`; or an error with `ref`). The way onto
// a server that takes only registered users.
std::string encode_sign_up(std::string_view name, const Credentials& credentials, std::uint64_t ref,
                           const Resume& resume = {});
// Registers the name in use with `password` (answered by `registered` or an error).
std::string encode_register(std::string_view password, std::uint64_t ref);
// The answer to the server's keepalive ping, copying its ref.
std::string encode_pong(std::optional<std::uint64_t> ref);
std::string encode_message(std::string_view dest, std::string_view text, std::uint64_t ref);
std::string encode_query(Query query, std::uint64_t ref);
std::string encode_room_request(RoomRequest request, std::string_view room, std::uint64_t ref);
std::string encode_quit();
// The last `limit` messages of a conversation, oldest first: `with` is a room ("#dev"),
// a person ("bob": the messages between the two of you) or "ALL". `before`: only older
// than this id.
std::string encode_history(std::string_view with, std::uint32_t limit, std::uint64_t ref,
                           std::optional<std::uint64_t> before = std::nullopt);

// ---- server -> client --------------------------------------------------------------

namespace event {
struct Welcome {
    std::string name;  // as registered (the server's spelling)
    std::string server;
};
struct Chat {
    std::string from;
    std::string dest;  // "bob", "bob,carol", "#dev", "ALL"
    std::string text;
    std::optional<std::uint64_t> id{};  // server-assigned, increasing; none from old servers
    std::optional<std::int64_t> ts{};   // ms since the epoch
    bool replay = false;   // sent again after a hello's `since`: said while this client was away
    bool offline = false;  // a direct message kept for this user while they were logged out
};
struct Ack {
    std::optional<std::uint64_t> ref;
    std::vector<std::string> failed;
    std::optional<std::uint64_t> id{};   // the message's id
    std::vector<std::string> offline{};  // registered recipients not connected: kept for them
};
struct Replayed {  // the end of a hello's replay: what follows is live
    std::uint64_t last_id = 0;
};
struct HistoryEntry {
    std::uint64_t id = 0;
    std::int64_t ts = 0;
    std::string from;
    std::string dest;
    std::string text;
};
struct History {  // the answer to a history request, oldest first
    std::optional<std::uint64_t> ref;
    std::string with;
    std::vector<HistoryEntry> messages;
};
struct Error {
    std::string code;
    std::string message;
    std::optional<std::uint64_t> ref;
    std::uint64_t retry_after_ms = 0;  // rate_limited: when trying again can succeed
};
struct UserList {
    std::vector<std::string> users;
};
struct RoomCount {
    std::string name;
    std::uint64_t members = 0;
};
struct RoomList {
    std::vector<RoomCount> rooms;
};
struct Members {
    std::string room;
    std::vector<std::string> users;
};
struct Joined {
    std::string room;
    std::string user;
};
struct Left {
    std::string room;
    std::string user;
    std::string reason;  // "left", "quit", "disconnected"
};
// A user took another name (today an IRC user's NICK): `{"type":"rename","user":OLD,
// "name":NEW}`, sent to everyone, the user included.
struct Renamed {
    std::string from;
    std::string to;
};
// A member set the topic of a room this client is in (today an IRC user's TOPIC); empty
// `text` clears it.
struct Topic {
    std::string room;
    std::string text;
    std::string user;  // who set it
};
struct Pong {
    std::optional<std::uint64_t> ref;
};
struct Ping {  // the server's keepalive: answer with a pong of the same ref
    std::optional<std::uint64_t> ref;
};
struct Registered {  // the name in use now belongs to this user's account
    std::string name;
    std::optional<std::uint64_t> ref;
};
struct Shutdown {
    std::string message;
};
struct Unknown {  // valid JSON this client has no use for; ignored, never fatal
    std::string type;
};
}  // namespace event

using ServerEvent =
    std::variant<event::Welcome, event::Chat, event::Ack, event::Error, event::UserList,
                 event::RoomList, event::Members, event::Joined, event::Left, event::Renamed,
                 event::Topic, event::Pong, event::Ping, event::Registered, event::Shutdown,
                 event::Replayed, event::History, event::Unknown>;

// One line from the server (without its '\n'). nullopt when it is not a JSON object.
// Missing or wrongly typed fields decode as empty rather than failing: a display
// client shows what it can. The original server's two shapes (`client-list`, and chat
// without `type`) decode too, so the client still works against it for reading.
std::optional<ServerEvent> decode_server_line(std::string_view line);

}  // namespace hubchat::client
