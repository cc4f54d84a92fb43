// The pure parts of the web adapter: content types, the page's file table, the Origin rule.
#include <gtest/gtest.h>

#include "net/http_session.hpp"
#include "net/web_assets.hpp"

namespace hubchat::net {
namespace {

TEST(WebAssets, ContentTypeByExtension) {
    EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(content_type_for("app.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("app.css"), "text/css; charset=utf-8");
    EXPECT_EQ(content_type_for("icon.svg"), "image/svg+xml");
    EXPECT_EQ(content_type_for("a/b.png"), "image/png");
    // Unknown or missing extensions are never guessed as something a browser would run.
    EXPECT_EQ(content_type_for("README"), "application/octet-stream");
    EXPECT_EQ(content_type_for("dir.js/file"), "application/octet-stream");
    EXPECT_EQ(content_type_for("x.HTML5"), "application/octet-stream");
}

TEST(WebAssets, RootIsTheIndexAndOnlyEmbeddedPathsAreFound) {
    for (const auto& file : embedded_web_files()) {
        EXPECT_EQ(find_web_file("/" + std::string(file.path)), &file);
        EXPECT_FALSE(file.etag.empty());
    }
    EXPECT_EQ(find_web_file("/"), find_web_file("/index.html"));
    EXPECT_EQ(find_web_file("/../index.html"), nullptr);
    EXPECT_EQ(find_web_file("index.html"), nullptr);  // not a path
    EXPECT_EQ(find_web_file(""), nullptr);
}

TEST(WebOrigin, TheServedOriginWithItsSchemeOrAnAllowedOne) {
    const std::vector<std::string> none;
    EXPECT_TRUE(websocket_origin_allowed("http://pi.local:7002", "pi.local:7002", false, none));
    EXPECT_TRUE(websocket_origin_allowed("http://PI.local:7002", "pi.LOCAL:7002", false, none));
    EXPECT_FALSE(websocket_origin_allowed("https://pi.local:7002", "pi.local:7002", false, none));
    EXPECT_TRUE(websocket_origin_allowed("https://pi.local:7002", "pi.local:7002", true, none));
    EXPECT_FALSE(websocket_origin_allowed("http://pi.local:7002", "pi.local:7002", true, none));
    EXPECT_FALSE(websocket_origin_allowed("http://pi.local:7003", "pi.local:7002", false, none));
    EXPECT_FALSE(websocket_origin_allowed("http://evil.example", "pi.local:7002", false, none));
    EXPECT_FALSE(websocket_origin_allowed("null", "pi.local:7002", false, none));
    EXPECT_FALSE(websocket_origin_allowed("http://", "", false, none));  // no Host

    const std::vector<std::string> allowed{"https://chat.example.org/", "http://lan:8080"};
    EXPECT_TRUE(websocket_origin_allowed("https://chat.example.org", "pi:7002", false, allowed));
    EXPECT_TRUE(websocket_origin_allowed("http://LAN:8080", "pi:7002", true, allowed));
    EXPECT_FALSE(websocket_origin_allowed("http://chat.example.org", "pi:7002", false, allowed));
    EXPECT_FALSE(websocket_origin_allowed("http://lan:8081", "pi:7002", false, allowed));
}

}  // namespace
}  // namespace hubchat::net
