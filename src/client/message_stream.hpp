// What a client has seen of the server's stream of messages, to pick it up again after a
// reconnection (or a restart) with nothing missed and nothing shown twice (issue 5).
//
// Each hello carries `since` = last_id(): a server keeping history replays every message
// after it (marked `replay`), then says `replayed`, then goes on live. Its guarantees (ids
// increase; replay in id order, then live; nothing sent twice) make a repeat impossible in
// principle; the window of recent ids is the client's own check, as the issue asks, and
// also hides the replay of a message this client sent itself (known by its ack's id).
//
// A server that keeps no history (--no-history) ignores `since` and may start its ids
// again from 1 when it restarts: a live message at or below the `since` just sent shows
// that, and the window is emptied rather than hide new messages under old ids. For the
// same reason last_id() is the id of the latest message, not the largest ever seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_set>

#include "client/codec.hpp"

namespace hubchat::client {

class MessageStream {
  public:
    static constexpr std::size_t kDefaultWindow = 4096;
    explicit MessageStream(std::size_t window = kDefaultWindow) : capacity_(window) {}

    // A hello goes out asking for everything after `since` (nullopt: nothing replayed).
    void resume(std::optional<std::uint64_t> since);
    // A message frame: true to show it, false when it was seen already.
    bool accept(const event::Chat& chat);
    // The id of a message this client sent (from its ack): the server may replay it.
    void sent(std::uint64_t id);
    // `replayed`: the replay is over. How many replayed or offline messages were shown
    // during it; nullopt when no replay was asked for on this connection.
    std::optional<std::size_t> replayed();

    // What the next hello's `since` is: the id of the latest message seen.
    std::optional<std::uint64_t> last_id() const { return last_id_; }
    // Between a hello with `since` and the server's `replayed` (or its first live
    // message, for a server that does not replay).
    bool replaying() const { return replaying_; }

  private:
    bool remember(std::uint64_t id);  // false if already in the window
    void forget_all();

    std::size_t capacity_;
    std::deque<std::uint64_t> order_;  // oldest first
    std::unordered_set<std::uint64_t> ids_;
    std::optional<std::uint64_t> last_id_;
    std::optional<std::uint64_t> since_;  // this connection's, until its first live message
    bool replaying_ = false;
    std::size_t replay_shown_ = 0;
};

}  // namespace hubchat::client
