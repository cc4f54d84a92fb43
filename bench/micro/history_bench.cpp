// Micro-benchmarks of message history (issue 5): how many messages a second the store
// takes when they are grouped N to a transaction, on a file in $TMPDIR (or /tmp) with the
// server's settings (WAL, synchronous=NORMAL).
// Run: build/bench/micro/hubchat-micro-history [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/history_log.hpp"
#include "store/database.hpp"
#include "store/history.hpp"

namespace {
using namespace hubchat;

class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                              "/hubchat-history-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// What a room message looks like: a short name, one target, 100 bytes of text.
store::NewMessage room_message(int i) {
    store::NewMessage message;
    message.ts_ms = 1'764'052'800'000 + i;
    message.sender = "sender" + std::to_string(i % 50);
    message.dest = "#bench";
    message.targets = {"#bench"};
    message.text = std::string(100, 'x');
    return message;
}

// HistoryStore::append with range(0) messages per call, that is per transaction.
void BM_HistoryStoreAppend(benchmark::State& state) {
    const auto batch_size = static_cast<int>(state.range(0));
    TempDir temp;
    store::Database db(temp.path());
    store::HistoryStore history(db);
    std::vector<store::NewMessage> batch;
    for (int i = 0; i < batch_size; ++i) batch.push_back(room_message(i));
    for (auto _ : state) history.append(batch);
    state.SetItemsProcessed(state.iterations() * batch_size);
    state.counters["transactions/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HistoryStoreAppend)->Arg(1)->Arg(16)->Arg(256)->UseRealTime();

// The same with direct messages, as bench/history-cost's direct scenario sends them:
// range(1) users in pairs, 100 bytes of text, batches of range(0). Runs long enough to
// write postings chunks, whose cost is part of a message's.
void BM_HistoryStoreAppendDirect(benchmark::State& state) {
    const auto batch_size = static_cast<int>(state.range(0));
    const auto users = static_cast<int>(state.range(1));
    TempDir temp;
    store::Database db(temp.path());
    store::HistoryStore history(db);
    // Enough batches that every user sends and receives whatever the batch size.
    const int batches = std::max(100, 4 * users / batch_size);
    std::vector<store::NewMessage> messages;
    for (int i = 0; i < batches * batch_size; ++i) {
        store::NewMessage message;
        message.ts_ms = 1'764'052'800'000 + i;
        message.sender = "user" + std::to_string(i % users);
        message.dest = "user" + std::to_string((i % users) ^ 1);
        message.targets = {message.dest};
        message.text = std::string(100, 'x');
        messages.push_back(std::move(message));
    }
    std::size_t next = 0;
    for (auto _ : state) {
        history.append(std::span<const store::NewMessage>(messages).subspan(
            next * static_cast<std::size_t>(batch_size), static_cast<std::size_t>(batch_size)));
        next = (next + 1) % static_cast<std::size_t>(batches);
    }
    state.SetItemsProcessed(state.iterations() * batch_size);
}
BENCHMARK(BM_HistoryStoreAppendDirect)
    ->Args({16, 100})
    ->Args({64, 100})
    ->Args({256, 100})
    ->Args({4096, 1000})
    ->UseRealTime();

// The whole path the hub would use: HistoryLog::append on an event loop, written by the
// worker thread with batch_size range(0), 1000 messages per iteration, timed until the
// last on_committed has run.
void BM_HistoryLogAppend(benchmark::State& state) {
    TempDir temp;
    boost::asio::io_context io(1);
    net::HistoryLogSettings settings;
    settings.data_dir = temp.path();
    settings.batch_size = static_cast<std::size_t>(state.range(0));
    settings.flush_delay = std::chrono::milliseconds(2);
    net::HistoryLog log(io, settings);
    constexpr int kPerIteration = 1000;
    std::int64_t committed = 0;
    std::int64_t target = 0;
    for (auto _ : state) {
        for (int i = 0; i < kPerIteration; ++i) {
            log.append(room_message(i), [&](std::int64_t, bool stored) { committed += stored; });
            // A server reads between messages: let completions in as they come.
            if (i % 16 == 15) io.poll();
        }
        target += kPerIteration;
        while (committed < target) io.run_one();
    }
    state.SetItemsProcessed(state.iterations() * kPerIteration);
    state.counters["transactions"] = static_cast<double>(log.stats().transactions);
    state.counters["largest_batch"] = static_cast<double>(log.stats().largest_batch);
    log.stop();
    io.run();
}
BENCHMARK(BM_HistoryLogAppend)->Arg(1)->Arg(16)->Arg(256)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
