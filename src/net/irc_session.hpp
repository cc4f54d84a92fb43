// A connection speaking IRC (RFC 1459/2812, the Modern IRC Client Protocol, IRCv3 caps),
// over plain TCP or TLS: the adapter between IRC lines and the hub. IRC users and hubchat
// users share the hub: a nick is a hubchat name, a channel a room, and hubchat's ALL the
// channel #ALL that everyone is in from registration.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hub.hpp"
#include "net/connection_tracker.hpp"
#include "net/deadline_wheel.hpp"
#include "net/flush_scheduler.hpp"
#include "net/json_session.hpp"  // SessionContext
#include "net/outbox.hpp"
#include "net/transport.hpp"
#include "proto/irc_line.hpp"

namespace hubchat::store {
struct HistoryMessage;
}

namespace hubchat::net {

class IrcSession final : public Peer,
                         public Closable,
                         public Flushable,
                         public StreamUser,
                         public std::enable_shared_from_this<IrcSession>,
                         private DeadlineWheel::Entry {
  public:
    IrcSession(Transport transport, const SessionContext& context);
    ~IrcSession() override;

    // Begins with bytes the listener already read while sniffing.
    void start(std::string_view first_bytes);

    void deliver(const Event& event) override;
    bool wants_away() const override;
    void close_for_shutdown() override;

    // Capabilities (IRCv3 CAP), as bits (at most 16).
    enum Cap : std::uint16_t {
        kMessageTags = 1u << 0,
        kServerTime = 1u << 1,
        kEchoMessage = 1u << 2,
        kMultiPrefix = 1u << 3,
        kAwayNotify = 1u << 4,
        kAccountTag = 1u << 5,
        kSasl = 1u << 6,
        kBatch = 1u << 7,
        kChatHistory = 1u << 8,
    };

  private:
    enum class Phase : std::uint8_t { Open, Closing, Draining, Closed };
    using Params = std::vector<std::string>;
    struct CommandSpec;
    friend struct CommandSpec;

    // ---- input
    void wait_readable();
    bool on_bytes(std::string_view bytes) override;
    void on_read_done(boost::system::error_code ec) override;
    void consume(std::string_view bytes);
    void on_line(std::string_view line);
    void hold_input();
    void resume_input();
    void on_deadline() override;
    void arm_deadline();

    // ---- registration
    void on_cap(const proto::irc::Message& m);
    void on_nick(const proto::irc::Message& m);
    void on_user(const proto::irc::Message& m);
    void on_pass(const proto::irc::Message& m);
    void on_authenticate(const proto::irc::Message& m);
    void try_register();
    void say_hello(std::string name, bool authenticated);
    void on_welcome(const Welcome& welcome);  // the name is the hub's (see nick())
    void send_lusers();
    void send_motd();

    // ---- commands after registration
    void on_message(proto::irc::Message& m, bool notice);
    void on_join(const proto::irc::Message& m);
    void on_part(const proto::irc::Message& m);
    void on_names(const proto::irc::Message& m);
    void on_who(const proto::irc::Message& m);
    void on_whois(const proto::irc::Message& m);
    void on_list(const proto::irc::Message& m);
    void on_topic(const proto::irc::Message& m);
    void on_away(const proto::irc::Message& m);
    void on_mode(const proto::irc::Message& m);
    void on_userhost(const proto::irc::Message& m);
    void on_ison(const proto::irc::Message& m);
    void on_quit(const proto::irc::Message& m);
    void on_ping(const proto::irc::Message& m);
    void on_chathistory(const proto::irc::Message& m);

    // ---- output
    void on_error(const Error& error);
    [[gnu::noinline]] void deliver_other(const Event& event);  // deliver() but its fast path
    void on_chat(const ChatMessage& chat);
    bool is_mine(const ChatMessage& chat) const;  // sent by this connection's user
    [[gnu::noinline]] bool is_mine_by_name(const ChatMessage& chat) const;  // is_mine's last test
    // The cache slot of the lines a room message takes to this member (by its caps), or
    // kMaxWireFormats when it takes none from the cache (its sender, or not a room).
    WireFormatId room_lines_format(const ChatMessage& chat) const;
    void on_presence(const Presence& presence);
    void send_chat_lines(const std::vector<proto::irc::Tag>& tags, std::string_view source,
                         std::string_view command, std::string_view target, std::string_view text);
    // Appends the lines to `out`.
    static void render_chat_lines(std::string& out, const std::vector<proto::irc::Tag>& tags,
                                  std::string_view source, std::string_view command,
                                  std::string_view target, std::string_view text);
    std::vector<proto::irc::Tag> chat_tags(
        MessageId id, TimestampMs ts, const std::string& account,
        const std::vector<std::pair<std::string, std::string>>& client_tags = {}) const;
    void send_join_burst(const std::string& channel);
    void send_names(const std::string& channel);
    void send_topic(const std::string& channel, bool reply_when_none);
    void numeric(std::string_view code, Params params);
    void send(proto::irc::Message message);
    void send_raw(std::string line);
    void fail(std::string_view command, std::string_view code, Params context, std::string text);
    // Queues `frame` (unless the connection is closing or the frame empty) for the next write,
    // or closes a connection whose queue it would take over the cap. deliver() comes here once
    // per member for a room message's cached lines: every call this makes is its last.
    void enqueue(const Frame& frame) {
        if (phase_ != Phase::Open || frame->empty()) return;
        if (outbox_.push(frame)) return schedule_flush();
        send_queue_exceeded();
    }
    [[gnu::noinline, gnu::cold]] void send_queue_exceeded();
    void schedule_flush();
    void flush() override;
    void on_written(boost::system::error_code ec) override;
    void on_finished() override;

    // ---- history
    struct HistoryQuery;
    void run_history(std::shared_ptr<HistoryQuery> query);
    void finish_history(const std::shared_ptr<HistoryQuery>& query);

    // ---- closing
    void close_with_error(std::string_view reason, std::string text);
    void close_gracefully(std::string_view reason, Frame last_words = nullptr);
    void abort(std::string_view reason);
    void finish_close();

    bool registered() const { return registered_; }
    const std::string& nick() const;  // empty before one is known and once detached
    const std::string& me() const;    // nick, or "*"
    // Length, first and last two bytes of a name: equal for equal names.
    static std::uint32_t name_print(std::string_view name);
    std::string source_of(std::string_view nick) const;
    // The same, in a buffer the loop reuses (no allocation per message): valid until the
    // next call, for a line rendered at once.
    static std::string_view reused_source_of(std::string_view nick);
    std::string op_prefix(const RoomState& room, std::size_t index) const;  // "@" or ""
    std::string channel_name(std::string_view hub_room) const;              // "ALL" -> "#ALL"
    std::string hub_target(std::string_view irc_target) const;              // "#ALL" -> "ALL"
    std::string label() const;
    std::string throttle_address() const;
    bool has(Cap cap) const { return (caps_ & cap) != 0; }

    // The command being handed to the hub: its errors come back synchronously and are
    // answered as IRC numerics for that command. It lives in the frame of on_line (or
    // say_hello) for the length of the hub call; current_ points at it meanwhile.
    struct Current {
        std::string_view command;  // "PRIVMSG", "NOTICE", "JOIN", "PART", "TOPIC", "AWAY", "NICK"
        std::string target;
        std::uint32_t retry_after_ms = 0;  // refused for flood control: retry then
        bool refused = false;
    };
    class CommandScope;
    Current& begin_command(std::string_view command, std::string target);
    Current* current() const { return current_ != nullptr && *current_ ? &**current_ : nullptr; }

    // Messages awaiting their ack, for echo-message when the hub does not send the
    // message back to its sender (direct messages).
    struct Sent {
        std::uint64_t ref = 0;
        std::string command;
        std::string target;
        std::string text;
        std::vector<std::pair<std::string, std::string>> client_tags;
    };
    // What only registration needs: dropped at the welcome.
    struct Registration {
        std::string nick;  // asked for; the hub's record of it from the welcome on
        std::string user;
        std::string realname;
        std::optional<std::string> pass;
        std::optional<std::string> sasl_account;  // SASL succeeded for this account
        std::string sasl_buffer;
        DeadlineWheel::Tick opened_at = 0;
        bool sasl_plain_waiting = false;  // "AUTHENTICATE +" sent, data expected
        bool cap_negotiating = false;
        bool hello_sent = false;  // a Hello is in the hub's hands for the current nick
    };
    // What some connections need now and then (fake lag, echo-message, others quitting,
    // QUIT, batches, closing): made on first use, so that an idle connection holds none.
    struct Occasional {
        std::string held_input;  // bytes read while input is held
        std::string retry_line;  // the line to run again after fake lag
        std::unique_ptr<boost::asio::steady_timer> retry_timer;
        std::unique_ptr<boost::asio::steady_timer> close_timer;  // bounds a polite close
        // A vector, not a deque: libstdc++'s deque allocates ~600 bytes as soon as it
        // exists, and this block is made for any member of a room someone quits.
        std::vector<Sent> sent;  // oldest first, at most kMaxSent
        std::uint64_t next_ref = 1;
        MessageId last_echoed = 0;
        std::string last_quit;     // QUIT is sent once per user, not once per shared channel
        std::string quit_message;  // the reason given with QUIT, passed on to the others
        std::uint64_t next_batch = 1;
    };
    Occasional& occasional() {
        if (!occasional_) occasional_ = std::make_unique<Occasional>();
        return *occasional_;
    }
    const std::string& server() const;  // the server's name in IRC lines

    // Hot state first: what every idle connection keeps is all that is held inline
    // (thousands of idle connections are the common case; see docs/BENCHMARKS.md).
    Transport transport_;
    const SessionContext& context_;  // lives as long as the server
    ConnectionId id_;
    // [[no_unique_address]]: the small fields after each use its tail padding.
    [[no_unique_address]] proto::irc::LineSplitter splitter_;
    Phase phase_ = Phase::Open;
    // Bits, not bools.
    bool registered_ : 1 = false;
    bool authenticated_ : 1 = false;
    bool waiting_read_ : 1 = false;
    bool read_paused_ : 1 = false;
    bool holding_ : 1 = false;  // an account check or a retry is pending: input waits
    bool flush_scheduled_ : 1 = false;
    bool ping_sent_ : 1 = false;
    [[no_unique_address]] Outbox outbox_;
    DeadlineWheel::Tick input_at_ = 0;
    std::unique_ptr<Registration> registration_;  // until the welcome
    std::unique_ptr<Occasional> occasional_;
    std::optional<Current>* current_ = nullptr;
    std::uint16_t caps_ = 0;  // Cap bits
    std::uint16_t cap_version_ = 0;
    std::uint32_t nick_print_ = 0;  // name_print(nick()) once registered
};

}  // namespace hubchat::net
