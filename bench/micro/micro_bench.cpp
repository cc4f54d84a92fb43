// Micro-benchmarks of the server's pure hot paths. Run: build/bench/micro/hubchat-micro
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/hub.hpp"
#include "proto/json_codec.hpp"
#include "proto/json_framer.hpp"

namespace {
using namespace hubchat;

const std::string kFrame =
    R"({"type":"message","dest":"#bench","message":")" + std::string(100, 'x') + "\"}\n";

// Framing a read that holds 64 frames back to back.
void BM_FramerSplit(benchmark::State& state) {
    std::string chunk;
    for (int i = 0; i < 64; ++i) chunk += kFrame;
    proto::JsonFramer framer(64 * 1024);
    std::size_t frames = 0;
    for (auto _ : state) {
        std::string_view input = chunk;
        while (!input.empty()) {
            auto step = framer.next(input);
            input.remove_prefix(step.consumed);
            frames += step.kind == proto::JsonFramer::Kind::Frame;
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(frames));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * chunk.size()));
}
BENCHMARK(BM_FramerSplit);

// A read of 64 frames framed and then decoded one by one: the way every frame went
// before 8683aad, and the way frames other than plain chat messages still go.
void BM_FrameThenDecode64(benchmark::State& state) {
    std::string chunk;
    for (int i = 0; i < 64; ++i) chunk += kFrame;
    proto::JsonFramer framer(64 * 1024);
    for (auto _ : state) {
        std::string_view input = chunk;
        while (!input.empty()) {
            auto step = framer.next(input);
            input.remove_prefix(step.consumed);
            if (step.kind != proto::JsonFramer::Kind::Frame) continue;
            auto result = proto::decode_client_frame(step.frame);
            benchmark::DoNotOptimize(result);
        }
    }
    state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_FrameThenDecode64);

// The same read as JsonSession takes plain chat messages: each read once, framing and
// decoding together (read_plain_message_prefix), skipping the newline between frames.
void BM_ReadPlainMessages64(benchmark::State& state) {
    std::string chunk;
    for (int i = 0; i < 64; ++i) chunk += kFrame;
    for (auto _ : state) {
        std::string_view input = chunk;
        while (!input.empty()) {
            if (input.front() == '\n') {
                input.remove_prefix(1);
                continue;
            }
            proto::InboundFrame decoded;
            const std::size_t length = proto::read_plain_message_prefix(input, decoded);
            if (length == 0) state.SkipWithError("not read as a plain message");
            benchmark::DoNotOptimize(decoded);
            input.remove_prefix(length == 0 ? input.size() : length);
        }
    }
    state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_ReadPlainMessages64);

void BM_DecodeMessage(benchmark::State& state) {
    for (auto _ : state) {
        auto result = proto::decode_client_frame(kFrame);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeMessage);

void BM_DecodeOriginalChat(benchmark::State& state) {
    const std::string frame = R"({"user": "alice", "message": "Hello Bob", "dest": "bob"})";
    for (auto _ : state) {
        auto result = proto::decode_client_frame(frame);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeOriginalChat);

ChatPtr make_chat() {
    auto chat = std::make_shared<ChatMessage>();
    chat->id = 123456;
    chat->ts = 1764052800123;
    chat->from = "sender42";
    chat->dest = "#bench";
    chat->kind = DestKind::Room;
    chat->text = std::string(100, 'x');
    return chat;
}

// Encoding a broadcast frame (done once per broadcast, shared by every recipient).
void BM_EncodeChatHubchat(benchmark::State& state) {
    for (auto _ : state) {
        auto chat = make_chat();
        benchmark::DoNotOptimize(proto::hubchat_frame(*chat));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeChatHubchat);

void BM_EncodeChatOriginal(benchmark::State& state) {
    for (auto _ : state) {
        auto chat = make_chat();
        benchmark::DoNotOptimize(proto::original_frame(*chat));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeChatOriginal);

// A peer that only counts, to time the hub's routing alone.
struct CountingPeer : Peer {
    std::size_t events = 0;
    void deliver(const Event&) override { ++events; }
};

// One room message routed to N members (arg), per delivery.
void BM_HubRoomBroadcast(benchmark::State& state) {
    const auto members = static_cast<std::size_t>(state.range(0));
    Hub hub([] { return TimestampMs{0}; }, HubLimits{65536, 0});
    std::vector<std::unique_ptr<CountingPeer>> peers;
    std::vector<ConnectionId> ids;
    for (std::size_t i = 0; i < members; ++i) {
        peers.push_back(std::make_unique<CountingPeer>());
        ids.push_back(hub.attach(*peers.back()));
        hub.handle(ids.back(), Hello{"user" + std::to_string(i)});
        hub.handle(ids.back(), JoinRoom{"#bench", ""});
    }
    const std::string text(100, 'x');
    for (auto _ : state) {
        hub.handle(ids[0], SendMessage{{"#bench"}, text, "1"});
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * members));
}
BENCHMARK(BM_HubRoomBroadcast)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

// A direct message between two of N connected users.
void BM_HubDirect(benchmark::State& state) {
    Hub hub([] { return TimestampMs{0}; });
    std::vector<std::unique_ptr<CountingPeer>> peers;
    std::vector<ConnectionId> ids;
    for (int i = 0; i < 1000; ++i) {
        peers.push_back(std::make_unique<CountingPeer>());
        ids.push_back(hub.attach(*peers.back()));
        hub.handle(ids.back(), Hello{"user" + std::to_string(i)});
    }
    const std::string text(100, 'x');
    for (auto _ : state) {
        hub.handle(ids[1], SendMessage{{"user500"}, text, "1"});
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HubDirect);

}  // namespace

BENCHMARK_MAIN();
