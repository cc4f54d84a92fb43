#include "net/account_service.hpp"

#include <stdexcept>

#include "core/names.hpp"
#include "store/accounts.hpp"
#include "store/database.hpp"
#include "store/login_throttle.hpp"
#include "store/server_password.hpp"

namespace hubchat::net {

namespace {

std::chrono::milliseconds monotonic_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
}

constexpr std::string_view kLoginRefused = "Wrong name or password";

// Addresses remembered for sign-ups before the full buckets are dropped.
constexpr std::size_t kSignUpAddressesKept = 10000;

std::string too_many_sign_ups(std::chrono::milliseconds wait) {
    const auto minutes = (wait.count() + 59'999) / 60'000;
    return "Too many new accounts from your address; try again in " + std::to_string(minutes) +
           (minutes == 1 ? " minute" : " minutes");
}

}  // namespace

AccountService::AccountService(boost::asio::io_context& io, const AccountSettings& settings)
    : accounts_only_(settings.accounts_only),
      max_sign_ups_per_hour_(settings.max_sign_ups_per_hour),
      worker_(io) {
    try {
        worker_db_ = std::make_unique<store::Database>(settings.data_dir);
        worker_accounts_ = std::make_unique<store::AccountStore>(*worker_db_);
        // Read here, before any job: the worker thread touches the store only through
        // jobs, and submitting one orders it after this.
        for (auto& key : worker_accounts_->name_keys()) registered_keys_.insert(std::move(key));
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot open the database in " + settings.data_dir.string() +
                                 ": " + e.what());
    }
    throttle_ = std::make_unique<store::LoginThrottle>();
    if (!settings.server_password_file.empty()) {
        server_password_ = std::make_unique<store::ServerPassword>(
            store::ServerPassword::from_file(settings.server_password_file));
    }
}

AccountService::~AccountService() = default;

bool AccountService::is_registered(std::string_view name) const {
    return registered_keys_.contains(name);
}

AccountService::ServerPasswordVerdict AccountService::check_server_password(
    const std::optional<std::string>& attempt, const std::string& address) {
    if (!server_password_) return {true};
    // A key no folded name can be (names have no control characters), one per address.
    const std::string key = "\x01server-password " + address;
    const auto now = monotonic_now();
    if (const auto verdict = throttle_->check(key, address, now); !verdict.allowed()) {
        return {false, verdict.retry_after};
    }
    if (attempt && server_password_->matches(*attempt)) return {true};
    if (attempt) throttle_->record_failure(key, address, now);  // a guess, not an omission
    return {false};
}

void AccountService::login(std::string_view name, std::string password, std::string address,
                           std::function<void(LoginResult)> done) {
    std::string key = names::fold(name);
    const auto verdict = throttle_->check(key, address, monotonic_now());
    if (!verdict.allowed()) {
        return done(LoginResult{false, store::describe(verdict), verdict.retry_after});
    }
    worker_.submit([this, key = std::move(key), password = std::move(password),
                    address = std::move(address),
                    done = std::move(done)]() mutable -> BlockingWorker::Continuation {
        bool accepted = false;
        std::string failure(kLoginRefused);
        try {
            accepted = worker_accounts_->verify(key, password).accepted;
        } catch (const std::exception& e) {
            failure = std::string("The account database failed: ") + e.what();
        }
        return [this, accepted, failure = std::move(failure), key = std::move(key),
                address = std::move(address), done = std::move(done)] {
            if (accepted) {
                throttle_->record_success(key);
                return done(LoginResult{true, {}, {}});
            }
            throttle_->record_failure(key, address, monotonic_now());
            done(LoginResult{false, failure, {}});
        };
    });
}

void AccountService::register_name(std::string_view name, std::string password,
                                   const std::string& address,
                                   std::function<void(RegisterResult)> done) {
    if (auto problem = store::check_password_rules(password)) {
        return done(RegisterResult{std::string(store::describe(*problem))});
    }
    if (const auto wait = take_sign_up(address); wait.count() > 0) {
        return done(RegisterResult{too_many_sign_ups(wait), false, wait});
    }
    worker_.submit([this, key = names::fold(name), display = std::string(name),
                    password = std::move(password),
                    done = std::move(done)]() mutable -> BlockingWorker::Continuation {
        RegisterResult result;
        try {
            if (auto problem = worker_accounts_->register_account(key, display, password)) {
                result.error = store::describe(*problem);
                result.name_taken = *problem == store::AccountError::name_taken;
            }
        } catch (const std::exception& e) {
            result.error = std::string("The account database failed: ") + e.what();
        }
        return [this, key = std::move(key), result = std::move(result), done = std::move(done)] {
            // Taken: registered by someone else first, so registered all the same.
            if (result.error.empty() || result.name_taken) registered_keys_.insert(key);
            done(result);
        };
    });
}

std::chrono::milliseconds AccountService::take_sign_up(const std::string& address) {
    if (max_sign_ups_per_hour_ == 0) return {};
    const TimestampMs now = monotonic_now().count();
    if (sign_ups_.size() >= kSignUpAddressesKept) {
        // A full bucket holds nothing a new one would not: forget those.
        std::erase_if(sign_ups_, [now](const auto& entry) { return entry.second.full_at(now); });
    }
    auto [it, added] = sign_ups_.try_emplace(address, max_sign_ups_per_hour_,
                                             max_sign_ups_per_hour_, std::chrono::hours(1));
    return std::chrono::milliseconds(it->second.try_take(now));
}

}  // namespace hubchat::net
