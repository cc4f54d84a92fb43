#include "client/message_stream.hpp"

namespace hubchat::client {

void MessageStream::resume(std::optional<std::uint64_t> since) {
    since_ = since;
    replaying_ = since.has_value();
    replay_shown_ = 0;
}

bool MessageStream::accept(const event::Chat& chat) {
    if (!chat.id) return true;  // a server without ids: nothing to go by
    const std::uint64_t id = *chat.id;
    if (!chat.replay && !chat.offline) {
        // Live. With history, live messages come after the replay and after `since`; so
        // this server is not replaying, and if its ids went back it started them again.
        replaying_ = false;
        if (since_ && id <= *since_) forget_all();
        since_.reset();
    }
    if (!remember(id)) return false;
    last_id_ = id;
    if (replaying_) ++replay_shown_;
    return true;
}

void MessageStream::sent(std::uint64_t id) {
    remember(id);
}

std::optional<std::size_t> MessageStream::replayed() {
    // since_ stays until the first live message, which it checks.
    if (!replaying_) return std::nullopt;
    replaying_ = false;
    return replay_shown_;
}

bool MessageStream::remember(std::uint64_t id) {
    if (!ids_.insert(id).second) return false;
    order_.push_back(id);
    if (order_.size() > capacity_) {
        ids_.erase(order_.front());
        order_.pop_front();
    }
    return true;
}

void MessageStream::forget_all() {
    order_.clear();
    ids_.clear();
}

}  // namespace hubchat::client
