// Whether to talk to a TLS server, once its certificate is known. A certificate that an
// authority this machine trusts vouches for (system store, or --tls-ca) is accepted as
// is. Most hubchat servers are on a home LAN with a self-signed certificate, though: those
// are trusted on first use, as ssh does, by remembering the certificate's SHA-256
// fingerprint in known_servers and refusing any other certificate for that host:port
// afterwards. --tls-fingerprint pins one explicitly instead. The decision is pure;
// ServerTrust adds the file and the texts shown. No OpenSSL here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/known_servers.hpp"

namespace hubchat::client {

// hubchat's exit code when it refuses the server's certificate.
inline constexpr int kServerRefusedExitCode = 3;

// 32 bytes of hex, with or without colons between them, in any case, becomes
// "AB:CD:..." as hubchat-server prints it; nullopt for anything else.
std::optional<std::string> normalize_fingerprint(std::string_view text);

// What the TLS handshake showed of the server.
struct PeerCertificate {
    std::string fingerprint;      // SHA-256 of the certificate, "AB:CD:..."
    bool authority_ok = false;    // a trusted authority signed it, and it names the host
    std::string authority_issue;  // why not, in OpenSSL's words ("self-signed certificate")
};

struct TrustPolicy {
    std::optional<std::string> pinned;   // --tls-fingerprint, normalised
    std::optional<std::string> ca_file;  // --tls-ca: only that authority, no first-use trust
};

enum class TrustVerdict {
    AuthorityVouches,  // accept; nothing to remember
    PinMatches,        // accept: it is the --tls-fingerprint certificate
    PinDiffers,        // refuse
    AuthorityRefuses,  // refuse: --tls-ca was given and does not vouch for it
    KnownMatches,      // accept silently: trusted before
    FirstUse,          // accept, remember, and tell the user what was trusted
    KnownDiffers,      // refuse loudly: not the certificate trusted before
};

// `known`: the known_servers entries for this host:port (several may exist; any match will
// do, so a planned certificate change can be added before it happens).
TrustVerdict decide_trust(const PeerCertificate& peer, const TrustPolicy& policy,
                          const std::vector<KnownServerEntry>& known);

bool is_accepted(TrustVerdict verdict);

struct TrustOutcome {
    bool accepted = false;
    std::vector<std::string> notice;  // lines for stderr; empty when there is nothing to say
};

// One per run: checks every handshake of the connection to one host:port, the first and
// each one after a reconnection.
class ServerTrust {
  public:
    // `known_servers`: nullopt when there is no home to keep it in; first-use trust then
    // lasts for this run only, and says so.
    ServerTrust(std::string host_port, TrustPolicy policy,
                std::optional<KnownServersFile> known_servers);

    TrustOutcome vet(const PeerCertificate& peer);

  private:
    TrustOutcome first_use(const PeerCertificate& peer);
    TrustOutcome known_differs(const PeerCertificate& peer,
                               const std::vector<KnownServerEntry>& known) const;

    std::string host_port_;
    TrustPolicy policy_;
    std::optional<KnownServersFile> known_servers_;
    // Trusted on first use during this run: holds even if the file could not be written
    // or is edited meanwhile, so a reconnection never trusts a second certificate.
    std::optional<std::string> trusted_this_run_;
};

}  // namespace hubchat::client
