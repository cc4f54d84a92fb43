// Knows every live connection object so a shutdown can reach the ones the hub does not
// know yet (still sniffing) and can tell when the last one has gone.
#pragma once

#include <functional>
#include <unordered_set>

namespace hubchat::net {

class Closable {
  public:
    virtual ~Closable() = default;
    // Server is stopping: finish politely (flush a final frame if there is one) and close.
    virtual void close_for_shutdown() = 0;
};

class ConnectionTracker {
  public:
    void add(Closable* c) { live_.insert(c); }
    void remove(Closable* c) {
        live_.erase(c);
        if (live_.empty() && on_empty_) {
            auto callback = std::move(on_empty_);
            on_empty_ = nullptr;
            callback();
        }
    }
    std::size_t size() const { return live_.size(); }

    // Closes every connection; `on_empty` runs once none is left (maybe at once).
    void close_all(std::function<void()> on_empty) {
        on_empty_ = std::move(on_empty);
        // Closing may remove entries: iterate over a copy.
        const std::unordered_set<Closable*> snapshot = live_;
        for (Closable* c : snapshot) {
            if (live_.contains(c)) c->close_for_shutdown();
        }
        if (live_.empty() && on_empty_) {
            auto callback = std::move(on_empty_);
            on_empty_ = nullptr;
            callback();
        }
    }

  private:
    std::unordered_set<Closable*> live_;
    std::function<void()> on_empty_;
};

}  // namespace hubchat::net
