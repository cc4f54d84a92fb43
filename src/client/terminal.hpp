// The interactive line editor: GNU readline's callback interface, fed from
// the event loop, so text arriving from the server is printed above the line being
// typed and that line is redrawn intact.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hubchat::client {

class Terminal {
  public:
    // Called with each line typed; nullopt on end of input (Ctrl-D).
    using LineHandler = std::function<void(std::optional<std::string>)>;

    explicit Terminal(LineHandler handler);
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    void set_prompt(std::string prompt);
    // Stdin is readable: let the editor take what was typed.
    void on_input_ready();
    // Prints `text` (one or more lines) above the input line.
    void print(std::string_view text);
    // Leaves the editor (restores the terminal); later output goes straight to stdout.
    void close();

  private:
    static void on_line(char* line);

    LineHandler handler_;
    std::string prompt_;
    bool active_ = false;
    bool in_handler_ = false;  // inside the line handler
};

}  // namespace hubchat::client
