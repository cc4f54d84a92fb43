// The line editor at the terminal: libedit, driven key by key from the event loop, so
// text from the server can be printed at any moment above the line being typed, which
// is then redrawn intact (prompt, text and cursor position).
//
// libedit's readline emulation is not used: in libedit 3.1 `rl_replace_line("")` does
// nothing, `rl_redisplay()` only queues a ^R keystroke and `rl_copy_text()` drops the
// last character, so the readline recipe (save, clear, print, restore, redisplay)
// leaves stale or doubled text. The native API (histedit.h) gives the same editing with
// a redraw that works.
//
// A password is read with libedit out of the way: the terminal goes back to its normal
// (canonical) mode with echo off, so the kernel's line discipline does the little editing
// a password needs (erase, kill line) and nothing typed is ever drawn.
#pragma once

#include <termios.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

struct editline;  // libedit's EditLine
struct history;   // libedit's History

namespace hubchat::client {

class Terminal {
  public:
    // Called with each line entered (without its newline); nullopt at end of input
    // (Ctrl-D on an empty line, or the terminal went away).
    using LineHandler = std::function<void(std::optional<std::string>)>;

    // Takes over stdin/stdout, which must be a terminal.
    explicit Terminal(LineHandler handler);
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    void set_prompt(std::string_view prompt);
    // The next line only is a secret: asked with `prompt`, not echoed, not kept in the
    // history. The line after it is asked with set_prompt()'s prompt again, unless the
    // handler asks for another secret.
    void set_secret_prompt(std::string_view prompt);
    // Stdin is readable: give every key waiting there to the editor.
    void read_keys();
    // Prints one line above the line being typed.
    void print(std::string_view text);
    // The window changed size.
    void resize();
    // Ctrl-Z: gives the terminal back, stops the process, and takes the terminal again
    // (redrawing the line) once the shell continues it.
    void suspend();
    // Gives the terminal back as it was; later output goes straight to stdout.
    void close();
    bool is_open() const { return editor_ != nullptr; }

  private:
    static char* prompt_of(struct editline* editor);
    void accept(std::optional<std::string> line, bool secret = false);
    // Echo off, canonical mode, the secret prompt written; libedit is not reading.
    void start_secret();
    // Back to the terminal modes libedit left; an unfinished secret is discarded.
    void end_secret(bool discard_typed);
    void read_secret();
    // Gives libedit the terminal again, drawing the prompt and an empty line.
    void resume_editor();
    // Runs `between` with the edited line taken off the screen, then redraws it.
    void with_line_lifted(const std::function<void()>& between);
    void clear_text();
    void erase_line();

    LineHandler handler_;
    struct editline* editor_ = nullptr;
    struct history* history_ = nullptr;
    std::string prompt_;        // the prompt asked for
    std::string shown_prompt_;  // what libedit draws: empty while the line is lifted
    bool in_handler_ = false;   // a line was just entered: nothing of it is on screen
    std::optional<std::string> secret_prompt_;  // asked for the next line
    bool secret_active_ = false;                // reading it now, libedit aside
    termios secret_saved_{};                    // the modes to go back to
    std::string secret_;                        // typed so far (the kernel's line, read)
};

}  // namespace hubchat::client
