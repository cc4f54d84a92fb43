#include "proto/sniff.hpp"

#include <algorithm>
#include <array>

namespace hubchat::proto {
namespace {

struct Signature {
    std::string_view prefix;
    Protocol protocol;
    bool case_insensitive;
};

constexpr std::array<Signature, 12> kSignatures{{
    {"GET ", Protocol::Http, false},
    {"HEAD ", Protocol::Http, false},
    {"POST ", Protocol::Http, false},
    {"PUT ", Protocol::Http, false},
    {"DELETE ", Protocol::Http, false},
    {"OPTIONS ", Protocol::Http, false},
    {"CAP ", Protocol::Irc, true},
    {"NICK ", Protocol::Irc, true},
    {"PASS ", Protocol::Irc, true},
    {"USER ", Protocol::Irc, true},
    {"CAP\r", Protocol::Irc, true},
    {"CAP\n", Protocol::Irc, true},
}};

char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

Protocol sniff(std::string_view bytes) {
    if (bytes.size() >= 2 && bytes[0] == 0x16 && bytes[1] == 0x03) return Protocol::Tls;
    if (bytes.size() == 1 && bytes[0] == 0x16) return Protocol::NeedMore;
    std::size_t start = 0;
    while (start < bytes.size() && is_space(bytes[start])) ++start;
    if (start == bytes.size()) return Protocol::NeedMore;
    if (bytes[start] == '{') return Protocol::Json;
    const std::string_view rest = bytes.substr(start);
    bool could_still_match = false;
    for (const auto& sig : kSignatures) {
        const std::size_t n = std::min(rest.size(), sig.prefix.size());
        bool match = true;
        for (std::size_t i = 0; i < n && match; ++i) {
            match =
                sig.case_insensitive ? upper(rest[i]) == sig.prefix[i] : rest[i] == sig.prefix[i];
        }
        if (!match) continue;
        if (n == sig.prefix.size()) return sig.protocol;
        could_still_match = true;
    }
    if (could_still_match && rest.size() < kSniffBytes) return Protocol::NeedMore;
    // Any other IRC command as a first line (PING, PRIVMSG before registering, a line
    // with tags or a source): the IRC adapter answers it as IRC does (451, PONG), where
    // the JSON adapter could only say it is not JSON.
    if (rest.front() == '@' || rest.front() == ':') return Protocol::Irc;
    std::size_t letters = 0;
    while (letters < rest.size() && rest[letters] >= 'A' && rest[letters] <= 'Z') ++letters;
    if (letters == rest.size() && letters < kSniffBytes) return Protocol::NeedMore;
    if (letters >= 3 && letters < kSniffBytes && is_space(rest[letters])) return Protocol::Irc;
    return Protocol::Json;
}

const char* protocol_name(Protocol protocol) {
    switch (protocol) {
        case Protocol::NeedMore:
            return "undecided";
        case Protocol::Json:
            return "json";
        case Protocol::Tls:
            return "tls";
        case Protocol::Http:
            return "http";
        case Protocol::Irc:
            return "irc";
    }
    return "unknown";
}

}  // namespace hubchat::proto
