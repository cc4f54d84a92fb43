#include "run_plan.hpp"

#include <algorithm>
#include <stdexcept>

#include "protocol_driver.hpp"

namespace hubchat::bench {

namespace {
// Descriptors a worker needs besides its connections: stdio, epoll, pipes, eventfds.
constexpr std::uint64_t kReservedDescriptors = 64;
}  // namespace

RunPlan RunPlan::make(const BenchOptions& options, std::uint64_t open_file_limit,
                      int ephemeral_ports) {
    RunPlan plan;
    plan.options = options;
    const int clients = options.clients;

    const auto per_worker = static_cast<int>(open_file_limit > 2 * kReservedDescriptors
                                                 ? open_file_limit - kReservedDescriptors
                                                 : kReservedDescriptors);
    const int needed = (clients + per_worker - 1) / per_worker;
    plan.workers = std::max({1, options.processes, needed});
    plan.workers = std::min(plan.workers, clients);

    // Connections from one source address to one server port share one ephemeral port
    // range (IP_BIND_ADDRESS_NO_PORT lets connect() pick per destination). Keep a tenth
    // spare for sockets of earlier runs still in TIME_WAIT. Churn cycles through many
    // more ports than it holds at once: spread it from the start.
    if (options.source_addresses > 0) {
        plan.source_addresses = options.source_addresses;
    } else {
        const int usable = std::max(1, ephemeral_ports * 9 / 10);
        plan.source_addresses = std::max(1, (clients + usable - 1) / usable);
        if (options.scenario == Scenario::churn) plan.source_addresses = 8;
    }

    // Contiguous ranges, split on even boundaries so that direct pairs share a worker.
    plan.first_client.resize(plan.workers + 1);
    for (int w = 0; w <= plan.workers; ++w) {
        int first = static_cast<int>(static_cast<std::int64_t>(clients) * w / plan.workers);
        if (options.scenario == Scenario::direct) first &= ~1;
        plan.first_client[w] = w == plan.workers ? clients : first;
    }

    switch (options.scenario) {
        case Scenario::broadcast:
            plan.senders = options.senders;
            plan.sender_stride = clients / options.senders;
            plan.echo_counted = make_driver(options.protocol)->echoes_room_messages();
            plan.fanout = plan.echo_counted ? clients : clients - 1;
            break;
        case Scenario::direct:
            plan.senders = clients;
            plan.fanout = 1;
            break;
        case Scenario::idle:
        case Scenario::churn:
            break;
    }
    if (options.closed_loop() && plan.sends_messages())
        plan.window_slots = static_cast<std::size_t>(plan.senders) * options.window;
    return plan;
}

int RunPlan::worker_of_client(std::int64_t client) const {
    const auto found = std::upper_bound(first_client.begin(), first_client.end(), client);
    return static_cast<int>(found - first_client.begin()) - 1;
}

std::optional<int> RunPlan::sender_index(std::int64_t client) const {
    if (client < 0 || client >= options.clients) return std::nullopt;
    if (options.scenario == Scenario::direct) return static_cast<int>(client);
    if (options.scenario != Scenario::broadcast || client % sender_stride != 0) return std::nullopt;
    const auto index = client / sender_stride;
    if (index >= senders) return std::nullopt;
    return static_cast<int>(index);
}

std::int64_t RunPlan::client_of_sender(int sender) const {
    return options.scenario == Scenario::direct ? sender
                                                : static_cast<std::int64_t>(sender) * sender_stride;
}

}  // namespace hubchat::bench
