#include "client/server_trust.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

namespace hubchat::client {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const std::string kOne =
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
    "99";
const std::string kTwo =
    "11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:"
    "11";

PeerCertificate self_signed(const std::string& fingerprint) {
    return {fingerprint, false, "self-signed certificate"};
}
PeerCertificate vouched_for(const std::string& fingerprint) {
    return {fingerprint, true, ""};
}

std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(Fingerprint, NormalisedToTheServersSpelling) {
    EXPECT_EQ(normalize_fingerprint(kOne), kOne);
    EXPECT_EQ(
        normalize_fingerprint("aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"),
        kOne);
    std::string lower = kOne;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(normalize_fingerprint(lower), kOne);
    for (const std::string& bad :
         {std::string(), std::string("AA:BB"), kOne + ":00", kOne + ":", ":" + kOne,
          "A" + kOne.substr(1, kOne.size() - 2), "GG" + kOne.substr(2), "A:AB" + kOne.substr(4)}) {
        EXPECT_FALSE(normalize_fingerprint(bad)) << bad;
    }
}

TEST(TrustDecision, FirstUseThenMatchThenMismatch) {
    const TrustPolicy tofu;
    EXPECT_EQ(decide_trust(self_signed(kOne), tofu, {}), TrustVerdict::FirstUse);
    EXPECT_EQ(decide_trust(self_signed(kOne), tofu, {{kOne, 4}}), TrustVerdict::KnownMatches);
    EXPECT_EQ(decide_trust(self_signed(kTwo), tofu, {{kOne, 4}}), TrustVerdict::KnownDiffers);
    // Any of several entries will do (a planned change added beforehand), in any spelling.
    EXPECT_EQ(decide_trust(self_signed(kTwo), tofu, {{kOne, 4}, {"11" + std::string(62, '1'), 5}}),
              TrustVerdict::KnownMatches);
    // A mangled entry matches nothing: refused, never trusted afresh.
    EXPECT_EQ(decide_trust(self_signed(kOne), tofu, {{"", 4}}), TrustVerdict::KnownDiffers);
    for (auto verdict : {TrustVerdict::FirstUse, TrustVerdict::KnownMatches}) {
        EXPECT_TRUE(is_accepted(verdict));
    }
    EXPECT_FALSE(is_accepted(TrustVerdict::KnownDiffers));
}

TEST(TrustDecision, AnAuthoritysWordNeedsNoPin) {
    EXPECT_EQ(decide_trust(vouched_for(kTwo), {}, {}), TrustVerdict::AuthorityVouches);
    EXPECT_EQ(decide_trust(vouched_for(kTwo), {}, {{kOne, 1}}), TrustVerdict::AuthorityVouches);
    EXPECT_TRUE(is_accepted(TrustVerdict::AuthorityVouches));
}

TEST(TrustDecision, AnExplicitPinDecidesAlone) {
    const TrustPolicy pinned{kOne, std::nullopt};
    EXPECT_EQ(decide_trust(self_signed(kOne), pinned, {}), TrustVerdict::PinMatches);
    EXPECT_EQ(decide_trust(self_signed(kTwo), pinned, {}), TrustVerdict::PinDiffers);
    // Stricter than an authority, and known_servers has no say.
    EXPECT_EQ(decide_trust(vouched_for(kTwo), pinned, {}), TrustVerdict::PinDiffers);
    EXPECT_EQ(decide_trust(self_signed(kTwo), pinned, {{kTwo, 1}}), TrustVerdict::PinDiffers);
    EXPECT_TRUE(is_accepted(TrustVerdict::PinMatches));
    EXPECT_FALSE(is_accepted(TrustVerdict::PinDiffers));
}

TEST(TrustDecision, APrivateAuthorityAllowsNoFirstUseTrust) {
    const TrustPolicy private_ca{std::nullopt, std::string("ca.pem")};
    EXPECT_EQ(decide_trust(vouched_for(kOne), private_ca, {}), TrustVerdict::AuthorityVouches);
    EXPECT_EQ(decide_trust(self_signed(kOne), private_ca, {}), TrustVerdict::AuthorityRefuses);
    EXPECT_EQ(decide_trust(self_signed(kOne), private_ca, {{kOne, 1}}),
              TrustVerdict::AuthorityRefuses);
    EXPECT_FALSE(is_accepted(TrustVerdict::AuthorityRefuses));
}

TEST(ServerTrust, FirstUseSaysWhatIsTrustedAndRemembersIt) {
    TempDir temp;
    const fs::path path = temp.path() / "hubchat" / "known_servers";
    ServerTrust trust("chat.lan:7002", {}, KnownServersFile(path));
    const auto first = trust.vet(self_signed(kOne));
    EXPECT_TRUE(first.accepted);
    const std::string notice = joined(first.notice);
    EXPECT_NE(notice.find("chat.lan:7002"), std::string::npos) << notice;
    EXPECT_NE(notice.find("trusting it on first use"), std::string::npos) << notice;
    EXPECT_NE(notice.find("self-signed certificate"), std::string::npos) << notice;
    EXPECT_NE(notice.find("    " + kOne + "\n"), std::string::npos) << notice;
    EXPECT_NE(notice.find(path.string()), std::string::npos) << notice;
    EXPECT_NE(read_all(path).find("chat.lan:7002 " + kOne + "\n"), std::string::npos);

    // Silently, the next time, in this run and in the next one.
    const auto again = trust.vet(self_signed(kOne));
    EXPECT_TRUE(again.accepted);
    EXPECT_TRUE(again.notice.empty());
    ServerTrust next_run("chat.lan:7002", {}, KnownServersFile(path));
    EXPECT_TRUE(next_run.vet(self_signed(kOne)).accepted);
    // Another server is a first use of its own.
    ServerTrust other("chat.lan:7003", {}, KnownServersFile(path));
    EXPECT_FALSE(other.vet(self_signed(kTwo)).notice.empty());
}

TEST(ServerTrust, AChangedCertificateIsRefusedLoudlyNamingTheLineToDelete) {
    TempDir temp;
    const fs::path path = temp.path() / "known_servers";
    ServerTrust trust("chat.lan:7002", {}, KnownServersFile(path));
    ASSERT_TRUE(trust.vet(self_signed(kOne)).accepted);
    const auto line_of_entry =
        std::to_string(find_known_server(read_all(path), "chat.lan:7002")[0].line);

    ServerTrust next_run("chat.lan:7002", {}, KnownServersFile(path));
    const auto changed = next_run.vet(self_signed(kTwo));
    EXPECT_FALSE(changed.accepted);
    EXPECT_GT(changed.notice.size(), 5u);  // not a line to miss
    const std::string notice = joined(changed.notice);
    EXPECT_NE(notice.find("WARNING"), std::string::npos) << notice;
    EXPECT_NE(notice.find("HAS CHANGED"), std::string::npos) << notice;
    EXPECT_NE(notice.find(kOne), std::string::npos) << notice;
    EXPECT_NE(notice.find(kTwo), std::string::npos) << notice;
    EXPECT_NE(notice.find("REFUSED"), std::string::npos) << notice;
    EXPECT_NE(notice.find("delete line " + line_of_entry + " "), std::string::npos) << notice;
    EXPECT_NE(notice.find(path.string()), std::string::npos) << notice;
    // Nothing was added: the file still holds only the first certificate.
    EXPECT_EQ(find_known_server(read_all(path), "chat.lan:7002").size(), 1u);
}

TEST(ServerTrust, AReconnectionCannotBringASecondCertificateEvenWithoutAFile) {
    ServerTrust trust("chat.lan:7002", {}, std::nullopt);
    const auto first = trust.vet(self_signed(kOne));
    EXPECT_TRUE(first.accepted);
    EXPECT_NE(joined(first.notice).find("for this run only"), std::string::npos);
    EXPECT_TRUE(trust.vet(self_signed(kOne)).accepted);
    const auto changed = trust.vet(self_signed(kTwo));
    EXPECT_FALSE(changed.accepted);
    EXPECT_NE(joined(changed.notice).find("HAS CHANGED"), std::string::npos);
}

TEST(ServerTrust, AReconnectionIsCheckedEvenIfTheFileLostTheEntry) {
    TempDir temp;
    const fs::path path = temp.path() / "known_servers";
    ServerTrust trust("chat.lan:7002", {}, KnownServersFile(path));
    ASSERT_TRUE(trust.vet(self_signed(kOne)).accepted);
    fs::remove(path);
    EXPECT_FALSE(trust.vet(self_signed(kTwo)).accepted);
    EXPECT_TRUE(trust.vet(self_signed(kOne)).accepted);
}

TEST(ServerTrust, AnUnreadableFileRefusesRatherThanTrustingAfresh) {
    TempDir temp;
    const fs::path path = temp.path() / "known_servers";
    fs::create_directory(path);
    ServerTrust trust("chat.lan:7002", {}, KnownServersFile(path));
    const auto outcome = trust.vet(self_signed(kOne));
    EXPECT_FALSE(outcome.accepted);
    EXPECT_NE(joined(outcome.notice).find(path.string()), std::string::npos);
}

TEST(ServerTrust, AnExplicitPinNeitherAsksNorWrites) {
    TempDir temp;
    const fs::path path = temp.path() / "known_servers";
    ServerTrust trust("chat.lan:7002", {kOne, std::nullopt}, KnownServersFile(path));
    const auto match = trust.vet(self_signed(kOne));
    EXPECT_TRUE(match.accepted);
    EXPECT_TRUE(match.notice.empty());
    EXPECT_FALSE(fs::exists(path));
    const auto differs = trust.vet(self_signed(kTwo));
    EXPECT_FALSE(differs.accepted);
    const std::string notice = joined(differs.notice);
    EXPECT_NE(notice.find("--tls-fingerprint"), std::string::npos) << notice;
    EXPECT_NE(notice.find(kTwo), std::string::npos) << notice;
}

TEST(ServerTrust, AnAuthorityVouchingIsSilentAndWritesNothing) {
    TempDir temp;
    const fs::path path = temp.path() / "known_servers";
    ServerTrust trust("chat.lan:7002", {}, KnownServersFile(path));
    const auto outcome = trust.vet(vouched_for(kOne));
    EXPECT_TRUE(outcome.accepted);
    EXPECT_TRUE(outcome.notice.empty());
    EXPECT_FALSE(fs::exists(path));

    ServerTrust private_ca("chat.lan:7002", {std::nullopt, std::string("/etc/ca.pem")},
                           KnownServersFile(path));
    const auto refused = private_ca.vet(self_signed(kOne));
    EXPECT_FALSE(refused.accepted);
    EXPECT_NE(joined(refused.notice).find("/etc/ca.pem"), std::string::npos);
    EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace hubchat::client
