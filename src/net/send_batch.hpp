// Many sendmsg calls in one system call. A broadcast makes one small write to every
// member's socket, and at the rates people chat nothing else is waiting for that member, so
// each write is a system call of its own; through io_uring the writes of one turn of the
// loop reach the kernel together. Kept apart from the transport so that liburing's header
// stays in one file.
#pragma once

#include <sys/socket.h>

#include <span>

namespace hubchat::net {

struct SendRequest {
    int fd = -1;
    const msghdr* message = nullptr;
    long result = 0;  // bytes sent, or -errno (-EAGAIN when the socket's buffer is full)
};

// Sends each request's message without blocking (MSG_DONTWAIT | MSG_NOSIGNAL), in order,
// and sets its result, as sendmsg would have. Two or more go through one io_uring
// submission where this thread has a ring; otherwise each is a sendmsg of its own.
void send_all(std::span<SendRequest> requests);

// Off: every request is a sendmsg of its own (the server's --no-io-uring). Affects threads
// that have not yet made their ring.
void set_send_batching(bool enabled);
// Whether send_all on this thread batches (makes the ring on first use).
bool send_batching_active();

}  // namespace hubchat::net
