#include "net/outbox.hpp"

#include <algorithm>

namespace hubchat::net {

bool Outbox::push(Frame frame) {
    if (bytes_ + frame->size() > max_bytes_) return false;
    push_final(std::move(frame));
    return true;
}

void Outbox::push_final(Frame frame) {
    // Storage is freed whenever the queue empties (idle connections hold none), so start
    // a busy one with room for a burst rather than growing 1, 2, 4, 8...
    if (frames_.capacity() == 0) frames_.reserve(16);
    bytes_ += frame->size();
    frames_.push_back(std::move(frame));
}

void Outbox::drop_queued() {
    for (std::size_t i = head_ + in_flight_; i < frames_.size(); ++i) bytes_ -= frames_[i]->size();
    frames_.resize(head_ + in_flight_);
}

std::span<const Frame> Outbox::begin_write(std::size_t max_frames) {
    in_flight_ = std::min(max_frames, frames_.size() - head_);
    return {frames_.data() + head_, in_flight_};
}

void Outbox::end_write() {
    for (std::size_t i = head_; i < head_ + in_flight_; ++i) {
        bytes_ -= frames_[i]->size();
        frames_[i].reset();
    }
    head_ += in_flight_;
    in_flight_ = 0;
    if (head_ == frames_.size()) {
        // An idle connection holds no queue memory (thousands of them are the common case).
        std::vector<Frame>().swap(frames_);
        head_ = 0;
    } else if (head_ > 1024 && head_ * 2 > frames_.size()) {
        frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
}

}  // namespace hubchat::net
