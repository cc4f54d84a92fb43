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

std::string encode_hello(std::string_view name);
std::string encode_message(std::string_view dest, std::string_view text, std::uint64_t ref);
std::string encode_query(Query query, std::uint64_t ref);
std::string encode_room_request(RoomRequest request, std::string_view room, std::uint64_t ref);
std::string encode_quit();

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
};
struct Ack {
    std::optional<std::uint64_t> ref;
    std::vector<std::string> failed;
};
struct Error {
    std::string code;
    std::string message;
    std::optional<std::uint64_t> ref;
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
struct Pong {
    std::optional<std::uint64_t> ref;
};
struct Shutdown {
    std::string message;
};
struct Unknown {  // valid JSON this client has no use for; ignored, never fatal
    std::string type;
};
}  // namespace event

using ServerEvent = std::variant<event::Welcome, event::Chat, event::Ack, event::Error,
                                 event::UserList, event::RoomList, event::Members, event::Joined,
                                 event::Left, event::Pong, event::Shutdown, event::Unknown>;

// One line from the server (without its '\n'). nullopt when it is not a JSON object.
// Missing or wrongly typed fields decode as empty rather than failing: a display
// client shows what it can. The original server's two shapes (`client-list`, and chat
// without `type`) decode too, so the client still works against it for reading.
std::optional<ServerEvent> decode_server_line(std::string_view line);

}  // namespace hubchat::client
