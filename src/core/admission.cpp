#include "core/admission.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace hubchat {
namespace {

constexpr std::array<unsigned char, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr TimestampMs kSweepEveryMs = 60 * 1000;
constexpr std::size_t kMinSweepSize = 1024;

std::string describe_seconds(std::int64_t ms) {
    return std::to_string((ms + 999) / 1000) + " s";
}

}  // namespace

// ---- PeerAddress ---------------------------------------------------------------------

PeerAddress PeerAddress::from_v4(const V4Bytes& bytes) {
    PeerAddress address;
    std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), address.bytes_.begin());
    std::copy(bytes.begin(), bytes.end(), address.bytes_.begin() + 12);
    return address;
}

PeerAddress PeerAddress::from_v6(const V6Bytes& bytes) {
    PeerAddress address;
    address.bytes_ = bytes;
    return address;
}

std::optional<PeerAddress> PeerAddress::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
    }
    text = text.substr(0, text.find('%'));  // a link-local zone names an interface, not a host
    if (text.empty() || text.size() > 45) return std::nullopt;  // INET6_ADDRSTRLEN - 1
    const std::string nul_terminated(text);
    V4Bytes v4{};
    if (::inet_pton(AF_INET, nul_terminated.c_str(), v4.data()) == 1) return from_v4(v4);
    V6Bytes v6{};
    if (::inet_pton(AF_INET6, nul_terminated.c_str(), v6.data()) == 1) return from_v6(v6);
    return std::nullopt;
}

bool PeerAddress::is_v4() const {
    return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes_.begin());
}

bool PeerAddress::is_loopback() const {
    if (is_v4()) return bytes_[12] == 127;
    static constexpr V6Bytes kV6Loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return bytes_ == kV6Loopback;
}

PeerAddress PeerAddress::v6_prefix(unsigned bits) const {
    if (is_v4() || bits >= 128) return *this;
    PeerAddress masked = *this;
    const std::size_t whole = bits / 8;
    if (const unsigned rest = bits % 8; rest != 0) {
        masked.bytes_[whole] &= static_cast<unsigned char>(0xFF00u >> rest);
        std::fill(masked.bytes_.begin() + static_cast<std::ptrdiff_t>(whole) + 1,
                  masked.bytes_.end(), 0);
    } else {
        std::fill(masked.bytes_.begin() + static_cast<std::ptrdiff_t>(whole), masked.bytes_.end(),
                  0);
    }
    return masked;
}

std::string PeerAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    if (is_v4()) {
        ::inet_ntop(AF_INET, bytes_.data() + 12, text, sizeof text);
    } else {
        ::inet_ntop(AF_INET6, bytes_.data(), text, sizeof text);
    }
    return text;
}

std::size_t PeerAddress::Hash::operator()(const PeerAddress& address) const {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    std::memcpy(&high, address.bytes_.data(), 8);
    std::memcpy(&low, address.bytes_.data() + 8, 8);
    // Mix both halves: IPv4 keys differ only in the low one, IPv6 /64 keys only in the high.
    return static_cast<std::size_t>((high * 0x9E3779B97F4A7C15ull) ^ (low + (low >> 29)) ^
                                    (low * 0xC2B2AE3D27D4EB4Full));
}

// ---- AdmissionControl ----------------------------------------------------------------

AdmissionControl::AdmissionControl(AdmissionLimits limits) : limits_(limits) {}

std::optional<PeerAddress> AdmissionControl::key_of(const PeerAddress& address) const {
    if (limits_.exempt_loopback && address.is_loopback()) return std::nullopt;
    if (limits_.max_per_address == 0 && limits_.max_new_per_minute == 0) return std::nullopt;
    return address.v6_prefix(limits_.ipv6_prefix_bits);
}

std::optional<TokenBucket> AdmissionControl::make_new_connection_budget() const {
    if (limits_.max_new_per_minute == 0) return std::nullopt;
    return TokenBucket(limits_.max_new_per_minute, limits_.max_new_per_minute,
                       std::chrono::minutes(1));
}

AdmissionControl::Decision AdmissionControl::admit(const PeerAddress& address, TimestampMs now_ms) {
    if (limits_.max_connections != 0 && total_ >= limits_.max_connections) {
        // Checked first and remembered nowhere: a full server must not grow its table.
        return Refusal{
            "The server is full (" + std::to_string(total_) + " connections); try again later", 0};
    }
    const auto key = key_of(address);
    if (!key) {
        ++total_;
        return Admitted{};
    }
    if (by_address_.size() >= sweep_at_size_ || now_ms - last_sweep_ms_ >= kSweepEveryMs) {
        forget_idle(now_ms);
    }
    auto [it, created] = by_address_.try_emplace(*key);
    PerAddress& entry = it->second;
    if (created) entry.new_connections = make_new_connection_budget();
    auto who = [&] {  // only spelled out for a refusal
        const bool whole_address = key->is_v4() || limits_.ipv6_prefix_bits >= 128;
        return key->to_string() +
               (whole_address ? "" : "/" + std::to_string(limits_.ipv6_prefix_bits));
    };
    if (entry.new_connections) {
        if (const auto wait_ms = entry.new_connections->try_take(now_ms); wait_ms != 0) {
            return Refusal{"Too many new connections from " + who() + ": try again in " +
                               describe_seconds(wait_ms),
                           wait_ms};
        }
    }
    if (limits_.max_per_address != 0 && entry.open >= limits_.max_per_address) {
        return Refusal{"Too many connections from " + who() + " (" + std::to_string(entry.open) +
                           " open); close one first",
                       0};
    }
    ++entry.open;
    ++total_;
    return Admitted{};
}

void AdmissionControl::release(const PeerAddress& address) {
    if (total_ > 0) --total_;
    const auto key = key_of(address);
    if (!key) return;
    auto it = by_address_.find(*key);
    if (it == by_address_.end() || it->second.open == 0) return;  // not ours: ignore
    // The entry stays while its per-minute budget still remembers recent attempts; the
    // next sweep drops it.
    --it->second.open;
}

void AdmissionControl::forget_idle(TimestampMs now_ms) {
    std::erase_if(by_address_, [now_ms](const auto& item) {
        const PerAddress& entry = item.second;
        return entry.open == 0 &&
               (!entry.new_connections || entry.new_connections->full_at(now_ms));
    });
    last_sweep_ms_ = now_ms;
    sweep_at_size_ = std::max(kMinSweepSize, 2 * by_address_.size());
}

std::size_t AdmissionControl::connections_from(const PeerAddress& address) const {
    const auto key = key_of(address);
    if (!key) return 0;
    auto it = by_address_.find(*key);
    return it == by_address_.end() ? 0 : it->second.open;
}

}  // namespace hubchat
