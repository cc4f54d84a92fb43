// A Peer that keeps every event the hub delivers to it, so the core tests check what each
// connection was told with no protocol adapter in between. One for every hub test, so
// what a test can ask of a peer is the same everywhere.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/hub.hpp"

namespace hubchat::test {

// One record per delivery across several peers sharing a log, so a test can check the
// order in which different connections were served.
struct Delivery {
    std::string to;  // the receiving peer's label
    Event event;
};

struct RecordingPeer : Peer {
    std::vector<Event> events;
    std::string label = "?";
    std::vector<Delivery>* log = nullptr;  // optional, shared with other peers
    bool presence = true;                  // what wants_presence() answers
    bool away = false;                     // what wants_away() answers

    void deliver(const Event& event) override {
        events.push_back(event);
        if (log != nullptr) log->push_back(Delivery{label, event});
    }
    bool wants_presence() const override { return presence; }
    bool wants_away() const override { return away; }

    // Every delivered event of one kind, in delivery order.
    template <class T>
    std::vector<T> all() const {
        std::vector<T> out;
        for (const auto& e : events) {
            if (const auto* v = std::get_if<T>(&e)) out.push_back(*v);
        }
        return out;
    }
    template <class T>
    std::optional<T> last() const {
        for (auto it = events.rbegin(); it != events.rend(); ++it) {
            if (const auto* v = std::get_if<T>(&*it)) return *v;
        }
        return std::nullopt;
    }
    template <class T>
    std::size_t count() const {
        std::size_t n = 0;
        for (const auto& e : events) n += std::holds_alternative<T>(e) ? 1 : 0;
        return n;
    }
    std::vector<ChatPtr> chats() const { return all<ChatPtr>(); }
    std::vector<PresencePtr> presences() const { return all<PresencePtr>(); }
    std::vector<Error> errors() const { return all<Error>(); }
    void clear() { events.clear(); }
};

}  // namespace hubchat::test
