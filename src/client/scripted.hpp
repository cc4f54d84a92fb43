// The non-interactive modes: `--send` (one message, exit status says whether the server
// took it) and `--listen` (print what arrives, one line per message). Same Host/Session
// contract as the chat client, so they are tested the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "client/codec.hpp"
#include "client/message_stream.hpp"
#include "client/session.hpp"

namespace hubchat::client {

// Exit codes: 0 once the server acknowledged the message to every recipient; 1 when it
// refused it (all or some recipients), the name or the password, or the connection
// failed; 130 on Ctrl-C. `sign_up` (--sign-up): the hello creates the name's account with
// the credentials' password first.
class SendSession final : public Session {
  public:
    SendSession(Host& host, std::string name, std::string to, std::string text, bool verbose,
                Credentials credentials = {}, bool sign_up = false);

    void connected() override;
    void disconnected(std::string_view why) override;
    void received(std::string_view line) override;
    void typed(std::optional<std::string>) override {}
    void interrupted() override;

  private:
    void transmit(std::string frame);
    void finish(int code);

    Host& host_;
    std::string name_;
    Credentials credentials_;
    std::string to_;
    std::string text_;
    bool verbose_;
    bool sign_up_;
    bool welcomed_ = false;
    bool acked_ = false;
    bool refused_ = false;
    bool pong_seen_ = false;  // every refusal is in; the ack may still come
    bool finished_ = false;
    static constexpr std::uint64_t kMessageRef = 1;
    static constexpr std::uint64_t kPingRef = 2;  // its pong comes after every reply above
};

// Prints `alice: hi` (or `alice in #dev: hi`) per message, or with `json` each message
// frame exactly as received. Reconnects like the chat client, resuming after the last
// message printed (so a server restart loses nothing and repeats nothing); Ctrl-C exits
// 0. `sign_up`: the first hello creates the account; once welcomed, reconnections log in
// with it.
class ListenSession final : public Session {
  public:
    ListenSession(Host& host, std::string name, bool json, bool verbose,
                  Credentials credentials = {}, bool sign_up = false);

    void connected() override;
    void disconnected(std::string_view why) override;
    void received(std::string_view line) override;
    void typed(std::optional<std::string>) override {}
    void interrupted() override;

  private:
    Host& host_;
    std::string name_;
    Credentials credentials_;  // in the hello of every connection
    bool json_;
    bool verbose_;
    bool sign_up_;            // until the first welcome
    bool signed_up_ = false;  // welcomed after signing up: its `registered` is next
    bool connected_ = false;
    bool awaiting_welcome_ = false;
    bool loss_announced_ = false;
    bool finished_ = false;
    MessageStream stream_;
};

}  // namespace hubchat::client
