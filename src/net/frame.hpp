// A frame is one encoded message as the wire carries it, shared and immutable, so one
// broadcast frame is queued to every recipient without copying. FrameBuffers lets a
// gathered write point at the queued frames themselves: a connection keeps no second
// array of buffer descriptors beside its queue.
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <iterator>
#include <memory>
#include <span>
#include <string>

namespace hubchat::net {

using Frame = std::shared_ptr<const std::string>;

// The frames of one write as an Asio ConstBufferSequence (a view: the frames must outlive
// the write), starting `skip` bytes into the first frame when a write stopped inside it.
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
        const_iterator(const Frame* at, const Frame* first, std::size_t skip)
            : at_(at), first_(first), skip_(skip) {}

        boost::asio::const_buffer operator*() const {
            const std::size_t skip = at_ == first_ ? skip_ : 0;
            return {(*at_)->data() + skip, (*at_)->size() - skip};
        }
        boost::asio::const_buffer operator[](difference_type n) const { return *(*this + n); }
        const_iterator& operator++() { return ++at_, *this; }
        const_iterator operator++(int) {
            const_iterator before = *this;
            ++at_;
            return before;
        }
        const_iterator& operator--() { return --at_, *this; }
        const_iterator operator--(int) {
            const_iterator before = *this;
            --at_;
            return before;
        }
        const_iterator& operator+=(difference_type n) { return at_ += n, *this; }
        const_iterator& operator-=(difference_type n) { return at_ -= n, *this; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const_iterator a, const_iterator b) {
            return a.at_ - b.at_;
        }
        friend bool operator==(const_iterator a, const_iterator b) { return a.at_ == b.at_; }
        friend auto operator<=>(const_iterator a, const_iterator b) { return a.at_ <=> b.at_; }

      private:
        const Frame* at_ = nullptr;
        const Frame* first_ = nullptr;
        std::size_t skip_ = 0;
    };
    using value_type = boost::asio::const_buffer;

    explicit FrameBuffers(std::span<const Frame> frames, std::size_t skip = 0)
        : frames_(frames), skip_(skip) {}

    const_iterator begin() const { return {frames_.data(), frames_.data(), skip_}; }
    const_iterator end() const { return {frames_.data() + frames_.size(), frames_.data(), skip_}; }
    std::span<const Frame> frames() const { return frames_; }

  private:
    std::span<const Frame> frames_;
    std::size_t skip_;
};

}  // namespace hubchat::net
