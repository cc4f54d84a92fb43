// Accounts as the adapters use them: login and registration run on a worker thread
// (Argon2id takes tens of milliseconds), with their answers delivered back on the event
// loop; failed logins are throttled per name and per address; the hub asks it which names
// are registered. One per server, on the event loop thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/hub.hpp"
#include "core/names.hpp"
#include "core/token_bucket.hpp"
#include "net/blocking_worker.hpp"

namespace hubchat::store {
class Database;
class AccountStore;
class LoginThrottle;
class ServerPassword;
}  // namespace hubchat::store

namespace hubchat::net {

struct AccountSettings {
    std::filesystem::path data_dir;
    bool accounts_only = false;
    std::filesystem::path server_password_file;  // empty: no server password
    // Sign-ups one address may make at once, then per hour; 0: no limit.
    std::uint32_t max_sign_ups_per_hour = 10;
};

class AccountService final : public NameRegistry {
  public:
    // Opens (creating on first start) the database in the data directory. Throws
    // std::runtime_error with a readable reason.
    AccountService(boost::asio::io_context& io, const AccountSettings& settings);
    ~AccountService() override;

    // Server shutdown: drop queued work and let the event loop finish.
    void stop() { worker_.stop(); }

    bool is_registered(std::string_view name) const override;
    bool accounts_only() const override { return accounts_only_; }

    struct ServerPasswordVerdict {
        bool ok = false;
        std::chrono::milliseconds retry_after{0};  // set when throttled: not even compared
    };
    // Ok when no server password is set or `attempt` is it. Wrong guesses from `address`
    // are throttled as failed logins are (each address on its own, so one guesser cannot
    // lock everyone out of a private hub).
    ServerPasswordVerdict check_server_password(const std::optional<std::string>& attempt,
                                                const std::string& address);
    bool has_server_password() const { return server_password_ != nullptr; }

    struct LoginResult {
        bool accepted = false;
        std::string error;                         // why not, for the user
        std::chrono::milliseconds retry_after{0};  // set when throttled
    };
    // Checks `password` for `name`'s account; `done` runs on the loop (maybe at once, when
    // throttled). `address` is the client's, for throttling.
    void login(std::string_view name, std::string password, std::string address,
               std::function<void(LoginResult)> done);

    struct RegisterResult {
        std::string error;                         // empty: registered
        bool name_taken = false;                   // someone registered the name first
        std::chrono::milliseconds retry_after{0};  // set when `address` made too many
    };
    // Registers `name` (which the caller holds) with `password`; `done` runs on the loop
    // (at once when refused before any work). Every attempt that gets as far as hashing
    // the password counts against `address` (the client's, as for login).
    void register_name(std::string_view name, std::string password, const std::string& address,
                       std::function<void(RegisterResult)> done);

  private:
    // Takes one of `address`'s sign-ups: zero, or how long until it has one again.
    std::chrono::milliseconds take_sign_up(const std::string& address);

    // The keys of every account, for is_registered: a new name is checked against them at
    // every registration, and a query of the database for it cost about a tenth of a
    // connection's CPU in churn. Read at start and kept up to date by register_name, the
    // only way accounts are made: no other process writes the server's database while it
    // runs. A few dozen bytes per account. Compared under folding, so a name is looked up
    // as typed, with no folded copy made.
    std::unordered_set<std::string, names::FoldedHash, names::FoldedEqual> registered_keys_;
    std::unique_ptr<store::Database> worker_db_;  // used only by jobs on the worker thread
    std::unique_ptr<store::AccountStore> worker_accounts_;
    std::unique_ptr<store::LoginThrottle> throttle_;
    std::unique_ptr<store::ServerPassword> server_password_;
    bool accounts_only_ = false;
    std::uint32_t max_sign_ups_per_hour_ = 0;
    // Per address, while not full (a full bucket is dropped and made again when needed).
    std::unordered_map<std::string, TokenBucket> sign_ups_;
    // Last, so it stops (joining its thread) before the stores its jobs use are destroyed.
    BlockingWorker worker_;
};

}  // namespace hubchat::net
