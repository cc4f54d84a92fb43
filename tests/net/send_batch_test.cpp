// send_all over real loopback sockets, with no server: every request gets what sendmsg
// would have answered, in order, through io_uring where the kernel allows it.
#include "net/send_batch.hpp"

#include <gtest/gtest.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "socket_bytes.hpp"

namespace hubchat::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Connection {
    explicit Connection(asio::io_context& io) : writer(io), reader(io) {
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        reader.connect(acceptor.local_endpoint());
        acceptor.accept(writer);
    }
    // Everything the reader has been sent so far.
    std::string received() { return available(reader); }
    tcp::socket writer;
    tcp::socket reader;
};

// One request per text, each sending its text as one piece.
struct Requests {
    Requests(const std::vector<int>& fds, const std::vector<std::string>& texts)
        : pieces(texts.size()), messages(texts.size()), requests(texts.size()) {
        for (std::size_t i = 0; i < texts.size(); ++i) {
            pieces[i] = {const_cast<char*>(texts[i].data()), texts[i].size()};
            messages[i].msg_iov = &pieces[i];
            messages[i].msg_iovlen = 1;
            requests[i] = {fds[i], &messages[i]};
        }
    }
    std::vector<iovec> pieces;
    std::vector<msghdr> messages;
    std::vector<SendRequest> requests;
};

// One request per connection, each text sent as pieces of at most `piece` bytes (a
// member's queue of small frames). The pieces point into the texts themselves: views of
// one string give requests with the very same pieces, as a broadcast's writes have.
struct PiecedRequests {
    PiecedRequests(const std::vector<int>& fds, const std::vector<std::string>& texts,
                   std::size_t piece)
        : PiecedRequests(fds, std::vector<std::string_view>(texts.begin(), texts.end()), piece) {}
    PiecedRequests(const std::vector<int>& fds, const std::vector<std::string_view>& texts,
                   std::size_t piece)
        : pieces(texts.size()), messages(texts.size()), requests(texts.size()) {
        for (std::size_t i = 0; i < texts.size(); ++i) {
            for (std::size_t at = 0; at < texts[i].size(); at += piece) {
                pieces[i].push_back({const_cast<char*>(texts[i].data() + at),
                                     std::min(piece, texts[i].size() - at)});
            }
            messages[i].msg_iov = pieces[i].data();
            messages[i].msg_iovlen = pieces[i].size();
            requests[i] = {fds[i], &messages[i]};
        }
    }
    std::vector<std::vector<iovec>> pieces;
    std::vector<msghdr> messages;
    std::vector<SendRequest> requests;
};

// Text of `size` bytes that differs from byte to byte and from one `seed` to another, so
// that a piece sent twice, dropped or out of place shows.
std::string numbered_text(std::size_t size, int seed) {
    std::string text;
    for (int n = 0; text.size() < size; ++n) text += std::to_string(seed * 100000 + n) + ",";
    text.resize(size);
    return text;
}

// Shrinks the connection's buffers and writes until the kernel takes no more: true when
// the last write was refused as it would block.
bool fill(Connection& connection) {
    connection.writer.set_option(asio::socket_base::send_buffer_size(4096));
    connection.reader.set_option(asio::socket_base::receive_buffer_size(4096));
    connection.writer.non_blocking(true);
    const std::string chunk(4096, 'x');
    boost::system::error_code ec;
    while (!ec) connection.writer.write_some(asio::buffer(chunk), ec);
    return ec == asio::error::would_block;
}

bool kernel_offers_io_uring() {
    io_uring_params params{};
    const long fd = ::syscall(__NR_io_uring_setup, 2, &params);
    if (fd < 0) return false;
    ::close(static_cast<int>(fd));
    return true;
}

TEST(SendBatch, ThisThreadBatchesWhereTheKernelOffersIoUring) {
    if (!kernel_offers_io_uring()) GTEST_SKIP() << "io_uring is refused on this machine";
    EXPECT_TRUE(send_batching_active());
}

// More requests than one submission holds, interleaved over three connections: each
// connection gets its texts whole and in order, and each request the bytes it sent.
TEST(SendBatch, EveryRequestIsSentInOrderAndAnswersItsByteCount) {
    asio::io_context io(1);
    std::vector<Connection> connections;
    for (int i = 0; i < 3; ++i) connections.emplace_back(io);
    std::vector<int> fds;
    std::vector<std::string> texts;
    std::vector<std::string> expected(connections.size());
    for (int i = 0; i < 700; ++i) {
        const auto which = static_cast<std::size_t>(i % 3);
        fds.push_back(connections[which].writer.native_handle());
        texts.push_back("message " + std::to_string(i) + std::string(i % 50, '.') + "\n");
        expected[which] += texts.back();
    }
    Requests batch(fds, texts);
    send_all(batch.requests);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(batch.requests[i].result, static_cast<long>(texts[i].size())) << i;
    }
    for (std::size_t c = 0; c < connections.size(); ++c) {
        EXPECT_EQ(connections[c].received(), expected[c]) << c;
    }
}

// Writes of many small pieces, together more than the thread copies into one buffer per
// submission (256 KiB), and one of large pieces: each connection gets its bytes whole and
// in order.
TEST(SendBatch, WritesOfManySmallPiecesArriveWhole) {
    asio::io_context io(1);
    std::vector<Connection> connections;
    std::vector<int> fds;
    std::vector<std::string> texts;
    for (int i = 0; i < 24; ++i) {
        connections.emplace_back(io);
        fds.push_back(connections.back().writer.native_handle());
        texts.push_back(numbered_text(20000 + static_cast<std::size_t>(i) * 37, i));
    }
    PiecedRequests small(fds, texts, 150);
    send_all(small.requests);
    for (std::size_t c = 0; c < connections.size(); ++c) {
        EXPECT_EQ(small.requests[c].result, static_cast<long>(texts[c].size())) << c;
        EXPECT_EQ(connections[c].received(), texts[c]) << c;
    }
    // Alone (a sendmsg of its own), and with pieces too large to be worth copying.
    for (const std::size_t piece : {std::size_t{100}, std::size_t{8000}}) {
        const std::vector<std::string> text{texts[1]};
        PiecedRequests one({fds[0]}, text, piece);
        send_all(one.requests);
        EXPECT_EQ(one.requests[0].result, static_cast<long>(texts[1].size())) << piece;
        EXPECT_EQ(connections[0].received(), texts[1]) << piece;
    }
}

// A broadcast's writes: several requests with the very same pieces (each its own piece
// list, as a batch has), one that starts a few bytes into the first piece (a write resumed
// after a partial one) and one of other pieces between them. Each connection gets exactly
// its own bytes.
TEST(SendBatch, WritesOfTheSamePiecesAsTheOneBeforeArriveWhole) {
    asio::io_context io(1);
    std::vector<Connection> connections;
    std::vector<int> fds;
    for (int i = 0; i < 6; ++i) {
        connections.emplace_back(io);
        fds.push_back(connections.back().writer.native_handle());
    }
    const std::string shared = numbered_text(2000, 1);
    const std::string other = numbered_text(2000, 2);
    const std::vector<std::string_view> texts{shared, shared, other, shared, shared, shared};
    PiecedRequests batch(fds, texts, 100);
    std::vector<std::string> expected(texts.begin(), texts.end());
    // The fifth skips 3 bytes of its first piece: the same list but for that piece.
    batch.pieces[4][0] = {const_cast<char*>(shared.data() + 3), 97};
    expected[4] = shared.substr(3);
    send_all(batch.requests);
    for (std::size_t c = 0; c < connections.size(); ++c) {
        EXPECT_EQ(batch.requests[c].result, static_cast<long>(expected[c].size())) << c;
        EXPECT_EQ(connections[c].received(), expected[c]) << c;
    }
}

// A full socket answers a write of small pieces -EAGAIN, as sendmsg would, and a write to
// another socket in the same batch goes through.
TEST(SendBatch, AWriteOfSmallPiecesToAFullSocketAnswersAgain) {
    asio::io_context io(1);
    Connection full(io);
    Connection open(io);
    ASSERT_TRUE(fill(full));

    const std::vector<std::string> texts(2, numbered_text(3000, 7));
    PiecedRequests batch({full.writer.native_handle(), open.writer.native_handle()}, texts, 120);
    send_all(batch.requests);
    EXPECT_EQ(batch.requests[0].result, -EAGAIN);
    EXPECT_EQ(batch.requests[1].result, static_cast<long>(texts[1].size()));
    EXPECT_EQ(open.received(), texts[1]);
}

// A socket whose buffers are full answers -EAGAIN at once: the batch never waits for a
// slow reader, and the other requests go through.
TEST(SendBatch, AFullSocketAnswersAgainAtOnceAndTheOthersGoThrough) {
    asio::io_context io(1);
    Connection full(io);
    Connection open(io);
    ASSERT_TRUE(fill(full));

    const std::vector<std::string> texts{"stuck\n", "free\n", "stuck again\n"};
    Requests batch(
        {full.writer.native_handle(), open.writer.native_handle(), full.writer.native_handle()},
        texts);
    send_all(batch.requests);
    EXPECT_EQ(batch.requests[0].result, -EAGAIN);
    EXPECT_EQ(batch.requests[1].result, 5);
    EXPECT_EQ(batch.requests[2].result, -EAGAIN);
    EXPECT_EQ(open.received(), "free\n");
}

TEST(SendBatch, ABadDescriptorFailsOnlyItsOwnRequest) {
    asio::io_context io(1);
    Connection connection(io);
    const std::vector<std::string> texts{"one\n", "lost\n", "two\n"};
    Requests batch({connection.writer.native_handle(), -1, connection.writer.native_handle()},
                   texts);
    send_all(batch.requests);
    EXPECT_EQ(batch.requests[0].result, 4);
    EXPECT_EQ(batch.requests[1].result, -EBADF);
    EXPECT_EQ(batch.requests[2].result, 4);
    EXPECT_EQ(connection.received(), "one\ntwo\n");
}

// --no-io-uring: a thread that makes its ring afterwards sends each request with a
// sendmsg of its own, with the same answers.
TEST(SendBatch, WithBatchingOffEachRequestIsSentOnItsOwn) {
    asio::io_context io(1);
    Connection connection(io);
    set_send_batching(false);
    bool batching = true;
    std::vector<std::string> texts{"first\n", "second\n"};
    Requests batch({connection.writer.native_handle(), connection.writer.native_handle()}, texts);
    std::thread([&] {
        batching = send_batching_active();
        send_all(batch.requests);
    }).join();
    set_send_batching(true);
    EXPECT_FALSE(batching);
    EXPECT_EQ(batch.requests[0].result, 6);
    EXPECT_EQ(batch.requests[1].result, 7);
    EXPECT_EQ(connection.received(), "first\nsecond\n");
}

}  // namespace
}  // namespace hubchat::net
