#include "client/terminal.hpp"

#include <readline/history.h>
#include <readline/readline.h>

#include <cstdio>
#include <cstdlib>

namespace hubchat::client {
namespace {
// readline's callback interface takes a plain function: one terminal per process.
Terminal* g_terminal = nullptr;
}  // namespace

Terminal::Terminal(LineHandler handler) : handler_(std::move(handler)) {
    g_terminal = this;
    active_ = true;
    rl_callback_handler_install(prompt_.c_str(), &Terminal::on_line);
}

Terminal::~Terminal() {
    close();
}

void Terminal::close() {
    if (!active_) return;
    active_ = false;
    rl_callback_handler_remove();
    g_terminal = nullptr;
}

void Terminal::set_prompt(std::string prompt) {
    prompt_ = std::move(prompt);
    if (!active_) return;
    rl_set_prompt(prompt_.c_str());
    // Inside the line handler readline still shows the accepted line; on_input_ready
    // redraws once the handler has returned.
    if (!in_handler_) rl_forced_update_display();
}

void Terminal::on_input_ready() {
    if (!active_) return;
    rl_callback_read_char();
}

void Terminal::print(std::string_view text) {
    if (!active_) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
        return;
    }
    // Return to the start of the input line and erase it, print, then let readline
    // redraw the prompt and the text typed so far.
    std::fputs("\r\033[K", stdout);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    rl_forced_update_display();
}

void Terminal::on_line(char* line) {
    Terminal* self = g_terminal;
    if (self == nullptr) {
        std::free(line);
        return;
    }
    std::optional<std::string> text;
    if (line != nullptr) {
        text = line;
        if (*line != '\0') add_history(line);
        std::free(line);
    }
    self->in_handler_ = true;
    self->handler_(std::move(text));
    self->in_handler_ = false;
}

}  // namespace hubchat::client
