// The hub: users, rooms and routing. It is the one owner of that state and runs on one
// thread (the server's event loop); sessions call into it from there and it hands
// events back through Peer::deliver. It knows nothing of sockets or wire formats.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/message.hpp"
#include "core/names.hpp"
#include "core/token_bucket.hpp"

namespace hubchat {

// What the hub sees of a connection. Implemented by protocol adapters.
class Peer {
  public:
    virtual ~Peer() = default;
    // Called on the hub's thread. MUST NOT block, MUST NOT reorder, MUST NOT call back
    // into the hub (queue the event; act on it later).
    virtual void deliver(const Event& event) = 0;
    // Join/leave notices; the original dialect cannot take them.
    virtual bool wants_presence() const { return true; }
    // AwayChange events (IRC's away-notify); nobody else shows them.
    virtual bool wants_away() const { return false; }
};

// What the hub tells of a user (IRC's WHOIS).
struct UserInfo {
    std::string name;
    bool authenticated = false;      // logged in to the account of that name
    std::string away;                // empty: not away
    std::vector<std::string> rooms;  // besides ALL, in join order
    std::string username;            // as IRC's USER gave it; else the name
    std::string realname;            // likewise
};

// A room as seen from outside (IRC's NAMES, WHO and TOPIC).
struct RoomState {
    std::string name;
    std::vector<std::string> members;  // join order
    std::string topic;
    std::string topic_setter;
    TimestampMs topic_ts = 0;
    TimestampMs created_ts = 0;
};

// Which names belong to accounts. Implemented over the account database; the hub only
// asks, so it stays free of storage and passwords.
class NameRegistry {
  public:
    virtual ~NameRegistry() = default;
    virtual bool is_registered(std::string_view name) const = 0;
    // Guests (no account) are refused.
    virtual bool accounts_only() const = 0;
};

// Where accepted messages are kept (history). The hub hands each message over before
// anyone sees it, and delivers it and acknowledges it only once the store says it is
// kept: a crash then loses whole unacknowledged messages, never half-delivered ones.
class MessageStore {
  public:
    // Hears what the store has kept: the hub. Reports come on the hub's thread, never
    // from inside append(), with increasing ids.
    class Sink {
      public:
        // Every message appended up to and including id `last`, and not yet reported, is
        // kept (`kept`), or was lost with a failed write (nobody may see it). One report
        // may cover many messages (a group commit is one).
        virtual void stored(MessageId last, bool kept) = 0;

      protected:
        ~Sink() = default;
    };
    virtual ~MessageStore() = default;
    // Where reports go; set before the first append.
    virtual void set_sink(Sink* sink) = 0;
    // Takes `message` (its id not yet set) addressed to `targets` (user names, "#room",
    // "ALL"), kept also for `offline` (registered users not connected). Returns the id it
    // gets (increasing in append order), or nullopt when the store cannot take more right
    // now (nothing is kept, nothing reported). Nothing is copied: the caller keeps all
    // three alive and unchanged until the id is reported, and the store may read them
    // meanwhile, from another thread too, except `message.id`, which the caller sets
    // (the store has the id it returned).
    virtual std::optional<MessageId> append(const ChatMessage& message,
                                            std::span<const std::string> targets,
                                            std::span<const std::string> offline) = 0;
};

struct HubLimits {
    std::size_t max_message = 64 * 1024;  // announced in the welcome; enforced by codecs
    // Rooms larger than this stop announcing other members' joins and leaves: in a crowd
    // they are noise, and announcing every arrival to everyone costs O(members) each.
    std::size_t presence_max_members = 500;

    // Flood control, per registered connection. Every limit below is off when 0.
    // Messages: a person typing never sends ten lines in a burst or five a second for
    // long, while a script flooding a room of hundreds costs a delivery per member each.
    std::uint32_t message_burst = 10;
    std::uint32_t message_rate_per_second = 5;
    // Joins, leaves and listings get a separate, roomier budget: a client that reconnects
    // rejoins all its rooms at once (up to max_rooms_per_user), and listings reply only
    // to the asker. They still cost the server O(members) each, so they are not free.
    // Pings are never limited: their reply is tiny, and clients time the link with them.
    std::uint32_t request_burst = 60;
    std::uint32_t request_rate_per_second = 10;

    // Caps, each refused with its own error and the connection kept.
    std::size_t max_rooms_per_user = 50;
    std::size_t max_recipients = 100;  // distinct targets in one message; ALL or a room is one
    // Length in characters (code points). names.cpp's rule (32, for the part after '#' in
    // a room) is the ceiling: these can only make names shorter (0: that rule alone).
    std::size_t max_name_chars = names::kMaxNameChars;
    std::size_t max_room_name_chars = names::kMaxNameChars;  // not counting the '#'
    std::size_t max_topic_bytes = 390;                       // IRC's usual TOPICLEN
    std::size_t max_away_bytes = 200;
};

class Hub final : private MessageStore::Sink {
  public:
    using Clock = std::function<TimestampMs()>;
    explicit Hub(Clock clock, HubLimits limits = {});
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // A new connection, not yet registered. The peer must outlive its detach().
    ConnectionId attach(Peer& peer);
    // The connection is gone. Idempotent. `reason`: "quit" or "disconnected".
    // `message`: the user's own parting words (IRC's QUIT reason), passed on as is.
    void detach(ConnectionId id, std::string_view reason, std::string_view message = {});
    void handle(ConnectionId id, Command command);

    // Registered names then need Hello::authenticated. Null (the default): no accounts.
    void set_name_registry(const NameRegistry* registry) { registry_ = registry; }
    // Null (the default): messages are delivered at once and kept nowhere. The store
    // reports to the hub (MessageStore::set_sink), so it must not report after the hub is
    // gone: stop it first.
    void set_message_store(MessageStore* store);

    // The rooms a connection is in besides ALL, as spelled; empty if unknown.
    std::vector<std::string> rooms_of(ConnectionId id) const;
    bool in_room(ConnectionId id, std::string_view room) const;

    // Sends a shutdown notice to every connection, registered or not.
    void announce_shutdown(std::string_view text);

    // Why `name` cannot be taken by a new user right now (badly formed, or in use), as the
    // error a hello would get; nullopt if it can. Registration of accounts asks first.
    std::optional<Error> check_new_name(const std::string& name) const;

    // Queries answered at once, for adapters that show state the way their protocol
    // does. Not metered: they cost the asker's adapter, and only it gets the answer.
    std::optional<UserInfo> user_info(std::string_view name) const;
    // When the user called `name` is connected and away: their name as the hub spells it
    // and their away text (IRC answers a message to them with it), views valid until the
    // hub next changes. Nothing copied: asked once per message sent to a person.
    struct AwayNote {
        std::string_view name;
        std::string_view away;
    };
    std::optional<AwayNote> away_note(std::string_view name) const;
    // "ALL" too. Without members: the rest only, not a copy of every member's name (ALL's
    // topic is shown to every newcomer).
    std::optional<RoomState> room_state(std::string_view room, bool with_members = true) const;
    std::vector<RoomInfo> room_list() const;  // ALL first, then alphabetically
    const HubLimits& limits() const { return limits_; }

    // The registered name of a connection, or nullptr before registration.
    const std::string* name_of(ConnectionId id) const;
    std::size_t user_count() const { return users_by_key_.size(); }
    std::size_t connection_count() const { return connections_.size(); }

  private:
    struct Room;
    struct Budgets {
        std::optional<TokenBucket> messages;  // none: unlimited
        std::optional<TokenBucket> requests;  // joins, leaves, listings
    };
    // Messages of one connection still being stored, and the commands that came after
    // them: those wait, so replies keep the order of requests (a ping sent after a message
    // is answered after its ack, as clients expect). Messages themselves never wait.
    struct Storing {
        std::size_t in_flight = 0;
        std::vector<Command> waiting;
    };
    struct Connection {
        Peer* peer = nullptr;
        std::string name;          // empty until registered
        std::vector<Room*> rooms;  // joined rooms besides ALL; empty (no allocation) for most
        // Made at the first metered command: an idle connection (most of them) holds none.
        std::unique_ptr<Budgets> budgets;
        // With a message store: made at the first message kept.
        std::unique_ptr<Storing> storing;
        bool authenticated = false;  // the name is its account's
        // What few users have, behind one pointer so that the many without it (idle
        // connections, most of them) pay 8 bytes: an away message, and IRC's USER fields
        // when they differ from the name.
        struct Extras {
            std::string away;  // empty: not away
            std::string username;
            std::string realname;
        };
        std::unique_ptr<Extras> extras;
        const std::string& away() const { return extras ? extras->away : kNoText; }
        Extras& extras_made() {
            if (!extras) extras = std::make_unique<Extras>();
            return *extras;
        }
        static inline const std::string kNoText;
    };
    struct Member {
        ConnectionId id;
        Peer* peer;
    };
    struct Room {
        std::string key;              // folded name: its key in rooms_
        std::string name;             // as first spelled
        std::vector<Member> members;  // join order
        std::string topic;
        std::string topic_setter;
        TimestampMs topic_ts = 0;
        TimestampMs created_ts = 0;
    };

    // A message accepted and waiting to go out: release() delivers it and acks its
    // sender, at once or once the store has kept it. Recipients are looked up again then,
    // so nobody who left in between is written to.
    struct Delivery {
        ChatPtr chat;
        ConnectionId sender = 0;
        Ref ref;
        bool to_all = false;
        std::vector<std::string> room_keys;  // folded
        std::vector<ConnectionId> users;
        std::vector<std::string> failed;
        std::vector<std::string> offline;  // registered, not connected: kept for them
        std::vector<std::string> targets;  // as accepted: what the store keeps
        void clear();                      // for reuse: empty, keeping the capacity
    };
    // Deliveries waiting for the store, oldest first: the store reports in append order,
    // so a report pops from the front. Slots are reused as they are, vectors keeping their
    // capacity, so a steady flow of messages allocates nothing here. Growing moves the
    // slots, but not what their vectors hold, which the store may be reading.
    class DeliveryQueue {
      public:
        // The slot after the last, cleared; push() makes it the last.
        Delivery& next();
        void push() { ++size_; }
        Delivery& front() { return slots_[head_]; }
        void pop();
        bool empty() const { return size_ == 0; }

      private:
        static constexpr std::size_t kKeptSlots = 4096;  // kept when it empties; more freed
        std::vector<Delivery> slots_;  // a ring; its size is a power of two (or 0)
        std::size_t head_ = 0;
        std::size_t size_ = 0;
    };
    void release(Delivery& delivery, Connection* sender);   // moves the ack's parts out
    void stored(MessageId last, bool kept) override;        // MessageStore::Sink
    void sender_stored(ConnectionId id, Connection& conn);  // one of its messages is out
    void dispatch(ConnectionId id, Connection& conn, Command& command);

    void on(ConnectionId id, Connection& conn, Hello& cmd);
    void on(ConnectionId id, Connection& conn, SendMessage& cmd);
    void on(ConnectionId id, Connection& conn, ListUsers& cmd);
    void on(ConnectionId id, Connection& conn, ListRooms& cmd);
    void on(ConnectionId id, Connection& conn, JoinRoom& cmd);
    void on(ConnectionId id, Connection& conn, LeaveRoom& cmd);
    void on(ConnectionId id, Connection& conn, ListMembers& cmd);
    void on(ConnectionId id, Connection& conn, Ping& cmd);
    void on(ConnectionId id, Connection& conn, Quit& cmd);
    void on(ConnectionId id, Connection& conn, SetTopic& cmd);
    void on(ConnectionId id, Connection& conn, SetAway& cmd);
    void on(ConnectionId id, Connection& conn, ChangeName& cmd);

    // False, after telling the sender when to retry, when `budget` has no token left.
    bool within_budget(Connection& conn, bool for_messages, std::string_view what,
                       std::string_view retry, const Ref& ref);

    void broadcast_presence(const Room& room, PresencePtr event, ConnectionId skip);
    // Takes `id` out of `room`, tells the others, and drops the room when it empties.
    void leave(Room& room, ConnectionId id, const std::string& user, std::string_view reason,
               Peer* tell_leaver, std::string_view message = {});
    static bool is_member(const Connection& conn, const Room& room);
    static std::vector<std::string> names_of(const Room& room, const Hub& hub);

    Clock clock_;
    HubLimits limits_;
    ConnectionId next_connection_id_ = 1;
    MessageId next_message_id_ = 1;
    std::size_t users_away_ = 0;  // connections with an away message
    std::unordered_map<ConnectionId, Connection> connections_;
    // Keyed by a view of Connection::name (nodes of connections_ never move).
    std::unordered_map<std::string_view, ConnectionId, names::FoldedHash, names::FoldedEqual>
        users_by_key_;
    std::unordered_map<std::string, Room> rooms_;  // keyed by folded name; "all" is ALL
    Room* all_room_ = nullptr;
    const NameRegistry* registry_ = nullptr;
    MessageStore* store_ = nullptr;
    // Appended to store_, not yet reported. Without a store, its next() slot is where
    // each message is put together and sent from.
    DeliveryQueue storing_;
    // A message's target list, as on(SendMessage) reads it: its buffer is kept for the
    // next message (an allocation per message fewer).
    std::vector<std::string> spare_targets_;
};

}  // namespace hubchat
