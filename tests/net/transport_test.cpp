// Transport over a real loopback socket pair, with no server: a gathered write survives
// the kernel taking it piece by piece.
#include "net/transport.hpp"

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

struct SocketPair {
    explicit SocketPair(asio::io_context& io) : writer(io), reader(io) {
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        reader.connect(acceptor.local_endpoint());
        acceptor.accept(writer);
    }
    Socket writer;
    tcp::socket reader;
};

Frame frame_of(std::string text) {
    return make_frame(std::move(text));
}

// Far more bytes than the socket buffers hold, in frames of uneven sizes: the kernel
// takes a part, the rest waits for the reader, and a part often ends inside a frame.
TEST(Transport, AWriteLargerThanTheSocketBuffersArrivesWholeAndInOrder) {
    asio::io_context io(1);
    SocketPair pair(io);
    pair.writer.set_option(asio::socket_base::send_buffer_size(32 * 1024));
    pair.reader.set_option(asio::socket_base::receive_buffer_size(32 * 1024));
    std::vector<Frame> frames;
    std::string expected;
    for (int i = 0; i < 300; ++i) {
        std::string text(100 + static_cast<std::size_t>(i * 37 % 2000), 'a' + i % 26);
        text += std::to_string(i) + "\n";
        expected += text;
        frames.push_back(frame_of(std::move(text)));
    }
    Transport transport(std::move(pair.writer));
    auto recorder = std::make_shared<WriteRecorder>();
    transport.write(frames, recorder);
    EXPECT_EQ(recorder->writes_done, 0);  // never from inside write()

    std::string received(expected.size(), '\0');
    boost::system::error_code read_error;
    asio::async_read(pair.reader, asio::buffer(received),
                     [&](boost::system::error_code ec, std::size_t) { read_error = ec; });
    io.run();

    EXPECT_EQ(recorder->writes_done, 1);
    EXPECT_FALSE(recorder->last_error) << recorder->last_error.message();
    EXPECT_FALSE(read_error) << read_error.message();
    EXPECT_EQ(received, expected);
}

TEST(Transport, AWriteOfEmptyFramesCompletesWithNothingSent) {
    asio::io_context io(1);
    SocketPair pair(io);
    Transport transport(std::move(pair.writer));
    auto recorder = std::make_shared<WriteRecorder>();
    const std::vector<Frame> frames{frame_of(""), frame_of("")};
    transport.write(frames, recorder);
    EXPECT_EQ(recorder->writes_done, 0);
    io.run();
    EXPECT_EQ(recorder->writes_done, 1);
    EXPECT_FALSE(recorder->last_error);
    pair.reader.non_blocking(true);
    char byte = 0;
    boost::system::error_code ec;
    EXPECT_EQ(pair.reader.read_some(asio::buffer(&byte, 1), ec), 0u);
    EXPECT_EQ(ec, asio::error::would_block);
}

TEST(Transport, AWriteToAClosedPeerReportsTheError) {
    asio::io_context io(1);
    SocketPair pair(io);
    pair.reader.set_option(asio::socket_base::linger(true, 0));  // closing sends a reset
    pair.reader.close();
    Transport transport(std::move(pair.writer));
    auto recorder = std::make_shared<WriteRecorder>();
    std::vector<Frame> frames;
    for (int i = 0; i < 64; ++i) frames.push_back(frame_of(std::string(64 * 1024, 'x')));
    transport.write(frames, recorder);
    io.run();
    EXPECT_EQ(recorder->writes_done, 1);
    EXPECT_TRUE(recorder->last_error);
}

}  // namespace
}  // namespace hubchat::net
