#include "net/json_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <limits>

#include <boost/json/parse.hpp>

#include "core/names.hpp"
#include "net/account_service.hpp"
#include "net/endpoint_text.hpp"
#include "net/history_log.hpp"
#include "proto/json_write.hpp"
#include "store/login_throttle.hpp"

namespace hubchat::net {
namespace asio = boost::asio;

namespace {

// Most frames an original-dialect client gets per write: it breaks on two in one read.
// When a frame waits behind another, it goes `original_pacing` after it (~200 frames a
// second at most, more than anyone reads). A program (a bot, a load generator) may take
// thousands a second; one that falls behind the pacing streams instead: its frames go
// out gathered, back to back as the original server sent them under load (a program
// reading at that rate from the original server splits the objects itself), until it has
// had nothing to send for kOriginalStreamQuiet, when it is paced again. Falling behind:
// more than kOriginalStreamAfterBacklog frames waiting (a flood), or more than
// kOriginalStreamAfterPacedPerSecond paced writes within a second (a steady flow the pace
// holds back). Three users' whole burst allowance at once is neither. Held to the pace,
// such a client would wait milliseconds per frame, and a backlog would grow until the
// queue cap closed the connection.
constexpr std::size_t kOriginalFramesPerWrite = 1;
constexpr std::size_t kOriginalStreamAfterBacklog = 32;
constexpr std::uint32_t kOriginalStreamAfterPacedPerSecond = 32;
constexpr std::chrono::seconds kOriginalStreamQuiet{1};
constexpr std::size_t kFramesPerWrite = Transport::kMaxFramesPerWrite;

// A refused sign-up as the client is told: waits are rate_limited, with when to retry.
Error sign_up_refusal(const AccountService::RegisterResult& result, Ref ref) {
    if (result.retry_after.count() > 0) {
        Error error{ErrorCode::RateLimited, result.error, std::move(ref), {}};
        error.retry_after_ms = static_cast<std::uint32_t>(result.retry_after.count());
        return error;
    }
    return Error{result.name_taken ? ErrorCode::NameRegistered : ErrorCode::BadRequest,
                 result.error,
                 std::move(ref),
                 {}};
}

// Replaces the value of every "...password" string field with ***: logs must not hold
// passwords, whatever else --verbose shows.
std::string without_passwords(std::string_view frame) {
    std::string out(frame);
    for (std::size_t at = out.find("password\""); at != std::string::npos;
         at = out.find("password\"", at + 1)) {
        std::size_t open = out.find_first_not_of(" \t\r\n:", at + 9);
        if (open == std::string::npos || out[open] != '"') continue;
        std::size_t close = open + 1;
        while (close < out.size() && out[close] != '"') close += out[close] == '\\' ? 2 : 1;
        if (close >= out.size()) close = out.size();
        out.replace(open + 1, close - open - 1, "***");
    }
    return out;
}

// Frames as logged: without the newline, passwords hidden, and long ones cut, so --verbose
// stays readable.
std::string loggable(std::string_view raw) {
    constexpr std::size_t kMaxLogged = 300;
    const std::string redacted = without_passwords(raw);
    std::string_view frame = redacted;
    if (!frame.empty() && frame.back() == '\n') frame.remove_suffix(1);
    if (frame.size() <= kMaxLogged) return std::string(frame);
    return std::string(frame.substr(0, kMaxLogged)) + "... (" + std::to_string(frame.size()) +
           " bytes)";
}

// The client's answer to our keepalive ping. The codec has no command for it (it is no
// request), so it arrives here as an unknown type; only then is the frame parsed again.
bool is_pong(std::string_view frame) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(frame, ec);
    if (ec || !value.is_object()) return false;
    const auto* type = value.get_object().if_contains("type");
    return type != nullptr && type->is_string() && type->get_string() == "pong";
}

// Keepalive pings carry a number the pong copies back; one counter for the loop is enough.
std::string keepalive_ping() {
    thread_local std::uint64_t next_ref = 0;
    std::string line = "{\"type\":\"ping\",\"ref\":";
    proto::append_json_uint(line, ++next_ref);
    line.append("}\n");
    return line;
}

std::string timeout_error(std::string_view text) {
    std::string line = "{\"type\":\"error\",\"code\":\"timeout\",\"message\":";
    proto::append_json_string(line, text, proto::JsonStyle::Compact);
    line.append("}\n");
    return line;
}

}  // namespace

struct JsonSession::Replay {
    std::optional<MessageId> since;  // the client resumes after this id
    MessageId last_id = 0;           // the newest message sent in the replay
    std::vector<MessageId> sent;     // ids sent, ascending: held live copies are dropped
    MessageId inbox_through = 0;     // the newest offline message sent
    std::vector<Event> held;         // live events that came meanwhile
    // The next page, asked for once the output queue has drained (a long replay must
    // not overflow it).
    std::function<void()> next_page;
};

struct JsonSession::Rare {
    std::optional<asio::steady_timer> pacing_timer;       // original dialect only
    std::chrono::steady_clock::time_point streamed_at{};  // the last write while streaming
    std::chrono::steady_clock::time_point paced_since{};  // paced writes counted from
    std::uint32_t paced = 0;                              // how many since then
    std::optional<asio::steady_timer> close_timer;        // bounds a polite close
    std::string held_input;                               // bytes read while awaiting_account_
    std::unique_ptr<Replay> replay;                       // only while replaying
};

JsonSession::Rare& JsonSession::rare() {
    if (!rare_) rare_ = std::make_unique<Rare>();
    return *rare_;
}

void JsonSession::release_rare_if_unused() {
    if (rare_ && !rare_->pacing_timer && !rare_->close_timer && rare_->held_input.empty() &&
        !rare_->replay) {
        rare_.reset();
    }
}

JsonSession::Replay* JsonSession::replay() const {
    return rare_ ? rare_->replay.get() : nullptr;
}

JsonSession::JsonSession(Transport transport, const SessionContext& context)
    : DeadlineWheel::Entry(DeadlineWheel::of(transport.executor())),
      transport_(std::move(transport)),
      context_(context),
      id_(context.hub.attach(*this)),
      outbox_(context.config.max_queue),
      framer_(context.config.max_message) {
    context_.tracker.add(this);
    if (context_.config.verbose) spdlog::debug("{} speaks json", label());
}

std::string JsonSession::label() const {
    return transport_.peer_text();
}

std::string_view JsonSession::name() const {
    // The hub keeps the one copy of the name; after detach there is none.
    const std::string* name = context_.hub.name_of(id_);
    return name != nullptr ? std::string_view(*name) : std::string_view();
}

JsonSession::~JsonSession() {
    context_.tracker.remove(this);
}

void JsonSession::start(std::string_view first_bytes) {
    // The sniffer hands over only connections that have spoken: the clock starts now.
    opened_at_ = input_at_ = wheel().now();
    consume(first_bytes);
    if (phase_ == Phase::Open) arm_deadline(false);
    wait_readable();
}

// ---- reading -----------------------------------------------------------------------

void JsonSession::wait_readable() {
    if (waiting_read_ || read_paused_ || awaiting_account_ || phase_ == Phase::Closing ||
        phase_ == Phase::Closed) {
        return;
    }
    waiting_read_ = true;
    transport_.read(shared_from_this());
}

bool JsonSession::on_bytes(std::string_view bytes) {
    input_at_ = wheel().now();
    ping_sent_ = false;
    if (awaiting_account_) {
        rare().held_input.append(bytes);
        return false;
    }
    if (phase_ == Phase::Open) consume(bytes);
    return phase_ == Phase::Open && !read_paused_ && !awaiting_account_;
}

void JsonSession::on_read_done(boost::system::error_code ec) {
    waiting_read_ = false;
    if (phase_ == Phase::Closed) return;
    if (ec == asio::error::eof) {
        if (phase_ == Phase::Draining) return finish_close();
        // A half-closed client still gets the replies to what it sent.
        if (context_.config.verbose && !framer_.idle()) {
            spdlog::debug("{} left in the middle of a frame", label());
        }
        return close_gracefully("disconnected");
    }
    if (ec) return abort("read failed: " + ec.message());
    wait_readable();
}

void JsonSession::consume(std::string_view bytes) {
    bool new_frame = framer_.idle();  // whether a frame left unfinished began in these bytes
    while (!bytes.empty() && phase_ == Phase::Open && !awaiting_account_) {
        if (framer_.idle() && take_plain_message(bytes)) {
            new_frame = true;
            continue;
        }
        const auto step = framer_.next(bytes);
        bytes.remove_prefix(step.consumed);
        switch (step.kind) {
            case proto::JsonFramer::Kind::NeedMore:
                break;
            case proto::JsonFramer::Kind::Frame:
                on_frame(step.frame);
                break;
            case proto::JsonFramer::Kind::TooLarge:
                reply_error(ErrorCode::TooLarge, "Message larger than " +
                                                     std::to_string(context_.config.max_message) +
                                                     " bytes; it was not delivered");
                break;
            case proto::JsonFramer::Kind::BadFrame:
                reply_error(ErrorCode::BadFrame,
                            "Expected a JSON object; skipping to the end of the line");
                break;
            case proto::JsonFramer::Kind::Fatal: {
                Error error{ErrorCode::TooLarge,
                            "Could not find the end of a frame after " +
                                std::to_string(framer_.scanned()) +
                                " bytes; closing the connection",
                            {},
                            {}};
                close_gracefully("disconnected", encode(error));
                return;
            }
        }
        if (step.kind != proto::JsonFramer::Kind::NeedMore) new_frame = true;
    }
    if (awaiting_account_ && !bytes.empty()) rare().held_input.append(bytes);
    if (framer_.idle()) {
        framer_.release_memory();
    } else if (new_frame) {
        // Its deadline may come before the one armed.
        partial_at_ = input_at_;
        const auto timeout = context_.config.frame_timeout;
        if (timeout.count() > 0 && phase_ == Phase::Open) {
            const auto due = DeadlineWheel::due_after(partial_at_, timeout);
            if (!armed() || due < this->due()) arm(due);
        }
    }
    // Stop taking requests while our own replies pile up unread.
    if (outbox_.bytes() > outbox_.max_bytes() / 2) read_paused_ = true;
}

bool JsonSession::take_plain_message(std::string_view& bytes) {
    // The whitespace between frames, as the framer skips it.
    const std::string_view input = bytes.substr(proto::skip_json_space(bytes, 0));
    proto::InboundFrame decoded;
    const std::size_t length = proto::read_plain_message_prefix(input, decoded);
    // Longer than a frame may be: the framer skips it and says so.
    if (length == 0 || length > context_.config.max_message) return false;
    bytes = input.substr(length);
    if (context_.config.verbose) {
        spdlog::debug("{} <- {}", label(), loggable(input.substr(0, length)));
    }
    on_decoded(decoded);
    return true;
}

void JsonSession::on_frame(std::string_view frame) {
    if (context_.config.verbose) spdlog::debug("{} <- {}", label(), loggable(frame));
    auto decoded = proto::decode_client_frame(frame);
    if (auto* error = std::get_if<proto::DecodeError>(&decoded)) {
        if (is_pong(frame)) return;  // it arrived, which is all a keepalive asks
        return reply_error(error->code, std::move(error->text), std::move(error->ref));
    }
    on_decoded(std::get<proto::InboundFrame>(decoded));
}

// ---- timeouts ----------------------------------------------------------------------

void JsonSession::on_deadline() {
    if (phase_ != Phase::Open) return;
    const auto self = shared_from_this();  // closing must not end us halfway
    const DeadlineWheel::Tick now = wheel().now();
    // While we are the ones not reading (our output is backed up), the peer's silence
    // proves nothing.
    const bool reading = !read_paused_;
    const auto frame_timeout = context_.config.frame_timeout;
    if (reading && frame_timeout.count() > 0 && !framer_.idle() &&
        now >= DeadlineWheel::due_after(partial_at_, frame_timeout)) {
        return close_for_timeout("A frame stayed incomplete for " +
                                 std::to_string(frame_timeout.count()) +
                                 " s; closing the connection");
    }
    const bool registered = context_.hub.name_of(id_) != nullptr;
    const auto registration_timeout = context_.config.registration_timeout;
    if (!registered && registration_timeout.count() > 0 &&
        now >= DeadlineWheel::due_after(opened_at_, registration_timeout)) {
        return close_for_timeout("No name registered within " +
                                 std::to_string(registration_timeout.count()) +
                                 " s; closing the connection");
    }
    const auto idle = context_.config.idle_timeout;
    if (reading && registered && dialect_ == Dialect::Hubchat && idle.count() > 0) {
        if (ping_sent_ && now >= DeadlineWheel::due_after(input_at_, 2 * idle)) {
            return close_for_timeout("No reply to the server's ping within " +
                                     std::to_string(idle.count()) + " s; closing the connection");
        }
        if (!ping_sent_ && now >= DeadlineWheel::due_after(input_at_, idle)) {
            ping_sent_ = true;
            enqueue(make_frame(keepalive_ping()));
        }
    }
    arm_deadline(registered);
}

void JsonSession::arm_deadline(bool registered) {
    auto due = std::numeric_limits<DeadlineWheel::Tick>::max();
    auto consider = [&](DeadlineWheel::Tick since, std::chrono::seconds timeout) {
        if (timeout.count() > 0) due = std::min(due, DeadlineWheel::due_after(since, timeout));
    };
    if (!framer_.idle()) consider(partial_at_, context_.config.frame_timeout);
    if (!registered) consider(opened_at_, context_.config.registration_timeout);
    // Until its first frame a connection may still turn out to speak hubchat; the original
    // client cannot answer a ping, and TCP keepalive covers it.
    if (dialect_ != Dialect::Original) {
        consider(input_at_,
                 ping_sent_ ? 2 * context_.config.idle_timeout : context_.config.idle_timeout);
    }
    if (due == std::numeric_limits<DeadlineWheel::Tick>::max()) return disarm();
    arm(due);
}

void JsonSession::close_for_timeout(const std::string& text) {
    if (context_.config.verbose) spdlog::debug("{} timed out: {}", label(), text);
    close_gracefully("disconnected", make_frame(dialect_ == Dialect::Hubchat
                                                    ? timeout_error(text)
                                                    : proto::original_notice(text, name())));
}

void JsonSession::on_decoded(proto::InboundFrame& frame) {
    if (dialect_ == Dialect::Undecided) {
        dialect_ = frame.typed ? Dialect::Hubchat : Dialect::Original;
    }
    const std::string* name = context_.hub.name_of(id_);
    if (dialect_ == Dialect::Original && name == nullptr) {
        // The original registers a connection under the `user` of its first frame.
        if (!frame.user) {
            return reply_error(ErrorCode::NotRegistered,
                               "Say who you are: put your name in 'user'");
        }
        if (context_.accounts != nullptr && context_.accounts->has_server_password()) {
            return deliver(Error{ErrorCode::AccessDenied,
                                 "This server needs a password, which this client cannot send: "
                                 "use the hubchat client",
                                 {},
                                 {*frame.user}});
        }
        context_.hub.handle(id_, Hello{*frame.user});
        if (context_.hub.name_of(id_) == nullptr) return;  // refused; the hub told the client why
    } else if (frame.user && name != nullptr && !names::same(*frame.user, *name)) {
        return reply_error(
            ErrorCode::Spoofing,
            "You are " + *name + "; a frame claiming to be from " + *frame.user + " was refused");
    } else if (frame.user && name == nullptr && !frame.hello) {
        return reply_error(ErrorCode::NotRegistered, "Say hello with your name first");
    }
    if (frame.register_account) {
        if (name == nullptr) {
            return reply_error(ErrorCode::NotRegistered,
                               "Say hello with the name first, then register it", frame.ref);
        }
        return register_name(*name, std::move(*frame.password), std::move(frame.ref));
    }
    if (frame.hello && name == nullptr && context_.accounts != nullptr) {
        auto& hello = std::get<Hello>(*frame.command);
        // The address (a getpeername and its text) only where there is a password to guess.
        const auto verdict = context_.accounts->has_server_password()
                                 ? context_.accounts->check_server_password(frame.server_password,
                                                                            throttle_address())
                                 : AccountService::ServerPasswordVerdict{true};
        if (verdict.retry_after.count() > 0) {
            Error error{ErrorCode::RateLimited,
                        store::describe(store::ThrottleVerdict{verdict.retry_after}),
                        frame.ref,
                        {hello.name}};
            error.retry_after_ms = static_cast<std::uint32_t>(verdict.retry_after.count());
            return deliver(error);
        }
        if (!verdict.ok) {
            return deliver(
                Error{ErrorCode::AccessDenied,
                      frame.server_password
                          ? "Wrong server password"
                          : "This server needs its password: put it in 'server_password'",
                      frame.ref,
                      {hello.name}});
        }
        if (frame.password) {
            Resume resume{frame.since, std::move(frame.rooms)};
            if (frame.create_account) {
                return sign_up(std::move(hello.name), std::move(*frame.password),
                               std::move(frame.ref), std::move(resume));
            }
            return log_in(std::move(hello.name), std::move(*frame.password), std::move(frame.ref),
                          std::move(resume));
        }
    }
    if (frame.history) return answer_history(std::move(*frame.history), std::move(frame.ref));
    if (!frame.command) {
        if (dialect_ == Dialect::Hubchat) {
            reply_error(ErrorCode::BadRequest, "A frame needs a 'type'");
        }
        return;
    }
    if (std::holds_alternative<Quit>(*frame.command)) return close_gracefully("quit");
    const bool was_registered = name != nullptr;
    context_.hub.handle(id_, std::move(*frame.command));
    if (frame.hello && !was_registered && context_.hub.name_of(id_) != nullptr) {
        after_welcome(Resume{frame.since, std::move(frame.rooms)}, false);
    }
}

void JsonSession::reply_error(ErrorCode code, std::string text, Ref ref) {
    deliver(Error{code, std::move(text), std::move(ref), {}});
}

// ---- accounts ----------------------------------------------------------------------

void JsonSession::log_in(std::string name, std::string password, Ref ref, Resume resume) {
    awaiting_account_ = true;
    context_.accounts->login(
        name, std::move(password), throttle_address(),
        [self = shared_from_this(), name, ref = std::move(ref),
         resume = std::move(resume)](AccountService::LoginResult result) mutable {
            if (self->phase_ != Phase::Open) return;  // gone while the password was checked
            if (result.accepted) {
                self->context_.hub.handle(self->id_, Hello{name, true});
                if (self->context_.hub.name_of(self->id_) != nullptr) {
                    self->after_welcome(std::move(resume), true);
                }
            } else {
                Error error{result.retry_after.count() > 0 ? ErrorCode::RateLimited
                                                           : ErrorCode::LoginFailed,
                            std::move(result.error),
                            ref,
                            {name}};
                error.retry_after_ms = static_cast<std::uint32_t>(result.retry_after.count());
                self->deliver(error);
            }
            self->resume_input();
        });
}

void JsonSession::register_name(const std::string& name, std::string password, Ref ref) {
    awaiting_account_ = true;
    context_.accounts->register_name(
        name, std::move(password), throttle_address(),
        [self = shared_from_this(), name, ref](const AccountService::RegisterResult& result) {
            if (self->phase_ != Phase::Open) return;
            if (result.error.empty()) {
                self->authenticated_ = true;  // the name is the user's own from now on
                self->deliver(Registered{name, ref});
            } else {
                self->deliver(sign_up_refusal(result, ref));
            }
            self->resume_input();
        });
}

// A hello with "register":true: the account is made, then the name taken with it, the
// one way to join a server that takes only registered users.
void JsonSession::sign_up(std::string name, std::string password, Ref ref, Resume resume) {
    if (auto error = context_.hub.check_new_name(name)) {
        error->ref = std::move(ref);
        return deliver(*error);
    }
    awaiting_account_ = true;
    context_.accounts->register_name(
        name, std::move(password), throttle_address(),
        [self = shared_from_this(), name, ref,
         resume = std::move(resume)](const AccountService::RegisterResult& result) mutable {
            if (self->phase_ != Phase::Open) return;
            if (!result.error.empty()) {
                self->deliver(sign_up_refusal(result, ref));
            } else {
                self->context_.hub.handle(self->id_, Hello{name, true});
                if (self->context_.hub.name_of(self->id_) != nullptr) {
                    self->deliver(Registered{name, ref});
                    self->after_welcome(std::move(resume), true);
                }
            }
            self->resume_input();
        });
}

void JsonSession::resume_input() {
    awaiting_account_ = false;
    std::string held;
    if (rare_) held.swap(rare_->held_input);
    consume(held);
    release_rare_if_unused();
    wait_readable();
}

std::string JsonSession::throttle_address() const {
    boost::system::error_code ec;
    const auto remote = transport_.socket().remote_endpoint(ec);
    if (ec) return "?";
    auto address = remote.address();
    if (address.is_v4()) return address.to_string();
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
    // One host usually holds a whole /64: count it as one address.
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes).to_string() + "/64";
}

// ---- history -----------------------------------------------------------------------

namespace {

ChatMessage chat_from_history(store::HistoryMessage& m, ChatOrigin origin) {
    ChatMessage chat;
    chat.id = static_cast<MessageId>(m.id);
    chat.ts = m.ts_ms;
    chat.from = std::move(m.sender);
    chat.dest = std::move(m.dest);
    chat.origin = origin;
    chat.text = std::move(m.text);
    return chat;
}

}  // namespace

void JsonSession::after_welcome(Resume resume, bool authenticated) {
    authenticated_ = authenticated;
    for (auto& room : resume.rooms) context_.hub.handle(id_, JoinRoom{std::move(room), {}});
    if (context_.history == nullptr || dialect_ != Dialect::Hubchat) return;
    if (!resume.since && !authenticated) return;  // nothing waits for a fresh guest
    rare().replay = std::make_unique<Replay>();
    replay()->since = resume.since;
    replay()->last_id = resume.since.value_or(0);
    if (resume.since) return replay_page(*resume.since);
    replay_inbox(0);
}

// Sends one page; true when it was full (there may be more).
bool JsonSession::take_replay_page(std::vector<store::HistoryMessage>& page, ChatOrigin origin) {
    for (auto& m : page) {
        const auto chat = chat_from_history(m, origin);
        replay()->sent.push_back(chat.id);
        replay()->last_id = std::max(replay()->last_id, chat.id);
        if (origin == ChatOrigin::Offline) replay()->inbox_through = chat.id;
        enqueue(make_frame(proto::hubchat_history_message(chat)));
    }
    return page.size() == proto::kMaxHistoryPage;
}

void JsonSession::replay_page(MessageId after) {
    // Guests see ALL and their rooms; direct messages only reach a name that is its user's.
    const std::string user = authenticated_ ? std::string(name()) : std::string();
    context_.history->visible_after(
        user, context_.hub.rooms_of(id_), static_cast<std::int64_t>(after), proto::kMaxHistoryPage,
        [self = shared_from_this()](HistoryLog::Answer answer) {
            if (self->phase_ != Phase::Open || !self->replay()) return;
            if (!answer.error.empty()) {
                spdlog::warn("{}: history replay failed: {}", self->label(), answer.error);
                return self->finish_replay();
            }
            if (self->take_replay_page(answer.messages, ChatOrigin::Replay)) {
                return self->continue_replay(
                    [self] { self->replay_page(self->replay()->last_id); });
            }
            // What waited in the inbox is in the replay already (it was sent to them).
            if (self->authenticated_) self->replay()->inbox_through = self->replay()->last_id;
            self->finish_replay();
        });
}

void JsonSession::replay_inbox(MessageId after) {
    context_.history->inbox(
        std::string(name()), static_cast<std::int64_t>(after), proto::kMaxHistoryPage,
        [self = shared_from_this()](HistoryLog::Answer answer) {
            if (self->phase_ != Phase::Open || !self->replay()) return;
            if (!answer.error.empty()) {
                spdlog::warn("{}: offline messages not read: {}", self->label(), answer.error);
                return self->finish_replay();
            }
            if (self->take_replay_page(answer.messages, ChatOrigin::Offline)) {
                return self->continue_replay(
                    [self] { self->replay_inbox(self->replay()->inbox_through); });
            }
            self->finish_replay();
        });
}

void JsonSession::continue_replay(std::function<void()> next_page) {
    if (outbox_.bytes() <= outbox_.max_bytes() / 4) return next_page();
    replay()->next_page = std::move(next_page);  // on_written() asks for it
}

void JsonSession::finish_replay() {
    const auto replay = std::move(rare_->replay);  // from here on, deliver() sends at once
    if (replay->since) {
        enqueue(make_frame(proto::hubchat_replayed(replay->last_id)));
    }
    for (const auto& event : replay->held) {
        if (const auto* chat = std::get_if<ChatPtr>(&event)) {
            const MessageId id = (*chat)->id;
            if (std::binary_search(replay->sent.begin(), replay->sent.end(), id)) continue;
        }
        deliver(event);
    }
    // Queued, not yet written: a crash now delivers them again at the next login (the
    // client drops repeats by id), never loses them.
    if (authenticated_ && replay->inbox_through > 0) {
        context_.history->mark_delivered(std::string(name()),
                                         static_cast<std::int64_t>(replay->inbox_through));
    }
    release_rare_if_unused();
}

void JsonSession::answer_history(proto::InboundFrame::HistoryRequest request, Ref ref) {
    if (context_.hub.name_of(id_) == nullptr) {
        return reply_error(ErrorCode::NotRegistered, "Say hello with your name first", ref);
    }
    if (context_.history == nullptr) {
        return reply_error(ErrorCode::HistoryOff,
                           "This server keeps no history (it runs with --no-history)", ref);
    }
    const auto before =
        request.before ? static_cast<std::int64_t>(*request.before) : store::HistoryStore::kLatest;
    auto answered = [self = shared_from_this(), ref,
                     with = request.with](HistoryLog::Answer answer) {
        if (self->phase_ != Phase::Open) return;
        if (!answer.error.empty()) {
            return self->reply_error(ErrorCode::StorageFailed,
                                     "History could not be read: " + answer.error, ref);
        }
        std::vector<ChatMessage> messages;
        messages.reserve(answer.messages.size());
        for (auto& m : answer.messages) messages.push_back(chat_from_history(m, ChatOrigin::Live));
        self->enqueue(make_frame(proto::hubchat_history_page(ref, with, messages)));
    };
    if (names::is_all(request.with)) {
        return context_.history->room_before(std::string(names::kAllRoom), before, request.limit,
                                             std::move(answered));
    }
    if (names::is_room(request.with)) {
        if (!context_.hub.in_room(id_, request.with)) {
            return reply_error(ErrorCode::NotInRoom,
                               "You are not in " + request.with + "; join it to read its history",
                               ref);
        }
        return context_.history->room_before(request.with, before, request.limit,
                                             std::move(answered));
    }
    if (!authenticated_) {
        return reply_error(ErrorCode::AccessDenied,
                           "Only the owner of a registered name can read its direct messages: "
                           "log in (or /register) first",
                           ref);
    }
    context_.history->conversation(std::string(name()), request.with, before, request.limit,
                                   std::move(answered));
}

// ---- writing -----------------------------------------------------------------------

void JsonSession::deliver(const Event& event) {
    // The bulk of a busy hub's deliveries, a chat message to an open hubchat-dialect
    // connection: after its first recipient the frame is in the message's cache, so take
    // it from there rather than through encode()'s dispatch on every event type. Every
    // call this path makes is its last (the others are deliver_encoded's), so it saves no
    // registers: a broadcast comes here once per recipient.
    if (const auto* chat = std::get_if<ChatPtr>(&event);
        chat && dialect_ == Dialect::Hubchat && phase_ == Phase::Open && !replay()) {
        if (const Frame* cached = (*chat)->cached(proto::kHubchatJson)) return enqueue(*cached);
    }
    deliver_encoded(event);
}

void JsonSession::deliver_encoded(const Event& event) {
    if (phase_ != Phase::Open) return;
    if (replay()) {  // after the replay, in order
        replay()->held.push_back(event);
        return;
    }
    if (const Frame frame = encode(event)) enqueue(frame);
}

Frame JsonSession::encode(const Event& event) const {
    if (dialect_ == Dialect::Hubchat) {
        return proto::hubchat_event_frame(event);
    }
    // Undecided connections get the original's shapes too: every JSON client reads them.
    if (const auto* chat = std::get_if<ChatPtr>(&event)) return proto::original_frame(**chat);
    if (auto text = proto::encode_original(event, name())) {
        return make_frame(std::move(*text));
    }
    return nullptr;
}

// Out of line, so that enqueue(), once per recipient of every broadcast, stays small.
void JsonSession::send_queue_exceeded() {
    // This client does not keep up. Drop its backlog, tell it why, and let everyone else
    // go on; the hub is told later, never from inside its own delivery loop.
    outbox_.drop_queued();
    Error error{ErrorCode::SendQueueExceeded,
                "You are not reading fast enough (more than " +
                    std::to_string(outbox_.max_bytes()) + " bytes waiting); closing the connection",
                {},
                {}};
    if (context_.config.verbose) spdlog::debug("{} send queue exceeded", label());
    close_gracefully("disconnected", encode(error));
}

void JsonSession::schedule_flush() {
    // Deliveries made in one turn of the loop are gathered into one write.
    if (flush_scheduled_ || outbox_.writing() || pacing_) return;
    flush_scheduled_ = true;
    context_.flusher.schedule(shared_from_this());
}

void JsonSession::flush() {
    flush_scheduled_ = false;
    if (phase_ == Phase::Closed || phase_ == Phase::Draining || outbox_.writing() || pacing_) {
        return;
    }
    if (outbox_.empty()) {
        if (phase_ == Phase::Closing) {
            // Everything said: end the stream politely, then close.
            phase_ = Phase::Draining;
            transport_.finish(shared_from_this());
        }
        return;
    }
    std::size_t max_frames = kFramesPerWrite;
    if (dialect_ != Dialect::Hubchat) {
        if (streaming_) {
            const auto now = std::chrono::steady_clock::now();
            auto& streamed_at = rare().streamed_at;
            if (now - streamed_at >= kOriginalStreamQuiet) streaming_ = false;
            streamed_at = now;
        }
        if (!streaming_) max_frames = kOriginalFramesPerWrite;
    }
    const auto frames = outbox_.begin_write(max_frames);
    if (context_.config.verbose) {
        for (const auto& frame : frames) spdlog::debug("{} -> {}", label(), loggable(*frame));
    }
    transport_.write(frames, shared_from_this());
}

void JsonSession::on_written(boost::system::error_code ec) {
    outbox_.end_write();
    if (phase_ == Phase::Closed) return;
    if (ec) return abort("write failed: " + ec.message());
    if (replay() && replay()->next_page && outbox_.bytes() <= outbox_.max_bytes() / 4) {
        std::exchange(replay()->next_page, nullptr)();
    }
    if (read_paused_ && outbox_.bytes() <= outbox_.max_bytes() / 4) {
        read_paused_ = false;
        wait_readable();
    }
    if (dialect_ != Dialect::Hubchat && !streaming_ && !outbox_.empty() &&
        context_.config.original_pacing.count() > 0 && !falls_behind_pacing()) {
        auto& timer = rare().pacing_timer;
        if (!timer) timer.emplace(transport_.executor());
        pacing_ = true;
        timer->expires_after(context_.config.original_pacing);
        timer->async_wait([self = shared_from_this()](boost::system::error_code) {
            self->pacing_ = false;
            self->flush();
        });
        return;
    }
    flush();
}

bool JsonSession::falls_behind_pacing() {
    auto& rare_part = rare();
    const auto now = std::chrono::steady_clock::now();
    if (now - rare_part.paced_since >= std::chrono::seconds(1)) {
        rare_part.paced_since = now;
        rare_part.paced = 0;
    }
    ++rare_part.paced;
    if (outbox_.queued_frames() <= kOriginalStreamAfterBacklog &&
        rare_part.paced <= kOriginalStreamAfterPacedPerSecond) {
        return false;
    }
    streaming_ = true;
    rare_part.streamed_at = now;
    return true;
}

// ---- closing -----------------------------------------------------------------------

void JsonSession::on_finished() {
    finish_close();
}

void JsonSession::close_for_shutdown() {
    close_gracefully("disconnected");
}

void JsonSession::close_gracefully(std::string_view reason, Frame last_words) {
    if (phase_ != Phase::Open) return;
    phase_ = Phase::Closing;
    if (context_.config.verbose) spdlog::debug("{} closing ({})", label(), reason);
    asio::post(transport_.executor(), [self = shared_from_this(), why = std::string(reason)] {
        self->context_.hub.detach(self->id_, why);
    });
    if (last_words) outbox_.push_final(std::move(last_words));
    auto& timer = rare().close_timer;
    timer.emplace(transport_.executor());
    timer->expires_after(context_.config.close_linger);
    timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->finish_close();
    });
    schedule_flush();
}

void JsonSession::abort(std::string_view reason) {
    if (phase_ == Phase::Closed) return;
    if (context_.config.verbose) spdlog::debug("{} dropped ({})", label(), reason);
    if (phase_ == Phase::Open) context_.hub.detach(id_, "disconnected");
    finish_close();
}

void JsonSession::finish_close() {
    if (phase_ == Phase::Closed) return;
    phase_ = Phase::Closed;
    disarm();
    if (rare_ && rare_->pacing_timer) rare_->pacing_timer->cancel();
    if (rare_ && rare_->close_timer) rare_->close_timer->cancel();
    if (rare_) rare_->replay.reset();  // its pending page holds a reference to us
    if (context_.config.verbose) spdlog::debug("{} closed", label());
    transport_.close();
}

}  // namespace hubchat::net
