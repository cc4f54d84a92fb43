// Shared by the fuzz targets: a check that stays on in release builds and says which
// invariant broke before aborting, so libFuzzer saves the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (false)

namespace hubchat::fuzz {

// Everything the server writes must be one valid JSON object (RFC 8259, strict UTF-8).
inline boost::json::object parse_object(std::string_view text) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) {
        std::fprintf(stderr, "not a JSON object (%s): %.*s\n", ec.message().c_str(),
                     static_cast<int>(text.size()), text.data());
        std::abort();
    }
    return std::move(value.get_object());
}

inline std::string_view string_at(const boost::json::object& obj, std::string_view key) {
    const auto* v = obj.if_contains(key);
    FUZZ_CHECK(v != nullptr && v->is_string());
    return v->get_string();
}

}  // namespace hubchat::fuzz
