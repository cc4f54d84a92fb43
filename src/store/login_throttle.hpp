// Slows down password guessing: after a few failed logins for one account, or from one
// address, further attempts must wait, twice as long after each new failure, up to a cap.
//
// Pure logic: the caller passes the time (milliseconds on a monotonic clock) and owns the
// only instance, on the event loop thread; no I/O, no locks. Check before handing a login
// to the password worker, record the outcome when it comes back. Only finished attempts
// count, so the caller should keep at most one verification in flight per connection;
// otherwise a burst sent before the first answer returns would all pass check().
//
// Both keys are counted whether or not the account exists, and the refusal text is the
// same for both, so the throttle never tells which names are registered.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hubchat::store {

struct ThrottleRule {
    int free_failures;                     // failures allowed before any wait
    std::chrono::milliseconds first_wait;  // after the first failure beyond those
    std::chrono::milliseconds max_wait;    // the doubling stops here
};

struct ThrottleLimits {
    // Per account: 5 tries, then 1 s, 2 s, 4 s ... up to 15 minutes.
    ThrottleRule account{5, std::chrono::seconds(1), std::chrono::minutes(15)};
    // Per address: more slack, since a household or an office may share one address, but
    // it stops one source from trying one password against many names.
    ThrottleRule address{20, std::chrono::seconds(1), std::chrono::minutes(15)};
    // A record with no failure for this long, and no wait pending, is forgotten.
    std::chrono::milliseconds forget_after = std::chrono::hours(1);
    // Bound on records per kind (accounts, addresses). When full, forgettable records go
    // first, then those whose last failure is oldest.
    std::size_t max_entries = 10000;
};

struct ThrottleVerdict {
    std::chrono::milliseconds retry_after{0};  // zero: go ahead

    bool allowed() const { return retry_after.count() <= 0; }
};

// The text to show for a refused attempt: the same whichever limit was hit.
std::string describe(ThrottleVerdict verdict);

class LoginThrottle {
  public:
    using Millis = std::chrono::milliseconds;

    explicit LoginThrottle(ThrottleLimits limits = {});

    // `account_key` is the folded name asked for; `address` the client's address as text
    // (for IPv6, pass the /64 prefix: one host usually holds a whole /64).
    ThrottleVerdict check(std::string_view account_key, std::string_view address, Millis now) const;
    void record_failure(std::string_view account_key, std::string_view address, Millis now);
    // Clears the account's failures. The address keeps its count: otherwise whoever holds
    // one account could wipe it between guesses at others.
    void record_success(std::string_view account_key);

    std::size_t tracked_accounts() const { return accounts_.size(); }
    std::size_t tracked_addresses() const { return addresses_.size(); }

  private:
    struct Record {
        int failures = 0;
        Millis last_failure{0};
        Millis blocked_until{0};
    };
    using Records = std::unordered_map<std::string, Record>;

    static Millis wait_left(const Records& records, std::string_view key, Millis now);
    void fail(Records& records, const ThrottleRule& rule, std::string_view key, Millis now);
    bool forgettable(const Record& record, Millis now) const;
    void prune(Records& records, Millis now);

    ThrottleLimits limits_;
    Records accounts_;
    Records addresses_;
};

}  // namespace hubchat::store
