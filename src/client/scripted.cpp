#include "client/scripted.hpp"

#include <type_traits>

#include "client/codec.hpp"
#include "client/render.hpp"
#include "core/names.hpp"

namespace hubchat::client {
namespace {

// What --verbose shows of a hello: passwords never reach the screen.
std::string hello_shown(std::string_view name, const Credentials& credentials) {
    constexpr std::string_view kHidden = "********";
    Credentials hidden;
    if (credentials.password) hidden.password = std::string(kHidden);
    if (credentials.server_password) hidden.server_password = std::string(kHidden);
    return encode_hello(name, hidden);
}

std::string sending_line(std::string_view frame) {
    return "\tsending \"" + printable(frame.substr(0, frame.size() - 1)) + "\"";
}

// A refused hello: the server's reason, and the option that answers it if there is one.
void warn_refusal(Host& host, const event::Error& error) {
    host.warn("hubchat: " + printable(error.message));
    if (error.code == "name_registered" || error.code == "account_required") {
        host.warn("hubchat: give its password with --password-file FILE");
    } else if (error.code == "access_denied") {
        host.warn("hubchat: give the server's password with --server-password-file FILE");
    }
}

}  // namespace

// ---- --send -------------------------------------------------------------------------

SendSession::SendSession(Host& host, std::string name, std::string to, std::string text,
                         bool verbose, Credentials credentials)
    : host_(host),
      name_(std::move(name)),
      credentials_(std::move(credentials)),
      to_(std::move(to)),
      text_(std::move(text)),
      verbose_(verbose) {}

void SendSession::connected() {
    if (verbose_) host_.warn(sending_line(hello_shown(name_, credentials_)));
    host_.send(encode_hello(name_, credentials_));
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
        }
    } else if (const auto* error = std::get_if<event::Error>(&*event)) {
        if (!welcomed_) {
            warn_refusal(host_, *error);
            return finish(1);  // the name was refused
        }
        host_.warn("hubchat: " + printable(error->message));
        if (error->ref == kMessageRef) refused_ = true;
    } else if (const auto* ping = std::get_if<event::Ping>(&*event)) {
        transmit(encode_pong(ping->ref));
    } else if (const auto* pong = std::get_if<event::Pong>(&*event)) {
        if (pong->ref == kPingRef) finish(acked_ && !refused_ ? 0 : 1);
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
                             Credentials credentials)
    : host_(host),
      name_(std::move(name)),
      credentials_(std::move(credentials)),
      json_(json),
      verbose_(verbose) {}

void ListenSession::connected() {
    connected_ = true;
    awaiting_welcome_ = true;
    if (verbose_) host_.warn(sending_line(hello_shown(name_, credentials_)));
    host_.send(encode_hello(name_, credentials_));
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
        if (json_) return host_.show(line);
        return host_.show(listen_line(*chat));
    }
    if (const auto* welcome = std::get_if<event::Welcome>(&*event)) {
        awaiting_welcome_ = false;
        // Also when the connection was lost before the first welcome: the loss was told.
        if (loss_announced_) host_.warn("hubchat: reconnected as " + printable(welcome->name));
        loss_announced_ = false;
    } else if (const auto* error = std::get_if<event::Error>(&*event)) {
        if (!awaiting_welcome_) return host_.warn("hubchat: " + printable(error->message));
        warn_refusal(host_, *error);
        finished_ = true;
        host_.finish(1);
    } else if (const auto* ping = std::get_if<event::Ping>(&*event)) {
        const std::string pong = encode_pong(ping->ref);
        if (verbose_) host_.warn(sending_line(pong));
        host_.send(pong);
    } else if (const auto* shutdown = std::get_if<event::Shutdown>(&*event)) {
        host_.warn("hubchat: " + printable(shutdown->message));
    }
}

void ListenSession::interrupted() {
    if (finished_) return;
    finished_ = true;
    if (connected_) host_.send(encode_quit());
    host_.finish(0);
}

}  // namespace hubchat::client
