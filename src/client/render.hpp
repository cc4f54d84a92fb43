// The client's side of docs/PROTOCOL.md: request frames out, server frames to the lines a
// person (or a script) sees. Pure, so it is unit-tested without sockets.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubchat::client {

std::string hello_frame(std::string_view name);
std::string message_frame(std::string_view dest, std::string_view text, std::uint64_t ref);
// `list`, `rooms`, `ping`.
std::string request_frame(std::string_view type, std::uint64_t ref);
// `join`, `leave`, `members`.
std::string room_frame(std::string_view type, std::string_view room, std::uint64_t ref);

// One server line parsed; nullopt when it is not a JSON object.
std::optional<boost::json::object> parse_frame(std::string_view line);

std::string frame_type(const boost::json::object& frame);
std::string string_field(const boost::json::object& frame, std::string_view key);
std::optional<std::uint64_t> ref_of(const boost::json::object& frame);

// Lines shown in the interactive client (none for acks, pongs, welcomes).
std::vector<std::string> render_for_person(const boost::json::object& frame, bool color);
// One line per received chat message for --listen; nullopt for anything else.
std::optional<std::string> render_for_listen(const boost::json::object& frame);

}  // namespace hubchat::client
