// libFuzzer target for the IRC line codec (proto/irc_line): any bytes as a line, as a
// byte stream cut into reads, as a message to serialize, as base64 and as a tag value.
// Invariants:
//  - parse_line never crashes; what it accepts serializes to exactly one CRLF-terminated
//    line that parses back to the same message (parse(serialize(m)) == m);
//  - serialize always yields one line, whatever the message holds (CR, LF, NUL, spaces),
//    and a message that IRC can represent comes back unchanged;
//  - the line splitter gives the same lines however the stream is cut, never buffers
//    more than its limit, and reports an over-long line once;
//  - base64 and tag-value escaping round-trip.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "proto/irc_line.hpp"

namespace {

using namespace hubchat::proto::irc;

bool one_crlf_line(const std::string& s) {
    if (s.size() < 2 || s.compare(s.size() - 2, 2, "\r\n") != 0) return false;
    const std::string_view body(s.data(), s.size() - 2);
    return body.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void check_parse_round_trip(std::string_view line) {
    const ParseResult first = parse_line(line);
    FUZZ_CHECK(first.message.has_value() == (first.error == ParseError::None));
    if (!first.message) return;
    const Message& m = *first.message;
    FUZZ_CHECK(!m.command.empty());
    for (std::size_t i = 0; i + 1 < m.params.size(); ++i) {
        // Only the last parameter may be empty, hold spaces or start with ':'.
        FUZZ_CHECK(!m.params[i].empty());
        FUZZ_CHECK(m.params[i].find(' ') == std::string::npos);
        FUZZ_CHECK(m.params[i].front() != ':');
    }
    const std::string wire = serialize(m);
    FUZZ_CHECK(one_crlf_line(wire));
    const ParseResult again = parse_line(std::string_view(wire).substr(0, wire.size() - 2));
    FUZZ_CHECK(again.error == ParseError::None);
    FUZZ_CHECK(again.message.has_value() && *again.message == m);
    // Serializing is a fixed point from then on.
    FUZZ_CHECK(serialize(*again.message) == wire);
}

// Splits the input at 0x01 bytes into the fields of a message: tags (key=value pairs cut
// at 0x02), source, command, parameters.
Message structured(std::string_view data) {
    std::vector<std::string_view> fields;
    while (true) {
        const auto cut = data.find('\x01');
        fields.push_back(data.substr(0, cut));
        if (cut == std::string_view::npos) break;
        data.remove_prefix(cut + 1);
    }
    Message m;
    std::size_t i = 0;
    if (i < fields.size()) {
        std::string_view tags = fields[i++];
        while (!tags.empty()) {
            const auto cut = tags.find('\x02');
            const std::string_view item = tags.substr(0, cut);
            tags.remove_prefix(cut == std::string_view::npos ? tags.size() : cut + 1);
            const auto eq = item.find('=');
            m.tags.push_back(Tag{
                std::string(item.substr(0, eq)),
                eq == std::string_view::npos ? std::string() : std::string(item.substr(eq + 1))});
        }
    }
    if (i < fields.size()) m.source = std::string(fields[i++]);
    if (i < fields.size()) m.command = std::string(fields[i++]);
    for (; i < fields.size(); ++i) m.params.emplace_back(fields[i]);
    return m;
}

bool has_bad_byte(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool valid_command(std::string_view c) {
    if (c.size() == 3 &&
        std::all_of(c.begin(), c.end(), [](char x) { return x >= '0' && x <= '9'; }))
        return true;
    return !c.empty() && std::all_of(c.begin(), c.end(), [](char x) {
        return (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z');
    });
}

// Whether IRC can carry m exactly: what the server builds must be such a message.
bool representable(const Message& m) {
    if (!valid_command(m.command)) return false;
    if (has_bad_byte(m.source) || m.source.find(' ') != std::string::npos) return false;
    std::vector<std::string_view> keys;
    std::size_t tag_bytes = 0;
    for (const auto& t : m.tags) {
        if (t.key.empty() ||
            t.key.find_first_of(std::string_view("=; \r\n\0", 6)) != std::string::npos)
            return false;
        if (t.value.find('\0') != std::string::npos) return false;
        if (std::find(keys.begin(), keys.end(), t.key) != keys.end()) return false;
        keys.push_back(t.key);
        tag_bytes += t.key.size() + 1 + escape_tag_value(t.value).size() + 1;
    }
    if (tag_bytes + 2 > kMaxTagBytes) return false;
    for (std::size_t i = 0; i < m.params.size(); ++i) {
        const auto& p = m.params[i];
        if (has_bad_byte(p)) return false;
        if (i + 1 < m.params.size() &&
            (p.empty() || p.front() == ':' || p.find(' ') != std::string::npos))
            return false;
    }
    return true;
}

void check_serialize(std::string_view data) {
    const Message m = structured(data);
    const std::string wire = serialize(m);
    FUZZ_CHECK(one_crlf_line(wire));
    // The one-line shortcut, where it takes a chat line, writes what the chat line writer
    // does.
    if (m.params.size() == 2) {
        if (const hubchat::Frame line =
                single_chat_line(m.source, m.command, m.params[0], m.params[1], kMaxBodyBytes)) {
            std::string expected;
            append_chat_line(expected, {}, m.source, m.command, m.params[0], m.params[1]);
            FUZZ_CHECK(*line == expected);
        }
    }
    if (!representable(m)) return;
    const ParseResult back = parse_line(std::string_view(wire).substr(0, wire.size() - 2));
    std::size_t tags_end = wire[0] == '@' ? wire.find(' ') + 1 : 0;
    if (wire.size() - 2 - tags_end > kMaxBodyBytes) {
        FUZZ_CHECK(back.error == ParseError::TooLong);
        return;
    }
    FUZZ_CHECK(back.error == ParseError::None);
    FUZZ_CHECK(*back.message == m);
}

// Lines as cutting the whole stream at once gives them.
struct Lines {
    std::vector<std::string> lines;
    std::size_t too_long = 0;
};

Lines split(std::string_view stream, const std::vector<std::size_t>& cuts, std::size_t limit) {
    Lines out;
    LineSplitter splitter(limit);
    std::size_t pos = 0;
    std::size_t k = 0;
    while (pos < stream.size()) {
        const std::size_t n =
            std::min(stream.size() - pos, cuts.empty() ? stream.size() : cuts[k++ % cuts.size()]);
        std::string_view read = stream.substr(pos, n);
        pos += n;
        while (true) {
            const LineSplitter::Step step = splitter.next(read);
            FUZZ_CHECK(step.consumed <= read.size());
            read.remove_prefix(step.consumed);
            FUZZ_CHECK(splitter.buffered() <= limit);
            if (step.kind == LineSplitter::Kind::NeedMore) {
                FUZZ_CHECK(read.empty());
                break;
            }
            if (step.kind == LineSplitter::Kind::TooLong) {
                ++out.too_long;
            } else {
                FUZZ_CHECK(!step.line.empty());
                FUZZ_CHECK(step.line.size() <= limit);
                FUZZ_CHECK(step.line.find_first_of("\r\n") == std::string_view::npos);
                out.lines.emplace_back(step.line);
            }
        }
    }
    return out;
}

void check_splitter(std::string_view data) {
    if (data.empty()) return;
    // The first byte picks a small limit (so over-long lines happen) and the read sizes.
    const std::size_t limit = 8 + static_cast<unsigned char>(data[0]) % 64;
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < std::min<std::size_t>(data.size(), 8); ++i)
        cuts.push_back(1 + static_cast<unsigned char>(data[i]) % 17);
    const Lines whole = split(data, {}, limit);
    const Lines pieces = split(data, cuts, limit);
    FUZZ_CHECK(whole.lines == pieces.lines);
    FUZZ_CHECK(whole.too_long == pieces.too_long);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view data(reinterpret_cast<const char*>(bytes), size);

    check_parse_round_trip(data);
    check_serialize(data);
    check_splitter(data);

    const std::string encoded = encode_base64(data);
    const auto decoded = decode_base64(encoded);
    FUZZ_CHECK(decoded.has_value() && *decoded == data);
    if (const auto any = decode_base64(data)) FUZZ_CHECK(any->size() <= data.size());

    if (data.find('\0') == std::string_view::npos) {
        FUZZ_CHECK(unescape_tag_value(escape_tag_value(data)) == data);
    }
    return 0;
}
