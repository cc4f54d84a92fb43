// Frames (core/frame.hpp) as Asio sees them. FrameBuffers lets a
// gathered write point at the queued frames themselves: a connection keeps no second
// array of buffer descriptors beside its queue.
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <iterator>
#include <memory>
#include <span>
#include <string>

#include "core/frame.hpp"

namespace hubchat::net {

using Frame = hubchat::Frame;

// The frames of one write as an Asio ConstBufferSequence (a view: the frames must outlive
// the write).
class FrameBuffers {
  public:
    class const_iterator {
      public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = boost::asio::const_buffer;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = boost::asio::const_buffer;

        const_iterator() = default;
        explicit const_iterator(const Frame* at) : at_(at) {}

        boost::asio::const_buffer operator*() const { return {(*at_)->data(), (*at_)->size()}; }
        boost::asio::const_buffer operator[](difference_type n) const { return *(*this + n); }
        const_iterator& operator++() { return ++at_, *this; }
        const_iterator operator++(int) { return const_iterator(at_++); }
        const_iterator& operator--() { return --at_, *this; }
        const_iterator operator--(int) { return const_iterator(at_--); }
        const_iterator& operator+=(difference_type n) { return at_ += n, *this; }
        const_iterator& operator-=(difference_type n) { return at_ -= n, *this; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const_iterator a, const_iterator b) {
            return a.at_ - b.at_;
        }
        friend auto operator<=>(const_iterator, const_iterator) = default;

      private:
        const Frame* at_ = nullptr;
    };
    using value_type = boost::asio::const_buffer;

    explicit FrameBuffers(std::span<const Frame> frames) : frames_(frames) {}

    const_iterator begin() const { return const_iterator(frames_.data()); }
    const_iterator end() const { return const_iterator(frames_.data() + frames_.size()); }
    std::span<const Frame> frames() const { return frames_; }

  private:
    std::span<const Frame> frames_;
};

}  // namespace hubchat::net
