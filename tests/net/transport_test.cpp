// Transport over a real loopback socket pair, with no server: a gathered write survives
// the kernel taking it piece by piece.
#include "net/transport.hpp"
#include "net/write_batch.hpp"
#include "socket_bytes.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <memory>
#include <string>
#include <vector>

namespace hubchat::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct WriteRecorder : StreamUser {
    bool on_bytes(std::string_view) override { return true; }
    void on_read_done(boost::system::error_code) override {}
    void on_written(boost::system::error_code ec) override {
        ++writes_done;
        last_error = ec;
    }
    int writes_done = 0;
    boost::system::error_code last_error;
};

Frame frame_of(std::string text) {
    return make_frame(std::move(text));
}

// Far more bytes than 32 KiB socket buffers hold, in frames of uneven sizes: the kernel
// takes a part, the rest waits for the reader, and a part often ends inside a frame.
struct UnevenFrames {
    UnevenFrames() {
        for (int i = 0; i < 300; ++i) {
            std::string text(100 + static_cast<std::size_t>(i * 37 % 2000), 'a' + i % 26);
            text += std::to_string(i) + "\n";
            bytes += text;
            frames.push_back(frame_of(std::move(text)));
        }
    }
    std::vector<Frame> frames;
    std::string bytes;  // all of them, in order
};

void use_small_buffers(LoopbackPair& pair) {
    pair.ours.set_option(asio::socket_base::send_buffer_size(32 * 1024));
    pair.peer.set_option(asio::socket_base::receive_buffer_size(32 * 1024));
}

TEST(Transport, AWriteLargerThanTheSocketBuffersArrivesWholeAndInOrder) {
    asio::io_context io(1);
    LoopbackPair pair(io);
    use_small_buffers(pair);
    const UnevenFrames uneven;
    const std::vector<Frame>& frames = uneven.frames;
    const std::string& expected = uneven.bytes;
    Transport transport(std::move(pair.ours));
    auto recorder = std::make_shared<WriteRecorder>();
    transport.write(frames, recorder);
    EXPECT_EQ(recorder->writes_done, 0);  // never from inside write()

    std::string received(expected.size(), '\0');
    boost::system::error_code read_error;
    asio::async_read(pair.peer, asio::buffer(received),
                     [&](boost::system::error_code ec, std::size_t) { read_error = ec; });
    io.run();

    EXPECT_EQ(recorder->writes_done, 1);
    EXPECT_FALSE(recorder->last_error) << recorder->last_error.message();
    EXPECT_FALSE(read_error) << read_error.message();
    EXPECT_EQ(received, expected);
}

TEST(Transport, AWriteOfEmptyFramesCompletesWithNothingSent) {
    asio::io_context io(1);
    LoopbackPair pair(io);
    Transport transport(std::move(pair.ours));
    auto recorder = std::make_shared<WriteRecorder>();
    const std::vector<Frame> frames{frame_of(""), frame_of("")};
    transport.write(frames, recorder);
    EXPECT_EQ(recorder->writes_done, 0);
    io.run();
    EXPECT_EQ(recorder->writes_done, 1);
    EXPECT_FALSE(recorder->last_error);
    pair.peer.non_blocking(true);
    char byte = 0;
    boost::system::error_code ec;
    EXPECT_EQ(pair.peer.read_some(asio::buffer(&byte, 1), ec), 0u);
    EXPECT_EQ(ec, asio::error::would_block);
}

TEST(Transport, AWriteToAClosedPeerReportsTheError) {
    asio::io_context io(1);
    LoopbackPair pair(io);
    pair.peer.set_option(asio::socket_base::linger(true, 0));  // closing sends a reset
    pair.peer.close();
    Transport transport(std::move(pair.ours));
    auto recorder = std::make_shared<WriteRecorder>();
    std::vector<Frame> frames;
    for (int i = 0; i < 64; ++i) frames.push_back(frame_of(std::string(64 * 1024, 'x')));
    transport.write(frames, recorder);
    io.run();
    EXPECT_EQ(recorder->writes_done, 1);
    EXPECT_TRUE(recorder->last_error);
}

// Writes started while a batch is open reach the kernel when it ends, and the users of
// those that finished are told then, before the loop runs again.
TEST(Transport, WritesInABatchLeaveTogetherWhenItEnds) {
    asio::io_context io(1);
    std::vector<std::unique_ptr<LoopbackPair>> pairs;
    std::vector<Transport> transports;
    std::vector<std::shared_ptr<WriteRecorder>> recorders;
    std::vector<std::vector<Frame>> frames(3);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        pairs.push_back(std::make_unique<LoopbackPair>(io));
        transports.emplace_back(std::move(pairs.back()->ours));
        recorders.push_back(std::make_shared<WriteRecorder>());
        frames[i] = {frame_of("to " + std::to_string(i) + "\n"), frame_of("again\n")};
    }
    {
        const WriteBatch batch;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            transports[i].write(frames[i], recorders[i]);
        }
        for (auto& pair : pairs) EXPECT_EQ(available(pair->peer), "");
        for (const auto& recorder : recorders) EXPECT_EQ(recorder->writes_done, 0);
    }
    for (std::size_t i = 0; i < frames.size(); ++i) {
        // Loopback hands the bytes over within the sending call.
        EXPECT_EQ(available(pairs[i]->peer), "to " + std::to_string(i) + "\nagain\n");
        // Told as the batch ended, not later by the loop: the next turn may write again.
        EXPECT_EQ(recorders[i]->writes_done, 1);
        EXPECT_FALSE(recorders[i]->last_error) << recorders[i]->last_error.message();
    }
    io.run();
    for (const auto& recorder : recorders) EXPECT_EQ(recorder->writes_done, 1);
}

// In one batch: a write far larger than the socket buffers (finished later, as the reader
// drains it), one to a peer that is gone (an error), and a small one (arrives).
TEST(Transport, ABatchSortsOutLargeFailedAndSmallWritesEachOnItsOwn) {
    asio::io_context io(1);
    LoopbackPair large_pair(io);
    LoopbackPair gone_pair(io);
    LoopbackPair small_pair(io);
    use_small_buffers(large_pair);
    gone_pair.peer.set_option(asio::socket_base::linger(true, 0));  // closing sends a reset
    gone_pair.peer.close();
    const UnevenFrames uneven;
    const std::vector<Frame>& large_frames = uneven.frames;
    const std::string& expected_large = uneven.bytes;
    std::vector<Frame> gone_frames;
    for (int i = 0; i < 64; ++i) gone_frames.push_back(frame_of(std::string(64 * 1024, 'x')));
    const std::vector<Frame> small_frames{frame_of("small\n")};
    Transport large(std::move(large_pair.ours));
    Transport gone(std::move(gone_pair.ours));
    Transport small(std::move(small_pair.ours));
    auto large_recorder = std::make_shared<WriteRecorder>();
    auto gone_recorder = std::make_shared<WriteRecorder>();
    auto small_recorder = std::make_shared<WriteRecorder>();
    {
        const WriteBatch batch;
        large.write(large_frames, large_recorder);
        gone.write(gone_frames, gone_recorder);
        small.write(small_frames, small_recorder);
    }
    EXPECT_EQ(small_recorder->writes_done, 1);  // done at once
    EXPECT_EQ(large_recorder->writes_done, 0);  // waits for the reader
    std::string received(expected_large.size(), '\0');
    asio::async_read(large_pair.peer, asio::buffer(received),
                     [](boost::system::error_code, std::size_t) {});
    io.run();
    EXPECT_EQ(received, expected_large);
    EXPECT_EQ(large_recorder->writes_done, 1);
    EXPECT_FALSE(large_recorder->last_error) << large_recorder->last_error.message();
    EXPECT_EQ(gone_recorder->writes_done, 1);
    EXPECT_TRUE(gone_recorder->last_error);
    EXPECT_EQ(available(small_pair.peer), "small\n");
    EXPECT_EQ(small_recorder->writes_done, 1);
    EXPECT_FALSE(small_recorder->last_error);
}

}  // namespace
}  // namespace hubchat::net
