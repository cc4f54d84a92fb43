#include "net/send_batch.hpp"

#include <liburing.h>
#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

namespace hubchat::net {
namespace {

constexpr unsigned kRingEntries = 256;  // a larger batch goes in several submissions
constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

std::atomic<bool> batching_enabled{true};

// A write of many small pieces (a member's queue in a busy room: a hundred-odd bytes per
// message) is copied into one piece before the kernel gets it. The kernel copies each piece
// into the socket's buffer with a copy of its own, whose start-up cost on some processors
// (AMD EPYC here) is that of copying hundreds of bytes: in a closed-loop broadcast to 100
// members, a third of the server's time went to the kernel's copying, a fifth after this
// change (memcpy included). Large pieces are left alone: there the start-up is small
// beside the bytes.
constexpr std::size_t kStagingBytes = 256 * 1024;
constexpr std::size_t kMaxStagedWrite = 32 * 1024;
constexpr std::size_t kSmallPiece = 512;  // staged when the pieces average no more

// Bytes of the message's pieces when they are worth copying into one, otherwise 0.
std::size_t staged_length(const msghdr& message) {
    if (message.msg_iovlen < 2) return 0;
    std::size_t total = 0;
    for (std::size_t i = 0; i < message.msg_iovlen; ++i) total += message.msg_iov[i].iov_len;
    if (total > kMaxStagedWrite || total > message.msg_iovlen * kSmallPiece) return 0;
    return total;
}

// This thread's buffer for writes copied into one piece, reused by every submission (the
// kernel has copied a request's bytes by the time it answers it).
class Staging {
  public:
    // The message's pieces as one piece of `length` bytes (their sum), or nullptr when the
    // buffer has no room left for them since clear(). The message's piece list must stay
    // as it is until clear().
    const char* stage(const msghdr& message, std::size_t length) {
        // A broadcast queues the same frames to most members, so a write often has the
        // very pieces of the one before: those bytes are here already (frames are
        // immutable), and the kernel may read them again.
        if (last_ != nullptr && same_pieces(message, *last_message_)) return last_;
        if (used_ + length > kStagingBytes) return nullptr;
        if (!buffer_) buffer_ = std::make_unique_for_overwrite<char[]>(kStagingBytes);
        char* const start = buffer_.get() + used_;
        char* next = start;
        for (std::size_t i = 0; i < message.msg_iovlen; ++i) {
            const iovec& piece = message.msg_iov[i];
            std::memcpy(next, piece.iov_base, piece.iov_len);
            next += piece.iov_len;
        }
        used_ += length;
        last_ = start;
        last_message_ = &message;
        return start;
    }
    void clear() {
        used_ = 0;
        last_ = nullptr;
        last_message_ = nullptr;
    }

  private:
    static bool same_pieces(const msghdr& a, const msghdr& b) {
        if (a.msg_iovlen != b.msg_iovlen) return false;
        for (std::size_t i = 0; i < a.msg_iovlen; ++i) {
            if (a.msg_iov[i].iov_base != b.msg_iov[i].iov_base ||
                a.msg_iov[i].iov_len != b.msg_iov[i].iov_len) {
                return false;
            }
        }
        return true;
    }

    std::unique_ptr<char[]> buffer_;
    std::size_t used_ = 0;
    const char* last_ = nullptr;            // the last copy made
    const msghdr* last_message_ = nullptr;  // and the message it was made from
};

Staging& thread_staging() {
    thread_local Staging staging;
    return staging;
}

long send_one(const SendRequest& request) {
    Staging& staging = thread_staging();
    const std::size_t length = staged_length(*request.message);
    const char* staged = nullptr;
    if (length > 0) {
        staging.clear();
        staged = staging.stage(*request.message, length);  // fits: at most kMaxStagedWrite
    }
    for (;;) {
        const ssize_t sent = staged != nullptr ? ::send(request.fd, staged, length, kSendFlags)
                                               : ::sendmsg(request.fd, request.message, kSendFlags);
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

    // Sends up to kRingEntries requests in one submission, fewer when the staging buffer
    // fills, and returns how many of them, from the first, it sent (their results set).
    // Once the ring has failed (ready() false) the caller sends the rest itself.
    std::size_t send(std::span<SendRequest> requests) {
        Staging& staging = thread_staging();
        staging.clear();
        std::size_t count = 0;
        for (; count < requests.size(); ++count) {
            const msghdr& message = *requests[count].message;
            const std::size_t length = staged_length(message);
            const char* staged = length > 0 ? staging.stage(message, length) : nullptr;
            // Full: the rest go in the next submission. (The first always fits.)
            if (length > 0 && staged == nullptr) break;
            io_uring_sqe* entry = io_uring_get_sqe(&ring_);
            if (staged != nullptr) {
                io_uring_prep_send(entry, requests[count].fd, staged, length, kSendFlags);
            } else if (message.msg_iovlen == 1) {
                // One piece (most writes at chat rates): a plain send spares the kernel
                // copying in the message header and its piece list.
                io_uring_prep_send(entry, requests[count].fd, message.msg_iov[0].iov_base,
                                   message.msg_iov[0].iov_len, kSendFlags);
            } else {
                io_uring_prep_sendmsg(entry, requests[count].fd, &message, kSendFlags);
            }
            io_uring_sqe_set_data64(entry, count);
            requests[count].result = kUnanswered;
        }
        requests = requests.first(count);
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
            requests = requests.subspan(ring.send(requests.first(count)));
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
