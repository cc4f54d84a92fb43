#include "shared_board.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <new>
#include <system_error>

namespace hubchat::bench {

SharedBoard::SharedBoard(int workers, std::size_t window_slots, std::size_t senders)
    : workers_(workers) {
    const std::size_t counters_bytes = sizeof(WorkerCounters) * static_cast<std::size_t>(workers);
    const std::size_t slots_bytes = sizeof(std::atomic<std::int32_t>) * window_slots;
    mapping_bytes_ =
        counters_bytes + slots_bytes + sizeof(std::atomic<std::uint32_t>) * (senders + 1);
    mapping_ =
        mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mapping_ == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
    counters_ = static_cast<WorkerCounters*>(mapping_);
    for (int i = 0; i < workers; ++i) new (&counters_[i]) WorkerCounters;
    slots_ =
        reinterpret_cast<std::atomic<std::int32_t>*>(static_cast<char*>(mapping_) + counters_bytes);
    for (std::size_t i = 0; i < window_slots; ++i) new (&slots_[i]) std::atomic<std::int32_t>(0);
    sent_by_sender_ = reinterpret_cast<std::atomic<std::uint32_t>*>(static_cast<char*>(mapping_) +
                                                                    counters_bytes + slots_bytes);
    for (std::size_t i = 0; i < senders; ++i)
        new (&sent_by_sender_[i]) std::atomic<std::uint32_t>(0);
}

SharedBoard::~SharedBoard() {
    munmap(mapping_, mapping_bytes_);
}

}  // namespace hubchat::bench
