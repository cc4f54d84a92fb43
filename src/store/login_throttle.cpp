#include "store/login_throttle.hpp"

#include <algorithm>
#include <vector>

namespace hubchat::store {

std::string describe(ThrottleVerdict verdict) {
    // Whole seconds, rounded up, so "0 seconds" is never shown while a wait remains.
    long long seconds = (verdict.retry_after.count() + 999) / 1000;
    std::string when;
    if (seconds < 120) {
        when = std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
    } else {
        when = std::to_string((seconds + 59) / 60) + " minutes";
    }
    return "Too many failed logins; try again in " + when + ".";
}

LoginThrottle::LoginThrottle(ThrottleLimits limits) : limits_(limits) {}

LoginThrottle::Millis LoginThrottle::wait_left(const Records& records, std::string_view key,
                                               Millis now) {
    auto found = records.find(std::string(key));
    if (found == records.end()) return Millis{0};
    return std::max(Millis{0}, found->second.blocked_until - now);
}

ThrottleVerdict LoginThrottle::check(std::string_view account_key, std::string_view address,
                                     Millis now) const {
    return {std::max(wait_left(accounts_, account_key, now), wait_left(addresses_, address, now))};
}

bool LoginThrottle::forgettable(const Record& record, Millis now) const {
    return now >= record.blocked_until && now - record.last_failure >= limits_.forget_after;
}

void LoginThrottle::fail(Records& records, const ThrottleRule& rule, std::string_view key,
                         Millis now) {
    auto [it, inserted] = records.try_emplace(std::string(key));
    Record& record = it->second;
    // A record idle long enough starts over, as if pruned already.
    if (!inserted && forgettable(record, now)) record = Record{};
    record.failures += 1;
    record.last_failure = now;
    int beyond = record.failures - rule.free_failures;
    if (beyond > 0) {
        // Doubling stops once past the cap; the shift count stays small either way.
        Millis wait = rule.first_wait;
        for (int i = 1; i < beyond && wait < rule.max_wait; ++i) wait *= 2;
        record.blocked_until = now + std::min(wait, rule.max_wait);
    }
    if (inserted && records.size() > limits_.max_entries) prune(records, now);
}

void LoginThrottle::prune(Records& records, Millis now) {
    std::erase_if(records, [&](const auto& entry) { return forgettable(entry.second, now); });
    if (records.size() <= limits_.max_entries) return;
    // Still full of live records (a spray of names or addresses): drop the half whose last
    // failure is oldest. Halving keeps the cost of a prune, O(n), rare: n/2 new records
    // must arrive before the next one.
    std::vector<std::pair<Millis, const std::string*>> by_age;
    by_age.reserve(records.size());
    for (const auto& [key, record] : records) by_age.emplace_back(record.last_failure, &key);
    auto middle = by_age.begin() + static_cast<std::ptrdiff_t>(limits_.max_entries / 2);
    std::nth_element(by_age.begin(), middle, by_age.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> doomed;
    for (auto it = by_age.begin(); it != middle; ++it) doomed.push_back(*it->second);
    for (const auto& key : doomed) records.erase(key);
}

void LoginThrottle::record_failure(std::string_view account_key, std::string_view address,
                                   Millis now) {
    fail(accounts_, limits_.account, account_key, now);
    fail(addresses_, limits_.address, address, now);
}

void LoginThrottle::record_success(std::string_view account_key) {
    accounts_.erase(std::string(account_key));
}

}  // namespace hubchat::store
