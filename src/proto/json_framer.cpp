#include "proto/json_framer.hpp"

#include <algorithm>
#include <cstring>

#include "core/byte_scan.hpp"

namespace hubchat::proto {

namespace {

constexpr std::size_t kLargestLimit = std::size_t{1} << 30;

std::uint32_t capped(std::size_t limit) {
    return static_cast<std::uint32_t>(std::min(limit, kLargestLimit));
}

}  // namespace

JsonFramer::JsonFramer(std::size_t max_frame, std::size_t max_skip)
    : max_frame_(capped(max_frame)),
      max_skip_(capped(max_skip != 0 ? max_skip : 16 * std::min(max_frame, kLargestLimit))) {}

void JsonFramer::count_scanned(std::size_t bytes) {
    frame_bytes_ = static_cast<std::uint32_t>(
        std::min<std::size_t>(std::size_t{frame_bytes_} + bytes, UINT32_MAX));
}

void JsonFramer::release_memory() {
    if (spill_ && spill_->pending.empty()) spill_.reset();
}

JsonFramer::Step JsonFramer::next(std::string_view input) {
    if (spill_) spill_->held.clear();  // the previous frame handed out is no longer needed
    std::size_t pos = 0;
    while (true) {
        switch (state_) {
            case State::TopLevel: {
                pos = skip_json_space(input, pos);
                if (pos == input.size()) return {Kind::NeedMore, pos, {}};
                if (input[pos] != '{') {
                    state_ = State::SkippingLine;
                    frame_bytes_ = 0;
                    return {Kind::BadFrame, pos, {}};
                }
                state_ = State::InObject;
                depth_ = 0;
                frame_bytes_ = 0;
                in_string_ = false;
                escaped_ = false;
                return scan_object(input, pos);
            }
            case State::InObject:
            case State::SkippingObject:
                return scan_object(input, pos);
            case State::SkippingLine: {
                const void* nl = std::memchr(input.data() + pos, '\n', input.size() - pos);
                const std::size_t line_end =
                    nl == nullptr
                        ? input.size()
                        : static_cast<std::size_t>(static_cast<const char*>(nl) - input.data());
                count_scanned(line_end - pos);
                // A line of garbage longer than any frame cannot be a frame gone wrong,
                // whether or not its newline came in the same read.
                if (frame_bytes_ > max_frame_) return {Kind::Fatal, line_end, {}};
                if (nl == nullptr) return {Kind::NeedMore, input.size(), {}};
                pos = line_end + 1;
                state_ = State::TopLevel;
                break;
            }
        }
    }
}

JsonFramer::Step JsonFramer::scan_object(std::string_view input, std::size_t start) {
    const char* const data = input.data();
    std::size_t i = start;
    const std::size_t end = input.size();
    bool complete = false;
    // The state in locals while scanning: stored through `this`, the compiler would
    // reload it from memory for every byte.
    bool in_string = in_string_;
    bool escaped = escaped_;
    std::uint32_t depth = depth_;
    while (i < end) {
        if (in_string && !escaped) {
            // Inside a string only a quote or a backslash matters: skip the rest at once.
            i = byte_scan::find_any_of<'"', '\\'>(data, i, end);
            if (i == end) break;
        }
        const char c = data[i++];
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
        } else if (c == '}' || c == ']') {
            if (--depth == 0) {
                complete = true;
                break;
            }
        }
    }
    in_string_ = in_string;
    escaped_ = escaped;
    depth_ = depth;
    const std::size_t scanned = i - start;
    count_scanned(scanned);

    if (state_ == State::InObject && frame_bytes_ > max_frame_) {
        // Too big: stop buffering but keep tracking structure to find its end.
        state_ = State::SkippingObject;
        spill_.reset();
    }
    if (state_ == State::SkippingObject) {
        // Checked before `complete`, so where the reads were cut does not matter.
        if (frame_bytes_ > max_skip_) return {Kind::Fatal, i, {}};
        if (complete) {
            state_ = State::TopLevel;
            return {Kind::TooLarge, i, {}};
        }
        return {Kind::NeedMore, i, {}};
    }
    if (!complete) {
        if (!spill_) spill_ = std::make_unique<Spill>();
        spill_->pending.append(data + start, scanned);
        return {Kind::NeedMore, i, {}};
    }
    state_ = State::TopLevel;
    if (!spill_ || spill_->pending.empty()) {
        return {Kind::Frame, i, std::string_view(data + start, scanned)};
    }
    spill_->pending.append(data + start, scanned);
    // Hand out the buffered frame; it is cleared at the start of the next call. Swapping
    // keeps both buffers' capacity for the next spanning frame.
    std::swap(spill_->held, spill_->pending);
    return {Kind::Frame, i, spill_->held};
}

}  // namespace hubchat::proto
