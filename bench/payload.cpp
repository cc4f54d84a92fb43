#include "payload.hpp"

#include <fmt/compile.h>
#include <charconv>
#include <ctime>
#include <iterator>
#include <random>

namespace hubchat::bench {

namespace {
constexpr std::string_view kDigits36 = "0123456789abcdefghijklmnopqrstuvwxyz";

template <typename Number>
bool parse_field(std::string_view& text, Number& value) {
    const char* end = text.data() + text.size();
    auto [next, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || next == end || *next != ' ') return false;
    text.remove_prefix(static_cast<std::size_t>(next - text.data()) + 1);
    return true;
}
}  // namespace

std::int64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

std::string make_name(std::string_view tag, std::uint64_t id) {
    char digits[16];
    int length = 0;
    do {
        digits[length++] = kDigits36[id % 36];
        id /= 36;
    } while (id != 0);
    std::string name{tag};
    while (length > 0) name.push_back(digits[--length]);
    return name;
}

std::optional<std::uint64_t> parse_name(std::string_view name, std::string_view tag) {
    if (name.size() <= tag.size() || name.substr(0, tag.size()) != tag) return std::nullopt;
    std::uint64_t id = 0;
    for (char c : name.substr(tag.size())) {
        const auto digit = kDigits36.find(c);
        if (digit == std::string_view::npos) return std::nullopt;
        id = id * 36 + digit;
    }
    return id;
}

std::string random_tag() {
    // A fixed first letter keeps generated names clear of names a server reserves
    // (hubchat refuses "all", "server" and "hubchat"; "al" + "l" once made "all").
    std::random_device entropy;
    std::uniform_int_distribution<std::size_t> letter(10, 35), any(0, 35);
    return {'b', kDigits36[letter(entropy)], kDigits36[any(entropy)]};
}

void append_payload(std::string& out, const Payload& payload, int size) {
    const std::size_t start = out.size();
    auto inserter = std::back_inserter(out);
    if (payload.target == Payload::kRoomTarget) {
        fmt::format_to(inserter, FMT_COMPILE("{} {} r {} "), payload.sender, payload.sequence,
                       payload.sent_ns);
    } else {
        fmt::format_to(inserter, FMT_COMPILE("{} {} {} {} "), payload.sender, payload.sequence,
                       payload.target, payload.sent_ns);
    }
    const std::size_t written = out.size() - start;
    if (written < static_cast<std::size_t>(size)) out.append(size - written, 'x');
}

std::optional<Payload> parse_payload(std::string_view text) {
    const std::size_t total = text.size();
    Payload payload;
    if (!parse_field(text, payload.sender) || !parse_field(text, payload.sequence))
        return std::nullopt;
    if (text.starts_with("r ")) {
        text.remove_prefix(2);
    } else if (!parse_field(text, payload.target)) {
        return std::nullopt;
    }
    if (!parse_field(text, payload.sent_ns)) return std::nullopt;
    payload.header_bytes = total - text.size();
    return payload;
}

}  // namespace hubchat::bench
