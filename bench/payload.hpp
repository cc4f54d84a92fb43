#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hubchat::bench {

// Client names are <tag><id in base 36>: the three-letter tag ("b" and two random ones) is
// drawn per run so that a lingering connection of an earlier run can never be confused
// with one of this run, and the whole name stays within ngIRCd's 9-character nick limit
// for 36^6 ids.
std::string make_name(std::string_view tag, std::uint64_t id);
std::optional<std::uint64_t> parse_name(std::string_view name, std::string_view tag);
std::string random_tag();

// What every benchmark message carries in its text, so that each recipient can check
// order, loss and attribution on its own and measure latency without asking anyone.
struct Payload {
    static constexpr std::int64_t kRoomTarget = -1;

    std::uint64_t sender = 0;           // client id of the sender
    std::uint32_t sequence = 0;         // per sender, from 0, no gaps
    std::int64_t target = kRoomTarget;  // recipient client id, or the room
    std::int64_t sent_ns = 0;           // CLOCK_MONOTONIC when queued for sending
    std::size_t header_bytes = 0;       // parse only: text before the padding
};

// Appends "<sender> <sequence> <target|r> <sent_ns> " padded with 'x' to `size` bytes
// (longer if the fields do not fit). Plain ASCII: no escaping in JSON or IRC.
void append_payload(std::string& out, const Payload& payload, int size);
std::optional<Payload> parse_payload(std::string_view text);
// The length append_payload gives a text whose fields take `header_bytes`.
inline std::size_t padded_text_bytes(std::size_t header_bytes, int size) {
    return header_bytes < static_cast<std::size_t>(size) ? static_cast<std::size_t>(size)
                                                         : header_bytes;
}

std::int64_t monotonic_ns();

}  // namespace hubchat::bench
