// Transport's reads from a real loopback socket, with no server. After a read that drains
// the socket the next wait is armed without a system call (drained_read_wait.hpp), so
// these check that no bytes are left unread, whenever they come.
#include "net/transport.hpp"
#include "socket_bytes.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace hubchat::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Reads again from inside on_read_done, as the sessions do, unless told to pause.
struct ReadRecorder : StreamUser, std::enable_shared_from_this<ReadRecorder> {
    explicit ReadRecorder(Transport& transport) : transport(&transport) {}
    bool on_bytes(std::string_view bytes) override {
        received += bytes;
        ++chunks;
        if (on_chunk) on_chunk();
        return !pause;
    }
    void on_read_done(boost::system::error_code ec) override {
        ++reads_done;
        if (ec) {
            error = ec;
            return;
        }
        if (!pause && transport) transport->read(shared_from_this());
    }
    Transport* transport;
    std::string received;
    int chunks = 0;
    int reads_done = 0;
    bool pause = false;
    std::function<void()> on_chunk;
    boost::system::error_code error;
};

template <typename Predicate>
void run_until(asio::io_context& io, Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "condition never held";
        if (io.stopped()) io.restart();  // it stops whenever nothing is pending
        io.run_one_for(100ms);
    }
}

// Each chunk comes after the one before was read to the end: every wait after the first
// is one armed without re-registering the socket.
TEST(TransportRead, EachChunkSentAfterTheReaderDrainedTheSocketArrives) {
    asio::io_context io(1);
    LoopbackPair connection(io);
    Transport transport(std::move(connection.ours));
    auto recorder = std::make_shared<ReadRecorder>(transport);
    transport.read(recorder);
    std::string expected;
    for (int i = 0; i < 50; ++i) {
        const std::string chunk = "chunk " + std::to_string(i) + "\n";
        asio::write(connection.peer, asio::buffer(chunk));
        expected += chunk;
        run_until(io, [&] { return recorder->received.size() == expected.size(); });
    }
    EXPECT_EQ(recorder->received, expected);
    EXPECT_FALSE(recorder->error);
}

// Bytes that come while the reader is busy with the ones before, after its read drained
// the socket, raise the edge the next wait is woken by.
TEST(TransportRead, BytesSentWhileTheReaderHandlesTheLastOnesArrive) {
    asio::io_context io(1);
    LoopbackPair connection(io);
    Transport transport(std::move(connection.ours));
    auto recorder = std::make_shared<ReadRecorder>(transport);
    std::string expected = "first\n";
    int sent = 0;
    recorder->on_chunk = [&] {
        if (sent == 20) return;
        const std::string more = "more " + std::to_string(sent++) + "\n";
        asio::write(connection.peer, asio::buffer(more));
        expected += more;
    };
    asio::write(connection.peer, asio::buffer(expected));
    transport.read(recorder);
    run_until(io, [&] { return sent == 20 && recorder->received.size() == expected.size(); });
    EXPECT_EQ(recorder->received, expected);
}

// One wake-up reads at most a few buffers' worth; a reader that stopped with bytes still
// waiting has no edge to come and must re-arm the registration, or the rest is never read.
TEST(TransportRead, ABurstLargerThanOneWakeUpReadsIsReadToTheEnd) {
    asio::io_context io(1);
    LoopbackPair connection(io);
    connection.ours.set_option(asio::socket_base::receive_buffer_size(4 * 1024 * 1024));
    connection.peer.set_option(asio::socket_base::send_buffer_size(4 * 1024 * 1024));
    // Everything is sent before the first read, so after it no new bytes come.
    connection.peer.non_blocking(true);
    std::string expected;
    const std::string block(4096, 'b');
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = connection.peer.write_some(asio::buffer(block), ec);
        expected.append(block, 0, n);
        if (ec || n < block.size() || expected.size() >= 2 * 1024 * 1024) break;
    }
    // More than four 64 KiB reads: the first wake-up must leave bytes behind.
    ASSERT_GT(expected.size(), 4u * 64 * 1024) << "the kernel buffered too little to test";
    Transport transport(std::move(connection.ours));
    auto recorder = std::make_shared<ReadRecorder>(transport);
    transport.read(recorder);
    run_until(io, [&] { return recorder->received.size() == expected.size(); });
    EXPECT_EQ(recorder->received, expected);
    EXPECT_GT(recorder->reads_done, 1);
}

// A reader that paused and reads again later, outside any read's handler, gets what came
// in between.
TEST(TransportRead, AReaderThatPausedGetsWhatCameWhileItDidNotRead) {
    asio::io_context io(1);
    LoopbackPair connection(io);
    Transport transport(std::move(connection.ours));
    auto recorder = std::make_shared<ReadRecorder>(transport);
    recorder->pause = true;
    asio::write(connection.peer, asio::buffer(std::string("before\n")));
    transport.read(recorder);
    run_until(io, [&] { return recorder->reads_done == 1; });
    asio::write(connection.peer, asio::buffer(std::string("during\n")));
    // The loop sees the socket become readable while nobody waits on it.
    asio::steady_timer tick(io, 20ms);
    bool ticked = false;
    tick.async_wait([&](boost::system::error_code) { ticked = true; });
    run_until(io, [&] { return ticked; });
    recorder->pause = false;
    transport.read(recorder);
    run_until(io, [&] { return recorder->received == "before\nduring\n"; });
    asio::write(connection.peer, asio::buffer(std::string("after\n")));
    run_until(io, [&] { return recorder->received == "before\nduring\nafter\n"; });
}

// A wait armed after a drained read still ends when the transport is closed, or when the
// peer goes, and lets go of its user.
TEST(TransportRead, AWaitAfterADrainedReadEndsOnCloseAndLetsGoOfItsUser) {
    asio::io_context io(1);
    LoopbackPair connection(io);
    Transport transport(std::move(connection.ours));
    auto recorder = std::make_shared<ReadRecorder>(transport);
    asio::write(connection.peer, asio::buffer(std::string("hello\n")));
    transport.read(recorder);
    run_until(io, [&] { return recorder->received == "hello\n"; });
    io.poll();  // the next wait is armed
    const std::weak_ptr<ReadRecorder> watch = recorder;
    recorder->transport = nullptr;  // it must not be read again
    transport.close();
    run_until(io, [&] { return static_cast<bool>(watch.lock()->error); });
    EXPECT_EQ(watch.lock()->error, asio::error::operation_aborted);
    recorder.reset();
    EXPECT_TRUE(watch.expired());
}

TEST(TransportRead, AWaitAfterADrainedReadSeesThePeerLeave) {
    asio::io_context io(1);
    LoopbackPair connection(io);
    Transport transport(std::move(connection.ours));
    auto recorder = std::make_shared<ReadRecorder>(transport);
    asio::write(connection.peer, asio::buffer(std::string("bye\n")));
    transport.read(recorder);
    run_until(io, [&] { return recorder->received == "bye\n"; });
    connection.peer.close();
    run_until(io, [&] { return static_cast<bool>(recorder->error); });
    EXPECT_EQ(recorder->error, asio::error::eof);
    EXPECT_EQ(recorder->received, "bye\n");
}

// The io_context going away with the wait still pending destroys its handler unrun.
TEST(TransportRead, AWaitStillPendingWhenTheLoopEndsLetsGoOfItsUser) {
    std::weak_ptr<ReadRecorder> watch;
    {
        asio::io_context io(1);
        LoopbackPair connection(io);
        auto transport = std::make_unique<Transport>(std::move(connection.ours));
        auto recorder = std::make_shared<ReadRecorder>(*transport);
        watch = recorder;
        asio::write(connection.peer, asio::buffer(std::string("x")));
        transport->read(recorder);
        run_until(io, [&] { return recorder->received == "x"; });
        recorder.reset();
        EXPECT_FALSE(watch.expired());  // the pending wait holds it
    }
    EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace hubchat::net
