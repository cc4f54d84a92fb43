// The browser page's files, embedded in the server binary at build time
// (cmake/EmbedFiles.cmake writes embedded_web_files() from the built page in web/dist).
// Pure: no sockets, unit-testable.
#pragma once

#include <span>
#include <string_view>

namespace hubchat::net {

struct EmbeddedFile {
    std::string_view path;  // relative to the page's root: "index.html", "app.js"
    std::string_view body;
    std::string_view etag;  // strong, quoted: "\"0123...\""
};

// Every embedded file (none when the server was built without the page).
std::span<const EmbeddedFile> embedded_web_files();

// The file a request path names ("/" is index.html), or null.
const EmbeddedFile* find_web_file(std::string_view request_path);

// The Content-Type for a file name, by its extension (text types in UTF-8).
std::string_view content_type_for(std::string_view path);

}  // namespace hubchat::net
