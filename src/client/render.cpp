#include "client/render.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace hubchat::client {
namespace json = boost::json;

namespace {

// The original client's colours: red text, with its spaces inside the colour codes.
constexpr std::string_view kRedOn = "\033[031m";
constexpr std::string_view kRedOff = "\033[0m";

std::string line_of(const json::object& obj) {
    return json::serialize(obj) + "\n";
}

std::string chat_line(const json::object& frame, bool color) {
    const std::string user = string_field(frame, "user");
    const std::string dest = string_field(frame, "dest");
    std::string text = "Message from " + user;
    if (!dest.empty() && dest.front() == '#') text += " in " + dest;
    text += ": " + string_field(frame, "message");
    if (!color) return text;
    return std::string(kRedOn) + " " + text + " " + std::string(kRedOff);
}

std::string joined(const json::array& items, std::string_view key = {}) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        if (item.is_string()) {
            out += std::string(item.get_string());
        } else if (item.is_object() && !key.empty()) {
            out += string_field(item.get_object(), key);
        }
    }
    return out;
}

}  // namespace

std::string hello_frame(std::string_view name) {
    return line_of({{"type", "hello"}, {"name", name}, {"protocol", 1}});
}

std::string message_frame(std::string_view dest, std::string_view text, std::uint64_t ref) {
    return line_of({{"type", "message"}, {"dest", dest}, {"message", text}, {"ref", ref}});
}

std::string request_frame(std::string_view type, std::uint64_t ref) {
    return line_of({{"type", type}, {"ref", ref}});
}

std::string room_frame(std::string_view type, std::string_view room, std::uint64_t ref) {
    return line_of({{"type", type}, {"room", room}, {"ref", ref}});
}

std::optional<json::object> parse_frame(std::string_view line) {
    boost::system::error_code ec;
    json::value value = json::parse(line, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.get_object());
}

std::string string_field(const json::object& frame, std::string_view key) {
    auto it = frame.find(key);
    if (it == frame.end()) return {};
    if (it->value().is_string()) return std::string(it->value().get_string());
    return json::serialize(it->value());
}

std::string frame_type(const json::object& frame) {
    return string_field(frame, "type");
}

std::optional<std::uint64_t> ref_of(const json::object& frame) {
    auto it = frame.find("ref");
    if (it == frame.end()) return std::nullopt;
    if (it->value().is_uint64()) return it->value().get_uint64();
    if (it->value().is_int64() && it->value().get_int64() >= 0) {
        return static_cast<std::uint64_t>(it->value().get_int64());
    }
    return std::nullopt;
}

std::vector<std::string> render_for_person(const json::object& frame, bool color) {
    const std::string type = frame_type(frame);
    if (type == "message" || (type.empty() && frame.contains("message"))) {
        return {chat_line(frame, color)};
    }
    if (type == "list" || frame.contains("client-list")) {
        const auto* users = frame.if_contains(type == "list" ? "users" : "client-list");
        std::vector<std::string> lines{""};
        if (users == nullptr || !users->is_array()) return lines;
        const auto& array = users->get_array();
        lines.push_back(std::to_string(array.size()) + " Client(s):");
        for (const auto& user : array) {
            std::string name;
            if (user.is_string()) name = std::string(user.get_string());
            if (user.is_object()) name = string_field(user.get_object(), "name");
            lines.push_back("- Client [" + name + "]");
        }
        return lines;
    }
    if (type == "join" || type == "leave") {
        const std::string user = string_field(frame, "user");
        const std::string room = string_field(frame, "room");
        if (room == "ALL") {
            if (type == "join") return {"* " + user + " connected"};
            const std::string reason = string_field(frame, "reason");
            return {"* " + user + (reason == "quit" ? " quit" : " disconnected")};
        }
        return {"* " + user + (type == "join" ? " joined " : " left ") + room};
    }
    if (type == "error") return {"Error: " + string_field(frame, "message")};
    if (type == "rooms") {
        std::string text = "Rooms:";
        if (const auto* rooms = frame.if_contains("rooms"); rooms && rooms->is_array()) {
            bool first = true;
            for (const auto& room : rooms->get_array()) {
                if (!room.is_object()) continue;
                text += first ? " " : ", ";
                first = false;
                text += string_field(room.get_object(), "name") + " (" +
                        string_field(room.get_object(), "members") + ")";
            }
        }
        return {text};
    }
    if (type == "members") {
        std::string text = "In " + string_field(frame, "room") + ":";
        if (const auto* users = frame.if_contains("users"); users && users->is_array()) {
            text += " " + joined(users->get_array());
        }
        return {text};
    }
    if (type == "shutdown") return {"Server: " + string_field(frame, "message")};
    return {};
}

std::optional<std::string> render_for_listen(const json::object& frame) {
    const std::string type = frame_type(frame);
    if (type != "message" && !(type.empty() && frame.contains("message"))) return std::nullopt;
    const std::string dest = string_field(frame, "dest");
    std::string line = string_field(frame, "user");
    if (!dest.empty() && dest.front() == '#') line += " in " + dest;
    return line + ": " + string_field(frame, "message");
}

}  // namespace hubchat::client
