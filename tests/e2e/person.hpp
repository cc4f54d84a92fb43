// A person at a terminal running hubchat: keys in, screen out.
#pragma once

#include <iostream>
#include <string>
#include <vector>

#include "process.hpp"
#include "screen.hpp"

namespace hubchat::e2e {

// The size Launch gives a pseudo-terminal.
constexpr int kRows = 24;
constexpr int kColumns = 80;

inline std::vector<std::string> client_argv(const Server& server, std::vector<std::string> extra) {
    std::vector<std::string> argv{HUBCHAT_CLIENT_BIN, "--machine-name:" + server.host(),
                                  "--port:" + std::to_string(server.port())};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

class Person {
  public:
    explicit Person(const Server& server, std::vector<std::string> extra_args = {},
                    std::vector<std::string> env = {})
        : process_(client_argv(server, std::move(extra_args)), in_terminal(std::move(env))) {}

    // `text` shows up in what the terminal received, after what was seen before.
    bool sees(std::string_view text) { return process_.expect(text); }
    void types(std::string_view keys) { process_.type(keys); }
    void enters(std::string_view line) { process_.type(std::string(line) + "\r"); }
    bool registers_as(std::string_view name) {
        if (!sees("Your name> ")) return false;
        enters(name);
        return sees("You say  > ");
    }

    // The terminal as it looks now.
    Screen screen() {
        process_.pump();
        Screen screen(kRows, kColumns);
        screen.feed(process_.out());
        return screen;
    }
    // Waits until the line with the cursor reads exactly `text`.
    // When it does not, says what the screen shows instead: a failure on a loaded
    // machine can then be told from a wrong redraw.
    bool cursor_line_becomes(const std::string& text) {
        const bool became = process_.wait_for([&](const std::string& out) {
            Screen screen(kRows, kColumns);
            screen.feed(out);
            return screen.cursor_line() == text;
        });
        if (!became) {
            Screen now = screen();
            std::cerr << "expected the cursor line \"" << text << "\"; it is \""
                      << now.cursor_line() << "\" (column " << now.cursor_column()
                      << "), on this screen:\n";
            for (const auto& line : now.lines()) std::cerr << "|" << line << "\n";
        }
        return became;
    }

    Process& process() { return process_; }

  private:
    Process process_;
};

}  // namespace hubchat::e2e
