// Knows every live connection object so a shutdown can reach the ones the hub does not
// know yet (still sniffing) and can tell when the last one has gone. Intrusive: a
// connection costs two pointers here, no allocation.
#pragma once

#include <functional>
#include <vector>

namespace hubchat::net {

class Closable {
  public:
    virtual ~Closable() = default;
    // Server is stopping: finish politely (flush a final frame if there is one) and close.
    virtual void close_for_shutdown() = 0;

  private:
    friend class ConnectionTracker;
    Closable* prev_ = nullptr;
    Closable* next_ = nullptr;
};

class ConnectionTracker {
  public:
    void add(Closable* c) {
        c->next_ = head_;
        if (head_ != nullptr) head_->prev_ = c;
        head_ = c;
        ++size_;
    }
    void remove(Closable* c) {
        if (c->prev_ != nullptr) c->prev_->next_ = c->next_;
        if (c->next_ != nullptr) c->next_->prev_ = c->prev_;
        if (head_ == c) head_ = c->next_;
        c->prev_ = c->next_ = nullptr;
        --size_;
        if (size_ == 0) notify_empty();
    }
    std::size_t size() const { return size_; }

    // Closes every connection; `on_empty` runs once none is left (maybe at once).
    void close_all(std::function<void()> on_empty) {
        on_empty_ = std::move(on_empty);
        std::vector<Closable*> snapshot;  // closing may unlink entries
        for (Closable* c = head_; c != nullptr; c = c->next_) snapshot.push_back(c);
        for (Closable* c : snapshot) c->close_for_shutdown();
        if (size_ == 0) notify_empty();
    }

  private:
    void notify_empty() {
        if (!on_empty_) return;
        auto callback = std::move(on_empty_);
        on_empty_ = nullptr;
        callback();
    }

    Closable* head_ = nullptr;
    std::size_t size_ = 0;
    std::function<void()> on_empty_;
};

}  // namespace hubchat::net
