// A connection's output queue, bounded in bytes. Frames are shared immutable strings so
// one broadcast frame is queued to every recipient without copying. Pure: no sockets.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hubchat::net {

using Frame = std::shared_ptr<const std::string>;

class Outbox {
  public:
    explicit Outbox(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // False (and nothing queued) when the frame would take the queue over its cap.
    bool push(Frame frame);
    // Queues regardless of the cap: the last words before a close.
    void push_final(Frame frame);
    // Drops frames not yet handed to a write (keeps the one in flight).
    void drop_queued();

    bool empty() const { return head_ == frames_.size(); }
    bool writing() const { return in_flight_ != 0; }
    std::size_t bytes() const { return bytes_; }
    std::size_t max_bytes() const { return max_bytes_; }

    // Hands out up to `max_frames` queued frames for one gathered write. The span is valid
    // until the next push; the strings it points to stay alive until end_write().
    std::span<const Frame> begin_write(std::size_t max_frames);
    // The frames from begin_write have been written.
    void end_write();

  private:
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::vector<Frame> frames_;
    std::size_t head_ = 0;       // first frame not yet written
    std::size_t in_flight_ = 0;  // frames from head_ handed to the current write
};

}  // namespace hubchat::net
