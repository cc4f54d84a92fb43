// A frame: one encoded message as the wire carries it, immutable and shared, so one
// broadcast frame is queued to every recipient without copying.
//
// Its reference count is not atomic. Frames are made, copied and released only on the
// event loop's thread (the server runs one loop; worker threads never see a frame), and
// with std::shared_ptr the two atomic read-modify-writes per recipient (queued, then
// written) were ~8 % of the server's CPU in a 100-member broadcast (perf record). The
// counting is Boost's intrusive_ref_counter with its thread_unsafe_counter.
#pragma once

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>
#include <cstddef>
#include <string>
#include <utility>

namespace hubchat {

class Frame {
  public:
    Frame() = default;
    Frame(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): "no frame", as for a pointer

    const std::string& operator*() const { return text_->text; }
    const std::string* operator->() const { return &text_->text; }
    const std::string* get() const { return text_ ? &text_->text : nullptr; }
    long use_count() const { return text_ ? static_cast<long>(text_->use_count()) : 0; }
    explicit operator bool() const { return static_cast<bool>(text_); }
    friend bool operator==(const Frame& frame, std::nullptr_t) { return !frame.text_; }

  private:
    struct Text : boost::intrusive_ref_counter<Text, boost::thread_unsafe_counter> {
        explicit Text(std::string t) : text(std::move(t)) {}
        const std::string text;
    };
    explicit Frame(std::string text) : text_(new Text(std::move(text))) {}
    friend Frame make_frame(std::string text);

    boost::intrusive_ptr<const Text> text_;
};

inline Frame make_frame(std::string text) {
    return Frame(std::move(text));
}

}  // namespace hubchat
