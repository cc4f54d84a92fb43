#include "net/outbox.hpp"

#include <algorithm>

namespace hubchat::net {

void Outbox::drop_queued() {
    for (std::size_t i = head_; i < queued_.size(); ++i)
        bytes_ -= static_cast<std::uint32_t>(queued_[i]->size());
    queued_.clear();
    head_ = 0;
}

void Outbox::push_growing(Frame&& frame) {
    // Storage is freed whenever the queue empties (idle connections hold none), so start a
    // busy one with room for a burst rather than growing 1, 2, 4, 8...
    if (queued_.capacity() == 0) queued_.reserve(16);
    queued_.push_back(std::move(frame));
}

std::span<const Frame> Outbox::begin_write(std::size_t max_frames) {
    if (!writing_.empty()) return writing_;
    const std::size_t count = std::min(max_frames, queued_.size() - head_);
    if (count == queued_.size()) {
        // The usual case, everything queued goes: the two vectors trade storage.
        writing_.swap(queued_);
        return writing_;
    }
    const auto first = queued_.begin() + head_;
    writing_.assign(std::make_move_iterator(first),
                    std::make_move_iterator(first + static_cast<std::ptrdiff_t>(count)));
    head_ += static_cast<std::uint32_t>(count);
    if (head_ == queued_.size()) {
        queued_.clear();
        head_ = 0;
    } else if (head_ > 1024 && head_ * 2 > queued_.size()) {
        queued_.erase(queued_.begin(), queued_.begin() + head_);
        head_ = 0;
    }
    return writing_;
}

void Outbox::end_write() {
    for (const auto& frame : writing_) bytes_ -= static_cast<std::uint32_t>(frame->size());
    writing_.clear();
    if (head_ == queued_.size()) {
        // An idle connection holds no queue memory (thousands of them are the common case).
        std::vector<Frame>().swap(queued_);
        std::vector<Frame>().swap(writing_);
        head_ = 0;
    }
}

}  // namespace hubchat::net
