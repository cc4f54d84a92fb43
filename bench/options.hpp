#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hubchat::bench {

enum class Protocol { json, irc, original };
enum class Scenario { idle, broadcast, direct, churn };

std::string_view to_string(Protocol protocol);
std::string_view to_string(Scenario scenario);

struct BenchOptions {
    Protocol protocol = Protocol::json;
    std::string host = "127.0.0.1";
    std::uint16_t port = 7002;
    std::optional<int> server_pid;
    Scenario scenario = Scenario::broadcast;
    std::string room = "#bench";  // the original dialect: ALL, its only room

    // idle/broadcast/direct: connections held; churn: connections cycling at once.
    int clients = 100;
    int senders = 10;  // broadcast only; direct makes every client a sender
    int size = 100;    // message text bytes

    double duration_s = 10;
    double warmup_s = 2;
    // Rate given: open loop, total messages (churn: connections) per second.
    // Otherwise closed loop: each sender keeps `window` messages in flight.
    std::optional<double> rate;
    int window = 16;

    int processes = 0;              // 0: as few as the open-file limit allows
    int source_addresses = 0;       // 0: as few as the ephemeral port range allows
    int connect_concurrency = 256;  // connections being set up at once
    double setup_timeout_s = 600;
    double drain_timeout_s = 10;
    double settle_s = 1;   // idle: let the server settle before reading its RSS
    bool quickack = true;  // see Worker::read_from
    bool smoke = false;
    bool progress = true;
    std::string label;

    bool closed_loop() const { return !rate.has_value(); }
};

struct ParseOutcome {
    BenchOptions options;
    std::optional<int> exit_code;  // set when the program should stop (help, error)
    bool print_free_port = false;
};

ParseOutcome parse_options(int argc, char** argv);

}  // namespace hubchat::bench
