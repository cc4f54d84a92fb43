// Waiting for a plain socket to become readable again once its reader has drained it,
// without the epoll_ctl that socket.async_wait costs every time.
//
// Asio's epoll reactor registers each socket once, edge-triggered. Its async_wait may not
// try the socket first, so it re-arms the registration with EPOLL_CTL_MOD, which makes the
// kernel report the socket again if it is readable already: one system call per wait,
// 5-6 % of the server's time with one message in flight per client. After a read that
// ended short or with EAGAIN no re-arming is needed: anything that arrives later raises a
// new edge, and the reactor notes every edge on the socket (try_speculative_) even while no
// operation waits. This operation lets the reactor try it first, as it does for a real
// read, and the try answers "finished, nothing more to be had": at once when an edge came
// since the socket's last operation finished, so nothing is missed (also once after an
// ordinary async_wait, which leaves the flag set: the reader then finds the socket empty),
// otherwise it waits for the next edge with no system call. Only for a socket its reader
// drained: after a read cut short with bytes left nothing would raise an edge, and
// socket.async_wait must be used. And only one read operation may wait on the socket at a
// time (Transport::read allows one): the reactor stops at an exhausted try, so a second
// operation queued behind this one would not be woken by the same edge.
//
// This reaches into Asio's internals (Boost 1.81's epoll reactor, as Debian 12 ships it);
// with another reactor it is socket.async_wait.
#pragma once

#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <memory>
#include <type_traits>
#include <utility>

#include "net/socket.hpp"

namespace hubchat::net {

namespace drained_read_wait_detail {

namespace asio = boost::asio;

template <typename Handler, typename IoExecutor>
class Op : public asio::detail::reactor_op {
  public:
    BOOST_ASIO_DEFINE_HANDLER_PTR(Op);

    Op(Handler& handler, const IoExecutor& io_executor)
        : reactor_op(boost::system::error_code(), &Op::do_perform, &Op::do_complete),
          handler_(std::move(handler)),
          work_(handler_, io_executor) {}

    // Tried when started and on each edge: ready, and the edge is used up.
    static status do_perform(reactor_op*) { return done_and_exhausted; }

    // As Asio's reactive_wait_op: the handler is moved out before the operation's memory
    // is freed, then called unless the reactor is being destroyed (owner null).
    static void do_complete(void* owner, asio::detail::operation* base,
                            const boost::system::error_code&, std::size_t) {
        Op* op = static_cast<Op*>(base);
        ptr p = {std::addressof(op->handler_), op, op};
        asio::detail::handler_work<Handler, IoExecutor> work(std::move(op->work_));
        asio::detail::binder1<Handler, boost::system::error_code> handler(op->handler_, op->ec_);
        p.h = std::addressof(handler.handler_);
        p.reset();
        if (owner) {
            asio::detail::fenced_block fence(asio::detail::fenced_block::half);
            work.complete(handler, handler.handler_);
        }
    }

  private:
    Handler handler_;
    asio::detail::handler_work<Handler, IoExecutor> work_;
};

// The socket's Asio implementation (descriptor and reactor registration) is a protected
// member; a pointer to it may be formed through a derived class.
struct SocketInternals : Socket {
    static auto implementation_member() { return &SocketInternals::impl_; }
};

inline constexpr bool kEpollReactor =
    std::is_same_v<asio::detail::reactor, asio::detail::epoll_reactor>;

}  // namespace drained_read_wait_detail

// Calls handler(error_code) when `socket`, which its reader has just drained (a read
// returned fewer bytes than asked, or would block), may have bytes again, or fails, or its
// wait is cancelled.
template <typename Handler>
void async_wait_readable_after_drain(Socket& socket, Handler handler) {
    namespace detail = drained_read_wait_detail;
    if constexpr (!detail::kEpollReactor) {
        socket.async_wait(Socket::wait_read, std::move(handler));
    } else {
        using Executor = Socket::executor_type;
        using Op = detail::Op<Handler, Executor>;
        auto& implementation =
            (socket.*detail::SocketInternals::implementation_member()).get_implementation();
        auto& reactor = boost::asio::use_service<boost::asio::detail::reactor>(
            boost::asio::query(socket.get_executor(), boost::asio::execution::context));
        typename Op::ptr p = {std::addressof(handler), Op::ptr::allocate(handler), nullptr};
        p.p = new (p.v) Op(handler, socket.get_executor());
        reactor.start_op(boost::asio::detail::reactor::read_op, implementation.socket_,
                         implementation.reactor_data_, p.p, /*is_continuation=*/false,
                         /*allow_speculative=*/true);
        p.v = p.p = nullptr;
    }
}

}  // namespace hubchat::net
