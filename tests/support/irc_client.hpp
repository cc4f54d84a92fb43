// A line-based IRC client for tests against the real server: blocking socket, deadlines on
// every wait, its own small line parser (the tests judge the server by its wire output
// alone, so nothing from src/ is used).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubchat::test {

using namespace std::chrono_literals;

struct IrcLine {
    std::string raw;
    std::map<std::string, std::string> tags;  // values unescaped
    std::string source;
    std::string command;
    std::vector<std::string> params;

    // The nick of the source ("alice" of "alice!alice@host").
    std::string nick() const { return source.substr(0, source.find('!')); }
    std::string param(std::size_t i) const { return i < params.size() ? params[i] : ""; }
    std::string last() const { return params.empty() ? "" : params.back(); }
    bool has_tag(const std::string& key) const { return tags.count(key) != 0; }
    std::string tag(const std::string& key) const {
        auto it = tags.find(key);
        return it == tags.end() ? "" : it->second;
    }
};

IrcLine parse_irc_line(std::string_view line);

class IrcClient {
  public:
    using Match = std::function<bool(const IrcLine&)>;
    static constexpr std::chrono::milliseconds kWait = 10s;

    // A `receive_buffer` above 0 fixes the socket's receive buffer (bytes) before connecting.
    IrcClient(const std::string& host, std::uint16_t port, int receive_buffer = 0);
    ~IrcClient();
    IrcClient(const IrcClient&) = delete;
    IrcClient& operator=(const IrcClient&) = delete;

    // Sends `line` with CRLF added.
    bool send(std::string_view line);
    // Sends bytes as they are.
    bool send_raw(std::string_view bytes);

    std::optional<IrcLine> next(std::chrono::milliseconds timeout = kWait);
    // The first line matching; the ones before it go to `skipped`.
    std::optional<IrcLine> wait_for(const Match& match, std::chrono::milliseconds timeout = kWait,
                                    std::vector<IrcLine>* skipped = nullptr);
    std::optional<IrcLine> wait_command(const std::string& command,
                                        std::chrono::milliseconds timeout = kWait,
                                        std::vector<IrcLine>* skipped = nullptr);
    // Everything the server sent before it answers a PING sent now (which orders it
    // after every earlier reply).
    std::optional<std::vector<IrcLine>> sync();

    // NICK/USER (with CAP LS 302 / REQ / END first when `caps` is not empty) up to the
    // end of the registration burst (the JOIN #ALL names). False if no 001 came.
    bool register_as(const std::string& nick, const std::vector<std::string>& caps = {});

    // True when the server closed the connection within `timeout`; lines before go to
    // `before`.
    bool expect_closed(std::chrono::milliseconds timeout = kWait,
                       std::vector<IrcLine>* before = nullptr);

  private:
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    bool eof_ = false;
    std::string buffer_;
    std::uint64_t next_sync_ = 1;
};

// Matchers.
IrcClient::Match command_is(std::string command);
IrcClient::Match message_from(std::string nick, std::string target, std::string text,
                              std::string command = "PRIVMSG");

}  // namespace hubchat::test
