#include "net/send_batch.hpp"

#include <liburing.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace hubchat::net {
namespace {

constexpr unsigned kRingEntries = 256;  // a larger batch goes in several submissions
constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

std::atomic<bool> batching_enabled{true};

long send_one(const SendRequest& request) {
    for (;;) {
        const ssize_t sent = ::sendmsg(request.fd, request.message, kSendFlags);
        if (sent >= 0) return sent;
        if (errno != EINTR) return -errno;
    }
}

// One ring per thread, made on first use. Only its own thread submits to it and every
// request completes within the submitting call (MSG_DONTWAIT: a full socket answers
// -EAGAIN at once instead of being retried later by the kernel), so the ring is idle
// between calls.
class Ring {
  public:
    Ring() {
        if (!batching_enabled.load(std::memory_order_relaxed)) return;
        io_uring_params params{};
        // Single issuer and deferred task work spare the kernel the cross-thread wake-ups
        // it otherwise prepares for; kernels before 6.1 refuse them, then a plain ring.
        params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
        if (io_uring_queue_init_params(kRingEntries, &ring_, &params) != 0) {
            params = {};
            // Refused outright (seccomp in a container, kernel.io_uring_disabled, no
            // io_uring): every send is a sendmsg of its own.
            if (io_uring_queue_init_params(kRingEntries, &ring_, &params) != 0) return;
        }
        ready_ = true;
        // A kernel older than the operations used here (5.6) would fail every request.
        io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
        const bool supported = probe != nullptr &&
                               io_uring_opcode_supported(probe, IORING_OP_SEND) &&
                               io_uring_opcode_supported(probe, IORING_OP_SENDMSG);
        if (probe != nullptr) io_uring_free_probe(probe);
        if (!supported) close();
    }
    ~Ring() {
        if (ready_) io_uring_queue_exit(&ring_);
    }
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;

    bool ready() const { return ready_; }

    // Sends up to kRingEntries requests in one submission and returns how many of them,
    // from the first, it sent (their results set); the caller sends the rest itself.
    std::size_t send(std::span<SendRequest> requests) {
        for (std::size_t i = 0; i < requests.size(); ++i) {
            io_uring_sqe* entry = io_uring_get_sqe(&ring_);
            const msghdr& message = *requests[i].message;
            if (message.msg_iovlen == 1) {
                // One piece (most writes at chat rates): a plain send spares the kernel
                // copying in the message header and its piece list.
                io_uring_prep_send(entry, requests[i].fd, message.msg_iov[0].iov_base,
                                   message.msg_iov[0].iov_len, kSendFlags);
            } else {
                io_uring_prep_sendmsg(entry, requests[i].fd, &message, kSendFlags);
            }
            io_uring_sqe_set_data64(entry, i);
            requests[i].result = kUnanswered;
        }
        const auto wanted = static_cast<unsigned>(requests.size());
        int submitted = io_uring_submit_and_wait(&ring_, wanted);
        // A signal before the kernel took anything: the entries are still queued.
        while (submitted == -EINTR) submitted = io_uring_submit_and_wait(&ring_, wanted);
        if (submitted <= 0) {
            // None taken: sendmsg replaces them all, and a closed ring cannot send them
            // later, behind those calls.
            close();
            return 0;
        }
        const auto taken = static_cast<unsigned>(submitted);
        // Every request taken is answered before the next submission: a late answer would
        // be read as another request's. With MSG_DONTWAIT they all are by now; a signal
        // during the wait may leave some to wait for.
        unsigned answered = take_answers(requests);
        while (answered < taken) {
            io_uring_cqe* completion = nullptr;
            const int waited = io_uring_wait_cqe(&ring_, &completion);
            if (waited < 0 && waited != -EINTR) {
                // Cannot happen with a working ring. Closing it settles what is in
                // flight; the writes it leaves unanswered fail, and their connections
                // close, rather than risk sending their bytes twice.
                close();
                for (std::size_t i = 0; i < taken; ++i) {
                    if (requests[i].result == kUnanswered) requests[i].result = -EIO;
                }
                return taken;
            }
            answered += take_answers(requests);
        }
        // Taken fewer than all (the kernel short of memory): what it left queued must
        // never go, so the ring goes, and the caller sends the rest.
        if (taken < wanted) close();
        return taken;
    }

  private:
    static constexpr long kUnanswered = std::numeric_limits<long>::min();

    unsigned take_answers(std::span<SendRequest> requests) {
        unsigned head = 0;
        unsigned seen = 0;
        io_uring_cqe* completion = nullptr;
        io_uring_for_each_cqe(&ring_, head, completion) {
            const auto index = io_uring_cqe_get_data64(completion);
            if (index < requests.size()) requests[index].result = completion->res;
            ++seen;
        }
        io_uring_cq_advance(&ring_, seen);
        return seen;
    }

    void close() {
        io_uring_queue_exit(&ring_);
        ready_ = false;
    }

    io_uring ring_{};
    bool ready_ = false;
};

Ring& thread_ring() {
    thread_local Ring ring;
    return ring;
}

}  // namespace

void send_all(std::span<SendRequest> requests) {
    if (requests.size() > 1) {
        Ring& ring = thread_ring();
        while (ring.ready() && !requests.empty()) {
            const std::size_t count = std::min<std::size_t>(requests.size(), kRingEntries);
            const std::size_t sent = ring.send(requests.first(count));
            requests = requests.subspan(sent);
            if (sent < count) break;
        }
    }
    for (SendRequest& request : requests) request.result = send_one(request);
}

void set_send_batching(bool enabled) {
    batching_enabled.store(enabled, std::memory_order_relaxed);
}

bool send_batching_active() {
    return thread_ring().ready();
}

}  // namespace hubchat::net
