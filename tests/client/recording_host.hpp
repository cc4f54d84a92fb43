// A Host that records what a session asks for, so sessions are tested with no I/O.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/session.hpp"

namespace hubchat::client::test {

class RecordingHost final : public Host {
  public:
    void send(std::string frame) override { sent.push_back(std::move(frame)); }
    void show(std::string_view line) override { shown.emplace_back(line); }
    void warn(std::string_view line) override { warned.emplace_back(line); }
    void prompt(std::string_view text) override {
        current_prompt = text;
        prompt_is_secret = false;
    }
    void prompt_secret(std::string_view text) override {
        current_prompt = text;
        prompt_is_secret = true;
    }
    void reconnect() override { ++reconnects; }
    void finish(int code) override {
        ++finish_calls;
        exit_code = code;
    }

    // What was sent / shown since the last call.
    std::vector<std::string> take_sent() { return std::exchange(sent, {}); }
    std::vector<std::string> take_shown() { return std::exchange(shown, {}); }

    std::vector<std::string> sent;
    std::vector<std::string> shown;
    std::vector<std::string> warned;
    std::string current_prompt = "(none)";
    bool prompt_is_secret = false;  // current_prompt asks for a password, unechoed
    int reconnects = 0;
    std::optional<int> exit_code;
    int finish_calls = 0;
};

}  // namespace hubchat::client::test
