// Connections that queued output during this turn of the event loop are flushed together
// once the turn's other work is done: one posted handler per turn instead of one per
// connection, and every frame a connection got in the turn leaves in one write.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <vector>

#include "net/write_batch.hpp"

namespace hubchat::net {

class Flushable {
  public:
    virtual ~Flushable() = default;
    virtual void flush() = 0;
};

class FlushScheduler {
  public:
    explicit FlushScheduler(boost::asio::any_io_executor executor)
        : executor_(std::move(executor)) {}

    // `target` must not be scheduled twice in one turn (callers keep a flag).
    void schedule(std::shared_ptr<Flushable> target) {
        pending_.push_back(std::move(target));
        if (pending_.size() == 1) {
            boost::asio::post(executor_, [this] { run(); });
        }
    }

  private:
    void run() {
        running_.swap(pending_);
        {
            // One system call for the turn's writes rather than one per connection.
            const WriteBatch batch;
            for (auto& target : running_) target->flush();
        }
        running_.clear();
        if (running_.capacity() > 4096) std::vector<std::shared_ptr<Flushable>>().swap(running_);
    }

    boost::asio::any_io_executor executor_;
    std::vector<std::shared_ptr<Flushable>> pending_;
    std::vector<std::shared_ptr<Flushable>> running_;
};

}  // namespace hubchat::net
