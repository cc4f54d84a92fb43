#include "net/web_assets.hpp"

#include <array>
#include <utility>

namespace hubchat::net {

const EmbeddedFile* find_web_file(std::string_view request_path) {
    if (request_path.empty() || request_path.front() != '/') return nullptr;
    request_path.remove_prefix(1);
    if (request_path.empty()) request_path = "index.html";
    for (const auto& file : embedded_web_files()) {
        if (file.path == request_path) return &file;
    }
    return nullptr;
}

std::string_view content_type_for(std::string_view path) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".webp", "image/webp"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    }};
    const auto slash = path.rfind('/');
    const auto dot = path.rfind('.');
    if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
        const auto extension = path.substr(dot);
        for (const auto& [known, type] : kTypes) {
            if (extension == known) return type;
        }
    }
    return "application/octet-stream";
}

}  // namespace hubchat::net
