#include "client/terminal.hpp"

#include <histedit.h>
#include <signal.h>
#include <string.h>  // explicit_bzero
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>

namespace hubchat::client {
namespace {

constexpr char kEndOfInput = '\x04';  // Ctrl-D, as libedit reports it on an empty line
constexpr int kHistorySize = 500;

// A private key sequence (Ctrl-X Ctrl-_) bound to a command that only asks libedit to
// bring the screen up to date with its line. Pushed as input, it makes libedit erase
// what it drew when the prompt and line are emptied: libedit has no call that does so
// directly (EL_REFRESH assumes a blank line).
constexpr const char* kRefreshKeys = "\030\037";
constexpr const char* kRefreshKeysBinding = "^X^_";

unsigned char refresh_command(EditLine*, int) {
    return CC_REFRESH;
}

void write_line(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void write_text(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

// Columns taken by a prompt: one per character (prompts are plain text, names included).
std::size_t columns(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;  // not a UTF-8 tail
    }
    return count;
}

// While a line is handled the terminal is in its normal modes, in which the kernel
// would echo keys typed ahead at once, before the next prompt is drawn, and keep them
// for a line of its own. Echo and line editing off (signals kept) leave them queued,
// byte by byte, for libedit to draw and edit on the next line. Returns the modes to
// restore, none if standard input is not a terminal.
std::optional<termios> hold_typed_ahead_keys() {
    termios normal{};
    if (::tcgetattr(STDIN_FILENO, &normal) != 0) return std::nullopt;
    termios holding = normal;
    holding.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ECHOE | ECHOK | ECHONL);
    holding.c_cc[VMIN] = 1;
    holding.c_cc[VTIME] = 0;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &holding);
    return normal;
}

void wipe(std::string& secret) {
    explicit_bzero(secret.data(), secret.size());
    secret.clear();
}

}  // namespace

Terminal::Terminal(LineHandler handler) : handler_(std::move(handler)) {
    editor_ = el_init("hubchat", stdin, stdout, stderr);
    history_ = history_init();
    HistEvent event;
    history(history_, &event, H_SETSIZE, kHistorySize);
    history(history_, &event, H_SETUNIQUE, 1);
    el_set(editor_, EL_CLIENTDATA, this);
    el_set(editor_, EL_EDITOR, "emacs");
    el_set(editor_, EL_HIST, history, history_);
    el_set(editor_, EL_PROMPT, &Terminal::prompt_of);
    el_source(editor_, nullptr);  // the user's ~/.editrc, if any
    // The wide call: the narrow el_set(EL_ADDFN) copies name and help and never frees them.
    el_wset(editor_, EL_ADDFN, L"hubchat-refresh", L"Bring the screen up to date", refresh_command);
    el_set(editor_, EL_BIND, kRefreshKeysBinding, "hubchat-refresh", nullptr);
    // Key by key from now on: el_gets() returns after each key instead of blocking
    // until a whole line is typed. This also draws the (empty) prompt.
    el_set(editor_, EL_UNBUFFERED, 1);
}

Terminal::~Terminal() {
    close();
}

char* Terminal::prompt_of(EditLine* editor) {
    void* self = nullptr;
    el_get(editor, EL_CLIENTDATA, &self);
    return static_cast<Terminal*>(self)->shown_prompt_.data();
}

void Terminal::set_prompt(std::string_view prompt) {
    prompt_ = prompt;
    secret_prompt_.reset();
    if (!is_open()) return;
    if (in_handler_) {
        // The next line starts when the handler returns and is drawn with this prompt.
        shown_prompt_ = prompt_;
        return;
    }
    if (secret_active_) {
        // The secret is no longer wanted: off its line, and back to editing.
        end_secret(true);
        write_line("");
        return resume_editor();
    }
    with_line_lifted([] {});
}

void Terminal::set_secret_prompt(std::string_view prompt) {
    secret_prompt_ = std::string(prompt);
    // Inside the handler, accept() starts it once the handler returns.
    if (!is_open() || in_handler_) return;
    if (secret_active_) {
        end_secret(true);
        write_line("");
        return start_secret();
    }
    // libedit's line off the screen, and libedit's hands off the terminal.
    clear_text();
    erase_line();
    el_set(editor_, EL_UNBUFFERED, 0);
    start_secret();
}

void Terminal::start_secret() {
    // From the modes libedit keeps for between lines (canonical, echo on): echo off, but
    // the newline, so that Enter still moves to the next line.
    ::tcgetattr(STDIN_FILENO, &secret_saved_);
    termios quiet = secret_saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK);
    quiet.c_lflag |= ICANON | ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    secret_active_ = true;
    write_text(*secret_prompt_);
}

void Terminal::end_secret(bool discard_typed) {
    if (!secret_active_) return;
    // Whatever part of it was typed must not reach libedit's line, or the shell's.
    if (discard_typed) ::tcflush(STDIN_FILENO, TCIFLUSH);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &secret_saved_);
    secret_active_ = false;
    wipe(secret_);
}

void Terminal::read_secret() {
    // Canonical mode: the descriptor is readable once a whole line is (or at Ctrl-D), and
    // a read returns at most that line.
    char buffer[1024];
    ssize_t n = 0;
    do {
        n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {  // Ctrl-D on an empty line, or the terminal hung up
        end_secret(false);
        write_line("");
        return accept(std::nullopt, true);
    }
    secret_.append(buffer, static_cast<std::size_t>(n));
    explicit_bzero(buffer, sizeof buffer);
    const auto end = secret_.find('\n');
    if (end == std::string::npos) return;  // Ctrl-D in mid-line: the rest is to come
    std::string line = secret_.substr(0, end);
    end_secret(false);
    accept(std::move(line), true);
}

void Terminal::resume_editor() {
    shown_prompt_ = prompt_;
    el_set(editor_, EL_UNBUFFERED, 1);  // raw mode again; draws the prompt
}

void Terminal::read_keys() {
    bool first = true;
    while (is_open()) {
        if (secret_active_) return read_secret();
        int waiting = 0;
        if (::ioctl(STDIN_FILENO, FIONREAD, &waiting) != 0) waiting = 0;
        if (waiting <= 0) {
            // Readable with nothing to read: the terminal hung up.
            if (first) accept(std::nullopt);
            return;
        }
        first = false;
        int count = 0;
        const char* line = el_gets(editor_, &count);
        if (line == nullptr || count <= 0) continue;
        if (line[count - 1] == '\n') {
            accept(std::string(line, static_cast<std::size_t>(count - 1)));
        } else if (count == 1 && line[0] == kEndOfInput) {
            write_line("");  // leave the prompt's line, as a shell does
            accept(std::nullopt);
        }
    }
}

void Terminal::accept(std::optional<std::string> line, bool secret) {
    // Back to a normal terminal while the line is handled: libedit has already moved to
    // a fresh line, so what the handler prints needs no lifting.
    el_set(editor_, EL_UNBUFFERED, 0);
    if (secret) {
        secret_prompt_.reset();
    } else if (line && !line->empty()) {
        HistEvent event;
        history(history_, &event, H_ENTER, line->c_str());
    }
    in_handler_ = true;
    const std::optional<termios> normal = hold_typed_ahead_keys();
    handler_(std::move(line));
    if (normal) ::tcsetattr(STDIN_FILENO, TCSANOW, &*normal);
    in_handler_ = false;
    if (!is_open()) return;  // the handler closed us
    if (secret_prompt_) return start_secret();
    resume_editor();  // a new, empty line with the current prompt
}

void Terminal::print(std::string_view text) {
    if (!is_open() || in_handler_) return write_line(text);
    if (secret_active_) {
        // Only the prompt is on its line (nothing typed is shown): blank it, print, and
        // ask again below; what was typed so far stays in the kernel's line.
        const std::string blank(columns(*secret_prompt_), ' ');
        write_text("\r" + blank + "\r");
        write_line(text);
        return write_text(*secret_prompt_);
    }
    with_line_lifted([text] { write_line(text); });
}

void Terminal::resize() {
    if (!is_open() || secret_active_) return;  // resuming libedit reads the new size
    if (in_handler_) return el_resize(editor_);
    // Erased while libedit still knows the old width, redrawn with the new one.
    with_line_lifted([this] { el_resize(editor_); });
}

void Terminal::suspend() {
    if (!is_open()) return;
    if (secret_active_) {
        end_secret(true);  // the shell gets a normal terminal, and none of the secret
        write_line("");
        ::kill(::getpid(), SIGSTOP);
        return start_secret();
    }
    with_line_lifted([this] {
        el_set(editor_, EL_PREP_TERM, 0);  // the shell gets a normal terminal
        ::kill(::getpid(), SIGSTOP);       // returns once continued (fg, bg, SIGCONT)
        el_set(editor_, EL_PREP_TERM, 1);
    });
}

void Terminal::with_line_lifted(const std::function<void()>& between) {
    // Take the line (wide characters, so that lengths and the cursor are in characters).
    const LineInfoW* info = el_wline(editor_);
    const std::wstring text(info->buffer, info->lastchar);
    const int cursor = static_cast<int>(info->cursor - info->buffer);
    const int length = static_cast<int>(text.size());

    clear_text();
    erase_line();
    between();

    // The cursor is at the start of a blank line: draw prompt and line there, and put
    // the cursor back where it was.
    shown_prompt_ = prompt_;
    if (!text.empty()) el_winsertstr(editor_, text.c_str());
    el_cursor(editor_, cursor - length);
    el_set(editor_, EL_REFRESH);
}

void Terminal::clear_text() {
    const LineInfoW* info = el_wline(editor_);
    el_cursor(editor_, static_cast<int>(info->lastchar - info->cursor));      // to the end...
    el_wdeletestr(editor_, static_cast<int>(info->lastchar - info->buffer));  // ...and back
}

void Terminal::erase_line() {
    // With an empty prompt and line, a refresh makes libedit clear what it drew and
    // leave the cursor at the start of the first line it used.
    shown_prompt_.clear();
    el_push(editor_, kRefreshKeys);
    int count = 0;
    el_gets(editor_, &count);
}

void Terminal::close() {
    if (!is_open()) return;
    if (secret_active_) {
        // Leave a clean line behind: only the prompt is on it.
        end_secret(true);
        write_text("\r" + std::string(columns(*secret_prompt_), ' ') + "\r");
    } else if (!in_handler_) {
        // Leave a clean line behind: the shell's prompt comes next.
        clear_text();
        erase_line();
    }
    el_end(editor_);  // restores the terminal modes
    editor_ = nullptr;
    history_end(history_);
    history_ = nullptr;
}

}  // namespace hubchat::client
