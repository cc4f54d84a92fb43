#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "options.hpp"

namespace hubchat::bench {

// What a frame from the server means to a simulated client. Views point into the frame.
struct Inbound {
    enum class Kind {
        ignored,     // anything the benchmark does not act on (acks, MOTD, others' joins)
        registered,  // the server accepted our name
        joined,      // we are now a member of the room
        message,     // a chat message: from, dest, text
        ping,        // the server wants a PONG carrying `text`
        pong,        // the answer to our own ping: everything sent to us before it has arrived
        user_list,   // the answer to our user list request, the original dialect's one round
                     // trip: registered, joined or pong, by what the connection waits for
        error,       // the server refused something we did: `text` says what
        closing,     // the server is about to close the connection: `text` says why
        malformed,   // a frame the driver cannot read
    };
    Kind kind = Kind::ignored;
    std::string_view from;
    std::string_view dest;
    std::string_view text;

    static Inbound of(Kind kind, std::string_view text = {}) {
        Inbound inbound;
        inbound.kind = kind;
        inbound.text = text;
        return inbound;
    }
    static Inbound chat(std::string_view from, std::string_view dest, std::string_view text) {
        Inbound inbound = of(Kind::message, text);
        inbound.from = from;
        inbound.dest = dest;
        return inbound;
    }
};

// Where the search for the end of a frame stopped at the end of the bytes read so far, so
// that the next read resumes it rather than scanning the carried-over bytes again. Only
// brace-delimited framing needs it; line framing has nothing to remember.
struct FrameScan {
    std::uint32_t depth = 0;  // braces open outside strings
    bool in_string = false;
    bool escaped = false;  // in a string, after a backslash: the next byte is taken as is
};

// One wire protocol, seen from a client. Formatting appends to a connection's output
// buffer so that several requests leave in one write. Stateless: one driver serves every
// connection of a worker.
class ProtocolDriver {
  public:
    virtual ~ProtocolDriver() = default;

    virtual void append_register(std::string& out, std::string_view name) const = 0;
    // `own_name` is the connection's registered name: the original dialect repeats it in
    // every frame.
    virtual void append_join(std::string& out, std::string_view own_name,
                             std::string_view room) const = 0;
    // A message is written as head, then the payload text, then tail, so the payload is
    // formatted straight into the output buffer. The tail repeats `dest` because the
    // original dialect writes it after the text.
    virtual void append_message_head(std::string& out, std::string_view own_name,
                                     std::string_view dest) const = 0;
    virtual void append_message_tail(std::string& out, std::string_view dest) const = 0;
    virtual void append_quit(std::string& out) const = 0;
    virtual void append_pong(std::string& out, std::string_view token) const = 0;
    // A round trip through the server: when its answer arrives, so has everything the
    // server queued for this connection before it (the JOIN flood of a big IRC channel).
    virtual void append_ping(std::string& out, std::string_view own_name) const = 0;

    // How many bytes of `received` complete the frame being read (its terminator
    // included), or npos if they do not: then `received` is carried over and the next
    // read's bytes are given with the same `scan`. Lines by default.
    virtual std::size_t frame_end(std::string_view received, FrameScan& /*scan*/) const {
        const auto newline = received.find('\n');
        return newline == std::string_view::npos ? newline : newline + 1;
    }
    // `frame` has no line terminator (neither LF nor CR LF).
    virtual Inbound parse(std::string_view frame, std::string_view own_name,
                          std::string_view room) const = 0;

    // hubchat delivers a room message to its sender too; IRC servers do not.
    virtual bool echoes_room_messages() const = 0;
    // After a quit request, the server closes the connection by itself. Otherwise the
    // client hangs up without a word (the original dialect has no quit).
    virtual bool server_closes_after_quit() const = 0;
};

std::unique_ptr<ProtocolDriver> make_json_driver();
std::unique_ptr<ProtocolDriver> make_irc_driver();
std::unique_ptr<ProtocolDriver> make_original_driver();
inline std::unique_ptr<ProtocolDriver> make_driver(Protocol protocol) {
    switch (protocol) {
        case Protocol::json:
            return make_json_driver();
        case Protocol::irc:
            return make_irc_driver();
        case Protocol::original:
            return make_original_driver();
    }
    return make_json_driver();
}

}  // namespace hubchat::bench
