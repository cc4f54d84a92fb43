// A connection's output queue, bounded in bytes. Frames are shared immutable strings so
// one broadcast frame is queued to every recipient without copying. Pure: no sockets.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "net/frame.hpp"

namespace hubchat::net {

class Outbox {
  public:
    explicit Outbox(std::size_t max_bytes)
        : max_bytes_(static_cast<std::uint32_t>(std::min<std::size_t>(max_bytes, UINT32_MAX))) {}

    // False (and nothing queued) when the frame would take the queue over its cap.
    // Inline, as push_final: a broadcast makes one call per recipient, each queueing the
    // one shared frame.
    bool push(const Frame& frame) {
        if (!fits(frame)) return false;
        push_final(Frame(frame));
        return true;
    }
    // Queues regardless of the cap: the last words before a close.
    [[gnu::always_inline]] void push_final(Frame&& frame) {
        bytes_ += static_cast<std::uint32_t>(frame->size());
        // A full queue grows out of line: the common path then makes no call it must come
        // back from, and its callers need not save registers for one.
        if (queued_.size() == queued_.capacity()) [[unlikely]]
            return push_growing(std::move(frame));
        queued_.push_back(std::move(frame));
    }
    // Drops frames not yet handed to a write (keeps the ones in flight).
    void drop_queued();

    // Nothing queued and nothing being written.
    bool empty() const { return head_ == queued_.size() && writing_.empty(); }
    bool writing() const { return !writing_.empty(); }
    std::size_t queued_frames() const { return queued_.size() - head_; }  // not in flight
    std::size_t bytes() const { return bytes_; }
    std::size_t max_bytes() const { return max_bytes_; }

    // Hands out up to `max_frames` queued frames for one gathered write (the same ones
    // again while that write is in flight). The span and the strings stay valid until
    // end_write(), whatever is pushed meanwhile: the write points at them directly.
    std::span<const Frame> begin_write(std::size_t max_frames);
    // The frames from begin_write have been written.
    void end_write();

  private:
    bool fits(const Frame& frame) const { return bytes_ + frame->size() <= max_bytes_; }
    [[gnu::noinline]] void push_growing(Frame&& frame);

    std::vector<Frame> queued_;   // from head_: waiting for the next write
    std::vector<Frame> writing_;  // handed to the write in flight
    // 32-bit counts keep an idle connection small (a queue is capped far below 4 GiB).
    std::uint32_t bytes_ = 0;  // queued and in flight
    std::uint32_t max_bytes_;
    std::uint32_t head_ = 0;
};

}  // namespace hubchat::net
