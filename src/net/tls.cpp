#include "net/tls.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "net/connection_tracker.hpp"
#include "net/endpoint_text.hpp"
#include "net/tls_layer.hpp"

namespace hubchat::net {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;

namespace {

// A handshake that has not finished by then is a stalled or hostile client.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr long kSelfSignedDays = 3650;

std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    if (code == 0) return "unknown OpenSSL error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return text;
}

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + openssl_error());
}

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

// Opens for writing with `mode` from the start, so a private key is never readable by
// others, not even for a moment.
FilePtr create_file(const fs::path& path, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error("cannot create " + path.string());
    FILE* file = ::fdopen(fd, "w");
    if (file == nullptr) {
        ::close(fd);
        throw std::runtime_error("cannot create " + path.string());
    }
    return FilePtr(file);
}

X509Ptr read_certificate(const fs::path& path) {
    FilePtr file(std::fopen(path.c_str(), "r"));
    if (!file) throw std::runtime_error("cannot read TLS certificate " + path.string());
    X509Ptr cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
    if (!cert) fail("no PEM certificate in " + path.string());
    return cert;
}

std::string fingerprint_of(X509* cert) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) fail("cannot hash certificate");
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string text;
    for (unsigned int i = 0; i < length; ++i) {
        if (i != 0) text += ':';
        text += kHex[digest[i] >> 4];
        text += kHex[digest[i] & 0xF];
    }
    return text;
}

}  // namespace

struct TlsServer::Context {
    ssl::context ssl{ssl::context::tls_server};
};

TlsFiles self_signed_files(const fs::path& data_dir) {
    return {data_dir / "tls-cert.pem", data_dir / "tls-key.pem"};
}

bool ensure_self_signed(const TlsFiles& files, const std::string& common_name) {
    if (fs::exists(files.certificate) && fs::exists(files.key)) return false;
    std::error_code ec;
    fs::create_directories(files.certificate.parent_path(), ec);
    fs::create_directories(files.key.parent_path(), ec);

    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot generate a P-256 key");
    X509Ptr cert(X509_new());
    if (!cert) fail("cannot make a certificate");
    X509_set_version(cert.get(), 2);  // v3, for the extensions
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) fail("no random serial number");
    serial[0] &= 0x7F;  // a positive number
    BIGNUM* serial_number = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(serial_number, X509_get_serialNumber(cert.get()));
    BN_free(serial_number);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), kSelfSignedDays * 24 * 60 * 60);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("hubchat"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);  // self-signed
    const std::string alt_names = "DNS:" + common_name + ",DNS:localhost,IP:127.0.0.1,IP:::1";
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] :
         {std::pair{NID_subject_alt_name, alt_names},
          std::pair{NID_basic_constraints, std::string("critical,CA:FALSE")}}) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
        if (extension == nullptr) fail("cannot add certificate extension " + value);
        X509_add_ext(cert.get(), extension, -1);
        X509_EXTENSION_free(extension);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("cannot sign certificate");

    {
        FilePtr out = create_file(files.key, 0600);
        if (PEM_write_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1) {
            fail("cannot write " + files.key.string());
        }
    }
    {
        FilePtr out = create_file(files.certificate, 0644);
        if (PEM_write_X509(out.get(), cert.get()) != 1) {
            fail("cannot write " + files.certificate.string());
        }
    }
    return true;
}

std::string certificate_fingerprint(const fs::path& certificate) {
    return fingerprint_of(read_certificate(certificate).get());
}

namespace {

std::shared_ptr<TlsServer::Context> load_context(const TlsFiles& files) {
    auto holder = std::make_shared<TlsServer::Context>();
    ssl::context* context = &holder->ssl;
    SSL_CTX* native = context->native_handle();
    // TLS 1.2 at least; OpenSSL prefers 1.3 when both sides have it.
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                         ssl::context::single_dh_use);
    // Idle connections give their buffers back: most chat connections are idle.
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    // A client that closes the TCP connection without close_notify has still said all
    // it said: treat it as the end of the stream.
    SSL_CTX_set_options(native, SSL_OP_IGNORE_UNEXPECTED_EOF);
    boost::system::error_code ec;
    context->use_certificate_chain_file(files.certificate.string(), ec);
    if (ec) {
        throw std::runtime_error("cannot use TLS certificate " + files.certificate.string() + ": " +
                                 ec.message());
    }
    context->use_private_key_file(files.key.string(), ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error("cannot use TLS key " + files.key.string() + ": " + ec.message());
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        throw std::runtime_error("TLS key " + files.key.string() + " does not match " +
                                 files.certificate.string());
    }
    return holder;
}

}  // namespace

TlsServer::TlsServer(TlsFiles files) : files_(std::move(files)) {
    // reload() reports instead of throwing; at start-up a bad pair is fatal.
    if (auto error = reload()) throw std::runtime_error(*error);
}

TlsServer::~TlsServer() = default;

std::optional<std::string> TlsServer::reload() {
    try {
        auto context = load_context(files_);
        auto fingerprint = certificate_fingerprint(files_.certificate);
        context_ = std::move(context);
        fingerprint_ = std::move(fingerprint);
        return std::nullopt;
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
}

void TlsServer::accept(Socket socket, std::string_view already_read, ConnectionTracker& tracker,
                       std::function<void(Transport)> ready) const {
    // Tracked from start to end: a shutdown closes its socket, which fails the handshake.
    struct Handshake final : Closable {
        Handshake(std::unique_ptr<TlsLayer> tls, asio::steady_timer deadline,
                  std::function<void(Transport)> on_ready, ConnectionTracker& connections)
            : layer(std::move(tls)),
              timer(std::move(deadline)),
              ready(std::move(on_ready)),
              tracker(connections) {
            tracker.add(this);
        }
        ~Handshake() override { tracker.remove(this); }
        Handshake(const Handshake&) = delete;
        Handshake& operator=(const Handshake&) = delete;

        void close_for_shutdown() override {
            boost::system::error_code ignored;
            if (layer) layer->socket().close(ignored);
        }

        std::unique_ptr<TlsLayer> layer;
        asio::steady_timer timer;
        std::function<void(Transport)> ready;
        ConnectionTracker& tracker;
    };
    auto executor = socket.get_executor();
    // The layer shares ownership of the context, so a reload never pulls it away.
    std::shared_ptr<ssl::context> context(context_, &context_->ssl);
    auto state = std::make_shared<Handshake>(
        std::make_unique<TlsLayer>(std::move(socket), already_read, std::move(context)),
        asio::steady_timer(executor), std::move(ready), tracker);
    state->timer.expires_after(kHandshakeTimeout);
    state->timer.async_wait([state](boost::system::error_code ec) {
        if (ec) return;
        boost::system::error_code ignored;
        state->layer->socket().close(ignored);  // the handshake fails
    });
    state->layer->stream().async_handshake(
        ssl::stream_base::server, [state](boost::system::error_code ec) {
            state->timer.cancel();
            if (ec) {
                if (spdlog::should_log(spdlog::level::debug)) {
                    spdlog::debug("{}: TLS handshake failed: {}", peer_text(state->layer->socket()),
                                  ec.message());
                }
                return;
            }
            state->ready(Transport(std::move(state->layer)));
        });
}

}  // namespace hubchat::net
