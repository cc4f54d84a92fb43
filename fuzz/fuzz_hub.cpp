// libFuzzer target for the hub: the input is a small program run against one Hub with
// fake peers, and a shadow model built only from what the peers were told checks that
// routing, registration and rooms stay consistent. Every delivered event is also encoded
// for both dialects and must be valid JSON.
//
// Program: one command per line, "<op><peer> <arg> <text>"; the peer is the second
// byte modulo kPeers. Strings are raw bytes; a command whose strings are not valid UTF-8
// is skipped, since every adapter hands the hub validated text. Ops:
//   a attach   o attach (original dialect: no presence)   d detach   h hello <name>
//   m message <targets, ';'-separated> <text>   j join <room>   l leave <room>
//   w members <room>   u list users   r list rooms   p ping   q quit <reason>
//   t advance the clock <arg> seconds   S announce shutdown <text>
// Commands to a peer that is not attached attach it first. The first line is free: it
// sets the presence limit (its length modulo 5).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "core/hub.hpp"
#include "core/names.hpp"
#include "proto/json_codec.hpp"

namespace {

using namespace hubchat;
using fuzz::parse_object;

constexpr std::size_t kPeers = 6;
constexpr std::size_t kMaxLines = 400;  // keeps one run short whatever the input

struct FakePeer : Peer {
    bool presence = true;
    std::vector<Event> inbox;  // looked at after each hub call, as a session would
    void deliver(const Event& event) override { inbox.push_back(event); }
    bool wants_presence() const override { return presence; }
};

// What a peer knows about itself, from its own deliveries.
struct Slot {
    std::unique_ptr<FakePeer> peer;  // null while detached: the hub must not touch it
    ConnectionId id = 0;
    std::string name;                // empty until welcomed
    std::vector<std::string> rooms;  // folded names, in join order
    bool in(std::string_view room) const {
        return std::find(rooms.begin(), rooms.end(), names::fold(room)) != rooms.end();
    }
};

bool valid_utf8(std::string_view s) {
    return names::utf8_length(s).has_value();
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    while (true) {
        const auto at = s.find(sep);
        out.emplace_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

class Program {
  public:
    explicit Program(std::size_t presence_limit)
        : hub_([this] { return now_; }, limits(presence_limit)) {}

    ~Program() {
        for (auto& slot : slots_) {
            if (slot.peer) hub_.detach(slot.id, "disconnected");
        }
        drain();
        FUZZ_CHECK(hub_.connection_count() == 0 && hub_.user_count() == 0);
    }

    void run_line(std::string_view line, std::size_t line_no) {
        if (line.size() < 2) return;
        const char op = line[0];
        Slot& slot = slots_[static_cast<unsigned char>(line[1]) % kPeers];
        std::string_view rest = line.substr(2);
        if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        const auto space = rest.find(' ');
        const std::string arg(rest.substr(0, space));
        const std::string text(space == std::string_view::npos ? "" : rest.substr(space + 1));
        if (!valid_utf8(arg) || !valid_utf8(text)) return;
        // A ref is JSON text from the codec: none, a number or a string.
        const Ref ref = line_no % 3 == 0   ? Ref()
                        : line_no % 3 == 1 ? std::to_string(line_no)
                                           : "\"c" + std::to_string(line_no) + "\"";

        if (op == 'S') {
            hub_.announce_shutdown(text);
            return drain();
        }
        if (op == 't') {
            now_ += static_cast<TimestampMs>(std::min<std::size_t>(arg.size(), 9) * 1000 + 1);
            return;
        }
        if (!slot.peer) attach(slot, op != 'o');
        switch (op) {
            case 'a':
            case 'o':
                break;
            case 'd':
                hub_.detach(slot.id, "disconnected");
                detached(slot);
                break;
            case 'h':
                requested_name_ = arg;
                hub_.handle(slot.id, Hello{arg});
                break;
            case 'm':
                sender_ = &slot;
                hub_.handle(slot.id, SendMessage{split(arg, ';'), text, ref});
                break;
            case 'j':
                hub_.handle(slot.id, JoinRoom{arg, ref});
                break;
            case 'l':
                hub_.handle(slot.id, LeaveRoom{arg, ref});
                break;
            case 'w':
                hub_.handle(slot.id, ListMembers{arg, ref});
                break;
            case 'u':
                hub_.handle(slot.id, ListUsers{ref});
                break;
            case 'r':
                hub_.handle(slot.id, ListRooms{ref});
                break;
            case 'p':
                hub_.handle(slot.id, Ping{ref});
                break;
            case 'q':
                hub_.handle(slot.id, Quit{text});
                // The session closes; detach is idempotent.
                hub_.detach(slot.id, "quit");
                break;
            default:
                return;
        }
        drain();
        if (op == 'q') detached(slot);
        requested_name_.reset();
        sender_ = nullptr;
        check_counts();
    }

  private:
    static HubLimits limits(std::size_t presence_limit) {
        HubLimits l;
        l.presence_max_members = presence_limit;
        return l;
    }

    void attach(Slot& slot, bool presence) {
        slot.peer = std::make_unique<FakePeer>();
        slot.peer->presence = presence;
        slot.id = hub_.attach(*slot.peer);
        slot.name.clear();
        slot.rooms.clear();
    }

    void detached(Slot& slot) {
        drain();
        FUZZ_CHECK(hub_.name_of(slot.id) == nullptr);
        if (!slot.name.empty()) {
            const auto it = std::find(order_.begin(), order_.end(), &slot);
            FUZZ_CHECK(it != order_.end());
            order_.erase(it);
        }
        slot.peer.reset();  // a dangling Peer* in the hub now shows up under ASan
        slot.name.clear();
        slot.rooms.clear();
    }

    std::vector<const Slot*> members_of(std::string_view room) const {
        std::vector<const Slot*> out;
        for (const Slot* s : order_) {
            if (names::is_all(room) || s->in(room)) out.push_back(s);
        }
        return out;
    }

    // Was `chat` addressed to `slot`, by the hub's own rules (docs/PROTOCOL.md)?
    static bool addressed_to(const ChatMessage& chat, const Slot& slot) {
        const auto parts = split(chat.dest, ',');
        if (chat.kind == DestKind::All) {
            return !slot.name.empty() &&
                   std::find(parts.begin(), parts.end(), "ALL") != parts.end();
        }
        for (const auto& part : parts) {
            if (names::is_room(part) ? slot.in(part) : names::same(part, slot.name)) return true;
        }
        return false;
    }

    void encode(const Event& event, const Slot& slot) {
        const std::string frame = proto::encode_hubchat(event);
        // FUZZ_HUB_TRACE=1 shows what a program did: fuzz_hub FILE 2>&1 | grep '^->'
        static const bool trace = std::getenv("FUZZ_HUB_TRACE") != nullptr;
        if (trace) std::fprintf(stderr, "-> %zu %s", slot.id, frame.c_str());
        parse_object(frame);
        if (auto original = proto::encode_original(event, slot.name)) parse_object(*original);
    }

    // Looks at everything delivered since the last call, peer by peer.
    void drain() {
        std::map<MessageId, std::size_t> delivered;  // chat id -> recipients
        std::vector<Ack> acks;
        for (auto& slot : slots_) {
            if (!slot.peer) continue;
            auto inbox = std::move(slot.peer->inbox);
            slot.peer->inbox.clear();
            std::set<MessageId> seen;
            for (const auto& event : inbox) {
                encode(event, slot);
                on_event(slot, event, delivered, seen, acks);
            }
        }
        for (const auto& ack : acks) {
            FUZZ_CHECK(delivered[ack.id] == ack.delivered);
            FUZZ_CHECK(ack.delivered > 0);
        }
        for (const auto& [id, count] : delivered) {
            // Every chat was acknowledged to its sender, with the same count.
            FUZZ_CHECK(std::any_of(acks.begin(), acks.end(),
                                   [id = id](const Ack& a) { return a.id == id; }));
        }
    }

    void on_event(Slot& slot, const Event& event, std::map<MessageId, std::size_t>& delivered,
                  std::set<MessageId>& seen, std::vector<Ack>& acks) {
        if (const auto* welcome = std::get_if<Welcome>(&event)) {
            FUZZ_CHECK(slot.name.empty());
            FUZZ_CHECK(requested_name_ && welcome->name == *requested_name_);
            slot.name = welcome->name;
            order_.push_back(&slot);
            const auto* registered = hub_.name_of(slot.id);
            FUZZ_CHECK(registered != nullptr && *registered == slot.name);
        } else if (const auto* chat = std::get_if<ChatPtr>(&event)) {
            const ChatMessage& c = **chat;
            FUZZ_CHECK(!slot.name.empty());
            FUZZ_CHECK(sender_ != nullptr && c.from == sender_->name);
            FUZZ_CHECK(!c.text.empty());
            FUZZ_CHECK(addressed_to(c, slot));
            FUZZ_CHECK(seen.insert(c.id).second);  // once per recipient
            ++delivered[c.id];
        } else if (const auto* presence = std::get_if<PresencePtr>(&event)) {
            const Presence& p = **presence;
            const bool own = names::same(p.user, slot.name);
            FUZZ_CHECK(own || slot.peer->presence);
            // Others' comings and goings reach only members of that room.
            if (!own) FUZZ_CHECK(!slot.name.empty() && (names::is_all(p.room) || slot.in(p.room)));
            if (own && !names::is_all(p.room)) {
                const std::string key = names::fold(p.room);
                if (p.kind == PresenceKind::Join) {
                    FUZZ_CHECK(!slot.in(p.room));
                    slot.rooms.push_back(key);
                } else if (p.reason == "left") {
                    FUZZ_CHECK(slot.in(p.room));
                    slot.rooms.erase(std::find(slot.rooms.begin(), slot.rooms.end(), key));
                }
            }
        } else if (const auto* ack = std::get_if<Ack>(&event)) {
            FUZZ_CHECK(&slot == sender_);
            FUZZ_CHECK(ack->id > last_chat_id_);
            last_chat_id_ = ack->id;
            acks.push_back(*ack);
        } else if (const auto* list = std::get_if<UserList>(&event)) {
            std::vector<std::string> expected;
            for (const Slot* s : order_) expected.push_back(s->name);
            FUZZ_CHECK(list->users == expected);
        } else if (const auto* rooms = std::get_if<RoomList>(&event)) {
            FUZZ_CHECK(!rooms->rooms.empty() && rooms->rooms.front().name == "ALL");
            for (const auto& room : rooms->rooms) {
                FUZZ_CHECK(room.members == members_of(room.name).size());
            }
        } else if (const auto* members = std::get_if<MemberList>(&event)) {
            std::multiset<std::string> expected;
            for (const Slot* s : members_of(members->room)) expected.insert(s->name);
            FUZZ_CHECK(std::multiset<std::string>(members->users.begin(), members->users.end()) ==
                       expected);
        }
    }

    void check_counts() const {
        std::size_t attached = 0;
        for (const auto& slot : slots_) {
            if (!slot.peer) continue;
            ++attached;
            const auto* name = hub_.name_of(slot.id);
            FUZZ_CHECK(slot.name.empty() ? name == nullptr : name != nullptr && *name == slot.name);
        }
        FUZZ_CHECK(hub_.connection_count() == attached);
        FUZZ_CHECK(hub_.user_count() == order_.size());
        FUZZ_CHECK(hub_.user_count() <= hub_.connection_count());
    }

    TimestampMs now_ = 1764052800000;
    Hub hub_;
    Slot slots_[kPeers];
    std::vector<Slot*> order_;  // registered slots, in registration order
    std::optional<std::string> requested_name_;
    const Slot* sender_ = nullptr;
    MessageId last_chat_id_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto lines = split(input, '\n');
    Program program(lines.front().size() % 5);
    for (std::size_t i = 1; i < lines.size() && i <= kMaxLines; ++i) {
        program.run_line(lines[i], i);
    }
    return 0;
}
