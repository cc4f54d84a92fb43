// The browser side of the one port, against the real server binary: the embedded page and
// its headers, HTTP errors and limits, and WebSocket users chatting with TCP users with
// the same messages, limits and errors, in plain and over TLS. The clients here are
// Beast's, independent of the server's HTTP code.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "net/net_fixture.hpp"

namespace hubchat::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// The page's files as the build made them (web/CMakeLists.txt): what the server embeds.
std::vector<std::string> web_files() {
    std::vector<std::string> files;
    std::stringstream list(HUBCHAT_WEB_FILES);
    for (std::string file; std::getline(list, file, ',');) {
        if (!file.empty()) files.push_back(file);
    }
    return files;
}

std::string dist_file(const std::string& name) {
    std::ifstream in(std::string(HUBCHAT_WEB_DIST_DIR) + "/" + name, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

// Every blocking call on the socket gives up after the test deadline instead of hanging.
void bound_waits(tcp::socket& socket) {
    timeval tv{};
    tv.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kDeadline).count();
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::shared_ptr<asio::ssl::context> client_tls_context() {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    context->set_verify_mode(asio::ssl::verify_none);  // tls_test checks fingerprints
    return context;
}

using Response = http::response<http::string_body>;

// A keep-alive HTTP connection, plain or TLS.
class HttpClient {
  public:
    HttpClient(const ServerProcess& server, bool tls = false)
        : host_(server.host() + ":" + std::to_string(server.port())), socket_(io_) {
        socket_.connect(tcp::endpoint(asio::ip::make_address(server.host()), server.port()));
        bound_waits(socket_);
        if (tls) {
            context_ = client_tls_context();
            tls_.emplace(std::move(socket_), *context_);
            tls_->handshake(asio::ssl::stream_base::client);
        }
    }

    const std::string& host() const { return host_; }

    // Sends `request` (Host filled in) and reads the response; HEAD responses have no body.
    Response send(http::request<http::string_body> request) {
        if (request.find(http::field::host) == request.end()) request.set(http::field::host, host_);
        request.prepare_payload();
        http::response_parser<http::string_body> parser;
        parser.body_limit(16 * 1024 * 1024);
        if (request.method() == http::verb::head) parser.skip(true);
        if (tls_) {
            http::write(*tls_, request);
            http::read(*tls_, buffer_, parser);
        } else {
            http::write(socket_, request);
            http::read(socket_, buffer_, parser);
        }
        return parser.release();
    }
    Response get(std::string target, http::verb verb = http::verb::get) {
        return send(http::request<http::string_body>(verb, target, 11));
    }

    // For requests no HTTP library would write.
    void send_raw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
    Response read_response() {
        Response response;
        http::read(socket_, buffer_, response);
        return response;
    }
    // True if the server closes the connection (after anything still unread).
    bool closed_by_server() {
        boost::system::error_code ec;
        std::array<char, 4096> scratch;
        while (!ec) socket_.read_some(asio::buffer(scratch), ec);
        return ec == asio::error::eof || ec == asio::error::connection_reset;
    }

  private:
    asio::io_context io_;
    std::string host_;
    tcp::socket socket_;
    std::shared_ptr<asio::ssl::context> context_;
    std::optional<asio::ssl::stream<tcp::socket>> tls_;
    beast::flat_buffer buffer_;
};

void expect_security_headers(const Response& response) {
    EXPECT_EQ(response["Content-Security-Policy"], kCsp);
    EXPECT_EQ(response["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(response["Referrer-Policy"], "no-referrer");
    EXPECT_EQ(response["X-Frame-Options"], "DENY");
    EXPECT_EQ(response.count(http::field::set_cookie), 0u);
}

// A WebSocket user of the JSON protocol: each message one JSON object.
template <typename Next>
class WsClient {
  public:
    template <typename... Args>
    explicit WsClient(Args&&... args) : ws_(std::forward<Args>(args)...) {}

    // The upgrade; `origin` empty sends none (as non-browser clients do).
    boost::system::error_code open(const std::string& host, const std::string& origin,
                                   websocket::response_type* response = nullptr) {
        ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
            if (!origin.empty()) req.set(http::field::origin, origin);
        }));
        websocket::response_type ignored;
        boost::system::error_code ec;
        ws_.handshake(response ? *response : ignored, host, "/ws", ec);
        return ec;
    }

    bool send(const std::string& text) {
        boost::system::error_code ec;
        ws_.text(true);
        ws_.write(asio::buffer(text), ec);
        return !ec;
    }
    bool send_json(const json::object& obj) { return send(json::serialize(obj)); }

    // The next message as an object; nullopt at the end, on error or on timeout.
    std::optional<json::object> next_json() {
        beast::flat_buffer buffer;
        boost::system::error_code ec;
        ws_.read(buffer, ec);
        if (ec) {
            last_error_ = ec;
            return std::nullopt;
        }
        const std::string text = beast::buffers_to_string(buffer.data());
        if (!text.empty() && text.back() == '\n') ++newline_terminated_;
        boost::system::error_code parse_ec;
        auto value = json::parse(text, parse_ec);
        if (parse_ec || !value.is_object()) return json::object{{"unparsed", text}};
        return value.as_object();
    }
    std::optional<json::object> wait_for(const Predicate& match,
                                         std::vector<json::object>* skipped = nullptr) {
        while (auto obj = next_json()) {
            if (match(*obj)) return obj;
            if (skipped) skipped->push_back(*obj);
        }
        return std::nullopt;
    }
    bool hello(std::string_view name) {
        send_json({{"type", "hello"}, {"name", name}, {"protocol", 1}});
        auto reply = next_json();
        return reply && has_type(*reply, "welcome");
    }
    // A ping round trip: every reply to what was sent before has arrived by its pong.
    std::optional<std::vector<json::object>> sync() {
        const std::string ref = "sync" + std::to_string(++syncs_);
        send_json({{"type", "ping"}, {"ref", ref}});
        std::vector<json::object> before;
        auto pong = wait_for(
            [&](const json::object& o) { return has_type(o, "pong") && field(o, "ref") == ref; },
            &before);
        if (!pong) return std::nullopt;
        return before;
    }

    websocket::stream<Next>& ws() { return ws_; }
    boost::system::error_code last_error() const { return last_error_; }
    int newline_terminated() const { return newline_terminated_; }

  private:
    websocket::stream<Next> ws_;
    boost::system::error_code last_error_;
    int newline_terminated_ = 0;
    int syncs_ = 0;
};

// Members a client needs before its WsClient base is built.
struct ClientBasics {
    explicit ClientBasics(const ServerProcess& server)
        : host(server.host() + ":" + std::to_string(server.port())),
          endpoint(asio::ip::make_address(server.host()), server.port()) {}
    asio::io_context io;
    std::shared_ptr<asio::ssl::context> tls = client_tls_context();
    std::string host;
    tcp::endpoint endpoint;
};

class PlainWs : private ClientBasics, public WsClient<tcp::socket> {
  public:
    explicit PlainWs(const ServerProcess& server) : ClientBasics(server), WsClient(io) {
        ws().next_layer().connect(endpoint);
        bound_waits(ws().next_layer());
    }
    boost::system::error_code open(const std::string& origin = {},
                                   websocket::response_type* response = nullptr) {
        return WsClient::open(host, origin, response);
    }
    const std::string& host_header() const { return host; }
    tcp::socket& socket() { return ws().next_layer(); }
};

class TlsWs : private ClientBasics, public WsClient<asio::ssl::stream<tcp::socket>> {
  public:
    explicit TlsWs(const ServerProcess& server) : ClientBasics(server), WsClient(io, *tls) {
        auto& socket = beast::get_lowest_layer(ws());
        socket.connect(endpoint);
        bound_waits(socket);
        ws().next_layer().handshake(asio::ssl::stream_base::client);
    }
    boost::system::error_code open(const std::string& origin = {}) {
        return WsClient::open(host, origin);
    }
    const std::string& host_header() const { return host; }
};

// A WebSocket user, welcomed.
std::unique_ptr<PlainWs> ws_user(const ServerProcess& server, std::string_view name) {
    auto client = std::make_unique<PlainWs>(server);
    EXPECT_FALSE(client->open()) << "upgrade failed";
    EXPECT_TRUE(client->hello(name)) << name;
    return client;
}

class WebTest : public NetTest {};

// ---- the page and HTTP ------------------------------------------------------------------

TEST_F(WebTest, ServesTheIndexWithStrictSecurityHeaders) {
    const auto files = web_files();
    ASSERT_NE(std::find(files.begin(), files.end(), "index.html"), files.end())
        << "the build has no web/dist/index.html";
    HttpClient client(server);
    const auto response = client.get("/");
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response[http::field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(response.body(), dist_file("index.html"));
    expect_security_headers(response);
    EXPECT_TRUE(response.keep_alive());
    // "/index.html" is the same file.
    EXPECT_EQ(client.get("/index.html").body(), dist_file("index.html"));
}

TEST_F(WebTest, ServesEveryEmbeddedFileWithItsContentType) {
    const std::map<std::string, std::string> types{{"html", "text/html; charset=utf-8"},
                                                   {"js", "text/javascript; charset=utf-8"},
                                                   {"css", "text/css; charset=utf-8"},
                                                   {"svg", "image/svg+xml"},
                                                   {"png", "image/png"},
                                                   {"json", "application/json"},
                                                   {"ico", "image/x-icon"},
                                                   {"map", "application/json"}};
    const auto files = web_files();
    ASSERT_FALSE(files.empty());
    HttpClient client(server);  // all on one keep-alive connection
    for (const auto& file : files) {
        SCOPED_TRACE(file);
        const auto response = client.get("/" + file);
        ASSERT_EQ(response.result(), http::status::ok);
        EXPECT_EQ(response.body(), dist_file(file));
        const auto type = types.find(file.substr(file.rfind('.') + 1));
        ASSERT_NE(type, types.end()) << "a file type this test does not know";
        EXPECT_EQ(response[http::field::content_type], type->second);
        expect_security_headers(response);
        EXPECT_FALSE(response[http::field::etag].empty());
    }
}

TEST_F(WebTest, EtagsAnswerRevalidationWith304) {
    HttpClient client(server);
    const auto first = client.get("/");
    const std::string etag(first[http::field::etag]);
    ASSERT_TRUE(etag.size() > 2 && etag.front() == '"' && etag.back() == '"') << etag;

    http::request<http::string_body> again(http::verb::get, "/", 11);
    again.set(http::field::if_none_match, etag);
    const auto revalidated = client.send(again);
    EXPECT_EQ(revalidated.result(), http::status::not_modified);
    EXPECT_TRUE(revalidated.body().empty());
    EXPECT_EQ(revalidated[http::field::etag], etag);
    expect_security_headers(revalidated);

    http::request<http::string_body> listed(http::verb::get, "/", 11);
    listed.set(http::field::if_none_match, "\"other\", W/" + etag);
    EXPECT_EQ(client.send(listed).result(), http::status::not_modified);

    http::request<http::string_body> stale(http::verb::get, "/", 11);
    stale.set(http::field::if_none_match, "\"not-the-current-one\"");
    const auto full = client.send(stale);
    EXPECT_EQ(full.result(), http::status::ok);
    EXPECT_EQ(full.body(), dist_file("index.html"));
    // Another file has another tag.
    const auto files = web_files();
    const auto other = std::find_if(files.begin(), files.end(),
                                    [](const std::string& f) { return f != "index.html"; });
    if (other != files.end()) {
        EXPECT_NE(client.get("/" + *other)[http::field::etag], etag);
    }
}

TEST_F(WebTest, HealthzAndHead) {
    HttpClient client(server);
    const auto health = client.get("/healthz");
    EXPECT_EQ(health.result(), http::status::ok);
    EXPECT_EQ(health[http::field::content_type], "application/json");
    EXPECT_EQ(json::parse(health.body()), json::parse(R"({"status":"ok"})"));
    expect_security_headers(health);

    const auto head = client.get("/", http::verb::head);
    EXPECT_EQ(head.result(), http::status::ok);
    EXPECT_EQ(head[http::field::content_length], std::to_string(dist_file("index.html").size()));
    EXPECT_TRUE(head.body().empty());
    // The connection is still in step: no body followed the HEAD answer.
    EXPECT_EQ(client.get("/healthz").result(), http::status::ok);
}

TEST_F(WebTest, PipelinedRequestsAreAnsweredInOrderAndHttp10Closes) {
    HttpClient client(server);
    client.send_raw(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(client.read_response().result(), http::status::ok);
    const auto page = client.read_response();
    EXPECT_EQ(page.body(), dist_file("index.html"));
    const auto last = client.read_response();
    EXPECT_EQ(last.result(), http::status::not_found);
    EXPECT_FALSE(last.keep_alive());
    EXPECT_TRUE(client.closed_by_server());

    HttpClient old(server);
    old.send_raw("GET /healthz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(old.read_response().result(), http::status::ok);
    EXPECT_TRUE(old.closed_by_server());
}

TEST_F(WebTest, UnknownPathsAndOtherMethodsAreRefused) {
    HttpClient client(server);
    const auto missing = client.get("/no-such-file.js");
    EXPECT_EQ(missing.result(), http::status::not_found);
    expect_security_headers(missing);
    EXPECT_EQ(client.get("/../etc/passwd").result(), http::status::not_found);
    EXPECT_EQ(client.get("/ws").result(), http::status::upgrade_required);  // no Upgrade

    http::request<http::string_body> post(http::verb::post, "/", 11);
    post.body() = "x=1";
    const auto refused = client.send(post);
    EXPECT_EQ(refused.result(), http::status::method_not_allowed);
    EXPECT_EQ(refused[http::field::allow], "GET, HEAD");
    expect_security_headers(refused);
    EXPECT_TRUE(client.closed_by_server());
}

TEST_F(WebTest, MalformedRequestsGet400) {
    HttpClient client(server);
    client.send_raw("GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n");
    const auto response = client.read_response();
    EXPECT_EQ(response.result(), http::status::bad_request);
    expect_security_headers(response);
    EXPECT_TRUE(client.closed_by_server());

    HttpClient body(server);
    body.send_raw("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    EXPECT_EQ(body.read_response().result(), http::status::bad_request);
}

TEST_F(WebTest, OversizeHeaderIsRefusedAndTheConnectionClosed) {
    HttpClient client(server);
    client.send_raw("GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(20 * 1024, 'a') +
                    "\r\n\r\n");
    const auto response = client.read_response();
    EXPECT_EQ(response.result(), http::status::request_header_fields_too_large);
    EXPECT_TRUE(client.closed_by_server());
    // Others are served as before.
    HttpClient other(server);
    EXPECT_EQ(other.get("/healthz").result(), http::status::ok);
}

class WebTimeoutTest : public NetTest {
  protected:
    WebTimeoutTest() : NetTest({"--frame-timeout", "1"}) {}
};

TEST_F(WebTimeoutTest, AnUnfinishedRequestTimesOut) {
    HttpClient client(server);
    const auto started = std::chrono::steady_clock::now();
    client.send_raw("GET / HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
    const auto response = client.read_response();
    EXPECT_EQ(response.result(), http::status::request_timeout);
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

// ---- the WebSocket ----------------------------------------------------------------------

TEST_F(WebTest, WebSocketAndTcpUsersChatBothWays) {
    auto term = user("term");
    auto web = ws_user(server, "webby");
    // Presence: each sees the other.
    ASSERT_TRUE(term->wait_for(presence("join", "webby")));
    web->send_json({{"type", "list"}, {"ref", "l"}});
    auto list = web->wait_for(type_is("list"));
    ASSERT_TRUE(list);
    EXPECT_NE(to_text(*list).find("\"term\""), std::string::npos) << to_text(*list);
    {
        auto late = user("late");  // a TCP user's arrival and departure reach the browser
        EXPECT_TRUE(web->wait_for(presence("join", "late")));
    }
    EXPECT_TRUE(web->wait_for(presence("leave", "late")));

    // Direct, both ways.
    web->send_json(
        {{"type", "message"}, {"dest", "term"}, {"message", "hi from the browser"}, {"ref", "w1"}});
    auto ack = web->wait_for(type_is("ack"));
    ASSERT_TRUE(ack);
    EXPECT_EQ(field(*ack, "ref"), "w1");
    EXPECT_TRUE(term->wait_for(chat_from("webby", "hi from the browser")));
    term->send_raw(message("webby", "hi from the terminal"));
    EXPECT_TRUE(web->wait_for(chat_from("term", "hi from the terminal")));

    // A room.
    term->send_json({{"type", "join"}, {"room", "#lounge"}});
    ASSERT_TRUE(term->wait_for(presence("join", "term", "#lounge")));
    web->send_json({{"type", "join"}, {"room", "#lounge"}});
    ASSERT_TRUE(web->wait_for(presence("join", "webby", "#lounge")));
    ASSERT_TRUE(term->wait_for(presence("join", "webby", "#lounge")));
    web->send_json({{"type", "message"}, {"dest", "#lounge"}, {"message", "room hello"}});
    EXPECT_TRUE(term->wait_for(chat_from("webby", "room hello")));
    EXPECT_TRUE(web->wait_for(chat_from("webby", "room hello")));  // rooms include the sender
    term->send_raw(message("#lounge", "room reply"));
    EXPECT_TRUE(web->wait_for(chat_from("term", "room reply")));
    // Each message was one JSON object without the TCP newline.
    EXPECT_EQ(web->newline_terminated(), 0);

    // Leaving shows up for the TCP user.
    web->ws().close(websocket::close_code::normal);
    EXPECT_TRUE(term->wait_for(presence("leave", "webby")));
}

TEST_F(WebTest, TwoMessagesInOneWebSocketMessageAndBadOnesAreAnsweredLikeTcp) {
    auto term = user("term");
    auto web = ws_user(server, "webby");
    // Not JSON: the error, and the next message is read afresh.
    web->send("not json at all");
    auto error = web->wait_for(type_is("error"));
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "bad_frame");
    web->send(R"({"type":"message","dest":"term","message":"after the bad one"})");
    EXPECT_TRUE(term->wait_for(chat_from("webby", "after the bad one")));
    // A name taken by a TCP user is taken for the browser too.
    auto second = std::make_unique<PlainWs>(server);
    ASSERT_FALSE(second->open());
    second->send_json({{"type", "hello"}, {"name", "term"}});
    auto reply = second->next_json();
    ASSERT_TRUE(reply);
    EXPECT_EQ(field(*reply, "code"), "name_taken");
}

TEST_F(WebTest, OversizeWebSocketMessageGetsTooLargeAndTheConnectionGoesOn) {
    auto term = user("term");
    auto web = ws_user(server, "webby");
    const std::string big(100 * 1024, 'x');  // over the default 64 KiB
    web->send_json({{"type", "message"}, {"dest", "term"}, {"message", big}});
    auto error = web->wait_for(type_is("error"));
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "too_large");
    // The same as over TCP.
    term->send_raw(message("webby", big));
    auto tcp_error = term->wait_type("error");
    ASSERT_TRUE(tcp_error);
    EXPECT_EQ(field(*tcp_error, "code"), "too_large");
    // Nothing was delivered, and both go on.
    web->send_json({{"type", "message"}, {"dest", "term"}, {"message", "small"}});
    std::vector<json::object> skipped;
    EXPECT_TRUE(term->wait_for(chat_from("webby", "small"), kDeadline, &skipped));
    EXPECT_TRUE(chats_in(skipped).empty());
}

TEST_F(WebTest, BinaryMessagesAreRefusedWithAReason) {
    auto term = user("term");
    auto web = ws_user(server, "webby");
    web->ws().binary(true);
    web->ws().write(asio::buffer(std::string(R"({"type":"list"})")));
    EXPECT_FALSE(web->next_json());
    EXPECT_EQ(web->last_error(), websocket::error::closed);
    EXPECT_EQ(web->ws().reason().code, websocket::close_code::unknown_data);
    EXPECT_NE(std::string(web->ws().reason().reason.c_str()).find("text"), std::string::npos);
    EXPECT_TRUE(term->wait_for(presence("leave", "webby")));
}

TEST_F(WebTest, AWebSocketClientThatVanishesMidMessageDisturbsNobody) {
    auto term = user("term");
    auto other_web = ws_user(server, "steady");
    auto web = ws_user(server, "vanisher");
    ASSERT_TRUE(term->wait_for(presence("join", "vanisher")));
    // A masked text frame that announces 1000 bytes and brings 10, then a reset.
    std::string frame = {'\x81', static_cast<char>(0x80 | 126), '\x03', '\xe8', 1, 2, 3, 4};
    frame += std::string(10, 'y');
    asio::write(web->socket(), asio::buffer(frame));
    linger hard{1, 0};
    ::setsockopt(web->socket().native_handle(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    web->socket().close();
    EXPECT_TRUE(term->wait_for(presence("leave", "vanisher")));
    // Everyone else chats on.
    other_web->send_json({{"type", "message"}, {"dest", "term"}, {"message", "still here"}});
    EXPECT_TRUE(term->wait_for(chat_from("steady", "still here")));
    term->send_raw(message("steady", "me too"));
    EXPECT_TRUE(other_web->wait_for(chat_from("term", "me too")));
}

TEST_F(WebTest, AForeignOriginIsRefusedAndTheServersOwnAccepted) {
    PlainWs foreign(server);
    websocket::response_type response;
    const auto ec = foreign.open("http://evil.example", &response);
    EXPECT_EQ(ec, websocket::error::upgrade_declined);
    EXPECT_EQ(response.result(), http::status::forbidden);
    EXPECT_NE(response.body().find("origin"), std::string::npos) << response.body();
    expect_security_headers(response);

    PlainWs same(server);
    EXPECT_FALSE(same.open("http://" + same.host_header()));
    EXPECT_TRUE(same.hello("samesite"));
    // The scheme counts: an https page is another origin than this plain server.
    PlainWs other_scheme(server);
    EXPECT_EQ(other_scheme.open("https://" + other_scheme.host_header()),
              websocket::error::upgrade_declined);
}

class WebOriginTest : public NetTest {
  protected:
    WebOriginTest()
        : NetTest({"--web-origin", "https://chat.example.org", "--web-origin",
                   "http://other.example:8080/"}) {}
};

TEST_F(WebOriginTest, AllowedOriginsPassAndOthersStillDoNot) {
    PlainWs listed(server);
    EXPECT_FALSE(listed.open("https://chat.example.org"));
    EXPECT_TRUE(listed.hello("listed"));
    PlainWs second(server);
    EXPECT_FALSE(second.open("http://OTHER.example:8080"));  // case-blind, slash-blind
    PlainWs unlisted(server);
    EXPECT_EQ(unlisted.open("https://evil.example"), websocket::error::upgrade_declined);
}

class WebTlsTest : public NetTest {
  protected:
    WebTlsTest() : NetTest({"--tls"}) {}
};

TEST_F(WebTlsTest, HttpsAndWssOnTheSamePort) {
    HttpClient https(server, true);
    const auto page = https.get("/");
    EXPECT_EQ(page.result(), http::status::ok);
    EXPECT_EQ(page.body(), dist_file("index.html"));
    expect_security_headers(page);

    auto term = user("term");  // plain TCP on the same port
    TlsWs web(server);
    // A page served over https has an https origin.
    ASSERT_FALSE(web.open("https://" + web.host_header()));
    ASSERT_TRUE(web.hello("secure"));
    web.send_json({{"type", "message"}, {"dest", "term"}, {"message", "over wss"}});
    EXPECT_TRUE(term->wait_for(chat_from("secure", "over wss")));
    term->send_raw(message("secure", "back over tcp"));
    EXPECT_TRUE(web.wait_for(chat_from("term", "back over tcp")));
    // The http origin is not the page's when the connection is TLS.
    TlsWs downgraded(server);
    EXPECT_EQ(downgraded.open("http://" + downgraded.host_header()),
              websocket::error::upgrade_declined);
    web.ws().close(websocket::close_code::normal);
    EXPECT_TRUE(term->wait_for(presence("leave", "secure")));
}

class NoWebTest : public NetTest {
  protected:
    NoWebTest() : NetTest({"--no-web"}) {}
};

TEST_F(NoWebTest, HttpIsClosedAndJsonStillServed) {
    HttpClient client(server);
    client.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(user("term"));
}

}  // namespace
}  // namespace hubchat::test
