#include "net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/deadline_wheel.hpp"
#include "net/web_assets.hpp"
#include "net/websocket_upgrade.hpp"

namespace hubchat::net {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// Room for a browser's request with the cookies other programs on the same host name set
// (cookies ignore the port); beyond it, 431.
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
// A keep-alive connection with no request in progress is closed after this.
constexpr std::chrono::seconds kKeepAliveIdle{60};
// A response the client does not read, or a TLS close it does not answer, ends after this.
constexpr std::chrono::seconds kWriteTimeout{30};

// On every response. No inline script or style, nothing from elsewhere, no framing; the
// page's one socket is to its own origin ('self' covers ws: and wss: to it).
constexpr std::string_view kSecurityHeaders =
    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "X-Frame-Options: DENY\r\n";

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks of it).
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    while (!if_none_match.empty()) {
        const auto comma = if_none_match.find(',');
        std::string_view candidate = if_none_match.substr(0, comma);
        if_none_match =
            comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
        while (!candidate.empty() && (candidate.front() == ' ' || candidate.front() == '\t')) {
            candidate.remove_prefix(1);
        }
        while (!candidate.empty() && (candidate.back() == ' ' || candidate.back() == '\t')) {
            candidate.remove_suffix(1);
        }
        if (candidate.starts_with("W/")) candidate.remove_prefix(2);
        if (candidate == "*" || candidate == etag) return true;
    }
    return false;
}

class HttpSession final : public Closable,
                          public StreamUser,
                          public std::enable_shared_from_this<HttpSession>,
                          private DeadlineWheel::Entry {
  public:
    HttpSession(Transport transport, const HttpContext& context)
        : DeadlineWheel::Entry(DeadlineWheel::of(transport.executor())),
          transport_(std::move(transport)),
          context_(context) {
        context_.tracker.add(this);
    }
    ~HttpSession() override { untrack(); }

    void start(std::string_view first_bytes) {
        input_.assign(first_bytes);
        process();
        read_more();
    }

    void close_for_shutdown() override { close(); }

  private:
    enum class Phase : std::uint8_t { Reading, Writing, Closing, Done };

    struct Response {
        http::status status = http::status::ok;
        std::string_view content_type = "text/plain; charset=utf-8";
        std::string_view body = {};
        std::string extra_headers = {};  // whole lines, each ending in \r\n
        bool close = false;              // end the connection afterwards
    };

    // ---- reading -------------------------------------------------------------------

    void read_more() {
        if (reading_ || phase_ != Phase::Reading) return;
        reading_ = true;
        transport_.read(shared_from_this());
    }

    bool on_bytes(std::string_view bytes) override {
        input_.append(bytes);
        process();
        // While a response is being written, what else came waits unread: a client
        // cannot pile up requests faster than it reads the answers.
        return phase_ == Phase::Reading;
    }

    void on_read_done(boost::system::error_code ec) override {
        reading_ = false;
        if (phase_ == Phase::Done) return;
        if (ec) {
            // A client that half-closes after its request still gets the answer.
            if (ec == asio::error::eof && phase_ == Phase::Writing) {
                close_after_ = true;
                return;
            }
            if (context_.config.verbose && ec != asio::error::eof) {
                spdlog::debug("{} http read failed: {}", transport_.peer_text(), ec.message());
            }
            return close();
        }
        read_more();
    }

    // Parses every whole request in input_, answering each in turn.
    void process() {
        while (phase_ == Phase::Reading && !input_.empty()) {
            if (!parser_) begin_request();
            boost::system::error_code ec;
            const std::size_t used = parser_->put(asio::buffer(input_), ec);
            input_.erase(0, used);
            if (ec == http::error::need_more) {
                // Beast parses a header only whole, so a partial one stays in input_; the
                // parser's limit refuses one that would not fit.
                if (input_.size() > kMaxHeaderBytes) return refuse_header_too_large();
                return;
            }
            if (ec == http::error::header_limit) return refuse_header_too_large();
            if (ec) {
                return respond({.status = http::status::bad_request,
                                .body = "Bad request: not an HTTP/1.1 request this server "
                                        "understands\n",
                                .close = true});
            }
            if (parser_->is_header_done()) handle_request();
        }
        if (phase_ == Phase::Reading && !parser_) arm_for(kKeepAliveIdle);
    }

    void begin_request() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
        parser_->eager(false);  // stop after the header: a GET has no body to read
        // A request begun must arrive whole in time (slowloris), as a JSON frame must.
        if (context_.config.frame_timeout.count() > 0) {
            arm_for(context_.config.frame_timeout);
        } else {
            disarm();
        }
    }

    void refuse_header_too_large() {
        respond({.status = http::status::request_header_fields_too_large,
                 .body = "Request header larger than 16 KiB\n",
                 .close = true});
    }

    // ---- answering -----------------------------------------------------------------

    void handle_request() {
        const auto& request = parser_->get();
        const bool has_body = !parser_->is_done();
        keep_alive_ = request.keep_alive() && !has_body;
        const auto method = request.method();
        if (method != http::verb::get && method != http::verb::head) {
            return respond({.status = http::status::method_not_allowed,
                            .body = "Only GET and HEAD are served here\n",
                            .extra_headers = "Allow: GET, HEAD\r\n",
                            .close = true});
        }
        if (has_body) {
            return respond({.status = http::status::bad_request,
                            .body = "A GET or HEAD request has no body\n",
                            .close = true});
        }
        head_only_ = method == http::verb::head;
        const std::string_view target = request.target();
        const std::string_view path = target.substr(0, target.find('?'));
        if (path.empty() || path.front() != '/') {
            return respond({.status = http::status::bad_request,
                            .body = "Bad request: the target must be a path\n",
                            .close = true});
        }
        if (context_.config.verbose) {
            spdlog::debug("{} http {} {}", transport_.peer_text(), request.method_string(), path);
        }
        if (path == "/ws") return open_websocket();
        if (path == "/healthz") {
            return respond({.content_type = "application/json",
                            .body = "{\"status\":\"ok\"}\n",
                            .extra_headers = "Cache-Control: no-store\r\n"});
        }
        const EmbeddedFile* file = find_web_file(path);
        if (file == nullptr) {
            return respond({.status = http::status::not_found,
                            .body = embedded_web_files().empty()
                                        ? "Not found (this server was built without the "
                                          "browser page)\n"
                                        : "Not found\n"});
        }
        // Fixed names, so browsers ask again each time and get a 304 while it is the same.
        std::string validators =
            "ETag: " + std::string(file->etag) + "\r\nCache-Control: no-cache\r\n";
        const auto if_none_match = request.find(http::field::if_none_match);
        if (if_none_match != request.end() && etag_matches(if_none_match->value(), file->etag)) {
            return respond({.status = http::status::not_modified,
                            .content_type = {},
                            .extra_headers = std::move(validators)});
        }
        respond({.content_type = content_type_for(file->path),
                 .body = file->body,
                 .extra_headers = std::move(validators)});
    }

    void open_websocket() {
        const auto& request = parser_->get();
        if (!boost::beast::websocket::is_upgrade(request)) {
            return respond({.status = http::status::upgrade_required,
                            .body = "/ws is a WebSocket: send a WebSocket upgrade request\n",
                            .extra_headers = "Upgrade: websocket\r\nConnection: Upgrade\r\n"});
        }
        const auto origin = request.find(http::field::origin);
        if (origin != request.end() &&
            !websocket_origin_allowed(origin->value(), request[http::field::host],
                                      transport_.secure(), context_.config.web_origins)) {
            if (context_.config.verbose) {
                spdlog::debug("{} websocket from origin {} refused", transport_.peer_text(),
                              origin->value());
            }
            refusal_ = "WebSocket refused: the page's origin " + std::string(origin->value()) +
                       " is not this server (the server's operator can allow it with "
                       "--web-origin)\n";
            return respond({.status = http::status::forbidden, .body = refusal_, .close = true});
        }
        if (!input_.empty()) {
            return respond({.status = http::status::bad_request,
                            .body = "WebSocket data sent before the handshake's answer\n",
                            .close = true});
        }
        // The connection is the WebSocket's from here on; this session ends.
        phase_ = Phase::Done;
        disarm();
        untrack();
        const HttpRequest request_copy = parser_->release();
        parser_.reset();
        upgrade_to_websocket(
            std::move(transport_), request_copy,
            WebSocketSettings{.max_message = 16 * context_.config.max_message + 64 * 1024},
            context_.on_websocket);
    }

    void respond(Response response) {
        parser_.reset();
        close_after_ = response.close || !keep_alive_;
        head_ = "HTTP/1.1 ";
        head_ += std::to_string(static_cast<unsigned>(response.status));
        head_ += ' ';
        head_ += http::obsolete_reason(response.status);
        head_ += "\r\n";
        head_ += kSecurityHeaders;
        if (!response.content_type.empty()) {
            head_ += "Content-Type: ";
            head_ += response.content_type;
            head_ += "\r\n";
        }
        if (response.status != http::status::not_modified) {
            head_ += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
        }
        head_ += response.extra_headers;
        head_ += close_after_ ? "Connection: close\r\n\r\n" : "\r\n";
        std::size_t count = 0;
        buffers_[count++] = asio::buffer(head_);
        if (!head_only_ && !response.body.empty()) {
            buffers_[count++] = asio::buffer(response.body.data(), response.body.size());
        }
        head_only_ = false;
        phase_ = Phase::Writing;
        arm_for(kWriteTimeout);
        transport_.write(std::span(buffers_.data(), count), shared_from_this());
    }

    void on_written(boost::system::error_code ec) override {
        if (phase_ == Phase::Done) return;
        if (ec) return close();
        if (close_after_) {
            phase_ = Phase::Closing;
            return transport_.finish(shared_from_this());
        }
        phase_ = Phase::Reading;
        process();
        read_more();
    }

    void on_finished() override { close(); }

    // ---- ending --------------------------------------------------------------------

    void arm_for(std::chrono::seconds timeout) {
        arm(DeadlineWheel::due_after(wheel().now(), timeout));
    }

    void on_deadline() override {
        if (phase_ == Phase::Reading && parser_) {
            if (context_.config.verbose) {
                spdlog::debug("{} http request not finished in time", transport_.peer_text());
            }
            // A client that stopped in the middle of its request may still read.
            input_.clear();
            return respond({.status = http::status::request_timeout,
                            .body = "Request not received in time\n",
                            .close = true});
        }
        close();  // idle keep-alive, or a peer that does not read what we write
    }

    void close() {
        if (phase_ == Phase::Done) return;
        phase_ = Phase::Done;
        disarm();
        transport_.close();
    }

    void untrack() {
        if (!tracked_) return;
        tracked_ = false;
        context_.tracker.remove(this);
    }

    Transport transport_;
    const HttpContext& context_;
    std::string input_;                                             // received, not yet parsed
    std::optional<http::request_parser<http::empty_body>> parser_;  // a request in progress
    std::string head_;     // the response head being written
    std::string refusal_;  // a response body made for this request
    std::array<asio::const_buffer, 2> buffers_;
    Phase phase_ = Phase::Reading;
    bool reading_ = false;
    bool keep_alive_ = false;
    bool close_after_ = false;
    bool head_only_ = false;
    bool tracked_ = true;
};

}  // namespace

void serve_http(Transport transport, std::string_view first_bytes, const HttpContext& context) {
    std::make_shared<HttpSession>(std::move(transport), context)->start(first_bytes);
}

bool websocket_origin_allowed(std::string_view origin, std::string_view host, bool secure,
                              const std::vector<std::string>& allowed) {
    const std::string wanted = lowercase(origin);
    if (!host.empty() && wanted == (secure ? "https://" : "http://") + lowercase(host)) {
        return true;
    }
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& entry) {
        std::string_view trimmed = entry;
        while (trimmed.ends_with('/')) trimmed.remove_suffix(1);
        return lowercase(trimmed) == wanted;
    });
}

}  // namespace hubchat::net
