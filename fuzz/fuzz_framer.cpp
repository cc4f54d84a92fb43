// libFuzzer target for JsonFramer: the same stream is framed in one piece and cut into
// reads at points drawn from the input; both runs must agree, and every step must keep
// the framer's contract (see proto/json_framer.hpp).
//
// Input layout: byte 0 picks the frame limit, byte 1 the skip allowance, byte 2 the
// read sizes; the rest is the byte stream a client would send.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "proto/json_framer.hpp"

namespace {

using hubchat::proto::JsonFramer;
using Kind = JsonFramer::Kind;

struct Config {
    std::size_t max_frame = 0;
    std::size_t max_skip = 0;  // 0: the framer's default
    std::uint32_t chunk_seed = 0;
    std::size_t max_chunk = 0;  // 0: the whole stream in one read
};

struct Outcome {
    Kind kind;
    std::string frame;
    bool operator==(const Outcome&) const = default;
};

// Our own reading of "one complete object": starts with '{', and the brace/bracket depth,
// ignoring strings and escapes, first returns to zero at the last byte. The framer does
// not match bracket kinds ('{]' is cut as a frame); the JSON parser rejects those.
bool is_complete_object(std::string_view f) {
    if (f.size() < 2 || f.front() != '{') return false;
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < f.size(); ++i) {
        const char c = f[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return i + 1 == f.size();
        }
    }
    return false;
}

// Read sizes from a small xorshift generator seeded by the input, with the odd empty read.
class Chunker {
  public:
    Chunker(std::uint32_t seed, std::size_t max_chunk)
        : state_(seed * 2654435761u + 1), max_chunk_(max_chunk) {}
    std::size_t next() {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        if (state_ % 16 == 0) return 0;
        return 1 + state_ % max_chunk_;
    }

  private:
    std::uint32_t state_;
    std::size_t max_chunk_;
};

std::vector<Outcome> run(const Config& config, std::string_view stream) {
    JsonFramer framer(config.max_frame, config.max_skip);
    Chunker chunker(config.chunk_seed, config.max_chunk == 0 ? 1 : config.max_chunk);
    std::vector<Outcome> out;
    std::size_t offset = 0;  // bytes of `stream` handed to the framer so far
    do {
        const std::size_t len = config.max_chunk == 0 ? stream.size() : chunker.next();
        std::string_view input = stream.substr(offset, len);
        offset += input.size();
        const std::size_t end_of_input = offset;
        // Every call consumes bytes or changes state; a BadFrame may consume nothing
        // (the garbage starts the read), but the next call must then move on.
        const std::size_t max_calls = 2 * input.size() + 2;
        std::size_t calls = 0;
        bool last_was_empty = false;
        while (true) {
            FUZZ_CHECK(++calls <= max_calls);
            const auto step = framer.next(input);
            FUZZ_CHECK(step.consumed <= input.size());
            FUZZ_CHECK(framer.buffered() <= config.max_frame);
            if (step.kind == Kind::NeedMore) {
                FUZZ_CHECK(step.consumed == input.size());
                break;
            }
            const bool empty = step.consumed == 0;
            FUZZ_CHECK(!(empty && last_was_empty));
            last_was_empty = empty;
            input.remove_prefix(step.consumed);
            if (step.kind == Kind::Frame) {
                FUZZ_CHECK(step.frame.size() <= config.max_frame);
                FUZZ_CHECK(is_complete_object(step.frame));
                // The frame is exactly the stream bytes that end where this step stopped.
                const std::size_t frame_end = end_of_input - input.size();
                FUZZ_CHECK(frame_end >= step.frame.size());
                FUZZ_CHECK(stream.substr(frame_end - step.frame.size(), step.frame.size()) ==
                           step.frame);
            }
            out.push_back(Outcome{step.kind, std::string(step.frame)});
            if (step.kind == Kind::Fatal) return out;
        }
    } while (offset < stream.size());
    if (framer.idle()) FUZZ_CHECK(framer.buffered() == 0);
    framer.release_memory();
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    Config config;
    config.max_frame = 4 + data[0] % 124;
    config.max_skip = (data[1] & 3) == 0 ? 0 : config.max_frame * (data[1] & 3);
    config.chunk_seed = data[2];
    const std::string_view stream(reinterpret_cast<const char*>(data) + 3, size - 3);

    Config whole = config;
    whole.max_chunk = 0;
    const auto expected = run(whole, stream);

    Config split = config;
    split.max_chunk = 1 + data[2] % 32;
    const auto got = run(split, stream);
    // Where reads are cut must not change what comes out.
    FUZZ_CHECK(got == expected);
    return 0;
}
