// hubchat: the terminal client. See docs/CLIENT.md.
#include <clocale>
#include <cstdio>
#include <cstring>
#include <exception>

#include "client/app.hpp"
#include "client/options.hpp"

namespace {

// libedit decodes typed UTF-8 through the C library: with the "C" locale it would drop
// every non-ASCII key. Use the environment's locale, or C.UTF-8 if that is plain C.
void use_utf8_locale() {
    const char* chosen = std::setlocale(LC_CTYPE, "");
    if (chosen == nullptr || std::strcmp(chosen, "C") == 0 || std::strcmp(chosen, "POSIX") == 0) {
        std::setlocale(LC_CTYPE, "C.UTF-8");
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto parsed = hubchat::client::parse_options(argc, argv);
    std::fputs(parsed.out.c_str(), stdout);
    std::fputs(parsed.err.c_str(), stderr);
    if (parsed.exit_code) return *parsed.exit_code;
    use_utf8_locale();
    try {
        return hubchat::client::run_client(parsed.options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hubchat: %s\n", e.what());
        return 1;
    }
}
