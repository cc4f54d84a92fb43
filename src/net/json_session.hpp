// A connection speaking JSON (either dialect of docs/PROTOCOL.md), over plain TCP or TLS:
// the adapter between the byte stream and the hub. Reads with no per-connection buffer
// while idle (plain TCP), writes every queued frame in one gathered write, and never lets
// a slow reader hold anyone else up.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/hub.hpp"
#include "net/connection_tracker.hpp"
#include "net/deadline_wheel.hpp"
#include "net/flush_scheduler.hpp"
#include "net/outbox.hpp"
#include "net/server_config.hpp"
#include "net/transport.hpp"
#include "proto/json_codec.hpp"
#include "proto/json_framer.hpp"
#include "store/history.hpp"

namespace hubchat::net {

class AccountService;
class HistoryLog;

// What every session shares: the hub, the settings and the loop-wide helpers.
struct SessionContext {
    Hub& hub;
    const ServerConfig& config;
    ConnectionTracker& tracker;
    FlushScheduler& flusher;
    AccountService* accounts = nullptr;  // null: no accounts on this server
    HistoryLog* history = nullptr;       // null: --no-history
};

class JsonSession final : public Peer,
                          public Closable,
                          public Flushable,
                          public StreamUser,
                          public std::enable_shared_from_this<JsonSession>,
                          private DeadlineWheel::Entry {
  public:
    JsonSession(Transport transport, const SessionContext& context);
    ~JsonSession() override;

    // Begins with bytes the listener already read while sniffing.
    void start(std::string_view first_bytes);

    void deliver(const Event& event) override;
    bool wants_presence() const override { return dialect_ == Dialect::Hubchat; }
    void close_for_shutdown() override;

  private:
    enum class Dialect : std::uint8_t { Undecided, Original, Hubchat };
    enum class Phase : std::uint8_t { Open, Closing, Draining, Closed };

    void wait_readable();
    bool on_bytes(std::string_view bytes) override;
    void on_read_done(boost::system::error_code ec) override;
    void consume(std::string_view bytes);
    // Timeouts (registration, stalled frame, keepalive): one wheel entry, armed for the
    // earliest that applies and re-checked when it fires, so reads only note the time.
    void on_deadline() override;
    void arm_deadline(bool registered);
    void close_for_timeout(const std::string& text);
    // While no frame is unfinished: takes the plain chat message that `bytes` starts with
    // (after whitespace) in one reading, framing and decoding it at once, and drops it
    // from `bytes`; false, with `bytes` as it was, for anything else, which goes through
    // the framer and on_frame.
    bool take_plain_message(std::string_view& bytes);
    void on_frame(std::string_view frame);
    void on_decoded(proto::InboundFrame& frame);
    void reply_error(ErrorCode code, std::string text, Ref ref = {});
    // Accounts: the password check runs on a worker thread; input waits meanwhile, so
    // frames after a hello are handled as from the logged-in user.
    // What a hello asks for once it is welcomed: rooms to join, messages to replay.
    struct Resume {
        std::optional<MessageId> since;
        std::vector<std::string> rooms;
    };
    void sign_up(std::string name, std::string password, Ref ref, Resume resume);
    void log_in(std::string name, std::string password, Ref ref, Resume resume);
    void register_name(const std::string& name, std::string password, Ref ref);
    void resume_input();
    std::string throttle_address() const;

    // History: after a welcome, the rooms asked for are joined, then what the client
    // missed (since) or what waited for a registered user (inbox) is sent before any live
    // event, which is held meanwhile and sent after, without repeats.
    struct Replay;
    void after_welcome(Resume resume, bool authenticated);
    void replay_page(MessageId after);
    void replay_inbox(MessageId after);
    bool take_replay_page(std::vector<store::HistoryMessage>& page, ChatOrigin origin);
    void continue_replay(std::function<void()> next_page);
    void finish_replay();
    void answer_history(proto::InboundFrame::HistoryRequest request, Ref ref);

    // The frame this connection's dialect gets for `event`; null when it gets none.
    Frame encode(const Event& event) const;
    [[gnu::noinline]] void deliver_encoded(const Event& event);  // deliver() but its fast path
    // Queues `frame` for the next write, or closes a connection whose queue it would take
    // over the cap. deliver() comes here once per recipient of a broadcast: every call this
    // makes is its last.
    void enqueue(const Frame& frame) {
        if (outbox_.push(frame)) return schedule_flush();
        send_queue_exceeded();
    }
    [[gnu::noinline, gnu::cold]] void send_queue_exceeded();
    void schedule_flush();
    void flush() override;
    void on_written(boost::system::error_code ec) override;
    // Original dialect, a paced write done and more waiting: true (and streaming from now
    // on) if the pace cannot carry what this connection is sent.
    bool falls_behind_pacing();
    void on_finished() override;

    // Tells the hub the user has gone, flushes what is queued (plus `last_words`), then
    // closes. Safe to call more than once.
    void close_gracefully(std::string_view reason, Frame last_words = nullptr);
    void abort(std::string_view reason);
    void finish_close();
    std::string label() const;      // the peer's address, for --verbose logs
    std::string_view name() const;  // registered name, empty before (and after) registration

    Transport transport_;
    const SessionContext& context_;  // lives as long as the server
    ConnectionId id_;
    // Thousands of idle connections each hold what follows, so it is laid out to fit
    // jemalloc's 320-byte size class with the shared_ptr's control block: flags as bits,
    // 32-bit ticks, and the small fields in the outbox's and the framer's tail padding
    // ([[no_unique_address]] lets them overlap it).
    [[no_unique_address]] Outbox outbox_;
    Dialect dialect_ = Dialect::Undecided;
    Phase phase_ = Phase::Open;
    bool ping_sent_ : 1 = false;  // keepalive: pinged since the last input
    bool waiting_read_ : 1 = false;
    bool read_paused_ : 1 = false;  // our own output is backed up: stop taking requests
    bool flush_scheduled_ : 1 = false;
    bool pacing_ : 1 = false;
    bool streaming_ : 1 = false;  // original dialect, fallen behind its pacing (json_session.cpp)
    bool awaiting_account_ : 1 = false;  // a login or registration is on the worker
    bool authenticated_ : 1 = false;     // logged in to the name's account (or registered it)
    [[no_unique_address]] proto::JsonFramer framer_;
    DeadlineWheel::Tick opened_at_ = 0;   // the first byte: the registration deadline
    DeadlineWheel::Tick input_at_ = 0;    // the last read
    DeadlineWheel::Tick partial_at_ = 0;  // the unfinished frame began by then
    // What few connections need, or need only for a while (timers for pacing and for a
    // polite close, input held during a password check): made on first use, so an idle
    // connection pays one pointer for it.
    struct Rare;
    std::unique_ptr<Rare> rare_;
    Rare& rare();
    void release_rare_if_unused();  // after a replay or a password check
    Replay* replay() const;         // null unless replaying
};

}  // namespace hubchat::net
