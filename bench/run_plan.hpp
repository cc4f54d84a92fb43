#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"

namespace hubchat::bench {

// Everything the coordinator decides before forking, so that every worker derives the
// same roles from it: who holds which client, who sends, how many copies a message makes.
struct RunPlan {
    BenchOptions options;
    std::string tag;  // name prefix of this run's clients
    int workers = 1;
    int source_addresses = 1;       // 127.0.0.1 .. 127.0.0.K
    std::vector<int> first_client;  // worker w holds clients [first_client[w], first_client[w+1])
    int senders = 0;                // broadcast: S; direct: every client; else 0
    int sender_stride = 1;          // broadcast: sender k is client k * sender_stride
    int fanout = 0;                 // deliveries one message makes
    bool echo_counted = false;      // the sender's own copy is one of them (hubchat rooms, ALL)
    std::size_t window_slots = 0;   // closed loop: senders * window

    static RunPlan make(const BenchOptions& options, std::uint64_t open_file_limit,
                        int ephemeral_ports);

    int clients_of(int worker) const { return first_client[worker + 1] - first_client[worker]; }
    int worker_of_client(std::int64_t client) const;
    // The sender index of a client (broadcast, direct), if it sends.
    std::optional<int> sender_index(std::int64_t client) const;
    std::int64_t client_of_sender(int sender) const;
    bool needs_room() const { return options.scenario == Scenario::broadcast; }
    bool sends_messages() const {
        return options.scenario == Scenario::broadcast || options.scenario == Scenario::direct;
    }
    // Partner of a client in the direct scenario: clients 2k and 2k+1 talk to each other.
    static std::int64_t partner_of(std::int64_t client) { return client ^ 1; }
};

}  // namespace hubchat::bench
