// Admission control for the listener: whether a new connection may come in, decided
// before any adapter sees it. Pure bookkeeping (the time is passed in, no sockets), one
// owner: the listener's thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "core/message.hpp"
#include "core/token_bucket.hpp"

namespace hubchat {

// A peer's IP address as 16 bytes. IPv4 is kept as IPv4-mapped IPv6, so "192.0.2.7" and
// "::ffff:192.0.2.7" (how a dual-stack socket reports an IPv4 peer) are one address.
class PeerAddress {
  public:
    using V4Bytes = std::array<unsigned char, 4>;
    using V6Bytes = std::array<unsigned char, 16>;

    // The same byte arrays Asio's address_v4/address_v6::to_bytes() return.
    static PeerAddress from_v4(const V4Bytes& bytes);
    static PeerAddress from_v6(const V6Bytes& bytes);
    // "192.0.2.7", "2001:db8::1", "::ffff:192.0.2.7", "[::1]", "fe80::1%eth0" (the zone
    // is dropped); nullopt for anything else.
    static std::optional<PeerAddress> parse(std::string_view text);

    bool is_v4() const;        // IPv4 or IPv4-mapped
    bool is_loopback() const;  // 127.0.0.0/8 or ::1
    // IPv6 keeps only its first `bits` bits; IPv4 is returned unchanged.
    PeerAddress v6_prefix(unsigned bits) const;
    std::string to_string() const;  // dotted quad for IPv4, RFC 5952 text for IPv6
    const V6Bytes& bytes() const { return bytes_; }

    bool operator==(const PeerAddress&) const = default;

    struct Hash {
        std::size_t operator()(const PeerAddress& address) const;
    };

  private:
    V6Bytes bytes_{};
};

struct AdmissionLimits {
    // Every limit is off when 0.
    // All connections together: a guard for file descriptors and memory, not a fairness
    // rule. Loopback counts here too.
    std::size_t max_connections = 10000;
    // Open connections from one address. Generous, because a whole office or household
    // behind NAT shares one address; the point is that one host cannot take every slot.
    std::size_t max_per_address = 64;
    // New connections from one address: up to this many at once, then this many a minute.
    // Counts attempts, refused ones too, so a client hammering reconnect slows itself down.
    std::uint32_t max_new_per_minute = 60;
    // An IPv6 host usually owns a whole /64 and can pick any address in it, so the
    // per-address limits count a /64 as one address (as ergo does). IPv4 is exact.
    unsigned ipv6_prefix_bits = 64;
    // Loopback peers skip the per-address limits (still counted in max_connections): the
    // tests and benchmarks open thousands of connections from 127.0.0.1, and behind a
    // local TLS or WebSocket proxy every client arrives from loopback.
    bool exempt_loopback = true;
};

class AdmissionControl {
  public:
    struct Admitted {};
    struct Refusal {
        std::string reason;               // a sentence fit to send the peer before closing
        std::int64_t retry_after_ms = 0;  // when known (the per-minute limit), else 0
    };
    using Decision = std::variant<Admitted, Refusal>;

    explicit AdmissionControl(AdmissionLimits limits = {});

    // Decides on a new connection from `address`. An Admitted connection is counted until
    // release(); a Refusal is not counted (but the attempt is, towards the per-minute limit).
    Decision admit(const PeerAddress& address, TimestampMs now_ms);
    // Call exactly once for each Admitted connection, when it closes.
    void release(const PeerAddress& address);

    // Forgets addresses with no open connection and no attempt recent enough to matter.
    // admit() does this itself from time to time; a caller with a timer may call it too.
    void forget_idle(TimestampMs now_ms);

    std::size_t connections() const { return total_; }
    std::size_t connections_from(const PeerAddress& address) const;
    std::size_t tracked_addresses() const { return by_address_.size(); }
    const AdmissionLimits& limits() const { return limits_; }

  private:
    struct PerAddress {
        std::size_t open = 0;
        std::optional<TokenBucket> new_connections;  // none when that limit is off
    };
    // The key the per-address limits count by, or nullopt when they do not apply.
    std::optional<PeerAddress> key_of(const PeerAddress& address) const;
    std::optional<TokenBucket> make_new_connection_budget() const;

    AdmissionLimits limits_;
    std::size_t total_ = 0;
    std::unordered_map<PeerAddress, PerAddress, PeerAddress::Hash> by_address_;
    // Sweeps are amortised: after a minute, or when the table has doubled since the last.
    TimestampMs last_sweep_ms_ = 0;
    std::size_t sweep_at_size_ = 1024;
};

}  // namespace hubchat
