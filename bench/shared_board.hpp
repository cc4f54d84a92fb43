#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace hubchat::bench {

// Live figures of one worker, published for the coordinator's progress line and drain
// check. Only the owning worker writes them.
struct alignas(64) WorkerCounters {
    std::atomic<std::int64_t> connections_ready{0};
    std::atomic<std::int64_t> messages_sent{0};
    std::atomic<std::int64_t> expected_deliveries{0};  // sum of the fan-out of messages sent
    std::atomic<std::int64_t> unique_deliveries{0};
    std::atomic<std::int64_t> window_deliveries{0};  // received inside the measured window
    std::atomic<std::int64_t> faults{0};  // duplicated + reordered + misattributed + errors
    std::atomic<std::int64_t> cycles{0};  // churn: connections opened, registered, closed
    std::atomic<std::int64_t> active_cycles{0};
    std::atomic<bool> sending_done{false};
};
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(std::atomic<std::int32_t>::is_always_lock_free);

// Memory shared by the coordinator and the workers it forks (an anonymous shared mapping
// made before fork). Lock-free atomics work across processes on one machine.
//
// The window slots are how a closed-loop sender learns that a message it sent has reached
// all its recipients, whichever worker process holds them: slot (sender, seq % window)
// is set to the fan-out before sending, every first receipt counts it down, and the
// receipt that takes it to zero completes the message.
class SharedBoard {
  public:
    SharedBoard(int workers, std::size_t window_slots, std::size_t senders);
    ~SharedBoard();
    SharedBoard(const SharedBoard&) = delete;
    SharedBoard& operator=(const SharedBoard&) = delete;

    WorkerCounters& counters(int worker) { return counters_[worker]; }
    std::atomic<std::int32_t>& window_slot(std::size_t index) { return slots_[index]; }
    // Messages each sender has sent so far, so that any worker can name exactly which
    // messages one of its recipients never got.
    std::atomic<std::uint32_t>& sent_by(std::size_t sender) { return sent_by_sender_[sender]; }
    int workers() const { return workers_; }

  private:
    void* mapping_ = nullptr;
    std::size_t mapping_bytes_ = 0;
    int workers_ = 0;
    WorkerCounters* counters_ = nullptr;
    std::atomic<std::int32_t>* slots_ = nullptr;
    std::atomic<std::uint32_t>* sent_by_sender_ = nullptr;
};

}  // namespace hubchat::bench
