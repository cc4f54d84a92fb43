// Splits a TCP byte stream into JSON object frames without parsing them: a brace- and
// string-aware scanner. Accepts newline-terminated objects, the original client's
// back-to-back objects, objects split across reads, and braces or escaped quotes inside
// strings. Oversize objects are skipped to their closing brace so the stream can be
// resynchronised; top-level garbage is skipped to the next newline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hubchat::proto {

// The index of the first byte at or after `from` that is not JSON whitespace (space, tab,
// CR, LF), or input.size(): what lies between frames, and between tokens inside one.
inline std::size_t skip_json_space(std::string_view input, std::size_t from) {
    while (from < input.size() && (input[from] == ' ' || input[from] == '\n' ||
                                   input[from] == '\r' || input[from] == '\t')) {
        ++from;
    }
    return from;
}

class JsonFramer {
  public:
    enum class Kind : std::uint8_t {
        NeedMore,  // all input consumed; feed more
        Frame,     // `frame` holds one complete object
        TooLarge,  // an object over the limit was skipped whole; stream is in sync again
        BadFrame,  // bytes that do not start an object; skipping to the next newline
        Fatal,     // cannot resynchronise (endless oversize object or garbage line)
    };
    struct Step {
        Kind kind = Kind::NeedMore;
        std::size_t consumed = 0;  // bytes of the input used by this step
        std::string_view frame;    // valid until the next call (Frame only)
    };

    // `max_frame`: largest object accepted. Skipping an oversize object or a garbage line
    // gives up (Fatal) after `max_skip` bytes.
    explicit JsonFramer(std::size_t max_frame, std::size_t max_skip = 0);

    // Scans `input` from its start. Call repeatedly, dropping `consumed` bytes each time,
    // until NeedMore (or Fatal).
    Step next(std::string_view input);

    // Bytes of an unfinished frame held between reads (0 while idle).
    std::size_t buffered() const { return spill_ ? spill_->pending.size() : 0; }
    // Bytes of the object or garbage line being scanned, buffered or skipped alike: after
    // Fatal, how far the framer read before giving up (buffered() is 0 by then).
    std::size_t scanned() const { return frame_bytes_; }
    bool idle() const { return state_ == State::TopLevel && buffered() == 0; }
    // Returns the partial-frame buffer's memory (call when idle).
    void release_memory();

  private:
    enum class State : std::uint8_t { TopLevel, InObject, SkippingObject, SkippingLine };

    Step scan_object(std::string_view input, std::size_t start);

    void count_scanned(std::size_t bytes);

    // Only frames that span reads need memory of their own; most connections never do,
    // and an idle one holds none.
    struct Spill {
        std::string pending;  // start of an object that spans reads
        std::string held;     // a completed spanning frame, handed out by next()
    };
    std::unique_ptr<Spill> spill_;
    // 32-bit counts keep an idle connection's framer small; limits are capped at 1 GiB
    // and the count saturates, so comparisons against them stay exact. (The pointer comes
    // first so that the counts end the object: its owner can use the tail padding.)
    std::uint32_t max_frame_;
    std::uint32_t max_skip_;
    State state_ = State::TopLevel;
    bool in_string_ = false;
    bool escaped_ = false;
    std::uint32_t depth_ = 0;
    std::uint32_t frame_bytes_ = 0;  // size of the object scanned so far (also when skipping)
};

}  // namespace hubchat::proto
