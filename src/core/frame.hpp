// A frame: one encoded message as the wire carries it, immutable and shared, so one
// broadcast frame is queued to every recipient without copying.
//
// Its reference count is not atomic. Frames are made, copied and released only on the
// event loop's thread (the server runs one loop; worker threads never see a frame), and
// with std::shared_ptr the two atomic read-modify-writes per recipient (queued, then
// written) were ~8 % of the server's CPU in a 100-member broadcast (perf record).
//
// The count, the length and the bytes are one allocation. A frame was a counted node
// holding a std::string, two allocations per frame; a direct message makes two frames
// (the copy and the sender's acknowledgement), and while a group commit is in flight
// thousands of them are made and freed in bursts, where every allocation costs more.
// make_frame(size, fill) lets a writer that knows the size first (JsonSizer) write
// straight into the frame.
#pragma once

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

namespace hubchat {

class Frame {
  public:
    Frame() = default;
    Frame(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): "no frame", as for a pointer

    std::string_view operator*() const { return body_->bytes; }
    const std::string_view* operator->() const { return &body_->bytes; }
    const std::string_view* get() const { return body_ ? &body_->bytes : nullptr; }
    long use_count() const { return body_ ? static_cast<long>(body_->count) : 0; }
    explicit operator bool() const { return static_cast<bool>(body_); }
    friend bool operator==(const Frame& frame, std::nullptr_t) { return !frame.body_; }

  private:
    // Followed in the same allocation by the bytes `bytes` views.
    struct Body {
        std::string_view bytes;
        mutable unsigned count = 0;  // owners; not part of the frame's immutable value

        friend void intrusive_ptr_add_ref(const Body* body) { ++body->count; }
        friend void intrusive_ptr_release(const Body* body) {
            if (--body->count != 0) return;
            auto* owned = const_cast<Body*>(body);  // the last owner frees it
            const std::size_t size = sizeof(Body) + owned->bytes.size();
            owned->~Body();
            // Sized where the compiler has sized deallocation (g++; clang with a flag).
            std::allocator<char>().deallocate(reinterpret_cast<char*>(owned), size);
        }
    };

    explicit Frame(Body* body) : body_(body) {}
    template <typename Fill>
    friend Frame make_frame(std::size_t size, Fill&& fill);

    boost::intrusive_ptr<const Body> body_;
};

// A frame of `size` bytes that `fill(char* bytes)` writes, all of them.
template <typename Fill>
Frame make_frame(std::size_t size, Fill&& fill) {
    char* memory = std::allocator<char>().allocate(sizeof(Frame::Body) + size);
    char* bytes = memory + sizeof(Frame::Body);
    auto* body = new (memory) Frame::Body{std::string_view(bytes, size)};
    Frame frame(body);  // owns it from here, also if `fill` throws
    fill(bytes);
    return frame;
}

// A frame holding a copy of `text`.
inline Frame make_frame(std::string_view text) {
    return make_frame(text.size(), [text](char* bytes) {
        if (!text.empty()) std::memcpy(bytes, text.data(), text.size());
    });
}

}  // namespace hubchat
