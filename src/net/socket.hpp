// The socket type of every connection: bound to the io_context's own executor rather than
// Asio's polymorphic any_io_executor. Each socket is smaller, and so is each pending
// operation (an idle connection always has one: the wait for input), since no
// type-erased executor is stored in it. Measured: about 1.3 -> 1.0 KiB of server memory
// per idle connection (docs/BENCHMARKS.md).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace hubchat::net {

using Socket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

}  // namespace hubchat::net
