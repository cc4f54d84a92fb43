// TLS on the same port as plain TCP, against the real server binary: generated and given
// certificates, fingerprints, plain and TLS users in one conversation, --require-tls,
// old protocol versions refused, and certificate reload on SIGHUP.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/server_process.hpp"
#include "support/test_client.hpp"

namespace hubchat::test {
namespace {
namespace fs = std::filesystem;

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "hubchat-tls-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// A fresh self-signed pair made by the openssl tool, independent of the server's code.
void make_pair(const fs::path& cert, const fs::path& key) {
    const auto result =
        run_program({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=hubchat-test",
                     "-keyout", key.string(), "-out", cert.string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
}

std::string fingerprint_of(const fs::path& cert) {
    const auto result = run_program(
        {"/usr/bin/openssl", "x509", "-in", cert.string(), "-noout", "-fingerprint", "-sha256"});
    if (result.exit_code != 0) return "openssl failed: " + result.err;
    const auto equals = result.out.find('=');
    std::string text = result.out.substr(equals + 1);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

// The fingerprint the server printed in its banner.
std::string banner_fingerprint(ServerProcess& server) {
    if (!server.wait_for_out("connections are")) return {};  // the last TLS banner line
    const std::string out = server.out();
    const std::string marker = "fingerprint ";
    const auto at = out.find(marker);
    if (at == std::string::npos) return {};
    const auto end = out.find('\n', at);
    return out.substr(at + marker.size(), end - at - marker.size());
}

TestClient tls_client(const ServerProcess& server) {
    return TestClient(server.host(), server.port(), TestClient::Options{.tls = true});
}

TEST(Tls, GeneratesACertificateOnceAndPrintsItsFingerprint) {
    TempDir dir;
    std::string first;
    {
        ServerProcess server({"--tls", "--data-dir", dir.path().string()});
        EXPECT_NE(server.out().find("Made a self-signed TLS certificate"), std::string::npos)
            << server.out();
        first = banner_fingerprint(server);
        ASSERT_FALSE(first.empty()) << server.out();
        TestClient alice = tls_client(server);
        EXPECT_EQ(alice.peer_fingerprint(), first);
        EXPECT_EQ(alice.tls_version(), "TLSv1.3");
        EXPECT_TRUE(alice.hello("alice"));
    }
    struct stat key_stat {};
    ASSERT_EQ(::stat((dir.path() / "tls-key.pem").c_str(), &key_stat), 0);
    EXPECT_EQ(key_stat.st_mode & 0777, 0600u) << "the private key is readable by others";

    ServerProcess again({"--tls", "--data-dir", dir.path().string()});
    EXPECT_EQ(again.out().find("Made a self-signed"), std::string::npos) << again.out();
    EXPECT_EQ(banner_fingerprint(again), first) << "a restart must keep the certificate";
}

TEST(Tls, PlainAndTlsUsersTalkOnOnePort) {
    TempDir dir;
    ServerProcess server({"--tls", "--data-dir", dir.path().string()});
    TestClient secure = tls_client(server);
    TestClient plain(server.host(), server.port());
    ASSERT_TRUE(secure.hello("alice"));
    ASSERT_TRUE(plain.hello("bob"));
    // The original dialect, unencrypted, still works beside them.
    TestClient original(server.host(), server.port());
    ASSERT_TRUE(original.send_raw(R"({"user": "carol", "request": "ClientList"})"));
    ASSERT_TRUE(original.next_frame());

    ASSERT_TRUE(
        plain.send_json({{"type", "message"}, {"dest", "alice"}, {"message", "hi over tcp"}}));
    auto got = secure.wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "user"), "bob");
    EXPECT_EQ(field(*got, "message"), "hi over tcp");

    ASSERT_TRUE(
        secure.send_json({{"type", "message"}, {"dest", "ALL"}, {"message", "hi from tls"}}));
    got = plain.wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "message"), "hi from tls");
    auto old = original.next_frame();
    ASSERT_TRUE(old);
    EXPECT_NE(old->find("hi from tls"), std::string::npos) << *old;
}

// Many frames queued for a TLS user in one turn leave as one gathered write, split into
// records of at most 16 KiB: every message arrives, whole and in order.
TEST(Tls, ABurstOfMessagesArrivesWholeAndInOrder) {
    TempDir dir;
    ServerProcess server(
        {"--tls", "--data-dir", dir.path().string(), "--rate-per-second", "0", "--no-history"});
    TestClient secure = tls_client(server);
    TestClient plain(server.host(), server.port());
    ASSERT_TRUE(secure.hello("alice"));
    ASSERT_TRUE(plain.hello("bob"));
    constexpr int kMessages = 120;
    std::string burst;
    for (int i = 0; i < kMessages; ++i) {
        // Some long enough that a few of them fill a record.
        const std::string text = std::to_string(i) + " " + std::string(i % 7 == 0 ? 9000 : 40, 'x');
        burst += to_text({{"type", "message"}, {"dest", "alice"}, {"message", text}}) + "\n";
    }
    ASSERT_TRUE(plain.send_raw(burst));  // read by the server in a few reads, not 120
    for (int i = 0; i < kMessages; ++i) {
        auto got = secure.wait_type("message");
        ASSERT_TRUE(got) << "message " << i;
        const std::string text = field(*got, "message");
        EXPECT_EQ(text.substr(0, text.find(' ')), std::to_string(i));
        EXPECT_EQ(text.size(), std::to_string(i).size() + 1 + (i % 7 == 0 ? 9000 : 40));
    }
}

TEST(Tls, GivenCertificateIsPresented) {
    TempDir dir;
    const auto cert = dir.path() / "cert.pem";
    const auto key = dir.path() / "key.pem";
    make_pair(cert, key);
    ServerProcess server({"--tls-cert", cert.string(), "--tls-key", key.string()});
    EXPECT_EQ(banner_fingerprint(server), fingerprint_of(cert));
    TestClient alice = tls_client(server);
    EXPECT_EQ(alice.peer_fingerprint(), fingerprint_of(cert));
    EXPECT_TRUE(alice.hello("alice"));
}

TEST(Tls, VersionsBeforeTls12AreRefused) {
    TempDir dir;
    ServerProcess server({"--tls", "--data-dir", dir.path().string()});
    EXPECT_THROW(TestClient(server.host(), server.port(),
                            TestClient::Options{.tls = true, .tls_max_version = TLS1_1_VERSION}),
                 std::runtime_error);
    TestClient tls12(server.host(), server.port(),
                     TestClient::Options{.tls = true, .tls_max_version = TLS1_2_VERSION});
    EXPECT_EQ(tls12.tls_version(), "TLSv1.2");
    EXPECT_TRUE(tls12.hello("alice"));
}

TEST(Tls, GarbageHandshakeClosesOnlyThatConnection) {
    TempDir dir;
    ServerProcess server({"--tls", "--data-dir", dir.path().string()});
    TestClient alice = tls_client(server);
    ASSERT_TRUE(alice.hello("alice"));
    TestClient liar(server.host(), server.port());
    ASSERT_TRUE(liar.send_raw(std::string("\x16\x03\x01\x00\x05hello, not a ClientHello", 29)));
    EXPECT_TRUE(liar.expect_closed());
    EXPECT_TRUE(alice.sync()) << "a failed handshake disturbed another user";
}

// A handshake still running when the server is told to stop is ended with the rest: the
// server does not wait for it to finish or time out (10 s), and nothing started after the
// shutdown began is left open to keep it alive.
TEST(Tls, ShutdownEndsAHandshakeInProgress) {
    TempDir dir;
    ServerProcess server({"--tls", "--data-dir", dir.path().string()});
    // A TLS record header and the start of a ClientHello, then nothing: the server is in the
    // handshake, waiting for the rest.
    TestClient stalled(server.host(), server.port());
    ASSERT_TRUE(stalled.send_raw(std::string("\x16\x03\x01\x00\x40\x01\x00\x00\x3c", 9)));
    {
        // Once another user has had a whole TLS handshake and a welcome, the loop has long
        // read those bytes and started the stalled handshake.
        TestClient alice = tls_client(server);
        ASSERT_TRUE(alice.hello("alice"));
    }
    // Well before the handshake's own timeout; a server that forgot it would wait for it.
    EXPECT_EQ(server.terminate(std::chrono::seconds(5)), 0) << server.out() << server.err();
    EXPECT_TRUE(stalled.expect_closed());
}

TEST(Tls, RequireTlsRefusesPlainConnectionsWithAReason) {
    TempDir dir;
    ServerProcess server({"--require-tls", "--data-dir", dir.path().string()});
    TestClient plain(server.host(), server.port());
    ASSERT_TRUE(plain.send_json({{"type", "hello"}, {"name", "bob"}}));
    std::vector<std::string> frames;
    EXPECT_TRUE(plain.expect_closed(kDeadline, &frames));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_NE(frames[0].find("only encrypted connections"), std::string::npos) << frames[0];

    TestClient secure = tls_client(server);
    EXPECT_TRUE(secure.hello("alice"));
}

TEST(Tls, RequireTlsCanStillTrustThisMachine) {
    TempDir dir;
    ServerProcess server(
        {"--require-tls", "--allow-plain-loopback", "--data-dir", dir.path().string()});
    TestClient plain(server.host(), server.port());
    EXPECT_TRUE(plain.hello("bob"));
}

TEST(Tls, SighupReloadsTheCertificateAndKeepsConnections) {
    TempDir dir;
    const auto cert = dir.path() / "cert.pem";
    const auto key = dir.path() / "key.pem";
    make_pair(cert, key);
    const std::string old_fingerprint = fingerprint_of(cert);
    ServerProcess server({"--tls-cert", cert.string(), "--tls-key", key.string()});
    TestClient alice = tls_client(server);
    ASSERT_TRUE(alice.hello("alice"));
    EXPECT_EQ(alice.peer_fingerprint(), old_fingerprint);

    // A renewed certificate replaces the files; SIGHUP tells the server.
    make_pair(dir.path() / "new-cert.pem", dir.path() / "new-key.pem");
    fs::rename(dir.path() / "new-cert.pem", cert);
    fs::rename(dir.path() / "new-key.pem", key);
    const std::string new_fingerprint = fingerprint_of(cert);
    ASSERT_NE(new_fingerprint, old_fingerprint);
    server.signal(SIGHUP);
    ASSERT_TRUE(server.wait_for_out("TLS certificate reloaded")) << server.out();

    EXPECT_TRUE(alice.sync()) << "the reload dropped a connection";
    TestClient bob = tls_client(server);
    EXPECT_EQ(bob.peer_fingerprint(), new_fingerprint);
    ASSERT_TRUE(bob.hello("bob"));

    // A broken file is reported, and the pair in use stays.
    std::ofstream(cert, std::ios::trunc) << "not a certificate\n";
    server.signal(SIGHUP);
    ASSERT_TRUE(server.wait_for_out("kept the old TLS certificate")) << server.out();
    TestClient carol = tls_client(server);
    EXPECT_EQ(carol.peer_fingerprint(), new_fingerprint);
    EXPECT_TRUE(carol.hello("carol"));
}

TEST(Tls, BadCertificateFilesStopStartUpWithAReason) {
    TempDir dir;
    const auto cert = dir.path() / "cert.pem";
    const auto key = dir.path() / "key.pem";
    std::ofstream(cert) << "not a certificate\n";
    std::ofstream(key) << "not a key\n";
    // A data directory of its own: the real one may hold anything, even a newer database.
    const auto result = run_program({HUBCHAT_SERVER_BIN, "--port", "0", "--data-dir",
                                     (dir.path() / "data").string(), "--tls-cert", cert.string(),
                                     "--tls-key", key.string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("cannot start TLS"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(cert.string()), std::string::npos) << result.err;
}

}  // namespace
}  // namespace hubchat::test
