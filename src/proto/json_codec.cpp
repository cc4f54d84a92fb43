#include "proto/json_codec.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstring>

#include "core/names.hpp"
#include "proto/json_framer.hpp"
#include "proto/json_write.hpp"

namespace hubchat::proto {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxRefBytes = 64;
constexpr std::size_t kMaxDepth = 32;

DecodeError bad_request(std::string text, Ref ref = {}) {
    return DecodeError{ErrorCode::BadRequest, std::move(text), std::move(ref)};
}

// Reads an optional string field; error text when present with another type.
std::optional<std::string> string_field(const json::object& obj, std::string_view key,
                                        bool& present, std::string& error) {
    present = false;
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    present = true;
    if (!it->value().is_string()) {
        error = "'" + std::string(key) + "' must be a string";
        return std::nullopt;
    }
    const auto& s = it->value().get_string();
    return std::string(s.data(), s.size());
}

DecodeResult decode_object(const json::object& obj) {
    InboundFrame frame;
    Ref ref;
    if (auto it = obj.find("ref"); it != obj.end()) {
        const auto& v = it->value();
        if (!v.is_string() && !v.is_int64() && !v.is_uint64()) {
            return bad_request("'ref' must be a string or an integer");
        }
        ref = json::serialize(v);
        if (ref.size() > kMaxRefBytes) return bad_request("'ref' is too long");
    }

    bool present = false;
    std::string error;
    frame.user = string_field(obj, "user", present, error);
    if (!error.empty()) return bad_request(error, ref);

    auto require_string = [&](std::string_view key) -> std::variant<std::string, DecodeError> {
        bool has = false;
        std::string err;
        auto value = string_field(obj, key, has, err);
        if (!err.empty()) return bad_request(err, ref);
        if (!has) return bad_request("'" + std::string(key) + "' is missing", ref);
        return std::move(*value);
    };
#define HUBCHAT_REQUIRE(var, key)                                           \
    std::string var;                                                        \
    {                                                                       \
        auto got = require_string(key);                                     \
        if (auto* e = std::get_if<DecodeError>(&got)) return std::move(*e); \
        var = std::move(std::get<std::string>(got));                        \
    }

    auto read_dest = [&](SendMessage& send) -> std::optional<DecodeError> {
        auto it = obj.find("dest");
        if (it == obj.end()) return bad_request("A message needs a 'dest'", ref);
        const auto& v = it->value();
        if (v.is_string()) {
            send.targets.emplace_back(v.get_string());
            return std::nullopt;
        }
        if (v.is_array()) {
            for (const auto& item : v.get_array()) {
                if (!item.is_string()) {
                    return bad_request("'dest' must be a string or an array of strings", ref);
                }
                send.targets.emplace_back(item.get_string());
            }
            return std::nullopt;
        }
        return bad_request("'dest' must be a string or an array of strings", ref);
    };

    auto make_send = [&]() -> DecodeResult {
        HUBCHAT_REQUIRE(text, "message");
        SendMessage send;
        send.text = std::move(text);
        send.ref = ref;
        if (auto e = read_dest(send)) return std::move(*e);
        frame.command = std::move(send);
        return std::move(frame);
    };

    if (auto it = obj.find("type"); it != obj.end()) {
        if (!it->value().is_string()) return bad_request("'type' must be a string", ref);
        const std::string_view type = it->value().get_string();
        frame.typed = true;
        if (type == "hello") {
            HUBCHAT_REQUIRE(name, "name");
            if (auto p = obj.find("protocol");
                p != obj.end() && !p->value().is_int64() && !p->value().is_uint64()) {
                return bad_request("'protocol' must be an integer", ref);
            }
            frame.hello = true;
            for (auto [field, into] : {std::pair{"password", &frame.password},
                                       std::pair{"server_password", &frame.server_password}}) {
                bool has = false;
                *into = string_field(obj, field, has, error);
                if (!error.empty()) return bad_request(error, ref);
            }
            if (auto r = obj.find("register"); r != obj.end()) {
                if (!r->value().is_bool()) {
                    return bad_request("'register' must be true or false", ref);
                }
                frame.create_account = r->value().get_bool();
            }
            if (frame.create_account && !frame.password) {
                return bad_request("'register' needs the new account's 'password'", ref);
            }
            if (auto s = obj.find("since"); s != obj.end()) {
                if (!s->value().is_uint64() &&
                    !(s->value().is_int64() && s->value().get_int64() >= 0)) {
                    return bad_request("'since' must be a message id (an integer, 0 or more)", ref);
                }
                frame.since = s->value().to_number<MessageId>();
            }
            if (auto r = obj.find("rooms"); r != obj.end()) {
                if (!r->value().is_array())
                    return bad_request("'rooms' must be an array of room names", ref);
                for (const auto& room : r->value().get_array()) {
                    if (!room.is_string())
                        return bad_request("'rooms' must be an array of room names", ref);
                    frame.rooms.emplace_back(room.get_string());
                }
            }
            frame.ref = ref;
            frame.command = Hello{std::move(name)};
            return frame;
        }
        if (type == "history") {
            HUBCHAT_REQUIRE(with, "with");
            InboundFrame::HistoryRequest request;
            request.with = std::move(with);
            if (auto l = obj.find("limit"); l != obj.end()) {
                if (!l->value().is_uint64() &&
                    !(l->value().is_int64() && l->value().get_int64() > 0)) {
                    return bad_request("'limit' must be a positive integer", ref);
                }
                const auto limit = l->value().to_number<std::uint64_t>();
                if (limit == 0) return bad_request("'limit' must be a positive integer", ref);
                request.limit =
                    static_cast<std::size_t>(std::min<std::uint64_t>(limit, kMaxHistoryPage));
            }
            if (auto b = obj.find("before"); b != obj.end()) {
                if (!b->value().is_uint64() &&
                    !(b->value().is_int64() && b->value().get_int64() > 0)) {
                    return bad_request("'before' must be a message id", ref);
                }
                request.before = b->value().to_number<MessageId>();
            }
            frame.history = std::move(request);
            frame.ref = ref;
            return frame;
        }
        if (type == "register") {
            HUBCHAT_REQUIRE(password, "password");
            frame.password = std::move(password);
            frame.register_account = true;
            frame.ref = ref;
            return frame;
        }
        if (type == "message") return make_send();
        if (type == "list") {
            frame.command = ListUsers{ref};
            return frame;
        }
        if (type == "rooms") {
            frame.command = ListRooms{ref};
            return frame;
        }
        if (type == "join" || type == "leave" || type == "members") {
            HUBCHAT_REQUIRE(room, "room");
            if (type == "join") {
                frame.command = JoinRoom{std::move(room), ref};
            } else if (type == "leave") {
                frame.command = LeaveRoom{std::move(room), ref};
            } else {
                frame.command = ListMembers{std::move(room), ref};
            }
            return frame;
        }
        if (type == "ping") {
            frame.command = Ping{ref};
            return frame;
        }
        if (type == "quit") {
            bool has = false;
            auto reason = string_field(obj, "message", has, error);
            if (!error.empty()) return bad_request(error, ref);
            frame.command = Quit{reason.value_or("")};
            return frame;
        }
        return bad_request("Unknown type '" + std::string(type) + "'", ref);
    }

    // The original's shapes: "request" wins over "message", as in the original server.
    if (auto it = obj.find("request"); it != obj.end()) {
        if (!it->value().is_string()) return bad_request("'request' must be a string", ref);
        const std::string_view request = it->value().get_string();
        if (request != "ClientList") {
            return bad_request("Unknown request '" + std::string(request) + "'", ref);
        }
        frame.command = ListUsers{ref};
        return frame;
    }
    if (obj.contains("message")) return make_send();
    if (frame.user) return frame;  // a bare {"user": name}: registers, nothing else
    return bad_request("A frame needs a 'type', a 'request' or a 'message'", ref);
#undef HUBCHAT_REQUIRE
}

void open_typed(std::string& out, std::string_view type) {
    out.append("{\"type\":\"");
    out.append(type);
    out.push_back('"');
}

void key(std::string& out, std::string_view name) {
    out.append(",\"");
    out.append(name);
    out.append("\":");
}

void string_array(std::string& out, const std::vector<std::string>& items) {
    out.push_back('[');
    bool first = true;
    for (const auto& item : items) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, item, JsonStyle::Compact);
    }
    out.push_back(']');
}

void ref_field(std::string& out, const Ref& ref) {
    if (ref.empty()) return;
    key(out, "ref");
    out.append(ref);
}

// An acknowledgement's fields but for the failed and offline lists (JsonSizer, then
// JsonWriter), unclosed: every ack starts so, and most have nothing more.
template <typename Out>
void write_ack_head(Out& out, const Ack& ack) {
    out.raw("{\"type\":\"ack\"");
    if (!ack.ref.empty()) out.raw(",\"ref\":").raw(ack.ref);  // already JSON: the client's own
    out.raw(",\"id\":").number(ack.id).raw(",\"ts\":").number(ack.ts);
    out.raw(",\"delivered\":").number(ack.delivered);
}

void append_ack_head(std::string& out, const Ack& ack) {
    append_in_one_piece(out, [&](auto& writer) { write_ack_head(writer, ack); });
}

// A frame of what `write(out)` writes, sized first as append_in_one_piece does, then
// written straight into the frame's memory.
template <typename Write>
Frame frame_in_one_piece(Write&& write) {
    JsonSizer sizer;
    write(sizer);
    return make_frame(sizer.size(), [&](char* bytes) {
        JsonWriter writer(bytes, sizer.size());
        write(writer);
    });
}

// An acknowledgement that names no failed or offline recipient, the usual kind (one per
// message sent): written in one piece, without the general encoder's visit and growing
// appends.
bool is_plain_ack(const Ack* ack) {
    return ack != nullptr && ack->failed.empty() && ack->offline.empty();
}

template <typename Out>
void write_plain_ack(Out& out, const Ack& ack) {
    write_ack_head(out, ack);
    out.raw("}\n");
}

struct HubchatEncoder {
    std::string& out;

    void operator()(const Welcome& e) {
        open_typed(out, "welcome");
        key(out, "name");
        append_json_string(out, e.name, JsonStyle::Compact);
        out.append(",\"protocol\":1,\"server\":\"hubchat " HUBCHAT_VERSION "\"");
        key(out, "max_message");
        append_json_uint(out, e.max_message);
    }
    void operator()(const ChatPtr& e) { out.append(*hubchat_frame(*e)); }
    void operator()(const PresencePtr& e) { out.append(*hubchat_frame(*e)); }
    void operator()(const TopicPtr& e) {
        open_typed(out, "topic");
        key(out, "room");
        append_json_string(out, e->room, JsonStyle::Compact);
        key(out, "topic");
        append_json_string(out, e->text, JsonStyle::Compact);
        key(out, "user");
        append_json_string(out, e->setter, JsonStyle::Compact);
        key(out, "ts");
        append_json_int(out, e->ts);
    }
    void operator()(const Renamed& e) {
        open_typed(out, "rename");
        key(out, "user");
        append_json_string(out, e.from, JsonStyle::Compact);
        key(out, "name");
        append_json_string(out, e.to, JsonStyle::Compact);
    }
    void operator()(const AwayChange& e) {
        open_typed(out, "away");
        key(out, "user");
        append_json_string(out, e.user, JsonStyle::Compact);
        key(out, "message");
        append_json_string(out, e.text, JsonStyle::Compact);
    }
    void operator()(const Ack& e) {
        append_ack_head(out, e);
        if (!e.failed.empty()) {
            key(out, "failed");
            string_array(out, e.failed);
        }
        if (!e.offline.empty()) {
            key(out, "offline");
            string_array(out, e.offline);
        }
    }
    void operator()(const Error& e) {
        open_typed(out, "error");
        key(out, "code");
        append_json_string(out, error_code_name(e.code), JsonStyle::Compact);
        key(out, "message");
        append_json_string(out, e.text, JsonStyle::Compact);
        ref_field(out, e.ref);
        if (!e.names.empty()) {
            key(out, "names");
            string_array(out, e.names);
        }
        if (e.retry_after_ms != 0) {
            key(out, "retry_after_ms");
            append_json_uint(out, e.retry_after_ms);
        }
    }
    void operator()(const UserList& e) {
        open_typed(out, "list");
        ref_field(out, e.ref);
        key(out, "users");
        string_array(out, e.users);
    }
    void operator()(const RoomList& e) {
        open_typed(out, "rooms");
        ref_field(out, e.ref);
        key(out, "rooms");
        out.push_back('[');
        bool first = true;
        for (const auto& room : e.rooms) {
            if (!first) out.push_back(',');
            first = false;
            out.append("{\"name\":");
            append_json_string(out, room.name, JsonStyle::Compact);
            out.append(",\"members\":");
            append_json_uint(out, room.members);
            out.push_back('}');
        }
        out.push_back(']');
    }
    void operator()(const MemberList& e) {
        open_typed(out, "members");
        ref_field(out, e.ref);
        key(out, "room");
        append_json_string(out, e.room, JsonStyle::Compact);
        key(out, "users");
        string_array(out, e.users);
    }
    void operator()(const Pong& e) {
        open_typed(out, "pong");
        ref_field(out, e.ref);
    }
    void operator()(const ShutdownNotice& e) {
        open_typed(out, "shutdown");
        key(out, "message");
        append_json_string(out, e.text, JsonStyle::Compact);
    }
    void operator()(const Registered& e) {
        open_typed(out, "registered");
        ref_field(out, e.ref);
        key(out, "name");
        append_json_string(out, e.name, JsonStyle::Compact);
    }
};

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

}  // namespace

namespace {

// A cursor over one frame for decode_plain_message: it accepts only the plain subset it
// reads, and says no (false) to anything else rather than judging it.
class PlainReader {
  public:
    explicit PlainReader(std::string_view text) : text_(text) {}

    void skip_space() { at_ = skip_json_space(text_, at_); }
    bool take(char c) {
        skip_space();
        if (at_ == text_.size() || text_[at_] != c) return false;
        ++at_;
        return true;
    }
    bool peek(char c) {
        skip_space();
        return at_ < text_.size() && text_[at_] == c;
    }
    bool at_end() {
        skip_space();
        return at_ == text_.size();
    }
    std::size_t position() const { return at_; }
    // A string of printable ASCII with no escapes; `raw` gets it with its quotes.
    bool string(std::string_view& value, std::string_view* raw = nullptr) {
        if (!take('"')) return false;
        const std::size_t start = at_;
        // Plain means nothing a writer would escape in the ASCII-only style (the scan
        // inline: six strings or so per chat frame).
        at_ = byte_scan::find_first<PythonAsciiEscapes>(text_.data(), at_, text_.size());
        if (at_ == text_.size() || text_[at_] != '"') return false;
        value = std::string_view(text_.data() + start, at_ - start);
        ++at_;
        if (raw != nullptr) *raw = std::string_view(text_.data() + start - 1, at_ - start + 1);
        return true;
    }
    // A non-negative integer as JSON writes it (no sign, fraction, exponent or leading
    // zero), short enough to be an int64 whichever way a parser stores it.
    bool integer(std::string_view& raw) {
        skip_space();
        const std::size_t start = at_;
        while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
        const std::size_t length = at_ - start;
        if (length == 0 || length > 18 || (text_[start] == '0' && length > 1)) return false;
        if (at_ < text_.size() && (text_[at_] == '.' || text_[at_] == 'e' || text_[at_] == 'E')) {
            return false;
        }
        raw = text_.substr(start, length);
        return true;
    }

  private:
    std::string_view text_;
    std::size_t at_ = 0;
};

// `text` is `literal`: a length test, then a fixed-size compare the compiler does in a
// register or two (string_view's == called compare() and memcmp for each key tried).
template <std::size_t N>
bool is(std::string_view text, const char (&literal)[N]) {
    return text.size() == N - 1 && std::memcmp(text.data(), literal, N - 1) == 0;
}

// read_plain_message's object, from `in` (which it leaves after the closing brace).
bool read_plain_object(PlainReader& in, InboundFrame& decoded) {
    if (!in.take('{')) return false;
    bool has_type = false, has_dest = false, has_text = false, has_ref = false, has_user = false;
    auto& send = std::get<SendMessage>(decoded.command.emplace(std::in_place_type<SendMessage>));
    if (!in.peek('}')) {
        do {
            std::string_view key;
            if (!in.string(key) || !in.take(':')) return false;
            std::string_view value;
            if (is(key, "type")) {
                if (has_type || !in.string(value) || !is(value, "message")) return false;
                has_type = true;
            } else if (is(key, "message")) {
                if (has_text || !in.string(value)) return false;
                send.text.assign(value);
                send.text_plain = true;  // read by PlainReader::string
                has_text = true;
            } else if (is(key, "user")) {
                if (has_user || !in.string(value)) return false;
                decoded.user.emplace(value);
                has_user = true;
            } else if (is(key, "ref")) {
                std::string_view raw;
                if (has_ref) return false;
                if (in.peek('"') ? !in.string(value, &raw) : !in.integer(raw)) {
                    return false;
                }
                if (raw.size() > kMaxRefBytes) return false;
                send.ref.assign(raw);
                has_ref = true;
            } else if (is(key, "dest")) {
                if (has_dest) return false;
                if (in.take('[')) {
                    if (!in.peek(']')) {
                        do {
                            if (!in.string(value)) return false;
                            send.targets.emplace_back(value);
                        } while (in.take(','));
                    }
                    if (!in.take(']')) return false;
                } else {
                    if (!in.string(value)) return false;
                    send.targets.emplace_back(value);
                }
                has_dest = true;
            } else {
                return false;  // any other field: the full parser decides
            }
        } while (in.take(','));
    }
    if (!in.take('}')) return false;
    if (!has_text || !has_dest) return false;  // errors are the full parser's to word
    decoded.typed = has_type;
    return true;
}

}  // namespace

namespace detail {

// decode_plain_message's reading, into a frame made in place by the caller: the frame is
// large, and moving it through each return cost more than reading the message did.
bool read_plain_message(std::string_view frame, InboundFrame& decoded) {
    PlainReader in(frame);
    return read_plain_object(in, decoded) && in.at_end();
}

std::optional<DecodeResult> decode_plain_message(std::string_view frame) {
    std::optional<DecodeResult> result(std::in_place, std::in_place_type<InboundFrame>);
    if (!read_plain_message(frame, std::get<InboundFrame>(*result))) result.reset();
    return result;
}

DecodeResult decode_with_parser(std::string_view frame) {
    // One parser and arena per thread, reused: no allocation per frame for small frames.
    thread_local json::parser parser = [] {
        json::parse_options options;
        options.max_depth = kMaxDepth;
        return json::parser(json::storage_ptr(), options);
    }();
    thread_local unsigned char arena_bytes[8192];
    json::monotonic_resource arena(arena_bytes, sizeof arena_bytes);
    parser.reset(&arena);
    boost::system::error_code ec;
    parser.write(frame.data(), frame.size(), ec);
    if (ec) {
        if (ec == json::error::too_deep) {
            return DecodeError{ErrorCode::BadJson, "JSON nested deeper than 32 levels", {}};
        }
        return DecodeError{ErrorCode::BadJson, "Invalid JSON: " + ec.message(), {}};
    }
    const json::value value = parser.release();
    if (!value.is_object()) return DecodeError{ErrorCode::BadJson, "Expected a JSON object", {}};
    return decode_object(value.get_object());
}

}  // namespace detail

std::size_t read_plain_message_prefix(std::string_view input, InboundFrame& decoded) {
    if (input.empty() || input.front() != '{') return 0;
    PlainReader in(input);
    return read_plain_object(in, decoded) ? in.position() : 0;
}

DecodeResult decode_client_frame(std::string_view frame) {
    DecodeResult result(std::in_place_type<InboundFrame>);  // returned as it is (NRVO)
    if (!detail::read_plain_message(frame, std::get<InboundFrame>(result))) {
        result = detail::decode_with_parser(frame);
    }
    return result;
}

Frame hubchat_event_frame(const Event& event) {
    if (const auto* chat = std::get_if<ChatPtr>(&event)) return hubchat_frame(**chat);
    if (const auto* presence = std::get_if<PresencePtr>(&event)) {
        return hubchat_frame(**presence);
    }
    if (const auto* ack = std::get_if<Ack>(&event); is_plain_ack(ack)) {
        return frame_in_one_piece([&](auto& writer) { write_plain_ack(writer, *ack); });
    }
    std::string out;
    out.reserve(128);
    std::visit(HubchatEncoder{out}, event);
    out.append("}\n");
    return make_frame(out);
}

std::string encode_hubchat(const Event& event) {
    return std::string(*hubchat_event_frame(event));
}

namespace {

void append_chat_fields(std::string& out, const ChatMessage& chat) {
    out.append("\"id\":");
    append_json_uint(out, chat.id);
    out.append(",\"ts\":");
    append_json_int(out, chat.ts);
    out.append(",\"user\":");
    append_json_string(out, chat.from, JsonStyle::Compact);
    out.append(",\"dest\":");
    append_json_string(out, chat.dest, JsonStyle::Compact);
    out.append(",\"message\":");
    append_json_string(out, chat.text, JsonStyle::Compact);
    if (chat.notice) out.append(",\"notice\":true");
}

// The frame every chat message goes out in, written in one piece (JsonSizer, JsonWriter).
template <typename Out>
void write_chat_frame(Out& out, const ChatMessage& chat, const MeasuredString& from,
                      const MeasuredString& dest, const MeasuredString& text) {
    out.raw("{\"type\":\"message\",\"id\":").number(chat.id).raw(",\"ts\":").number(chat.ts);
    out.raw(",\"user\":").string(from).raw(",\"dest\":").string(dest);
    out.raw(",\"message\":").string(text);
    if (chat.notice) out.raw(",\"notice\":true");
    out.raw("}\n");
}

}  // namespace

Frame hubchat_frame(const ChatMessage& chat) {
    return chat.frame(kHubchatJson, [&] {
        const MeasuredString from(chat.from, JsonStyle::Compact);
        const MeasuredString dest(chat.dest, JsonStyle::Compact);
        const MeasuredString text(chat.text, JsonStyle::Compact, chat.text_plain);
        return frame_in_one_piece(
            [&](auto& writer) { write_chat_frame(writer, chat, from, dest, text); });
    });
}

std::string hubchat_history_message(const ChatMessage& chat) {
    std::string out;
    out.reserve(112 + chat.from.size() + chat.dest.size() + chat.text.size());
    out.append("{\"type\":\"message\",");
    append_chat_fields(out, chat);
    if (chat.origin == ChatOrigin::Replay) out.append(",\"replay\":true");
    if (chat.origin == ChatOrigin::Offline) out.append(",\"offline\":true");
    out.append("}\n");
    return out;
}

std::string hubchat_replayed(MessageId last_id) {
    std::string out = "{\"type\":\"replayed\",\"last_id\":";
    append_json_uint(out, last_id);
    out.append("}\n");
    return out;
}

std::string hubchat_history_page(const Ref& ref, std::string_view with,
                                 const std::vector<ChatMessage>& messages) {
    std::string out;
    open_typed(out, "history");
    ref_field(out, ref);
    key(out, "with");
    append_json_string(out, with, JsonStyle::Compact);
    key(out, "messages");
    out.push_back('[');
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (i != 0) out.push_back(',');
        out.push_back('{');
        append_chat_fields(out, messages[i]);
        out.push_back('}');
    }
    out.append("]}\n");
    return out;
}

Frame hubchat_frame(const Presence& presence) {
    return presence.frame(kHubchatJson, [&] {
        std::string out;
        open_typed(out, presence.kind == PresenceKind::Join ? "join" : "leave");
        key(out, "room");
        append_json_string(out, presence.room, JsonStyle::Compact);
        key(out, "user");
        append_json_string(out, presence.user, JsonStyle::Compact);
        if (presence.kind == PresenceKind::Leave) {
            key(out, "reason");
            append_json_string(out, presence.reason, JsonStyle::Compact);
        }
        key(out, "ts");
        append_json_int(out, presence.ts);
        out.append("}\n");
        return out;
    });
}

std::string original_notice(std::string_view text, std::string_view self) {
    std::string out;
    out.append("{\"user\": \"server\", \"message\": ");
    append_json_string(out, text, JsonStyle::PythonAscii);
    out.append(", \"dest\": ");
    append_json_string(out, self, JsonStyle::PythonAscii);
    out.push_back('}');
    return out;
}

Frame original_frame(const ChatMessage& chat) {
    return chat.frame(kOriginalJson, [&] {
        const MeasuredString from(chat.from, JsonStyle::PythonAscii);
        const MeasuredString text(chat.text, JsonStyle::PythonAscii, chat.text_plain);
        const MeasuredString dest(chat.dest, JsonStyle::PythonAscii);
        return frame_in_one_piece([&](auto& writer) {
            writer.raw("{\"user\": ").string(from).raw(", \"message\": ").string(text);
            writer.raw(", \"dest\": ").string(dest).raw("}");
        });
    });
}

std::optional<std::string> encode_original(const Event& event, std::string_view self) {
    struct Visitor {
        std::string_view self;
        std::optional<std::string> operator()(const Welcome&) { return std::nullopt; }
        std::optional<std::string> operator()(const ChatPtr& e) {
            return std::string(*original_frame(*e));
        }
        std::optional<std::string> operator()(const PresencePtr&) { return std::nullopt; }
        std::optional<std::string> operator()(const TopicPtr&) { return std::nullopt; }
        std::optional<std::string> operator()(const AwayChange&) { return std::nullopt; }
        std::optional<std::string> operator()(const Renamed&) { return std::nullopt; }
        std::optional<std::string> operator()(const Ack&) { return std::nullopt; }
        std::optional<std::string> operator()(const Pong&) { return std::nullopt; }
        std::optional<std::string> operator()(const Error& e) {
            std::string text = e.text;
            if (e.code == ErrorCode::NameTaken || e.code == ErrorCode::BadName) {
                text += ". Reconnect with another name.";
            }
            // Before registration the connection has no name yet: address the one it asked for.
            const std::string_view dest = !self.empty() || e.names.empty() ? self : e.names[0];
            return original_notice(text, dest);
        }
        std::optional<std::string> operator()(const UserList& e) {
            std::string out = "{\"client-list\": [";
            bool first = true;
            for (const auto& user : e.users) {
                if (!first) out.append(", ");
                first = false;
                out.append("{\"name\": ");
                append_json_string(out, user, JsonStyle::PythonAscii);
                out.push_back('}');
            }
            out.append("]}");
            return out;
        }
        std::optional<std::string> operator()(const RoomList& e) {
            std::string text = "Rooms:";
            for (const auto& room : e.rooms) {
                text += " " + room.name + " (" + std::to_string(room.members) + ")";
            }
            return original_notice(text, self);
        }
        std::optional<std::string> operator()(const MemberList& e) {
            return original_notice("In " + e.room + ": " + join(e.users), self);
        }
        std::optional<std::string> operator()(const ShutdownNotice& e) {
            return original_notice(e.text, self);
        }
        std::optional<std::string> operator()(const Registered& e) {
            return original_notice("The name " + e.name + " is now registered to you", self);
        }
    };
    return std::visit(Visitor{self}, event);
}

}  // namespace hubchat::proto
