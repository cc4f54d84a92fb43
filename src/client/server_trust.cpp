#include "client/server_trust.hpp"

#include <algorithm>
#include <cctype>

namespace hubchat::client {
namespace {

constexpr std::size_t kSha256Bytes = 32;
constexpr std::string_view kIndent = "    ";

bool same_fingerprint(std::string_view presented, std::string_view other) {
    const auto normalized = normalize_fingerprint(other);
    return normalized && *normalized == presented;
}

std::string authority_issue(const PeerCertificate& peer) {
    return peer.authority_issue.empty() ? std::string("not verified") : peer.authority_issue;
}

}  // namespace

std::optional<std::string> normalize_fingerprint(std::string_view text) {
    std::string hex;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ':') {
            // Colons only between pairs of digits.
            if (hex.empty() || hex.size() % 2 != 0 || i + 1 == text.size()) return std::nullopt;
            continue;
        }
        if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
        hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (hex.size() != kSha256Bytes * 2) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        if (i != 0) out += ':';
        out.append(hex, i, 2);
    }
    return out;
}

TrustVerdict decide_trust(const PeerCertificate& peer, const TrustPolicy& policy,
                          const std::vector<KnownServerEntry>& known) {
    // An explicit pin is the strictest statement: it holds even over an authority.
    if (policy.pinned) {
        return same_fingerprint(peer.fingerprint, *policy.pinned) ? TrustVerdict::PinMatches
                                                                  : TrustVerdict::PinDiffers;
    }
    if (peer.authority_ok) return TrustVerdict::AuthorityVouches;
    // Whoever names a private authority expects it to decide; falling back to first-use
    // trust would accept exactly the certificate it was meant to keep out.
    if (policy.ca_file) return TrustVerdict::AuthorityRefuses;
    if (known.empty()) return TrustVerdict::FirstUse;
    const bool matches = std::any_of(known.begin(), known.end(), [&](const KnownServerEntry& e) {
        return same_fingerprint(peer.fingerprint, e.fingerprint);
    });
    return matches ? TrustVerdict::KnownMatches : TrustVerdict::KnownDiffers;
}

bool is_accepted(TrustVerdict verdict) {
    switch (verdict) {
        case TrustVerdict::AuthorityVouches:
        case TrustVerdict::PinMatches:
        case TrustVerdict::KnownMatches:
        case TrustVerdict::FirstUse:
            return true;
        case TrustVerdict::PinDiffers:
        case TrustVerdict::AuthorityRefuses:
        case TrustVerdict::KnownDiffers:
            return false;
    }
    return false;
}

ServerTrust::ServerTrust(std::string host_port, TrustPolicy policy,
                         std::optional<KnownServersFile> known_servers)
    : host_port_(std::move(host_port)),
      policy_(std::move(policy)),
      known_servers_(std::move(known_servers)) {}

TrustOutcome ServerTrust::vet(const PeerCertificate& peer) {
    std::vector<KnownServerEntry> known;
    // The file is read at every handshake (it is small): an entry deleted to accept a new
    // certificate takes effect at the next reconnection.
    const bool needs_file = !policy_.pinned && !peer.authority_ok && !policy_.ca_file;
    if (needs_file && known_servers_) {
        std::string error;
        auto found = known_servers_->lookup(host_port_, error);
        if (!found) {
            return {false,
                    {"hubchat: REFUSED " + host_port_ +
                     ": its certificate is not vouched for by "
                     "an authority, and the certificates trusted before cannot be checked: " +
                     error}};
        }
        known = std::move(*found);
    }
    if (trusted_this_run_) known.push_back({*trusted_this_run_, 0});

    const TrustVerdict verdict = decide_trust(peer, policy_, known);
    switch (verdict) {
        case TrustVerdict::AuthorityVouches:
        case TrustVerdict::PinMatches:
        case TrustVerdict::KnownMatches:
            return {true, {}};
        case TrustVerdict::FirstUse:
            return first_use(peer);
        case TrustVerdict::KnownDiffers:
            return known_differs(peer, known);
        case TrustVerdict::PinDiffers:
            return {false,
                    {"hubchat: REFUSED " + host_port_ +
                         ": its certificate is not the one given with --tls-fingerprint.",
                     "  presented: " + peer.fingerprint, "  expected:  " + *policy_.pinned}};
        case TrustVerdict::AuthorityRefuses:
            return {
                false,
                {"hubchat: REFUSED " + host_port_ + ": its certificate does not verify against " +
                 *policy_.ca_file + " (--tls-ca): " + authority_issue(peer) + "."}};
    }
    return {false, {}};
}

TrustOutcome ServerTrust::first_use(const PeerCertificate& peer) {
    TrustOutcome outcome{true, {}};
    auto& notice = outcome.notice;
    notice.push_back("hubchat: " + host_port_ + " is not vouched for by a certificate authority (" +
                     authority_issue(peer) + ").");
    notice.push_back("hubchat: trusting it on first use. Its certificate's SHA-256 fingerprint is");
    notice.push_back(std::string(kIndent) + peer.fingerprint);
    notice.push_back("hubchat: check that it is the one hubchat-server printed when it started.");
    trusted_this_run_ = peer.fingerprint;
    if (!known_servers_) {
        notice.push_back(
            "hubchat: (no $HOME or $XDG_CONFIG_HOME to remember it in: trusted for this run "
            "only)");
        return outcome;
    }
    std::string error;
    const auto line = known_servers_->remember(host_port_, peer.fingerprint, error);
    if (!line) {
        notice.push_back("hubchat: could not remember it (" + error +
                         "): trusted for this run only.");
        return outcome;
    }
    notice.push_back("hubchat: remembered in " + known_servers_->path().string() + " (line " +
                     std::to_string(*line) + "); a different certificate will be refused.");
    return outcome;
}

TrustOutcome ServerTrust::known_differs(const PeerCertificate& peer,
                                        const std::vector<KnownServerEntry>& known) const {
    const std::string bar(64, '@');
    TrustOutcome outcome{false, {}};
    auto& notice = outcome.notice;
    notice.push_back(bar);
    notice.push_back("@  WARNING: THE CERTIFICATE OF " + host_port_ + " HAS CHANGED!");
    notice.push_back(bar);
    notice.push_back("The server presented a certificate with SHA-256 fingerprint");
    notice.push_back(std::string(kIndent) + peer.fingerprint);
    notice.push_back("but the one trusted for it before has");
    for (const auto& entry : known) notice.push_back(std::string(kIndent) + entry.fingerprint);
    notice.push_back("Someone may be intercepting this connection (a man-in-the-middle attack),");
    notice.push_back("or the server has a new certificate (a new data directory, a renewal).");
    notice.push_back("The connection was REFUSED; nothing was sent.");
    std::vector<std::size_t> lines;
    for (const auto& entry : known) {
        if (entry.line != 0) lines.push_back(entry.line);
    }
    if (lines.empty()) {
        // Trusted earlier in this run only: restarting hubchat is the way to trust anew.
        notice.push_back(
            "If the change is expected, start hubchat again to trust the new certificate.");
        return outcome;
    }
    std::string which = lines.size() == 1 ? "line " : "lines ";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i != 0) which += ", ";
        which += std::to_string(lines[i]);
    }
    notice.push_back("If the change is expected, delete " + which + " (" + host_port_ + ") of");
    notice.push_back(std::string(kIndent) + known_servers_->path().string());
    notice.push_back("and connect again.");
    return outcome;
}

}  // namespace hubchat::client
