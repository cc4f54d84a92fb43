#include "net/irc_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <ctime>
#include <limits>

#include "core/names.hpp"
#include "net/account_service.hpp"
#include "net/history_log.hpp"
#include "store/history.hpp"
#include "store/login_throttle.hpp"

namespace hubchat::net {
namespace asio = boost::asio;
using proto::irc::Message;
using proto::irc::Tag;

namespace {

constexpr std::string_view kHost = "hubchat";  // every user's host part, as IRC shows it
constexpr std::string_view kAllChannel = "#ALL";
constexpr std::size_t kFramesPerWrite = Transport::kMaxFramesPerWrite;
// A rendering buffer larger than this (a long multi-line message) is not kept.
constexpr std::size_t kKeptRenderBytes = 16 * 1024;
constexpr std::size_t kMaxHistoryLimit = 100;  // CHATHISTORY=100
constexpr std::size_t kHistoryPage = 100;
constexpr std::size_t kMaxHistoryPages = 10;  // how far back a CHATHISTORY search goes
constexpr std::size_t kMaxSaslBytes = 4096;
constexpr std::size_t kMaxSent = 64;             // messages remembered for echo-message until acked
constexpr std::size_t kWelcomeNamesLimit = 100;  // #ALL members listed with the welcome
// Frame cache slots (core/message.hpp): 0 and 1 are the JSON dialects'; IRC takes the rest,
// one per set of tags.
constexpr WireFormatId kIrcFirstFormat = 2;
constexpr WireFormatId kNoWireFormat = kMaxWireFormats;  // room_lines_format(): none

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

// Calls `each` with every non-empty part of a comma list, in place.
template <class Each>
void for_each_comma_part(std::string_view list, Each&& each) {
    while (true) {
        const auto comma = list.find(',');
        const auto part = list.substr(0, comma);
        if (!part.empty()) each(part);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

std::vector<std::string> split_commas(std::string_view list) {
    std::vector<std::string> out;
    for_each_comma_part(list, [&](std::string_view part) { out.emplace_back(part); });
    return out;
}

// "2026-12-01T23:00:00.123Z", as server-time wants.
std::string iso_time(TimestampMs ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    return buf;
}

// Parses server-time's format back to milliseconds; nullopt when malformed.
std::optional<TimestampMs> parse_iso_time(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
    const std::string s(text);
    const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &year, &month, &day, &hour,
                              &minute, &second, &millis);
    if (n < 6) return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    const std::time_t seconds = timegm(&tm);
    if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
    return static_cast<TimestampMs>(seconds) * 1000 + (n == 7 ? millis : 0);
}

// How many bytes of `text` the first piece of at most `max_bytes` (at least 4) takes,
// never cut inside a UTF-8 character: all of it when it fits.
std::size_t utf8_cut(std::string_view text, std::size_t max_bytes) {
    max_bytes = std::max<std::size_t>(max_bytes, 4);
    if (text.size() <= max_bytes) return text.size();
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return cut == 0 ? max_bytes : cut;
}

// A chat line's bytes but for its text and tags: ":source COMMAND target :" and CRLF.
std::size_t chat_line_overhead(std::string_view source, std::string_view command,
                               std::string_view target) {
    return 1 + source.size() + 1 + command.size() + 1 + target.size() + 2 + 2;
}

// How many bytes of text one chat line holds: the line within 512 bytes.
std::size_t chat_text_room(std::size_t overhead) {
    return overhead < 512 ? 512 - overhead : 64;
}

// Hands `text` to `piece` in pieces cut by utf8_cut.
template <class Piece>
void for_each_utf8_chunk(std::string_view text, std::size_t max_bytes, Piece&& piece) {
    while (!text.empty()) {
        const std::size_t cut = utf8_cut(text, max_bytes);
        piece(text.substr(0, cut));
        text.remove_prefix(cut);
    }
}

bool valid_utf8(std::string_view text) {
    return names::utf8_length(text).has_value();
}

struct CapInfo {
    std::string_view name;
    IrcSession::Cap bit;
};
constexpr std::array<CapInfo, 9> kCaps{{
    {"message-tags", IrcSession::kMessageTags},
    {"server-time", IrcSession::kServerTime},
    {"echo-message", IrcSession::kEchoMessage},
    {"multi-prefix", IrcSession::kMultiPrefix},
    {"away-notify", IrcSession::kAwayNotify},
    {"account-tag", IrcSession::kAccountTag},
    {"sasl", IrcSession::kSasl},
    {"batch", IrcSession::kBatch},
    {"draft/chathistory", IrcSession::kChatHistory},
}};

}  // namespace

// ---- the command table ---------------------------------------------------------------

struct IrcSession::CommandSpec {
    std::string_view name;
    std::size_t min_params;
    bool needs_registration;
    // Mutable: a handler may take what it passes on (PRIVMSG's text) instead of a copy.
    void (*run)(IrcSession&, Message&);
    static const std::array<CommandSpec, 28> table;
};

const std::array<IrcSession::CommandSpec, 28> IrcSession::CommandSpec::table{{
    {"CAP", 1, false, [](IrcSession& s, Message& m) { s.on_cap(m); }},
    {"NICK", 0, false, [](IrcSession& s, Message& m) { s.on_nick(m); }},
    {"USER", 4, false, [](IrcSession& s, Message& m) { s.on_user(m); }},
    {"PASS", 1, false, [](IrcSession& s, Message& m) { s.on_pass(m); }},
    {"AUTHENTICATE", 1, false, [](IrcSession& s, Message& m) { s.on_authenticate(m); }},
    {"PING", 0, false, [](IrcSession& s, Message& m) { s.on_ping(m); }},
    {"PONG", 0, false, [](IrcSession&, Message&) {}},  // any input resets the timer
    {"QUIT", 0, false, [](IrcSession& s, Message& m) { s.on_quit(m); }},
    {"PRIVMSG", 0, true, [](IrcSession& s, Message& m) { s.on_message(m, false); }},
    {"NOTICE", 0, true, [](IrcSession& s, Message& m) { s.on_message(m, true); }},
    {"JOIN", 1, true, [](IrcSession& s, Message& m) { s.on_join(m); }},
    {"PART", 1, true, [](IrcSession& s, Message& m) { s.on_part(m); }},
    {"NAMES", 0, true, [](IrcSession& s, Message& m) { s.on_names(m); }},
    {"WHO", 0, true, [](IrcSession& s, Message& m) { s.on_who(m); }},
    {"WHOIS", 1, true, [](IrcSession& s, Message& m) { s.on_whois(m); }},
    {"LIST", 0, true, [](IrcSession& s, Message& m) { s.on_list(m); }},
    {"TOPIC", 1, true, [](IrcSession& s, Message& m) { s.on_topic(m); }},
    {"AWAY", 0, true, [](IrcSession& s, Message& m) { s.on_away(m); }},
    {"MODE", 1, true, [](IrcSession& s, Message& m) { s.on_mode(m); }},
    {"USERHOST", 1, true, [](IrcSession& s, Message& m) { s.on_userhost(m); }},
    {"ISON", 1, true, [](IrcSession& s, Message& m) { s.on_ison(m); }},
    {"CHATHISTORY", 3, true, [](IrcSession& s, Message& m) { s.on_chathistory(m); }},
    {"LUSERS", 0, true, [](IrcSession& s, Message&) { s.send_lusers(); }},
    {"MOTD", 0, true, [](IrcSession& s, Message&) { s.send_motd(); }},
    {"VERSION", 0, true,
     [](IrcSession& s, Message&) {
         s.numeric("351", {"hubchat-" HUBCHAT_VERSION ".", s.server(),
                           "IRC and hubchat users on one hub"});
     }},
    {"TIME", 0, true,
     [](IrcSession& s, Message&) {
         const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
         s.numeric("391", {s.server(), iso_time(now)});
     }},
    {"WHOWAS", 1, true,
     [](IrcSession& s, Message& m) {
         s.numeric("406", {m.params[0], "There was no such nickname"});
         s.numeric("369", {m.params[0], "End of WHOWAS"});
     }},
    // Typing notifications and other client tags: nothing to relay them to.
    {"TAGMSG", 0, true, [](IrcSession&, Message&) {}},
}};

// ---- lifetime --------------------------------------------------------------------------

IrcSession::IrcSession(Transport transport, const SessionContext& context)
    : DeadlineWheel::Entry(DeadlineWheel::of(transport.executor())),
      transport_(std::move(transport)),
      context_(context),
      id_(context_.hub.attach(*this)),
      outbox_(context_.config.max_queue),
      registration_(std::make_unique<Registration>()) {
    context_.tracker.add(this);
    if (context_.config.verbose) spdlog::debug("{} speaks irc", label());
}

IrcSession::~IrcSession() {
    context_.tracker.remove(this);
}

std::string IrcSession::label() const {
    return transport_.peer_text();
}

const std::string& IrcSession::server() const {
    static const std::string fallback = "hubchat";
    const auto& name = context_.config.irc_server_name;
    return name.empty() ? fallback : name;
}

// Makes the command handed to the hub during its lifetime the current one (see Current).
class IrcSession::CommandScope {
  public:
    explicit CommandScope(IrcSession& session) : session_(session), saved_(session.current_) {
        session_.current_ = &slot_;
    }
    ~CommandScope() { session_.current_ = saved_; }
    CommandScope(const CommandScope&) = delete;
    CommandScope& operator=(const CommandScope&) = delete;

  private:
    IrcSession& session_;
    std::optional<Current>* saved_;
    std::optional<Current> slot_;
};

IrcSession::Current& IrcSession::begin_command(std::string_view command, std::string target) {
    return current_->emplace(Current{command, std::move(target)});
}

const std::string& IrcSession::nick() const {
    // Until the welcome the nick asked for; then the hub's record of our name (renames
    // included), not a copy of it: an idle connection is smaller without one.
    static const std::string none;
    if (registration_) return registration_->nick;
    const std::string* name = context_.hub.name_of(id_);
    return name != nullptr ? *name : none;
}

inline std::uint32_t IrcSession::name_print(std::string_view name) {
    if (name.empty()) return 0;
    const auto at = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(name[i]));
    };
    const auto length = static_cast<std::uint32_t>(std::min<std::size_t>(name.size(), 255));
    return length << 24 | at(0) << 16 | at(name.size() > 1 ? name.size() - 2 : 0) << 8 |
           at(name.size() - 1);
}

const std::string& IrcSession::me() const {
    static const std::string star = "*";
    const std::string& name = nick();
    return name.empty() ? star : name;
}

std::string IrcSession::source_of(std::string_view nick) const {
    return std::string(reused_source_of(nick));
}

std::string_view IrcSession::reused_source_of(std::string_view nick) {
    thread_local std::string source;  // sessions run on the loop's thread only
    source.assign(nick);
    source += '!';
    source += nick;
    source += '@';
    source += kHost;
    return source;
}

std::string IrcSession::op_prefix(const RoomState& room, std::size_t index) const {
    // Rooms have no operators; IRC clients and tests expect the channel's creator to be
    // one, so whoever has been in a room longest is shown as its operator. #ALL has none.
    return index == 0 && !names::is_all(room.name) ? "@" : "";
}

std::string IrcSession::channel_name(std::string_view hub_room) const {
    return names::is_all(hub_room) ? std::string(kAllChannel) : std::string(hub_room);
}

std::string IrcSession::hub_target(std::string_view irc_target) const {
    if (names::same(irc_target, kAllChannel)) return std::string(names::kAllRoom);
    return std::string(irc_target);
}

bool IrcSession::wants_away() const {
    return has(kAwayNotify);
}

std::string IrcSession::throttle_address() const {
    boost::system::error_code ec;
    const auto remote = transport_.socket().remote_endpoint(ec);
    if (ec) return "?";
    auto address = remote.address();
    if (address.is_v4()) return address.to_string();
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);  // one host holds a whole /64
    return asio::ip::address_v6(bytes).to_string() + "/64";
}

void IrcSession::start(std::string_view first_bytes) {
    registration_->opened_at = input_at_ = wheel().now();
    consume(first_bytes);
    if (phase_ == Phase::Open) arm_deadline();
    wait_readable();
}

// ---- input -----------------------------------------------------------------------------

void IrcSession::wait_readable() {
    if (waiting_read_ || read_paused_ || holding_ || phase_ == Phase::Closing ||
        phase_ == Phase::Closed) {
        return;
    }
    waiting_read_ = true;
    transport_.read(shared_from_this());
}

bool IrcSession::on_bytes(std::string_view bytes) {
    input_at_ = wheel().now();
    ping_sent_ = false;
    if (holding_) {
        occasional().held_input.append(bytes);
        return false;
    }
    if (phase_ == Phase::Open) consume(bytes);
    return phase_ == Phase::Open && !read_paused_ && !holding_;
}

void IrcSession::on_read_done(boost::system::error_code ec) {
    waiting_read_ = false;
    if (phase_ == Phase::Closed) return;
    if (ec == asio::error::eof) {
        if (phase_ == Phase::Draining) return finish_close();
        return close_gracefully("disconnected");
    }
    if (ec) return abort("read failed: " + ec.message());
    wait_readable();
}

void IrcSession::consume(std::string_view bytes) {
    while (!bytes.empty() && phase_ == Phase::Open && !holding_) {
        const auto step = splitter_.next(bytes);
        bytes.remove_prefix(step.consumed);
        if (step.kind == proto::irc::LineSplitter::Kind::Line) {
            on_line(step.line);
        } else if (step.kind == proto::irc::LineSplitter::Kind::TooLong) {
            numeric("417", {"Input line was too long"});
        }
    }
    if (holding_ && !bytes.empty()) occasional().held_input.append(bytes);
    if (splitter_.idle()) splitter_.release_memory();
    if (outbox_.bytes() > outbox_.max_bytes() / 2) read_paused_ = true;
}

void IrcSession::hold_input() {
    holding_ = true;
}

void IrcSession::resume_input() {
    holding_ = false;
    if (phase_ != Phase::Open) return;
    if (!occasional_ || occasional_->held_input.empty()) return wait_readable();
    const std::string held = std::move(occasional_->held_input);
    occasional_->held_input.clear();
    consume(held);
    wait_readable();
}

void IrcSession::on_line(std::string_view line) {
    if (context_.config.verbose) {
        const bool secret = line.size() >= 12 && upper(line.substr(0, 12)) == "AUTHENTICATE";
        spdlog::debug("{} <- {}", label(), secret ? "AUTHENTICATE ***" : std::string(line));
    }
    auto parsed = proto::irc::parse_line(line);
    if (parsed.error != proto::irc::ParseError::None) {
        switch (parsed.error) {
            case proto::irc::ParseError::TooLong:
            case proto::irc::ParseError::TagsTooLong:
                return numeric("417", {proto::irc::parse_error_text(parsed.error)});
            case proto::irc::ParseError::BadCommand: {
                auto word = line.substr(0, line.find(' '));
                return numeric("421", {std::string(word), "Unknown command"});
            }
            default:
                return;  // empty or malformed: nothing to answer
        }
    }
    Message& m = *parsed.message;
    for (char& c : m.command) {  // in place: no string made per line
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    // Clients may send at most 4094 bytes of tags (message-tags); the rest of the 8191
    // is the server's.
    if (!line.empty() && line.front() == '@' && line.find(' ') > 4096) {
        return numeric("417", {"Input line was too long (message tags over 4094 bytes)"});
    }
    if (!valid_utf8(line)) {
        // Everything the hub passes on must be UTF-8 (JSON users get it as JSON text).
        return fail(m.command, "INVALID_UTF8", {},
                    "Your line was not valid UTF-8 and was not sent; set your client to UTF-8");
    }
    const auto spec = std::find_if(CommandSpec::table.begin(), CommandSpec::table.end(),
                                   [&](const CommandSpec& c) { return c.name == m.command; });
    if (spec == CommandSpec::table.end()) {
        if (!registered_) return numeric("451", {"You have not registered"});
        return numeric("421", {m.command, "Unknown command"});
    }
    if (spec->needs_registration && !registered_) {
        return numeric("451", {"You have not registered"});
    }
    if (m.params.size() < spec->min_params) {
        return numeric("461", {m.command, "Not enough parameters"});
    }
    CommandScope scope(*this);
    spec->run(*this, m);
    if (const auto* refused = current(); refused && refused->retry_after_ms > 0) {
        // Flood control refused it: run the same line again once allowed, and read
        // nothing meanwhile (fake lag), so nothing the client sent is lost or reordered.
        const auto wait = std::chrono::milliseconds(refused->retry_after_ms);
        auto& extra = occasional();
        extra.retry_line = std::string(line);
        hold_input();
        if (!extra.retry_timer)
            extra.retry_timer = std::make_unique<asio::steady_timer>(transport_.executor());
        extra.retry_timer->expires_after(wait);
        extra.retry_timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || self->phase_ != Phase::Open) return;
            self->holding_ = false;
            const std::string again = std::move(self->occasional_->retry_line);
            self->occasional_->retry_line.clear();
            self->on_line(again);
            if (!self->holding_) self->resume_input();
        });
    }
}

// ---- timeouts ----------------------------------------------------------------------

void IrcSession::arm_deadline() {
    if (phase_ != Phase::Open) return;
    std::optional<DeadlineWheel::Tick> due;
    auto consider = [&](DeadlineWheel::Tick from, std::chrono::seconds timeout) {
        if (timeout.count() <= 0) return;
        const auto at = DeadlineWheel::due_after(from, timeout);
        if (!due || at < *due) due = at;
    };
    if (!registered_) consider(registration_->opened_at, context_.config.registration_timeout);
    consider(input_at_, context_.config.idle_timeout);
    if (due) arm(*due);
}

void IrcSession::on_deadline() {
    if (phase_ != Phase::Open) return;
    const auto self = shared_from_this();
    const auto now = wheel().now();
    const auto reg = context_.config.registration_timeout;
    if (!registered_ && reg.count() > 0 &&
        now >= DeadlineWheel::due_after(registration_->opened_at, reg)) {
        return close_with_error("disconnected", "Registration timeout");
    }
    const auto idle = context_.config.idle_timeout;
    if (idle.count() > 0 && !read_paused_ && now >= DeadlineWheel::due_after(input_at_, idle)) {
        if (ping_sent_) return close_with_error("disconnected", "Ping timeout");
        // Silent for a while: ask, and give it as long again to answer.
        ping_sent_ = true;
        send_raw("PING :" + server() + "\r\n");
        input_at_ = now;
    }
    arm_deadline();
}

// ---- registration ------------------------------------------------------------------

void IrcSession::on_cap(const Message& m) {
    const std::string sub = upper(m.params[0]);
    auto advertised = [&](std::string_view name) {
        if (name == "sasl" && context_.accounts == nullptr) return false;
        if (name == "draft/chathistory" && context_.history == nullptr) return false;
        return true;
    };
    if (sub == "LS") {
        if (!registered_) registration_->cap_negotiating = true;
        if (m.params.size() > 1) {
            cap_version_ =
                static_cast<std::uint16_t>(std::clamp(std::atoi(m.params[1].c_str()), 0, 65535));
        }
        std::string list;
        for (const auto& cap : kCaps) {
            if (!advertised(cap.name)) continue;
            if (!list.empty()) list += ' ';
            list += cap.name;
            if (cap.name == "sasl" && cap_version_ >= 302) list += "=PLAIN";
        }
        return send({{}, server(), "CAP", {me(), "LS", list}});
    }
    if (sub == "LIST") {
        std::string list;
        for (const auto& cap : kCaps) {
            if (!has(cap.bit)) continue;
            if (!list.empty()) list += ' ';
            list += cap.name;
        }
        return send({{}, server(), "CAP", {me(), "LIST", list}});
    }
    if (sub == "REQ") {
        if (!registered_) registration_->cap_negotiating = true;
        const std::string requested = m.params.size() > 1 ? m.params[1] : std::string();
        std::uint16_t add = 0;
        std::uint16_t remove = 0;
        bool ok = true;
        std::string_view rest = requested;
        while (!rest.empty()) {
            const auto space = rest.find(' ');
            std::string_view word = rest.substr(0, space);
            rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
            if (word.empty()) continue;
            const bool disable = word.front() == '-';
            if (disable) word.remove_prefix(1);
            const auto cap = std::find_if(kCaps.begin(), kCaps.end(),
                                          [&](const CapInfo& c) { return c.name == word; });
            if (cap == kCaps.end() || !advertised(cap->name)) {
                ok = false;
                break;
            }
            (disable ? remove : add) |= cap->bit;
        }
        if (!ok) return send({{}, server(), "CAP", {me(), "NAK", requested}});
        caps_ = static_cast<std::uint16_t>((caps_ | add) & ~remove);
        return send({{}, server(), "CAP", {me(), "ACK", requested}});
    }
    if (sub == "END") {
        if (registered_) return;
        registration_->cap_negotiating = false;
        return try_register();
    }
    numeric("410", {m.params[0], "Invalid CAP command"});
}

void IrcSession::on_pass(const Message& m) {
    if (registered_) return numeric("462", {"You may not reregister"});
    registration_->pass = m.params[0];
}

void IrcSession::on_nick(const Message& m) {
    if (m.params.empty() || m.params[0].empty()) {
        return numeric("431", {"No nickname given"});
    }
    const std::string& wanted = m.params[0];
    if (registered_) {
        if (wanted == nick()) return;
        begin_command("NICK", wanted);
        context_.hub.handle(id_, ChangeName{wanted, {}});
        return;
    }
    if (auto error = context_.hub.check_new_name(wanted)) {
        if (error->code == ErrorCode::BadName) {
            return numeric("432", {wanted, "Erroneous nickname: " + error->text});
        }
        return numeric("433", {wanted, "Nickname is already in use"});
    }
    registration_->nick = wanted;
    try_register();
}

void IrcSession::on_user(const Message& m) {
    if (registered_) return numeric("462", {"You may not reregister"});
    if (m.params[0].empty() || m.params[3].empty()) {
        return numeric("461", {"USER", "Not enough parameters"});
    }
    registration_->user = m.params[0];
    registration_->realname = m.params[3];
    try_register();
}

void IrcSession::on_authenticate(const Message& m) {
    const std::string& arg = m.params[0];
    if (context_.accounts == nullptr) {
        return numeric("904", {"SASL authentication failed: this server has no accounts"});
    }
    if (registered_ || registration_->sasl_account) {
        return numeric("907", {"You have already authenticated using SASL"});
    }
    Registration& reg = *registration_;
    if (arg == "*") {
        reg.sasl_plain_waiting = false;
        reg.sasl_buffer.clear();
        return numeric("906", {"SASL authentication aborted"});
    }
    if (!reg.sasl_plain_waiting) {
        if (upper(arg) != "PLAIN") {
            numeric("908", {"PLAIN", "are available SASL mechanisms"});
            return numeric("904", {"SASL authentication failed"});
        }
        reg.sasl_plain_waiting = true;
        reg.sasl_buffer.clear();
        return send_raw("AUTHENTICATE +\r\n");
    }
    if (arg != "+") reg.sasl_buffer += arg;
    if (reg.sasl_buffer.size() > kMaxSaslBytes) {
        reg.sasl_plain_waiting = false;
        reg.sasl_buffer.clear();
        return numeric("905", {"SASL message too long"});
    }
    if (arg.size() == 400) return;  // more chunks follow
    reg.sasl_plain_waiting = false;
    const auto decoded = proto::irc::decode_base64(reg.sasl_buffer);
    reg.sasl_buffer.clear();
    // authzid \0 authcid \0 password
    std::string authzid, authcid, password;
    bool ok = false;
    if (decoded) {
        const auto first = decoded->find('\0');
        const auto second =
            first == std::string::npos ? std::string::npos : decoded->find('\0', first + 1);
        if (second != std::string::npos) {
            authzid = decoded->substr(0, first);
            authcid = decoded->substr(first + 1, second - first - 1);
            password = decoded->substr(second + 1);
            ok = !authcid.empty() && (authzid.empty() || names::same(authzid, authcid));
        }
    }
    if (!ok) return numeric("904", {"SASL authentication failed"});
    hold_input();
    context_.accounts->login(
        authcid, std::move(password), throttle_address(),
        [self = shared_from_this(), authcid](AccountService::LoginResult result) {
            if (self->phase_ != Phase::Open || !self->registration_) return;
            if (result.accepted) {
                self->registration_->sasl_account = authcid;
                self->numeric("900", {self->source_of(authcid), authcid,
                                      "You are now logged in as " + authcid});
                self->numeric("903", {"SASL authentication successful"});
            } else {
                self->numeric("904", {"SASL authentication failed: " + result.error});
            }
            self->resume_input();
        });
}

void IrcSession::try_register() {
    if (registered_ || phase_ != Phase::Open) return;
    Registration& reg = *registration_;
    if (reg.hello_sent || nick().empty() || reg.user.empty() || reg.cap_negotiating) return;
    if (context_.accounts != nullptr && context_.accounts->has_server_password()) {
        const auto verdict = context_.accounts->check_server_password(reg.pass, throttle_address());
        if (!verdict.ok) {
            numeric("464", {"Password incorrect"});
            return close_with_error("disconnected", verdict.retry_after.count() > 0
                                                        ? "Too many wrong passwords; try later"
                                                        : "Bad server password (PASS)");
        }
    }
    if (reg.sasl_account) return say_hello(*reg.sasl_account, true);
    // Without a server password, PASS is the nick's account password: the simplest way
    // for clients without SASL (irssi's -w) to log in.
    if (reg.pass && context_.accounts != nullptr && !context_.accounts->has_server_password() &&
        context_.accounts->is_registered(nick())) {
        hold_input();
        reg.hello_sent = true;
        context_.accounts->login(
            nick(), *reg.pass, throttle_address(),
            [self = shared_from_this(), name = nick()](AccountService::LoginResult result) {
                // Input is held meanwhile, so nothing can have registered us.
                if (self->phase_ != Phase::Open || !self->registration_) return;
                self->registration_->hello_sent = false;
                if (result.accepted) {
                    self->say_hello(name, true);
                } else {
                    self->registration_->pass.reset();
                    self->numeric("464", {"Password incorrect: " + result.error});
                }
                self->resume_input();
            });
        return;
    }
    say_hello(nick(), false);
}

void IrcSession::say_hello(std::string name, bool authenticated) {
    authenticated_ = authenticated;
    // Also called from a login's completion, outside on_line: a scope of its own.
    CommandScope scope(*this);
    begin_command("NICK", name);
    // Copies: a refused name leaves registration to go on with another.
    const Registration& reg = *registration_;
    context_.hub.handle(id_, Hello{std::move(name), authenticated, reg.user, reg.realname});
}

void IrcSession::on_welcome(const Welcome&) {
    registered_ = true;
    registration_.reset();  // nothing in it is needed from here on; the hub has the name
    nick_print_ = name_print(nick());
    numeric("001", {"Welcome to the hubchat IRC network, " + source_of(nick())});
    numeric("002", {"Your host is " + server() + ", running version hubchat-" + HUBCHAT_VERSION});
    numeric("003", {"This server speaks IRC and hubchat's own protocol to one hub"});
    numeric("004", {server(), "hubchat-" HUBCHAT_VERSION, "i", "nt"});
    const auto& limits = context_.hub.limits();
    Params tokens = {
        "AWAYLEN=" + std::to_string(limits.max_away_bytes),
        "CASEMAPPING=ascii",
        "CHANLIMIT=#:" + (limits.max_rooms_per_user != 0
                              ? std::to_string(limits.max_rooms_per_user + 1)
                              : std::string()),
        "CHANMODES=,,,nt",
        "CHANNELLEN=" + std::to_string(limits.max_room_name_chars + 1),
        "CHANTYPES=#",
        "ELIST=",
        "MAXTARGETS=" +
            (limits.max_recipients != 0 ? std::to_string(limits.max_recipients) : std::string()),
        "MODES=0",
        "NETWORK=hubchat",
        "NICKLEN=" + std::to_string(limits.max_name_chars),
        "PREFIX=(ov)@+",
        "TOPICLEN=" + std::to_string(limits.max_topic_bytes),
        "UTF8ONLY",
        "WHOX",
    };
    if (context_.history != nullptr) {
        tokens.push_back("CHATHISTORY=" + std::to_string(kMaxHistoryLimit));
        tokens.push_back("MSGREFTYPES=msgid,timestamp");
    }
    const std::string targmax =
        limits.max_recipients != 0 ? std::to_string(limits.max_recipients) : "";
    tokens.push_back("TARGMAX=PRIVMSG:" + targmax + ",NOTICE:" + targmax +
                     ",JOIN:,PART:,NAMES:,WHOIS:1,USERHOST:5,ISON:");
    std::sort(tokens.begin(), tokens.end());
    // At most 13 tokens a line (Modern IRC), so no line has over 15 parameters.
    constexpr std::size_t kTokensPerLine = 13;
    for (std::size_t i = 0; i < tokens.size(); i += kTokensPerLine) {
        const auto end = std::min(tokens.size(), i + kTokensPerLine);
        Params line(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                    tokens.begin() + static_cast<std::ptrdiff_t>(end));
        line.push_back("are supported by this server");
        numeric("005", std::move(line));
    }
    send_lusers();
    send_motd();
    // Everyone is in ALL from the start. Its member list goes with that join only while
    // it is short: listing every user to every newcomer costs each registration a line
    // per ~40 users, O(users²) output while thousands connect, and memory for all of it
    // queued at once. Beyond that the newcomer is shown itself, and NAMES #ALL lists
    // everyone when asked (#ALL's joins and quits are not sent either: see on_presence).
    const std::string all(kAllChannel);
    send({{}, source_of(nick()), "JOIN", {all}});
    send_topic(all, false);
    if (const std::size_t users = context_.hub.user_count(); users > kWelcomeNamesLimit) {
        numeric("353", {"=", all, nick()});
        numeric("366", {all, "End of /NAMES list (" + std::to_string(users) +
                                 " users: NAMES #ALL lists them)"});
    } else {
        send_names(all);
    }
    arm_deadline();
}

void IrcSession::send_lusers() {
    const std::size_t users = context_.hub.user_count();
    const std::size_t unknown = context_.hub.connection_count() - users;
    const std::size_t channels = context_.hub.room_list().size();
    numeric("251", {"There are " + std::to_string(users) + " users and 0 invisible on 1 servers"});
    numeric("252", {"0", "operator(s) online"});
    if (unknown > 0) numeric("253", {std::to_string(unknown), "unknown connection(s)"});
    numeric("254", {std::to_string(channels), "channels formed"});
    numeric("255", {"I have " + std::to_string(users) + " clients and 0 servers"});
    numeric("265", {std::to_string(users), std::to_string(users),
                    "Current local users " + std::to_string(users)});
    numeric("266", {std::to_string(users), std::to_string(users),
                    "Current global users " + std::to_string(users)});
}

void IrcSession::send_motd() {
    numeric("375", {"- " + server() + " Message of the day -"});
    numeric("372", {"- IRC and hubchat users share this hub: nicks are hubchat names,"});
    numeric("372", {"- channels are rooms, and #ALL reaches everyone."});
    numeric("376", {"End of /MOTD command."});
}

// ---- commands ------------------------------------------------------------------------

void IrcSession::on_message(Message& m, bool notice) {
    const std::string_view command = notice ? "NOTICE" : "PRIVMSG";
    if (m.params.empty() || m.params[0].empty()) {
        if (!notice) numeric("411", {"No recipient given (" + std::string(command) + ")"});
        return;
    }
    if (m.params.size() < 2 || m.params[1].empty()) {
        if (!notice) numeric("412", {"No text to send"});
        return;
    }
    SendMessage send_cmd;
    send_cmd.notice = notice;
    // Read in place: split_commas would make a vector of copies per message.
    for_each_comma_part(m.params[0], [&](std::string_view target) {
        // "nick!user@host" and "@#chan" (STATUSMSG) forms: the part that names the target.
        target = target.substr(0, target.find('!'));
        send_cmd.targets.push_back(hub_target(target));
        if (!notice && !names::is_room(target)) {
            if (const auto note = context_.hub.away_note(target)) {
                numeric("301", {std::string(note->name), std::string(note->away)});
            }
        }
    });
    for (const auto& tag : m.tags) {
        if (!tag.key.empty() && tag.key.front() == '+') {
            send_cmd.client_tags.emplace_back(tag.key, tag.value);
        }
    }
    if (has(kEchoMessage)) {
        // The ack names the message by its ref: only echo-message needs one.
        auto& extra = occasional();
        const std::uint64_t ref = extra.next_ref++;
        send_cmd.ref = std::to_string(ref);
        extra.sent.push_back(
            Sent{ref, std::string(command), m.params[0], m.params[1], send_cmd.client_tags});
        if (extra.sent.size() > kMaxSent) extra.sent.erase(extra.sent.begin());
    }
    send_cmd.text = std::move(m.params[1]);  // the line's copy, parsed for this alone
    begin_command(command, m.params[0]);
    context_.hub.handle(id_, std::move(send_cmd));
}

void IrcSession::on_join(const Message& m) {
    if (m.params[0] == "0") {  // leave every channel (ALL cannot be left)
        for (const auto& room : context_.hub.rooms_of(id_)) {
            const auto& part = begin_command("PART", room);
            context_.hub.handle(id_, LeaveRoom{room, {}});
            if (part.retry_after_ms > 0) return;
        }
        return;
    }
    for (const auto& channel : split_commas(m.params[0])) {
        if (names::same(channel, kAllChannel)) continue;  // already in it, always
        if (!names::is_room(channel)) {
            numeric("403", {channel, "No such channel"});
            continue;
        }
        if (context_.hub.in_room(id_, channel)) continue;
        const auto& join = begin_command("JOIN", channel);
        context_.hub.handle(id_, JoinRoom{channel, {}});
        if (join.retry_after_ms > 0) return;  // the whole line runs again
    }
}

void IrcSession::on_part(const Message& m) {
    for (const auto& channel : split_commas(m.params[0])) {
        if (names::same(channel, kAllChannel)) {
            numeric("442", {channel, "Nobody can leave #ALL: it is everyone"});
            continue;
        }
        if (!context_.hub.room_state(channel, false)) {
            numeric("403", {channel, "No such channel"});
            continue;
        }
        if (!context_.hub.in_room(id_, channel)) {
            numeric("442", {channel, "You're not on that channel"});
            continue;
        }
        const auto& part = begin_command("PART", channel);
        context_.hub.handle(id_, LeaveRoom{channel, {}, m.params.size() > 1 ? m.params[1] : ""});
        if (part.retry_after_ms > 0) return;
    }
}

void IrcSession::send_names(const std::string& channel) {
    const auto state = context_.hub.room_state(hub_target(channel));
    const std::string shown = state ? channel_name(state->name) : channel;
    if (state) {
        // As many names per line as fit in 512 bytes.
        const std::size_t fixed = 1 + server().size() + 5 + me().size() + 3 + shown.size() + 2 + 2;
        std::string line;
        for (std::size_t i = 0; i < state->members.size(); ++i) {
            const std::string member = op_prefix(*state, i) + state->members[i];
            if (!line.empty() && fixed + line.size() + 1 + member.size() > 512) {
                numeric("353", {"=", shown, line});
                line.clear();
            }
            if (!line.empty()) line += ' ';
            line += member;
        }
        if (!line.empty()) numeric("353", {"=", shown, line});
    }
    numeric("366", {shown, "End of /NAMES list"});
}

void IrcSession::on_names(const Message& m) {
    if (m.params.empty()) return numeric("366", {"*", "End of /NAMES list"});
    for (const auto& channel : split_commas(m.params[0])) send_names(channel);
}

void IrcSession::send_topic(const std::string& channel, bool reply_when_none) {
    const auto state = context_.hub.room_state(hub_target(channel), false);
    if (!state) return numeric("403", {channel, "No such channel"});
    const std::string shown = channel_name(state->name);
    if (state->topic.empty()) {
        if (reply_when_none) numeric("331", {shown, "No topic is set"});
        return;
    }
    numeric("332", {shown, state->topic});
    numeric("333", {shown, state->topic_setter, std::to_string(state->topic_ts / 1000)});
}

void IrcSession::on_topic(const Message& m) {
    const std::string& channel = m.params[0];
    if (m.params.size() < 2) return send_topic(channel, true);
    const auto state = context_.hub.room_state(hub_target(channel), false);
    if (!state) return numeric("403", {channel, "No such channel"});
    if (!names::is_all(state->name) && !context_.hub.in_room(id_, state->name)) {
        return numeric("442", {channel, "You're not on that channel"});
    }
    std::string text = m.params[1];
    if (text.size() > context_.hub.limits().max_topic_bytes) {
        text.resize(utf8_cut(text, context_.hub.limits().max_topic_bytes));
    }
    begin_command("TOPIC", channel);
    context_.hub.handle(id_, SetTopic{state->name, std::move(text), {}});
}

void IrcSession::on_away(const Message& m) {
    std::string text = m.params.empty() ? std::string() : m.params[0];
    const auto& away_command = begin_command("AWAY", {});
    const bool away = !text.empty();
    context_.hub.handle(id_, SetAway{std::move(text), {}});
    if (away_command.refused || away_command.retry_after_ms > 0) return;
    if (away) {
        numeric("306", {"You have been marked as being away"});
    } else {
        numeric("305", {"You are no longer marked as being away"});
    }
}

void IrcSession::on_who(const Message& m) {
    const std::string mask = m.params.empty() ? std::string("*") : m.params[0];
    // WHOX: "%fields[,token]".
    std::string fields;
    std::string token;
    if (m.params.size() > 1 && !m.params[1].empty() && m.params[1].front() == '%') {
        fields = m.params[1].substr(1);
        if (const auto comma = fields.find(','); comma != std::string::npos) {
            token = fields.substr(comma + 1);
            fields.resize(comma);
        }
    }
    auto reply = [&](const std::string& channel, const std::string& nick, bool op) {
        const auto info = context_.hub.user_info(nick);
        if (!info) return;
        const std::string flags = std::string(info->away.empty() ? "H" : "G") + (op ? "@" : "");
        if (fields.empty()) {
            return numeric("352", {channel, info->username, std::string(kHost), server(),
                                   info->name, flags, "0 " + info->realname});
        }
        Params out;
        // WHOX fields in the order the spec fixes, whatever order they were asked in.
        for (char f : std::string_view("tcuihsnfdlaor")) {
            if (fields.find(f) == std::string::npos) continue;
            switch (f) {
                case 't':
                    out.push_back(token.empty() ? "0" : token);
                    break;
                case 'c':
                    out.push_back(channel);
                    break;
                case 'u':
                    out.push_back(info->username);
                    break;
                case 'i':
                    out.push_back("255.255.255.255");
                    break;
                case 'h':
                    out.push_back(std::string(kHost));
                    break;
                case 's':
                    out.push_back(server());
                    break;
                case 'n':
                    out.push_back(info->name);
                    break;
                case 'f':
                    out.push_back(flags);
                    break;
                case 'd':
                    out.push_back("0");
                    break;
                case 'l':
                    out.push_back("0");
                    break;
                case 'a':
                    out.push_back(info->authenticated ? info->name : "0");
                    break;
                case 'o':
                    out.push_back("n/a");
                    break;
                case 'r':
                    out.push_back(info->realname);
                    break;
            }
        }
        numeric("354", std::move(out));
    };
    if (names::is_room(mask)) {
        if (const auto state = context_.hub.room_state(hub_target(mask))) {
            const std::string shown = channel_name(state->name);
            for (std::size_t i = 0; i < state->members.size(); ++i) {
                reply(shown, state->members[i], !op_prefix(*state, i).empty());
            }
        }
    } else if (mask == "*" || mask == "0") {
        // Everyone: the hub is one network with one server.
        if (const auto everyone = context_.hub.room_state(names::kAllRoom)) {
            for (const auto& member : everyone->members) reply("*", member, false);
        }
    } else if (const auto info = context_.hub.user_info(mask)) {
        reply("*", info->name, false);
    }
    numeric("315", {mask, "End of WHO list"});
}

void IrcSession::on_whois(const Message& m) {
    // "WHOIS server nick" and "WHOIS nick": the nick is last.
    const std::string& nick = m.params.size() > 1 ? m.params[1] : m.params[0];
    const auto info =
        context_.hub.user_info(split_commas(nick).empty() ? nick : split_commas(nick)[0]);
    if (!info) {
        numeric("401", {nick, "No such nick/channel"});
        return numeric("318", {nick, "End of /WHOIS list"});
    }
    numeric("311", {info->name, info->username, std::string(kHost), "*", info->realname});
    std::string channels(kAllChannel);
    for (const auto& room : info->rooms) channels += " " + room;
    numeric("319", {info->name, channels});
    numeric("312", {info->name, server(), "hubchat: IRC and hubchat on one hub"});
    if (info->authenticated) numeric("330", {info->name, info->name, "is logged in as"});
    if (!info->away.empty()) numeric("301", {info->name, info->away});
    numeric("318", {info->name, "End of /WHOIS list"});
}

void IrcSession::on_list(const Message& m) {
    std::vector<std::string> wanted;
    if (!m.params.empty() && !m.params[0].empty() && names::is_room(m.params[0])) {
        wanted = split_commas(m.params[0]);
    }
    numeric("321", {"Channel", "Users  Name"});
    for (const auto& room : context_.hub.room_list()) {
        const std::string shown = channel_name(room.name);
        if (!wanted.empty() && std::none_of(wanted.begin(), wanted.end(),
                                            [&](const auto& w) { return names::same(w, shown); })) {
            continue;
        }
        const auto state = context_.hub.room_state(room.name, false);
        numeric("322", {shown, std::to_string(room.members), state ? state->topic : ""});
    }
    numeric("323", {"End of /LIST"});
}

void IrcSession::on_mode(const Message& m) {
    const std::string& target = m.params[0];
    if (names::is_room(target)) {
        const auto state = context_.hub.room_state(hub_target(target), false);
        if (!state) return numeric("403", {target, "No such channel"});
        const std::string shown = channel_name(state->name);
        if (m.params.size() < 2) {
            numeric("324", {shown, "+nt"});
            return numeric("329", {shown, std::to_string(state->created_ts / 1000)});
        }
        const std::string& modes = m.params[1];
        // Lists (bans, exceptions, invite exceptions) are always empty here.
        if (modes == "b" || modes == "+b")
            return numeric("368", {shown, "End of channel ban list"});
        if (modes == "e" || modes == "+e") {
            return numeric("349", {shown, "End of channel exception list"});
        }
        if (modes == "I" || modes == "+I") {
            return numeric("347", {shown, "End of channel invite list"});
        }
        for (char c : modes) {
            if (c == '+' || c == '-') continue;
            return numeric("472", {std::string(1, c), "is not a mode this server supports"});
        }
        return;
    }
    if (!names::same(target, nick())) {
        if (!context_.hub.user_info(target))
            return numeric("401", {target, "No such nick/channel"});
        return numeric("502", {"Can't change mode for other users"});
    }
    if (m.params.size() < 2) return numeric("221", {"+"});
    for (char c : m.params[1]) {
        if (c == '+' || c == '-' || c == 'i') continue;  // +i: everyone is, in effect
        return numeric("501", {"Unknown MODE flag"});
    }
}

void IrcSession::on_userhost(const Message& m) {
    std::string reply;
    for (std::size_t i = 0; i < m.params.size() && i < 5; ++i) {
        const auto info = context_.hub.user_info(m.params[i]);
        if (!info) continue;
        if (!reply.empty()) reply += ' ';
        reply += info->name + "=" + (info->away.empty() ? "+" : "-") + info->name + "@" +
                 std::string(kHost);
    }
    numeric("302", {reply});
}

void IrcSession::on_ison(const Message& m) {
    std::string reply;
    for (const auto& param : m.params) {
        std::string_view rest = param;
        while (!rest.empty()) {
            const auto space = rest.find(' ');
            const auto nick = rest.substr(0, space);
            rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
            if (nick.empty()) continue;
            if (const auto info = context_.hub.user_info(nick)) {
                if (!reply.empty()) reply += ' ';
                reply += info->name;
            }
        }
    }
    numeric("303", {reply});
}

void IrcSession::on_ping(const Message& m) {
    if (m.params.empty() || m.params[0].empty()) return numeric("409", {"No origin specified"});
    send({{}, server(), "PONG", {server(), m.params[0]}});
}

void IrcSession::on_quit(const Message& m) {
    if (!m.params.empty()) occasional().quit_message = m.params[0];
    std::string reason = m.params.empty() ? std::string("Client Quit") : "Quit: " + m.params[0];
    close_with_error("quit", "Closing Link: " + me() + " (" + reason + ")");
}

// ---- chat history ----------------------------------------------------------------------

struct IrcSession::HistoryQuery {
    std::string subcommand;
    std::string target;  // as the client wrote it
    std::string room;    // hub room ("ALL", "#dev"), or empty for a conversation
    std::string with;    // the other nick, for a conversation
    // References: a message id or a time; the first bound and (BETWEEN) the second.
    struct Bound {
        bool any = false;  // '*'
        std::optional<MessageId> id;
        std::optional<TimestampMs> ts;
    };
    Bound first;
    Bound second;
    std::size_t limit = 0;
    std::vector<store::HistoryMessage> found;  // newest first, as fetched
    std::size_t pages = 0;
    bool exhausted = false;
};

namespace {

// -1: `m` is before the bound, 0: at it, 1: after it.
int compare_to(const store::HistoryMessage& m, const std::optional<MessageId>& id,
               const std::optional<TimestampMs>& ts) {
    if (id) {
        const auto mid = static_cast<MessageId>(m.id);
        return mid < *id ? -1 : (mid == *id ? 0 : 1);
    }
    if (ts) return m.ts_ms < *ts ? -1 : (m.ts_ms == *ts ? 0 : 1);
    return 1;
}

}  // namespace

void IrcSession::on_chathistory(const Message& m) {
    const std::string sub = upper(m.params[0]);
    if (context_.history == nullptr) {
        return fail("CHATHISTORY", "MESSAGE_ERROR", {sub}, "This server keeps no history");
    }
    if (sub == "TARGETS") {
        return fail("CHATHISTORY", "INVALID_PARAMS", {sub}, "TARGETS is not supported");
    }
    const bool between = sub == "BETWEEN";
    if (sub != "LATEST" && sub != "BEFORE" && sub != "AFTER" && sub != "AROUND" && !between) {
        return fail("CHATHISTORY", "INVALID_PARAMS", {sub}, "Unknown subcommand");
    }
    if (m.params.size() < (between ? 5u : 4u)) {
        return numeric("461", {"CHATHISTORY", "Not enough parameters"});
    }
    auto query = std::make_shared<HistoryQuery>();
    query->subcommand = sub;
    query->target = m.params[1];
    auto parse_bound = [&](const std::string& text, HistoryQuery::Bound& bound) {
        if (text == "*") {
            bound.any = true;
            return true;
        }
        const auto eq = text.find('=');
        if (eq == std::string::npos) return false;
        const std::string kind = text.substr(0, eq);
        const std::string value = text.substr(eq + 1);
        if (kind == "msgid") {
            if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
                value.size() > 18) {
                return false;
            }
            bound.id = static_cast<MessageId>(std::stoull(value));
            return true;
        }
        if (kind == "timestamp") {
            bound.ts = parse_iso_time(value);
            return bound.ts.has_value();
        }
        return false;
    };
    if (!parse_bound(m.params[2], query->first) || (query->first.any && sub != "LATEST") ||
        (between && (!parse_bound(m.params[3], query->second) || query->second.any))) {
        return fail("CHATHISTORY", "INVALID_PARAMS", {sub, m.params[2]},
                    "Bad message reference: use msgid=, timestamp= or * (LATEST)");
    }
    const std::string& limit_text = m.params[between ? 4 : 3];
    if (limit_text.empty() || limit_text.find_first_not_of("0123456789") != std::string::npos ||
        limit_text.size() > 6) {
        return fail("CHATHISTORY", "INVALID_PARAMS", {sub, limit_text}, "Bad limit");
    }
    query->limit = std::min<std::size_t>(std::stoul(limit_text), kMaxHistoryLimit);
    const std::string target = hub_target(query->target);
    if (names::is_all(target)) {
        query->room = std::string(names::kAllRoom);
    } else if (names::is_room(target)) {
        if (!context_.hub.in_room(id_, target)) {
            return fail("CHATHISTORY", "INVALID_TARGET", {sub, query->target},
                        "You are not in " + query->target + "; join it to read its history");
        }
        query->room = target;
    } else {
        if (!authenticated_) {
            return fail("CHATHISTORY", "INVALID_TARGET", {sub, query->target},
                        "Only a logged-in user (SASL) can read direct messages");
        }
        if (names::check_user_name(target)) {
            return fail("CHATHISTORY", "INVALID_TARGET", {sub, query->target}, "No such nick");
        }
        query->with = target;
    }
    if (query->limit == 0) return finish_history(query);
    run_history(std::move(query));
}

void IrcSession::run_history(std::shared_ptr<HistoryQuery> query) {
    // Pages are read newest first, down from the latest (or from a msgid bound), until
    // the oldest page fetched reaches below what the query needs: the store answers
    // "before an id" only, so AFTER, AROUND and timestamps search backwards, at most
    // kMaxHistoryPages pages.
    std::int64_t before = store::HistoryStore::kLatest;
    if (!query->found.empty()) {
        before = query->found.back().id;
    } else if (query->subcommand == "BEFORE" && query->first.id) {
        before = static_cast<std::int64_t>(*query->first.id);
    }
    auto answered = [self = shared_from_this(), query](HistoryLog::Answer answer) {
        if (self->phase_ != Phase::Open) return;
        if (!answer.error.empty()) {
            return self->fail("CHATHISTORY", "MESSAGE_ERROR", {query->subcommand, query->target},
                              "History could not be read: " + answer.error);
        }
        ++query->pages;
        if (answer.messages.size() < kHistoryPage) query->exhausted = true;
        // Pages come oldest first: keep newest first.
        for (auto it = answer.messages.rbegin(); it != answer.messages.rend(); ++it) {
            query->found.push_back(std::move(*it));
        }
        // Enough when the oldest fetched is older than every bound the query has, and (for
        // LATEST * and BEFORE) when there are `limit` messages.
        bool enough = query->exhausted || query->pages >= kMaxHistoryPages;
        if (!enough && !query->found.empty()) {
            const auto& oldest = query->found.back();
            const auto& q = *query;
            const std::string& sub = q.subcommand;
            auto below = [&](const HistoryQuery::Bound& b) {
                return b.any || compare_to(oldest, b.id, b.ts) < 0;
            };
            std::size_t before_count = 0;
            for (const auto& msg : q.found) {
                if (compare_to(msg, q.first.id, q.first.ts) < 0) ++before_count;
            }
            if (sub == "LATEST") {
                enough = q.first.any ? q.found.size() >= q.limit
                                     : below(q.first) || q.found.size() >= q.limit;
            } else if (sub == "BEFORE") {
                enough = before_count >= q.limit;
            } else if (sub == "AFTER") {
                enough = below(q.first);
            } else if (sub == "AROUND") {
                enough = before_count >= q.limit / 2 + 1;
            } else {  // BETWEEN
                enough = below(q.first) && below(q.second);
            }
        }
        if (enough) return self->finish_history(query);
        self->run_history(query);
    };
    if (!query->room.empty()) {
        return context_.history->room_before(query->room, before, kHistoryPage,
                                             std::move(answered));
    }
    context_.history->conversation(nick(), query->with, before, kHistoryPage, std::move(answered));
}

void IrcSession::finish_history(const std::shared_ptr<HistoryQuery>& query) {
    auto& q = *query;
    std::vector<store::HistoryMessage> all(q.found.rbegin(), q.found.rend());  // oldest first
    std::vector<const store::HistoryMessage*> chosen;
    auto cmp = [](const store::HistoryMessage& m, const HistoryQuery::Bound& b) {
        return compare_to(m, b.id, b.ts);
    };
    if (q.subcommand == "LATEST") {
        for (const auto& msg : all) {
            if (q.first.any || cmp(msg, q.first) > 0) chosen.push_back(&msg);
        }
        if (chosen.size() > q.limit) chosen.erase(chosen.begin(), chosen.end() - q.limit);
    } else if (q.subcommand == "BEFORE") {
        for (const auto& msg : all) {
            if (cmp(msg, q.first) < 0) chosen.push_back(&msg);
        }
        if (chosen.size() > q.limit) chosen.erase(chosen.begin(), chosen.end() - q.limit);
    } else if (q.subcommand == "AFTER") {
        for (const auto& msg : all) {
            if (cmp(msg, q.first) > 0 && chosen.size() < q.limit) chosen.push_back(&msg);
        }
    } else if (q.subcommand == "AROUND") {
        std::vector<const store::HistoryMessage*> before;
        std::vector<const store::HistoryMessage*> after;
        for (const auto& msg : all) (cmp(msg, q.first) < 0 ? before : after).push_back(&msg);
        const std::size_t want_before = std::min(before.size(), q.limit / 2);
        chosen.assign(before.end() - static_cast<std::ptrdiff_t>(want_before), before.end());
        for (const auto* msg : after) {
            if (chosen.size() >= q.limit) break;
            chosen.push_back(msg);
        }
    } else {  // BETWEEN, exclusive of both bounds, from the first towards the second
        const bool ascending = [&] {
            if (q.first.id && q.second.id) return *q.first.id < *q.second.id;
            if (q.first.ts && q.second.ts) return *q.first.ts < *q.second.ts;
            return true;
        }();
        const auto& low = ascending ? q.first : q.second;
        const auto& high = ascending ? q.second : q.first;
        for (const auto& msg : all) {
            if (cmp(msg, low) > 0 && cmp(msg, high) < 0) chosen.push_back(&msg);
        }
        if (chosen.size() > q.limit) {
            if (ascending) {
                chosen.resize(q.limit);
            } else {
                chosen.erase(chosen.begin(), chosen.end() - q.limit);
            }
        }
    }
    std::string batch;
    if (has(kBatch)) {
        batch = std::to_string(occasional().next_batch++);
        send({{}, server(), "BATCH", {"+" + batch, "chathistory", q.target}});
    }
    for (const auto* msg : chosen) {
        auto tags = chat_tags(static_cast<MessageId>(msg->id), msg->ts_ms, {});
        if (!batch.empty()) tags.insert(tags.begin(), Tag{"batch", batch});
        // A conversation's lines are addressed as they were: to the other, or to me.
        std::string target = q.target;
        if (q.room.empty()) target = names::same(msg->sender, nick()) ? q.target : nick();
        send_chat_lines(tags, source_of(msg->sender), "PRIVMSG", target, msg->text);
    }
    if (!batch.empty()) send({{}, server(), "BATCH", {"-" + batch}});
}

// ---- events from the hub -------------------------------------------------------------

inline bool IrcSession::is_mine(const ChatMessage& chat) const {
    // The hub spells a sender as it holds our name, and no two users' names differ in
    // case alone: plain equality, and only when the fingerprint matches (most members are
    // told apart from the sender without looking our name up).
    return name_print(chat.from) == nick_print_ && is_mine_by_name(chat);
}

bool IrcSession::is_mine_by_name(const ChatMessage& chat) const {
    return chat.from == nick();
}

inline WireFormatId IrcSession::room_lines_format(const ChatMessage& chat) const {
    if (chat.kind != DestKind::All && chat.kind != DestKind::Room) return kNoWireFormat;
    if (is_mine(chat)) return kNoWireFormat;
    // Every member gets the same lines, but for the tags its caps ask for: serialized once
    // per tag set, not once per member.
    const std::size_t variant = (has(kServerTime) ? 1u : 0u) | (has(kMessageTags) ? 2u : 0u) |
                                (has(kAccountTag) && !chat.account.empty() ? 4u : 0u);
    if (kIrcFirstFormat + variant >= kMaxWireFormats) return kNoWireFormat;
    return static_cast<WireFormatId>(kIrcFirstFormat + variant);
}

void IrcSession::deliver(const Event& event) {
    // The bulk of a busy hub's deliveries, a room message to a member who did not send it:
    // after the first member with the same caps its lines are in the message's cache, so
    // queue them from there. Every call this path makes is its last (the rest is
    // deliver_other's), so it saves no registers: a broadcast comes here once per member.
    if (const auto* chat = std::get_if<ChatPtr>(&event); chat && phase_ == Phase::Open) {
        if (const WireFormatId format = room_lines_format(**chat); format != kNoWireFormat) {
            if (const Frame* lines = (*chat)->cached(format)) return enqueue(*lines);
        }
    }
    deliver_other(event);
}

void IrcSession::deliver_other(const Event& event) {
    if (phase_ != Phase::Open) return;
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, Welcome>) {
                on_welcome(e);
            } else if constexpr (std::is_same_v<T, ChatPtr>) {
                on_chat(*e);
            } else if constexpr (std::is_same_v<T, PresencePtr>) {
                on_presence(*e);
            } else if constexpr (std::is_same_v<T, Ack>) {
                // echo-message for what the hub did not send back to us (direct messages).
                std::uint64_t ref = 0;
                try {
                    ref = e.ref.empty() ? 0 : std::stoull(e.ref);
                } catch (const std::exception&) {
                    ref = 0;
                }
                if (!occasional_) return;
                auto& queue = occasional_->sent;
                // Acks come in order: messages before this one were refused or echoed.
                auto next = std::find_if(queue.begin(), queue.end(),
                                         [ref](const Sent& s) { return s.ref >= ref; });
                if (next != queue.end() && next->ref == ref) {
                    const Sent sent = std::move(*next);
                    queue.erase(queue.begin(), next + 1);
                    if (has(kEchoMessage) && occasional_->last_echoed != e.id) {
                        send_chat_lines(
                            chat_tags(e.id, e.ts, authenticated_ ? nick() : "", sent.client_tags),
                            source_of(nick()), sent.command, sent.target, sent.text);
                    }
                } else {
                    queue.erase(queue.begin(), next);
                }
            } else if constexpr (std::is_same_v<T, Error>) {
                on_error(e);
            } else if constexpr (std::is_same_v<T, TopicPtr>) {
                send({{}, source_of(e->setter), "TOPIC", {channel_name(e->room), e->text}});
            } else if constexpr (std::is_same_v<T, AwayChange>) {
                if (!has(kAwayNotify)) return;
                Params params;
                if (!e.text.empty()) params.push_back(e.text);
                send({{}, source_of(e.user), "AWAY", std::move(params)});
            } else if constexpr (std::is_same_v<T, Renamed>) {
                // The hub has renamed before telling: ours if the new name is now ours.
                if (e.to == nick()) {
                    nick_print_ = name_print(e.to);
                    // A new name that is not the account's own is a guest's.
                    if (!names::same(e.from, e.to)) authenticated_ = false;
                }
                send({{}, source_of(e.from), "NICK", {e.to}});
            } else if constexpr (std::is_same_v<T, ShutdownNotice>) {
                close_with_error("disconnected", "Closing Link: " + e.text);
            }
            // UserList, RoomList, MemberList, Pong, Registered: this adapter asks the hub
            // directly and never sends the commands they answer.
        },
        event);
}

void IrcSession::on_error(const Error& error) {
    if (error.code == ErrorCode::RateLimited || error.code == ErrorCode::Busy) {
        if (auto* refused = current()) {
            refused->retry_after_ms = std::max<std::uint32_t>(error.retry_after_ms, 1);
            return;
        }
    }
    Current* const current_command = current();
    const bool notice = current_command && current_command->command == "NOTICE";
    if (current_command) current_command->refused = true;
    const std::string_view command = current_command ? current_command->command : "";
    if (command == "NICK") {  // the hello at registration
        const std::string nick = current_command->target;
        switch (error.code) {
            case ErrorCode::BadName:
                return numeric("432", {nick, "Erroneous nickname: " + error.text});
            case ErrorCode::NameTaken:
                return numeric("433", {nick, "Nickname is already in use"});
            case ErrorCode::NameRegistered:
                return numeric("433", {nick,
                                       "Nickname is registered: log in with SASL (or PASS) "
                                       "or choose another"});
            case ErrorCode::AccountRequired:
                return close_with_error("disconnected", error.text);
            default:
                return numeric("400", {"NICK", error.text});
        }
    }
    if (notice) return;  // NOTICE never gets an error back (RFC 2812 3.3.2)
    switch (error.code) {
        case ErrorCode::UnknownRecipient:
            for (const auto& name : error.names) {
                if (names::is_room(name)) {
                    numeric(command == "PRIVMSG" ? "401" : "403",
                            {channel_name(name),
                             command == "PRIVMSG" ? "No such nick/channel" : "No such channel"});
                } else {
                    numeric("401", {name, "No such nick/channel"});
                }
            }
            return;
        case ErrorCode::NotInRoom:
            for (const auto& name : error.names) {
                if (command == "PRIVMSG") {
                    numeric("404", {channel_name(name), "Cannot send to channel (join it first)"});
                } else {
                    numeric("442", {channel_name(name), "You're not on that channel"});
                }
            }
            return;
        case ErrorCode::EmptyMessage:
            return numeric("412", {"No text to send"});
        case ErrorCode::TooManyRecipients:
            return numeric("407", {current_command ? current_command->target : "*", error.text});
        case ErrorCode::TooManyRooms:
            return numeric("405", {current_command ? current_command->target : "*", error.text});
        case ErrorCode::BadName:
            if (command == "JOIN") return numeric("479", {current_command->target, error.text});
            break;
        case ErrorCode::BadRequest:
            if (command == "JOIN") return;  // already in it: nothing to do
            break;
        default:
            break;
    }
    send({{}, server(), "NOTICE", {me(), error.text}});
}

std::vector<Tag> IrcSession::chat_tags(
    MessageId id, TimestampMs ts, const std::string& account,
    const std::vector<std::pair<std::string, std::string>>& client_tags) const {
    std::vector<Tag> tags;
    if (has(kMessageTags)) {
        for (const auto& [key, value] : client_tags) tags.push_back({key, value});
    }
    if (has(kServerTime)) tags.push_back({"time", iso_time(ts)});
    if (has(kMessageTags) && id != 0) tags.push_back({"msgid", std::to_string(id)});
    if (has(kAccountTag) && !account.empty()) tags.push_back({"account", account});
    return tags;
}

void IrcSession::send_chat_lines(const std::vector<Tag>& tags, std::string_view source,
                                 std::string_view command, std::string_view target,
                                 std::string_view text) {
    if (tags.empty()) {
        if (Frame line = proto::irc::single_chat_line(
                source, command, target, text,
                chat_text_room(chat_line_overhead(source, command, target)))) {
            return enqueue(std::move(line));
        }
    }
    // Rendered into a buffer kept for the next message, then copied into the frame: the
    // frame is the one allocation per message to a nick.
    thread_local std::string rendered;  // sessions run on the loop's thread only
    rendered.clear();
    if (rendered.capacity() > kKeptRenderBytes) rendered.shrink_to_fit();
    render_chat_lines(rendered, tags, source, command, target, text);
    enqueue(make_frame(rendered));
}

void IrcSession::render_chat_lines(std::string& out, const std::vector<Tag>& tags,
                                   std::string_view source, std::string_view command,
                                   std::string_view target, std::string_view text) {
    const std::size_t overhead = chat_line_overhead(source, command, target);
    const std::size_t room = chat_text_room(overhead);
    std::size_t tag_bytes = tags.empty() ? 0 : 2;
    for (const auto& tag : tags) tag_bytes += tag.key.size() + tag.value.size() + 2;
    // Usually exact: one line (escapes or cut lines may grow it once more).
    out.reserve(out.size() + text.size() + (tag_bytes + overhead) * (1 + text.size() / room));
    while (!text.empty()) {
        const auto newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        for_each_utf8_chunk(line, room, [&](std::string_view chunk) {
            proto::irc::append_chat_line(out, tags, source, command, target, chunk);
        });
    }
}

void IrcSession::on_chat(const ChatMessage& chat) {
    const bool mine = is_mine(chat);
    const char* command = chat.notice ? "NOTICE" : "PRIVMSG";
    if (const WireFormatId format = room_lines_format(chat); format != kNoWireFormat) {
        // The first member with these caps makes the lines (deliver() queues them for the
        // others).
        return enqueue(chat.frame(format, [&] {
            const std::string target =
                chat.kind == DestKind::All ? std::string(kAllChannel) : chat.dest;
            std::string lines;
            render_chat_lines(lines, chat_tags(chat.id, chat.ts, chat.account, chat.client_tags),
                              source_of(chat.from), command, target, chat.text);
            return lines;
        }));
    }
    const std::string& my_nick = nick();
    // A note to oneself is addressed to me: it is no echo.
    const bool to_myself = mine && chat.kind == DestKind::Direct && names::same(chat.dest, my_nick);
    if (mine) {
        if (!has(kEchoMessage) && !to_myself) return;
        if (has(kEchoMessage)) occasional().last_echoed = chat.id;
    }
    std::string target;
    switch (chat.kind) {
        case DestKind::All:
            target = std::string(kAllChannel);
            break;
        case DestKind::Room:
            target = chat.dest;
            break;
        case DestKind::Direct:
            target = mine ? chat.dest : my_nick;
            break;
        case DestKind::Multi: {
            // Shown as sent to me if it was; else to the first of my channels it went to.
            const auto parts = split_commas(chat.dest);
            for (const auto& part : parts) {
                if (!mine && names::same(part, my_nick)) {
                    target = my_nick;
                    break;
                }
            }
            for (const auto& part : parts) {
                if (!target.empty()) break;
                if (names::is_all(part)) {
                    target = std::string(kAllChannel);
                } else if (names::is_room(part) && context_.hub.in_room(id_, part)) {
                    target = part;
                }
            }
            if (target.empty()) target = mine ? parts.front() : my_nick;
            break;
        }
    }
    send_chat_lines(chat_tags(chat.id, chat.ts, chat.account, chat.client_tags),
                    reused_source_of(chat.from), command, target, chat.text);
}

void IrcSession::send_join_burst(const std::string& channel) {
    send({{}, source_of(nick()), "JOIN", {channel}});
    send_topic(channel, false);
    send_names(channel);
}

void IrcSession::on_presence(const Presence& presence) {
    const bool self = names::same(presence.user, nick());
    const std::string channel = channel_name(presence.room);
    if (presence.kind == PresenceKind::Join) {
        if (occasional_ && occasional_->last_quit == presence.user) occasional_->last_quit.clear();
        if (self) {
            if (!names::is_all(presence.room)) send_join_burst(channel);
            return;
        }
        // #ALL is everyone: its arrivals and departures would flood every IRC client (and
        // read as noise between a client's own replies). NAMES #ALL tells who is there.
        if (names::is_all(presence.room)) return;
        return send({{}, source_of(presence.user), "JOIN", {channel}});
    }
    if (presence.reason == "left") {
        Params params{channel};
        if (!presence.message.empty()) params.push_back(presence.message);
        return send({{}, source_of(presence.user), "PART", std::move(params)});
    }
    if (self || names::is_all(presence.room)) return;
    // A disconnect leaves every room it was in: one QUIT says it all.
    auto& last_quit = occasional().last_quit;
    if (last_quit == presence.user) return;
    last_quit = presence.user;
    std::string why = presence.reason == "quit" ? std::string("Quit") : "Connection closed";
    if (!presence.message.empty()) why += ": " + presence.message;
    send({{}, source_of(presence.user), "QUIT", {why}});
}

// ---- output ----------------------------------------------------------------------------

void IrcSession::numeric(std::string_view code, Params params) {
    params.insert(params.begin(), me());
    send({{}, server(), std::string(code), std::move(params)});
}

void IrcSession::fail(std::string_view command, std::string_view code, Params context,
                      std::string text) {
    Params params{std::string(command), std::string(code)};
    params.insert(params.end(), context.begin(), context.end());
    params.push_back(std::move(text));
    send({{}, server(), "FAIL", std::move(params)});
}

void IrcSession::send(Message message) {
    send_raw(proto::irc::serialize(message));
}

void IrcSession::send_raw(std::string line) {
    enqueue(make_frame(std::move(line)));
}

// Out of line, so that enqueue(), once per recipient of every broadcast, stays small.
void IrcSession::send_queue_exceeded() {
    outbox_.drop_queued();
    if (context_.config.verbose) spdlog::debug("{} send queue exceeded", label());
    close_gracefully("disconnected", make_frame("ERROR :SendQ Exceeded\r\n"));
}

void IrcSession::schedule_flush() {
    if (flush_scheduled_ || outbox_.writing()) return;
    flush_scheduled_ = true;
    context_.flusher.schedule(shared_from_this());
}

void IrcSession::flush() {
    flush_scheduled_ = false;
    if (phase_ == Phase::Closed || phase_ == Phase::Draining || outbox_.writing()) return;
    if (outbox_.empty()) {
        if (phase_ == Phase::Closing) {
            phase_ = Phase::Draining;
            transport_.finish(shared_from_this());
        }
        return;
    }
    const auto frames = outbox_.begin_write(kFramesPerWrite);
    if (context_.config.verbose) {
        for (const auto& frame : frames) {
            std::string_view line = *frame;
            if (line.size() >= 2) line.remove_suffix(2);
            spdlog::debug("{} -> {}", label(), line);
        }
    }
    transport_.write(frames, shared_from_this());
}

void IrcSession::on_written(boost::system::error_code ec) {
    outbox_.end_write();
    if (phase_ == Phase::Closed) return;
    if (ec) return abort("write failed: " + ec.message());
    if (read_paused_ && outbox_.bytes() <= outbox_.max_bytes() / 4) {
        read_paused_ = false;
        wait_readable();
    }
    flush();
}

void IrcSession::on_finished() {
    finish_close();
}

// ---- closing ---------------------------------------------------------------------------

void IrcSession::close_for_shutdown() {
    close_with_error("disconnected", "Closing Link: the server is shutting down");
}

void IrcSession::close_with_error(std::string_view reason, std::string text) {
    close_gracefully(reason,
                     make_frame(proto::irc::serialize({{}, "", "ERROR", {std::move(text)}})));
}

void IrcSession::close_gracefully(std::string_view reason, Frame last_words) {
    if (phase_ != Phase::Open) return;
    phase_ = Phase::Closing;
    disarm();
    if (occasional_ && occasional_->retry_timer) occasional_->retry_timer->cancel();
    if (context_.config.verbose) spdlog::debug("{} closing ({})", label(), reason);
    // Never from inside the hub's delivery loop: it may be iterating over us.
    asio::post(transport_.executor(), [self = shared_from_this(), why = std::string(reason)] {
        self->context_.hub.detach(self->id_, why,
                                  self->occasional_ ? self->occasional_->quit_message : "");
    });
    if (last_words) outbox_.push_final(std::move(last_words));
    auto& close_timer = occasional().close_timer;
    close_timer = std::make_unique<asio::steady_timer>(transport_.executor());
    close_timer->expires_after(context_.config.close_linger);
    close_timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->finish_close();
    });
    schedule_flush();
}

void IrcSession::abort(std::string_view reason) {
    if (phase_ == Phase::Closed) return;
    if (context_.config.verbose) spdlog::debug("{} dropped ({})", label(), reason);
    if (phase_ == Phase::Open) context_.hub.detach(id_, "disconnected");
    finish_close();
}

void IrcSession::finish_close() {
    if (phase_ == Phase::Closed) return;
    phase_ = Phase::Closed;
    disarm();
    if (occasional_ && occasional_->close_timer) occasional_->close_timer->cancel();
    if (occasional_ && occasional_->retry_timer) occasional_->retry_timer->cancel();
    if (context_.config.verbose) spdlog::debug("{} closed", label());
    transport_.close();
}

}  // namespace hubchat::net
