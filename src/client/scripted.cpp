#include "client/scripted.hpp"

#include <type_traits>
#include <utility>

#include "client/codec.hpp"
#include "client/render.hpp"
#include "core/names.hpp"

namespace hubchat::client {
namespace {

// The ref of --sign-up's hello, answered by `registered` after the welcome (--send's
// message and ping have 1 and 2).
constexpr std::uint64_t kSignUpRef = 3;

// The hello of `name`: a sign-up (with `sign_up_ref`) or a plain one. With `hidden`, as
// --verbose shows it: passwords never reach the screen.
std::string hello(std::string_view name, const Credentials& credentials, bool sign_up,
                  std::uint64_t sign_up_ref, bool hidden = false, const Resume& resume = {}) {
    Credentials shown = credentials;
    if (hidden) {
        constexpr std::string_view kHidden = "********";
        if (shown.password) shown.password = std::string(kHidden);
        if (shown.server_password) shown.server_password = std::string(kHidden);
    }
    if (sign_up) return encode_sign_up(name, shown, sign_up_ref, resume);
    return encode_hello(name, shown, resume);
}

std::string sending_line(std::string_view frame) {
    return "\tsending \"" + printable(frame.substr(0, frame.size() - 1)) + "\"";
}

// A refused hello: the server's reason, and the option that answers it if there is one.
void warn_refusal(Host& host, const event::Error& error, std::string_view name, bool sign_up) {
    for (const auto& line : script_refusal_lines(error, name, sign_up)) host.warn(line);
}

std::string registered_line(const event::Registered& registered, std::string_view name) {
    return "hubchat: the name " + printable(registered.name.empty() ? name : registered.name) +
           " is now registered to you";
}

}  // namespace

// ---- --send -------------------------------------------------------------------------

SendSession::SendSession(Host& host, std::string name, std::string to, std::string text,
                         bool verbose, Credentials credentials, bool sign_up)
    : host_(host),
      name_(std::move(name)),
      credentials_(std::move(credentials)),
      to_(std::move(to)),
      text_(std::move(text)),
      verbose_(verbose),
      sign_up_(sign_up) {}

void SendSession::connected() {
    if (verbose_) {
        host_.warn(sending_line(hello(name_, credentials_, sign_up_, kSignUpRef, true)));
    }
    host_.send(hello(name_, credentials_, sign_up_, kSignUpRef));
}

void SendSession::disconnected(std::string_view why) {
    if (finished_) return;
    host_.warn("hubchat: lost the connection to the server (" + std::string(why) + ")");
    finish(1);
}

void SendSession::received(std::string_view line) {
    if (verbose_) host_.warn("\treceived '" + printable(line) + "'");
    const std::optional<ServerEvent> event = decode_server_line(line);
    if (!event || finished_) return;
    if (std::holds_alternative<event::Welcome>(*event)) {
        welcomed_ = true;
        transmit(encode_message(to_, text_, kMessageRef));
        transmit(encode_query(Query::Ping, kPingRef));
    } else if (const auto* ack = std::get_if<event::Ack>(&*event)) {
        if (ack->ref == kMessageRef) {
            acked_ = true;
            if (!ack->failed.empty()) refused_ = true;  // the error line says which
            if (pong_seen_) finish(refused_ ? 1 : 0);
        }
    } else if (const auto* error = std::get_if<event::Error>(&*event)) {
        if (!welcomed_) {
            warn_refusal(host_, *error, name_, sign_up_);
            return finish(1);  // the name was refused
        }
        host_.warn("hubchat: " + printable(error->message));
        if (error->ref == kMessageRef) {
            refused_ = true;
            if (pong_seen_) finish(1);
        }
    } else if (const auto* ping = std::get_if<event::Ping>(&*event)) {
        transmit(encode_pong(ping->ref));
    } else if (const auto* registered = std::get_if<event::Registered>(&*event)) {
        if (sign_up_ && registered->ref == kSignUpRef) {
            host_.warn(registered_line(*registered, name_));
        }
    } else if (const auto* pong = std::get_if<event::Pong>(&*event)) {
        if (pong->ref != kPingRef) return;
        // Refusals come at once, so before the pong; a server keeping history acks only
        // once the message is stored, which may be after it.
        pong_seen_ = true;
        if (acked_ || refused_) finish(acked_ && !refused_ ? 0 : 1);
    } else if (const auto* chat = std::get_if<event::Chat>(&*event)) {
        // Instead of a welcome, a server turning the connection away (e.g. --require-tls)
        // says why in a notice before it closes; that reason beats "connection lost".
        if (!welcomed_ && chat->from == names::kServerName) {
            host_.warn("hubchat: " + printable(chat->text));
        }
    }
}

void SendSession::interrupted() {
    if (finished_) return;
    host_.warn("hubchat: interrupted; the message may not have been delivered");
    finish(130);
}

void SendSession::transmit(std::string frame) {
    if (verbose_) host_.warn(sending_line(frame));
    host_.send(std::move(frame));
}

void SendSession::finish(int code) {
    finished_ = true;
    host_.finish(code);
}

// ---- --listen -----------------------------------------------------------------------

ListenSession::ListenSession(Host& host, std::string name, bool json, bool verbose,
                             Credentials credentials, bool sign_up)
    : host_(host),
      name_(std::move(name)),
      credentials_(std::move(credentials)),
      json_(json),
      verbose_(verbose),
      sign_up_(sign_up) {}

void ListenSession::connected() {
    connected_ = true;
    awaiting_welcome_ = true;
    // After a reconnection, everything since the last message printed.
    const Resume resume{stream_.last_id(), {}};
    stream_.resume(resume.since);
    if (verbose_) {
        host_.warn(sending_line(hello(name_, credentials_, sign_up_, kSignUpRef, true, resume)));
    }
    host_.send(hello(name_, credentials_, sign_up_, kSignUpRef, false, resume));
}

void ListenSession::disconnected(std::string_view why) {
    connected_ = false;
    awaiting_welcome_ = false;
    if (finished_ || loss_announced_) return;
    loss_announced_ = true;
    host_.warn("hubchat: connection to the server lost (" + std::string(why) +
               "); reconnecting...");
}

void ListenSession::received(std::string_view line) {
    if (verbose_) host_.warn("\treceived '" + printable(line) + "'");
    const std::optional<ServerEvent> event = decode_server_line(line);
    if (!event || finished_) return;
    if (const auto* chat = std::get_if<event::Chat>(&*event)) {
        if (!stream_.accept(*chat)) return;  // printed already
        if (json_) return host_.show(line);
        return host_.show(listen_line(*chat));
    }
    if (const auto* welcome = std::get_if<event::Welcome>(&*event)) {
        awaiting_welcome_ = false;
        signed_up_ = std::exchange(sign_up_, false);  // the account exists: log in from now on
        // Also when the connection was lost before the first welcome: the loss was told.
        if (loss_announced_) host_.warn("hubchat: reconnected as " + printable(welcome->name));
        loss_announced_ = false;
    } else if (const auto* error = std::get_if<event::Error>(&*event)) {
        if (!awaiting_welcome_) return host_.warn("hubchat: " + printable(error->message));
        warn_refusal(host_, *error, name_, sign_up_);
        finished_ = true;
        host_.finish(1);
    } else if (const auto* ping = std::get_if<event::Ping>(&*event)) {
        const std::string pong = encode_pong(ping->ref);
        if (verbose_) host_.warn(sending_line(pong));
        host_.send(pong);
    } else if (const auto* registered = std::get_if<event::Registered>(&*event)) {
        if (std::exchange(signed_up_, false) && registered->ref == kSignUpRef) {
            host_.warn(registered_line(*registered, name_));
        }
    } else if (const auto* shutdown = std::get_if<event::Shutdown>(&*event)) {
        host_.warn("hubchat: " + printable(shutdown->message));
    } else if (std::holds_alternative<event::Replayed>(*event)) {
        stream_.replayed();
    }
}

void ListenSession::interrupted() {
    if (finished_) return;
    finished_ = true;
    if (connected_) host_.send(encode_quit());
    host_.finish(0);
}

}  // namespace hubchat::client
