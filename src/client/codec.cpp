#include "client/codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>

namespace hubchat::client {
namespace json = boost::json;

namespace {

std::string frame(const json::object& object) {
    std::string line = json::serialize(object);
    line += '\n';
    return line;
}

std::string_view query_type(Query query) {
    switch (query) {
        case Query::List:
            return "list";
        case Query::Rooms:
            return "rooms";
        case Query::Ping:
            return "ping";
    }
    return "ping";
}

std::string_view room_request_type(RoomRequest request) {
    switch (request) {
        case RoomRequest::Join:
            return "join";
        case RoomRequest::Leave:
            return "leave";
        case RoomRequest::Members:
            return "members";
    }
    return "members";
}

std::string text_of(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) return {};
    return std::string(value->get_string());
}

std::optional<std::uint64_t> ref_of(const json::object& object) {
    const json::value* value = object.if_contains("ref");
    if (value == nullptr) return std::nullopt;
    if (value->is_uint64()) return value->get_uint64();
    if (value->is_int64() && value->get_int64() >= 0) {
        return static_cast<std::uint64_t>(value->get_int64());
    }
    return std::nullopt;  // not one of ours: this client only sends integer refs
}

std::uint64_t count_of(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return 0;
    if (value->is_uint64()) return value->get_uint64();
    if (value->is_int64() && value->get_int64() >= 0) {
        return static_cast<std::uint64_t>(value->get_int64());
    }
    return 0;
}

std::optional<std::uint64_t> id_of(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_uint64()) return value->get_uint64();
    if (value->is_int64() && value->get_int64() >= 0) {
        return static_cast<std::uint64_t>(value->get_int64());
    }
    return std::nullopt;
}

std::optional<std::int64_t> time_of(const json::object& object) {
    const json::value* value = object.if_contains("ts");
    if (value == nullptr) return std::nullopt;
    if (value->is_int64()) return value->get_int64();
    if (value->is_uint64() && value->get_uint64() <= INT64_MAX) {
        return static_cast<std::int64_t>(value->get_uint64());
    }
    return std::nullopt;
}

bool flag_of(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value != nullptr && value->is_bool() && value->get_bool();
}

// Strings of an array; objects contribute their `name` (the original's client-list).
std::vector<std::string> names_in(const json::object& object, std::string_view key) {
    std::vector<std::string> names;
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_array()) return names;
    for (const json::value& item : value->get_array()) {
        if (item.is_string()) {
            names.emplace_back(item.get_string());
        } else if (item.is_object()) {
            names.push_back(text_of(item.get_object(), "name"));
        }
    }
    return names;
}

ServerEvent decode_object(const json::object& object) {
    const std::string type = text_of(object, "type");
    if (type == "message" || (type.empty() && object.contains("message"))) {
        return event::Chat{
            text_of(object, "user"),   text_of(object, "dest"), text_of(object, "message"),
            id_of(object, "id"),       time_of(object),         flag_of(object, "replay"),
            flag_of(object, "offline")};
    }
    if (type == "welcome")
        return event::Welcome{text_of(object, "name"), text_of(object, "server")};
    if (type == "ack") {
        return event::Ack{ref_of(object), names_in(object, "failed"), id_of(object, "id"),
                          names_in(object, "offline")};
    }
    if (type == "replayed") return event::Replayed{count_of(object, "last_id")};
    if (type == "history") {
        event::History history{ref_of(object), text_of(object, "with"), {}};
        if (const json::value* messages = object.if_contains("messages");
            messages && messages->is_array()) {
            for (const json::value& item : messages->get_array()) {
                if (!item.is_object()) continue;
                const json::object& m = item.get_object();
                history.messages.push_back({count_of(m, "id"), time_of(m).value_or(0),
                                            text_of(m, "user"), text_of(m, "dest"),
                                            text_of(m, "message")});
            }
        }
        return history;
    }
    if (type == "error") {
        return event::Error{text_of(object, "code"), text_of(object, "message"), ref_of(object),
                            count_of(object, "retry_after_ms")};
    }
    if (type == "list") return event::UserList{names_in(object, "users")};
    if (type.empty() && object.contains("client-list")) {
        return event::UserList{names_in(object, "client-list")};
    }
    if (type == "rooms") {
        event::RoomList list;
        if (const json::value* rooms = object.if_contains("rooms"); rooms && rooms->is_array()) {
            for (const json::value& room : rooms->get_array()) {
                if (!room.is_object()) continue;
                list.rooms.push_back(
                    {text_of(room.get_object(), "name"), count_of(room.get_object(), "members")});
            }
        }
        return list;
    }
    if (type == "members")
        return event::Members{text_of(object, "room"), names_in(object, "users")};
    if (type == "join") return event::Joined{text_of(object, "room"), text_of(object, "user")};
    if (type == "leave") {
        return event::Left{text_of(object, "room"), text_of(object, "user"),
                           text_of(object, "reason")};
    }
    if (type == "rename") return event::Renamed{text_of(object, "user"), text_of(object, "name")};
    if (type == "topic") {
        return event::Topic{text_of(object, "room"), text_of(object, "topic"),
                            text_of(object, "user")};
    }
    if (type == "pong") return event::Pong{ref_of(object)};
    if (type == "ping") return event::Ping{ref_of(object)};
    if (type == "registered") return event::Registered{text_of(object, "name"), ref_of(object)};
    if (type == "shutdown") return event::Shutdown{text_of(object, "message")};
    return event::Unknown{type};
}

}  // namespace

namespace {

void add_resume(json::object& hello, const Resume& resume) {
    if (resume.since) hello["since"] = *resume.since;
    if (!resume.rooms.empty()) {
        json::array rooms;
        for (const auto& room : resume.rooms) rooms.emplace_back(room);
        hello["rooms"] = std::move(rooms);
    }
}

}  // namespace

std::string encode_hello(std::string_view name, const Credentials& credentials,
                         const Resume& resume) {
    json::object hello{{"type", "hello"}, {"name", name}, {"protocol", kProtocolVersion}};
    if (credentials.password) hello["password"] = *credentials.password;
    if (credentials.server_password) hello["server_password"] = *credentials.server_password;
    add_resume(hello, resume);
    return frame(hello);
}

std::string encode_sign_up(std::string_view name, const Credentials& credentials, std::uint64_t ref,
                           const Resume& resume) {
    json::object hello{{"type", "hello"}, {"name", name}, {"protocol", kProtocolVersion}};
    hello["password"] = credentials.password.value_or("");
    if (credentials.server_password) hello["server_password"] = *credentials.server_password;
    hello["register"] = true;
    hello["ref"] = ref;
    add_resume(hello, resume);
    return frame(hello);
}

std::string encode_register(std::string_view password, std::uint64_t ref) {
    return frame({{"type", "register"}, {"password", password}, {"ref", ref}});
}

std::string encode_pong(std::optional<std::uint64_t> ref) {
    if (!ref) return frame({{"type", "pong"}});
    return frame({{"type", "pong"}, {"ref", *ref}});
}

std::string encode_message(std::string_view dest, std::string_view text, std::uint64_t ref) {
    return frame({{"type", "message"}, {"dest", dest}, {"message", text}, {"ref", ref}});
}

std::string encode_query(Query query, std::uint64_t ref) {
    return frame({{"type", query_type(query)}, {"ref", ref}});
}

std::string encode_room_request(RoomRequest request, std::string_view room, std::uint64_t ref) {
    return frame({{"type", room_request_type(request)}, {"room", room}, {"ref", ref}});
}

std::string encode_quit() {
    return frame({{"type", "quit"}});
}

std::string encode_history(std::string_view with, std::uint32_t limit, std::uint64_t ref,
                           std::optional<std::uint64_t> before) {
    json::object request{{"type", "history"}, {"with", with}, {"limit", limit}};
    if (before) request["before"] = *before;
    request["ref"] = ref;
    return frame(request);
}

std::optional<ServerEvent> decode_server_line(std::string_view line) {
    boost::system::error_code ec;
    json::value value = json::parse(line, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return decode_object(value.get_object());
}

}  // namespace hubchat::client
