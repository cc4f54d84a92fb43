#include "proto/irc_line.hpp"

#include <array>
#include <cstring>

#include "core/byte_scan.hpp"

namespace hubchat::proto::irc {
namespace {

bool is_letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool valid_command(std::string_view command) {
    if (command.size() == 3 && is_digit(command[0]) && is_digit(command[1]) &&
        is_digit(command[2])) {
        return true;
    }
    for (char c : command) {
        if (!is_letter(c)) return false;
    }
    return !command.empty();
}

void skip_spaces(std::string_view& s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
}

std::string_view take_word(std::string_view& s) {
    const auto space = s.find(' ');
    const std::string_view word = s.substr(0, space);
    s.remove_prefix(space == std::string_view::npos ? s.size() : space);
    return word;
}

void parse_tags(std::string_view text, std::vector<Tag>& tags) {
    while (!text.empty()) {
        const auto semi = text.find(';');
        const std::string_view item = text.substr(0, semi);
        text.remove_prefix(semi == std::string_view::npos ? text.size() : semi + 1);
        if (item.empty()) continue;
        const auto equals = item.find('=');
        Tag tag;
        tag.key = std::string(item.substr(0, equals));
        if (tag.key.empty()) continue;
        if (equals != std::string_view::npos)
            tag.value = unescape_tag_value(item.substr(equals + 1));
        // A repeated key: the last value counts (message-tags spec).
        bool replaced = false;
        for (auto& existing : tags) {
            if (existing.key == tag.key) {
                existing.value = std::move(tag.value);
                replaced = true;
                break;
            }
        }
        if (!replaced) tags.push_back(std::move(tag));
    }
}

// Where a line ends or a NUL stands: the bytes no IRC line may carry.
std::size_t find_line_end_or_nul(const char* data, std::size_t from, std::size_t end) {
    return byte_scan::find_any_of<'\0', '\r', '\n'>(data, from, end);
}

void append_clean(std::string& out, std::string_view text) {
    // Runs without CR, LF or NUL are copied whole; each of those becomes a space.
    std::size_t from = 0;
    while (from < text.size()) {
        const std::size_t stop = find_line_end_or_nul(text.data(), from, text.size());
        out.append(text.data() + from, stop - from);
        if (stop == text.size()) break;
        out += ' ';
        from = stop + 1;
    }
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

const char* parse_error_text(ParseError error) {
    switch (error) {
        case ParseError::None:
            return "no error";
        case ParseError::Empty:
            return "Empty line";
        case ParseError::TooLong:
            return "Input line was too long";
        case ParseError::TagsTooLong:
            return "Input line was too long (message tags over 8191 bytes)";
        case ParseError::BadTags:
            return "Malformed message tags";
        case ParseError::NoCommand:
            return "No command";
        case ParseError::BadCommand:
            return "Malformed command";
        case ParseError::BadByte:
            return "NUL, CR or LF inside a line";
    }
    return "error";
}

ParseResult parse_line(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (find_line_end_or_nul(line.data(), 0, line.size()) != line.size()) {
        return {std::nullopt, ParseError::BadByte};
    }
    Message message;
    if (!line.empty() && line.front() == '@') {
        const auto space = line.find(' ');
        const std::string_view tags =
            line.substr(1, space == std::string_view::npos ? line.npos : space - 1);
        // '@', the tags and the space after them.
        if (tags.size() + 2 > kMaxTagBytes) return {std::nullopt, ParseError::TagsTooLong};
        if (tags.empty() || space == std::string_view::npos) {
            return {std::nullopt, ParseError::BadTags};
        }
        parse_tags(tags, message.tags);
        line.remove_prefix(space);
        skip_spaces(line);
        if (line.empty()) return {std::nullopt, ParseError::BadTags};
    }
    if (line.size() > kMaxBodyBytes) return {std::nullopt, ParseError::TooLong};
    skip_spaces(line);
    if (line.empty()) return {std::nullopt, ParseError::Empty};
    if (line.front() == ':') {
        line.remove_prefix(1);
        message.source = std::string(take_word(line));
        skip_spaces(line);
        if (line.empty()) return {std::nullopt, ParseError::NoCommand};
    }
    const std::string_view command = take_word(line);
    if (!valid_command(command)) return {std::nullopt, ParseError::BadCommand};
    message.command = std::string(command);
    // Room for the usual few at once (PRIVMSG has two) rather than growing one by one.
    message.params.reserve(4);
    while (true) {
        skip_spaces(line);
        if (line.empty()) break;
        if (line.front() == ':') {
            message.params.emplace_back(line.substr(1));
            break;
        }
        message.params.emplace_back(take_word(line));
    }
    return {std::move(message), ParseError::None};
}

std::string escape_tag_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
            case ';':
                out += "\\:";
                break;
            case ' ':
                out += "\\s";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\0':
                break;  // cannot be sent at all
            default:
                out += c;
        }
    }
    return out;
}

std::string unescape_tag_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\') {
            out += value[i];
            continue;
        }
        if (++i == value.size()) break;  // a lone trailing backslash is dropped
        switch (value[i]) {
            case ':':
                out += ';';
                break;
            case 's':
                out += ' ';
                break;
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            default:
                out += value[i];  // "\\" and any other escaped character: itself
        }
    }
    return out;
}

namespace {

// Tags, source and command: the line up to its parameters.
void append_head(std::string& out, std::span<const Tag> tags, std::string_view source,
                 std::string_view command) {
    if (!tags.empty()) {
        out += '@';
        bool first = true;
        for (const auto& tag : tags) {
            if (!first) out += ';';
            first = false;
            append_clean(out, tag.key);
            if (!tag.value.empty()) {
                out += '=';
                out += escape_tag_value(tag.value);
            }
        }
        out += ' ';
    }
    if (!source.empty()) {
        out += ':';
        append_clean(out, source);
        out += ' ';
    }
    append_clean(out, command);
}

void append_param(std::string& out, std::string_view param, bool last) {
    out += ' ';
    // Cleaned, CR, LF and NUL become spaces: the trailing form is needed for them too.
    // (find_first_of would call memchr once per byte of the text.)
    if (last && (param.empty() || param.front() == ':' ||
                 byte_scan::find_any_of<' ', '\r', '\n', '\0'>(param.data(), 0, param.size()) !=
                     param.size())) {
        out += ':';
    }
    append_clean(out, param);
}

}  // namespace

std::string serialize(const Message& message) {
    std::string out;
    append_head(out, message.tags, message.source, message.command);
    for (std::size_t i = 0; i < message.params.size(); ++i) {
        append_param(out, message.params[i], i + 1 == message.params.size());
    }
    out += "\r\n";
    return out;
}

void append_chat_line(std::string& out, std::span<const Tag> tags, std::string_view source,
                      std::string_view command, std::string_view target, std::string_view text) {
    append_head(out, tags, source, command);
    append_param(out, target, false);
    append_param(out, text, true);
    out += "\r\n";
}

Frame single_chat_line(std::string_view source, std::string_view command, std::string_view target,
                       std::string_view text, std::size_t max_text) {
    if (text.empty() || text.size() > max_text) return nullptr;
    for (const std::string_view part : {text, source, command, target}) {
        if (find_line_end_or_nul(part.data(), 0, part.size()) != part.size()) return nullptr;
    }
    // As append_param decides for the last parameter (CR, LF and NUL ruled out above).
    const bool colon = text.front() == ':' || text.find(' ') != std::string_view::npos;
    const std::size_t size = (source.empty() ? 0 : source.size() + 2) + command.size() + 1 +
                             target.size() + 1 + (colon ? 1 : 0) + text.size() + 2;
    return make_frame(size, [&](char* out) {
        auto put = [&out](std::string_view piece) {
            std::memcpy(out, piece.data(), piece.size());
            out += piece.size();
        };
        if (!source.empty()) {
            *out++ = ':';
            put(source);
            *out++ = ' ';
        }
        put(command);
        *out++ = ' ';
        put(target);
        *out++ = ' ';
        if (colon) *out++ = ':';
        put(text);
        put("\r\n");
    });
}

std::optional<std::string> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::array<int, 4> v{};
        int padding = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=') {
                // Padding only at the very end, and only in the last two places.
                if (i + 4 != text.size() || k < 2) return std::nullopt;
                ++padding;
                v[k] = 0;
                continue;
            }
            if (padding > 0) return std::nullopt;
            v[k] = base64_value(c);
            if (v[k] < 0) return std::nullopt;
        }
        const auto bits =
            static_cast<std::uint32_t>((v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3]);
        out += static_cast<char>((bits >> 16) & 0xFF);
        if (padding < 2) out += static_cast<char>((bits >> 8) & 0xFF);
        if (padding < 1) out += static_cast<char>(bits & 0xFF);
    }
    return out;
}

std::string encode_base64(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t bits = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) bits |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) bits |= static_cast<unsigned char>(bytes[i + 2]);
        out += kBase64Alphabet[(bits >> 18) & 63];
        out += kBase64Alphabet[(bits >> 12) & 63];
        out += i + 1 < bytes.size() ? kBase64Alphabet[(bits >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? kBase64Alphabet[bits & 63] : '=';
    }
    return out;
}

LineSplitter::Step LineSplitter::next(std::string_view input) {
    if (handed_out_) {
        pending_->clear();
        handed_out_ = false;
    }
    const std::size_t pending = pending_ ? pending_->size() : 0;
    std::size_t pos = 0;
    while (pos < input.size()) {
        // find_first_of would call memchr on "\r\n" once per input byte.
        std::size_t end = byte_scan::find_any_of<'\r', '\n'>(input.data(), pos, input.size());
        if (end == input.size()) end = std::string_view::npos;
        const std::size_t chunk_end = end == std::string_view::npos ? input.size() : end;
        const std::string_view chunk = input.substr(pos, chunk_end - pos);
        if (skipping_) {
            if (end == std::string_view::npos) return {Kind::NeedMore, input.size(), {}};
            skipping_ = false;
            pos = end + 1;
            continue;
        }
        if (pending + chunk.size() > max_line_) {
            if (pending_) pending_->clear();
            skipping_ = end == std::string_view::npos;
            return {Kind::TooLong, end == std::string_view::npos ? input.size() : end + 1, {}};
        }
        if (end == std::string_view::npos) {
            if (!pending_) pending_ = std::make_unique<std::string>();
            pending_->append(chunk);
            return {Kind::NeedMore, input.size(), {}};
        }
        if (pending == 0) {
            if (chunk.empty()) {  // an empty line, or the LF of a CRLF
                pos = end + 1;
                continue;
            }
            return {Kind::Line, end + 1, chunk};
        }
        pending_->append(chunk);
        handed_out_ = true;
        return {Kind::Line, end + 1, *pending_};
    }
    return {Kind::NeedMore, input.size(), {}};
}

}  // namespace hubchat::proto::irc
