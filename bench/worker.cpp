#include "worker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

#include "event_loop.hpp"
#include "payload.hpp"
#include "proc_stats.hpp"
#include "protocol_driver.hpp"
#include "sequence_tracker.hpp"
#include "worker_result.hpp"

namespace hubchat::bench {

namespace {

constexpr std::size_t kReadBufferBytes = 256 * 1024;
// Reads per readiness edge before letting other connections have a turn.
constexpr int kReadsPerTurn = 8;
constexpr std::size_t kMaxFrameBytes = 1 << 20;
// Open loop: sends due within this much of each other leave in one wake-up.
constexpr std::int64_t kMinPacingStepNs = 50'000;
constexpr std::size_t kMaxErrorSamples = 8;
constexpr int kErrorsPrinted = 5;
// Churn stops starting connections after this many failures instead of spinning on a
// server that refuses them.
constexpr std::int64_t kChurnErrorLimit = 100;

std::string errno_text(int error) {
    return std::strerror(error);
}

// The server's address; IPv4 or IPv6 loopback.
struct ServerAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

ServerAddress resolve(const std::string& host, std::uint16_t port) {
    ServerAddress address;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        address.length = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        address.length = sizeof(sockaddr_in6);
        address.family = AF_INET6;
    } else {
        throw std::runtime_error("--host must be a numeric address: " + host);
    }
    return address;
}

enum class ClientState { idle, connecting, registering, joining, ready, quitting, closed };

class Worker;

// One simulated client. The worker does the thinking; this holds its socket and buffers.
struct Connection final : EventLoop::Handler {
    Worker* worker = nullptr;
    int fd = -1;
    std::uint32_t generation = 0;  // bumped on each reopen (churn reuses connections)
    std::int64_t client = 0;
    std::uint32_t local_index = 0;  // row in the worker's sequence tracks
    std::string name;
    ClientState state = ClientState::idle;
    std::string inbox;     // an incomplete frame carried over to the next read
    FrameScan frame_scan;  // how far the driver got looking for the end of `inbox`'s frame
    std::string outbox;
    std::size_t outbox_written = 0;
    bool awaiting_writable = false;  // send() said EAGAIN; wait for the EPOLLOUT edge
    bool dirty = false;              // queued in the worker's flush list
    bool awaiting_pong = false;      // sync: our ping is on its way
    std::int64_t cycle_started_ns = 0;

    // As a sender: where its messages go and its closed-loop window.
    int sender = -1;
    std::string dest;
    std::int64_t target = Payload::kRoomTarget;
    std::uint32_t next_sequence = 0;
    std::uint32_t oldest_in_flight = 0;

    void on_io(std::uint32_t events) override;
};

// Adapts a lambda to the loop's handler interface (control pipe, wake-up eventfd).
struct CallbackHandler final : EventLoop::Handler {
    std::function<void(std::uint32_t)> callback;
    void on_io(std::uint32_t events) override { callback(events); }
};

class Worker {
  public:
    Worker(const RunPlan& plan, int index, SharedBoard& board, const WorkerChannels& channels)
        : plan_(plan),
          options_(plan.options),
          index_(index),
          board_(board),
          counters_(board.counters(index)),
          channels_(channels),
          driver_(make_driver(plan.options.protocol)),
          server_(resolve(plan.options.host, plan.options.port)),
          read_buffer_(kReadBufferBytes) {}

    int run();

    // Called by Connection::on_io.
    void on_connect_finished(Connection& connection);
    void read_from(Connection& connection, bool peer_closed);
    void flush(Connection& connection);

  private:
    bool is_churn() const { return options_.scenario == Scenario::churn; }
    bool in_window(std::int64_t t) const { return t >= window_begin_ns_ && t < window_end_ns_; }

    void create_standing_clients();
    void start_more_setups();
    void open_connection(Connection& connection);
    void close_connection(Connection& connection);
    void on_setup_complete(Connection& connection);
    void on_setup_failed(Connection& connection, const std::string& what);
    void maybe_report_ready();

    void consume(Connection& connection, std::string_view chunk, std::int64_t now);
    void handle_frame(Connection& connection, std::string_view frame, std::int64_t now);
    void on_registered(Connection& connection, std::int64_t now);
    void on_pong(Connection& connection);
    void on_message(Connection& connection, const Inbound& inbound, std::int64_t now);
    void on_end_of_stream(Connection& connection);
    void on_connection_lost(Connection& connection, const std::string& what);
    void record_error(const Connection& connection, const std::string& what);
    // Prints the first few faults and keeps samples for the summary; counts nothing.
    void note_fault(const Connection& connection, const std::string& what);

    void mark_dirty(Connection& connection);
    void after_batch();
    void publish_counters();

    void send_message(Connection& sender, std::int64_t now);
    void refill_window(Connection& sender, std::int64_t now);
    void on_window_slot_done(int sender);
    void on_wakeup();
    void pace_open_loop();

    void start_cycle(std::int64_t now);
    void end_cycle(Connection& connection, bool completed);

    void on_control_readable();
    void handle_control_line(std::string_view line);
    void sync();
    void start_load();
    void end_sending();
    void report_missing();
    void finish();
    void write_report(const std::string& line);

    const RunPlan& plan_;
    const BenchOptions& options_;
    const int index_;
    SharedBoard& board_;
    WorkerCounters& counters_;
    const WorkerChannels& channels_;
    std::unique_ptr<ProtocolDriver> driver_;
    const ServerAddress server_;
    EventLoop loop_;
    std::vector<char> read_buffer_;

    std::vector<std::unique_ptr<Connection>> connections_;
    std::vector<Connection*> dirty_;
    std::vector<Connection*> local_senders_;  // by sender index; null if elsewhere
    std::vector<bool> wake_worker_;           // eventfds to write after this batch

    // One stream per (recipient here, sender): row local_index, column sender index.
    SequenceTracker sequences_;
    int tracks_per_client_ = 0;

    WorkerResult result_;
    int errors_printed_ = 0;

    // Set-up of standing clients.
    std::size_t next_setup_ = 0;
    int setups_in_flight_ = 0;
    std::size_t setups_finished_ = 0;
    int setup_concurrency_ = 1;
    bool starting_setups_ = false;
    bool ready_reported_ = false;
    std::int64_t pongs_outstanding_ = 0;

    // Load phases, CLOCK_MONOTONIC ns, from the coordinator's "go".
    std::int64_t start_ns_ = 0;
    std::int64_t window_begin_ns_ = 0;
    std::int64_t window_end_ns_ = 0;
    bool sending_ = false;
    std::int64_t cpu_at_window_begin_ = 0;
    std::int64_t cpu_at_window_end_ = 0;

    // Open loop.
    std::uint64_t next_paced_index_ = 0;
    EventLoop::TimerId pacing_timer_ = 0;

    // Churn.
    std::vector<Connection*> idle_connections_;
    std::uint64_t next_churn_serial_ = 0;
    std::int64_t active_cycles_ = 0;

    CallbackHandler control_handler_;
    CallbackHandler wakeup_handler_;
    std::string control_inbox_;
};

void Connection::on_io(std::uint32_t events) {
    if (fd < 0) return;  // a stale event for a connection closed earlier in the batch
    const std::uint32_t opened_as = generation;
    if (state == ClientState::connecting) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
        worker->on_connect_finished(*this);
        if (fd < 0 || generation != opened_as) return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        worker->read_from(*this, (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
        if (fd < 0 || generation != opened_as) return;
    }
    if ((events & EPOLLOUT) && awaiting_writable) {
        awaiting_writable = false;
        worker->flush(*this);
    }
}

int Worker::run() {
    loop_.set_after_batch([this] { after_batch(); });
    wake_worker_.assign(channels_.wakeup_fds.size(), false);

    control_handler_.callback = [this](std::uint32_t) { on_control_readable(); };
    loop_.watch(channels_.control_fd, control_handler_, EPOLLIN | EPOLLRDHUP);
    wakeup_handler_.callback = [this](std::uint32_t) { on_wakeup(); };
    loop_.watch(channels_.wakeup_fds[index_], wakeup_handler_, EPOLLIN);

    const int share = plan_.clients_of(index_);
    setup_concurrency_ =
        std::max(1, (options_.connect_concurrency + plan_.workers - 1) / plan_.workers);
    if (is_churn()) {
        maybe_report_ready();  // nothing to set up: churn connects during the run
    } else {
        create_standing_clients();
        if (share == 0) maybe_report_ready();
        start_more_setups();
    }
    loop_.run();
    return 0;
}

void Worker::create_standing_clients() {
    const int first = plan_.first_client[index_];
    const int count = plan_.clients_of(index_);
    tracks_per_client_ = options_.scenario == Scenario::broadcast ? plan_.senders
                         : options_.scenario == Scenario::direct  ? 1
                                                                  : 0;
    sequences_.resize(static_cast<std::size_t>(count) * tracks_per_client_);
    local_senders_.assign(plan_.senders, nullptr);
    connections_.reserve(count);
    for (int i = 0; i < count; ++i) {
        auto connection = std::make_unique<Connection>();
        connection->worker = this;
        connection->client = first + i;
        connection->local_index = static_cast<std::uint32_t>(i);
        connection->name = make_name(plan_.tag, connection->client);
        if (auto sender = plan_.sender_index(connection->client)) {
            connection->sender = *sender;
            local_senders_[*sender] = connection.get();
            if (options_.scenario == Scenario::direct) {
                const auto partner = RunPlan::partner_of(connection->client);
                connection->dest = make_name(plan_.tag, partner);
                connection->target = partner;
            } else {
                connection->dest = options_.room;
            }
        }
        connections_.push_back(std::move(connection));
    }
}

void Worker::start_more_setups() {
    // A connection that fails at once (socket() out of descriptors) ends its set-up and
    // calls back here: let the outer loop carry on instead of recursing once per client.
    if (starting_setups_) return;
    starting_setups_ = true;
    while (setups_in_flight_ < setup_concurrency_ && next_setup_ < connections_.size()) {
        ++setups_in_flight_;
        open_connection(*connections_[next_setup_++]);
    }
    starting_setups_ = false;
}

void Worker::open_connection(Connection& connection) {
    ++connection.generation;
    connection.inbox.clear();
    connection.frame_scan = {};
    connection.outbox.clear();
    connection.outbox_written = 0;
    connection.awaiting_writable = false;
    connection.state = ClientState::connecting;

    const int fd = ::socket(server_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        connection.state = ClientState::closed;
        on_connection_lost(connection, "socket: " + errno_text(errno));
        return;
    }
    connection.fd = fd;
    const int on = 1;
    // Chat messages are small and latency is measured: no Nagle delay on our side.
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (plan_.source_addresses > 1 && server_.family == AF_INET) {
        // Each 127.0.0.x has its own ephemeral port range towards the server; choosing
        // the port at connect() rather than bind() lets it be shared across servers.
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
        sockaddr_in source{};
        source.sin_family = AF_INET;
        source.sin_addr.s_addr =
            htonl(INADDR_LOOPBACK +
                  static_cast<std::uint32_t>(connection.client % plan_.source_addresses));
        if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
            on_connection_lost(connection, "bind: " + errno_text(errno));
            return;
        }
    }
    loop_.watch(fd, connection, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&server_.storage), server_.length) == 0) {
        on_connect_finished(connection);
    } else if (errno != EINPROGRESS) {
        const int error = errno;
        on_connection_lost(
            connection,
            "connect: " + errno_text(error) +
                (error == EADDRNOTAVAIL ? " (ports exhausted: --source-addresses)" : ""));
    }
}

void Worker::on_connect_finished(Connection& connection) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
        on_connection_lost(connection, "connect: " + errno_text(error));
        return;
    }
    connection.state = ClientState::registering;
    driver_->append_register(connection.outbox, connection.name);
    mark_dirty(connection);
}

void Worker::close_connection(Connection& connection) {
    if (connection.fd >= 0) {
        loop_.unwatch(connection.fd);
        ::close(connection.fd);
    }
    connection.fd = -1;
    connection.state = ClientState::closed;
    connection.inbox.clear();
    connection.frame_scan = {};
    connection.outbox.clear();
    connection.outbox_written = 0;
    connection.awaiting_writable = false;
}

void Worker::on_setup_complete(Connection& connection) {
    connection.state = ClientState::ready;
    ++result_.connections_ready;
    --setups_in_flight_;
    ++setups_finished_;
    start_more_setups();
    maybe_report_ready();
}

void Worker::on_setup_failed(Connection& connection, const std::string& what) {
    record_error(connection, what);
    close_connection(connection);
    ++result_.setup_failures;
    --setups_in_flight_;
    ++setups_finished_;
    start_more_setups();
    maybe_report_ready();
}

void Worker::maybe_report_ready() {
    if (ready_reported_ || setups_finished_ < connections_.size()) return;
    ready_reported_ = true;
    publish_counters();
    write_report(fmt::format("ready {} {}\n", result_.connections_ready, result_.setup_failures));
}

void Worker::read_from(Connection& connection, bool peer_closed) {
    const std::uint32_t opened_as = connection.generation;
    for (int turn = 0; turn < kReadsPerTurn; ++turn) {
        const ssize_t got = ::read(connection.fd, read_buffer_.data(), read_buffer_.size());
        if (got > 0) {
            if (options_.quickack) {
                // Servers that leave Nagle on (both IRC peers) may not send the next small
                // segment until this one is acknowledged, and Linux delays ACKs for up to
                // 40 ms; a recipient that never replies then throttles the server. Quick-ACK
                // mode lapses by itself, so it is renewed after every read.
                const int on = 1;
                setsockopt(connection.fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
            }
            consume(connection, {read_buffer_.data(), static_cast<std::size_t>(got)},
                    monotonic_ns());
            if (connection.fd < 0 || connection.generation != opened_as) return;
            // A short read took everything the socket held; data arriving after it raises
            // a new edge. Skipping the read that would only say EAGAIN saves a system call
            // per wake-up. Not when the peer has closed: its FIN raises no second edge.
            if (!peer_closed && static_cast<std::size_t>(got) < read_buffer_.size()) return;
            continue;
        }
        if (got == 0) {
            on_end_of_stream(connection);
            return;
        }
        if (errno == EAGAIN) return;
        if (errno == EINTR) continue;
        on_connection_lost(connection, "read: " + errno_text(errno));
        return;
    }
    // Edge-triggered: no new edge will announce what is still unread. Come back once the
    // other connections of this batch have had their turn.
    loop_.defer([this, &connection, opened_as, peer_closed] {
        if (connection.fd >= 0 && connection.generation == opened_as)
            read_from(connection, peer_closed);
    });
}

void Worker::consume(Connection& connection, std::string_view chunk, std::int64_t now) {
    const std::uint32_t opened_as = connection.generation;
    auto still_open = [&] { return connection.fd >= 0 && connection.generation == opened_as; };
    // Frames are cut where the driver says: at LF for line protocols, where the braces
    // balance for the original dialect. Its scan resumes where the last read left it.
    FrameScan& scan = connection.frame_scan;
    if (!connection.inbox.empty()) {
        const auto end = driver_->frame_end(chunk, scan);
        if (end == std::string_view::npos) {
            connection.inbox.append(chunk);
            if (connection.inbox.size() > kMaxFrameBytes)
                on_connection_lost(connection, "frame longer than 1 MiB");
            return;
        }
        std::string frame = std::move(connection.inbox);
        connection.inbox.clear();
        frame.append(chunk.substr(0, end));
        chunk.remove_prefix(end);
        handle_frame(connection, frame, now);
        if (!still_open()) return;
    }
    for (auto end = driver_->frame_end(chunk, scan); end != std::string_view::npos;
         end = driver_->frame_end(chunk, scan)) {
        handle_frame(connection, chunk.substr(0, end), now);
        if (!still_open()) return;
        chunk.remove_prefix(end);
    }
    if (!chunk.empty()) {
        connection.inbox.assign(chunk);
        if (connection.inbox.size() > kMaxFrameBytes)
            on_connection_lost(connection, "frame longer than 1 MiB");
    }
}

void Worker::handle_frame(Connection& connection, std::string_view frame, std::int64_t now) {
    if (frame.ends_with('\n')) frame.remove_suffix(1);
    if (frame.ends_with('\r')) frame.remove_suffix(1);  // IRC ends lines with CR LF
    const Inbound inbound = driver_->parse(frame, connection.name, options_.room);
    switch (inbound.kind) {
        case Inbound::Kind::message:
            on_message(connection, inbound, now);
            break;
        case Inbound::Kind::registered:
            on_registered(connection, now);
            break;
        case Inbound::Kind::joined:
            if (connection.state == ClientState::joining) on_setup_complete(connection);
            break;
        case Inbound::Kind::pong:
            on_pong(connection);
            break;
        case Inbound::Kind::user_list:
            // The original dialect's one round trip stands for whichever answer the
            // connection waits for: only one of them is ever outstanding.
            if (connection.state == ClientState::registering) {
                on_registered(connection, now);
            } else if (connection.state == ClientState::joining) {
                on_setup_complete(connection);
            } else {
                on_pong(connection);
            }
            break;
        case Inbound::Kind::ping:
            driver_->append_pong(connection.outbox, inbound.text);
            mark_dirty(connection);
            break;
        case Inbound::Kind::error:
            if (connection.state == ClientState::connecting ||
                connection.state == ClientState::registering ||
                connection.state == ClientState::joining) {
                on_connection_lost(connection, fmt::format("refused: {}", frame));
            } else {
                record_error(connection, fmt::format("refused: {}", frame));
            }
            break;
        case Inbound::Kind::closing:
            if (connection.state != ClientState::quitting)
                record_error(connection, fmt::format("closed by server: {}", frame));
            break;
        case Inbound::Kind::malformed:
            record_error(connection, fmt::format("unreadable frame: {}", frame));
            break;
        case Inbound::Kind::ignored:
            break;
    }
}

void Worker::on_registered(Connection& connection, std::int64_t now) {
    if (connection.state != ClientState::registering) return;
    if (is_churn()) {
        if (in_window(connection.cycle_started_ns))
            result_.latency.record(now - connection.cycle_started_ns);
        if (!driver_->server_closes_after_quit()) {
            // Nothing to say before leaving: hanging up is the quit.
            end_cycle(connection, true);
            return;
        }
        connection.state = ClientState::quitting;
        driver_->append_quit(connection.outbox);
        mark_dirty(connection);
        return;
    }
    if (plan_.needs_room()) {
        connection.state = ClientState::joining;
        driver_->append_join(connection.outbox, connection.name, options_.room);
        mark_dirty(connection);
        return;
    }
    on_setup_complete(connection);
}

void Worker::on_pong(Connection& connection) {
    if (!connection.awaiting_pong) return;
    connection.awaiting_pong = false;
    if (--pongs_outstanding_ == 0) write_report("synced\n");
}

void Worker::on_message(Connection& connection, const Inbound& inbound, std::int64_t now) {
    const auto payload = parse_payload(inbound.text);
    if (!payload ||
        inbound.text.size() != padded_text_bytes(payload->header_bytes, options_.size)) {
        ++result_.corrupted;
        note_fault(connection,
                   fmt::format("corrupted text from {}: {:.80}", inbound.from, inbound.text));
        return;
    }
    const auto from = parse_name(inbound.from, plan_.tag);
    bool right_place = false;
    if (options_.scenario == Scenario::broadcast) {
        right_place = payload->target == Payload::kRoomTarget && inbound.dest == options_.room &&
                      (plan_.echo_counted ||
                       payload->sender != static_cast<std::uint64_t>(connection.client));
    } else if (options_.scenario == Scenario::direct) {
        right_place =
            payload->target == connection.client &&
            payload->sender == static_cast<std::uint64_t>(RunPlan::partner_of(connection.client)) &&
            inbound.dest == connection.name;
    }
    const auto sender = plan_.sender_index(static_cast<std::int64_t>(payload->sender));
    if (!from || *from != payload->sender || !right_place || !sender) {
        ++result_.misattributed;
        note_fault(connection, fmt::format("misattributed: from {} to {}: {:.80}", inbound.from,
                                           inbound.dest, inbound.text));
        return;
    }

    const std::size_t track = static_cast<std::size_t>(connection.local_index) *
                                  static_cast<std::size_t>(tracks_per_client_) +
                              (options_.scenario == Scenario::broadcast ? *sender : 0);
    const std::uint32_t sequence = payload->sequence;
    switch (sequences_.record(track, sequence)) {
        case SequenceTracker::Outcome::in_order:
        case SequenceTracker::Outcome::ahead:  // what it skipped is missing until it comes
            break;
        case SequenceTracker::Outcome::late:
            ++result_.reordered;
            note_fault(connection, fmt::format("reordered: {} seq {} after {}", inbound.from,
                                               sequence, sequences_.next_expected(track) - 1));
            break;
        case SequenceTracker::Outcome::duplicate:
            ++result_.duplicated;
            note_fault(connection, fmt::format("duplicate: {} seq {}", inbound.from, sequence));
            return;
    }

    ++result_.unique_deliveries;
    if (in_window(now)) ++result_.window_deliveries;
    if (in_window(payload->sent_ns)) result_.latency.record(now - payload->sent_ns);
    if (plan_.window_slots != 0) {
        auto& slot = board_.window_slot(static_cast<std::size_t>(*sender) * options_.window +
                                        sequence % options_.window);
        if (slot.fetch_sub(1, std::memory_order_acq_rel) == 1) on_window_slot_done(*sender);
    }
}

void Worker::on_end_of_stream(Connection& connection) {
    if (connection.state == ClientState::quitting) {
        if (is_churn()) {
            end_cycle(connection, true);
        } else {
            close_connection(connection);
        }
        return;
    }
    on_connection_lost(connection, "the server closed the connection");
}

void Worker::on_connection_lost(Connection& connection, const std::string& what) {
    if (is_churn()) {
        record_error(connection, what);
        end_cycle(connection, false);
        return;
    }
    switch (connection.state) {
        case ClientState::connecting:
        case ClientState::registering:
        case ClientState::joining:
            on_setup_failed(connection, what);
            return;
        case ClientState::ready:
            ++result_.disconnects;
            record_error(connection, what);
            break;
        default:
            break;
    }
    close_connection(connection);
}

void Worker::record_error(const Connection& connection, const std::string& what) {
    ++result_.errors;
    note_fault(connection, what);
}

void Worker::note_fault(const Connection& connection, const std::string& what) {
    std::string sample =
        fmt::format("{} (client {}): {:.300}", connection.name, connection.client, what);
    if (errors_printed_ < kErrorsPrinted) {
        ++errors_printed_;
        fmt::print(stderr, "hubchat-bench: worker {}: {}\n", index_, sample);
    }
    if (result_.error_samples.size() < kMaxErrorSamples)
        result_.error_samples.push_back(std::move(sample));
}

void Worker::mark_dirty(Connection& connection) {
    if (connection.dirty) return;
    connection.dirty = true;
    dirty_.push_back(&connection);
}

void Worker::after_batch() {
    // Flushing may fail a connection, which may start another: index, not iterators.
    for (std::size_t i = 0; i < dirty_.size(); ++i) {
        Connection& connection = *dirty_[i];
        connection.dirty = false;
        if (connection.fd >= 0 && !connection.awaiting_writable &&
            connection.state != ClientState::connecting) {
            flush(connection);
        }
    }
    dirty_.clear();
    for (std::size_t worker = 0; worker < wake_worker_.size(); ++worker) {
        if (!wake_worker_[worker]) continue;
        wake_worker_[worker] = false;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto written = ::write(channels_.wakeup_fds[worker], &one, sizeof one);
    }
    publish_counters();
}

void Worker::flush(Connection& connection) {
    while (connection.outbox_written < connection.outbox.size()) {
        const ssize_t sent =
            ::send(connection.fd, connection.outbox.data() + connection.outbox_written,
                   connection.outbox.size() - connection.outbox_written, MSG_NOSIGNAL);
        if (sent > 0) {
            connection.outbox_written += static_cast<std::size_t>(sent);
            continue;
        }
        if (errno == EAGAIN) {
            connection.awaiting_writable = true;
            return;
        }
        if (errno == EINTR) continue;
        on_connection_lost(connection, "send: " + errno_text(errno));
        return;
    }
    connection.outbox.clear();
    connection.outbox_written = 0;
}

void Worker::publish_counters() {
    const auto relaxed = std::memory_order_relaxed;
    counters_.connections_ready.store(result_.connections_ready, relaxed);
    counters_.messages_sent.store(result_.messages_sent, relaxed);
    counters_.expected_deliveries.store(result_.expected_deliveries, relaxed);
    counters_.unique_deliveries.store(result_.unique_deliveries, relaxed);
    counters_.window_deliveries.store(result_.window_deliveries, relaxed);
    counters_.faults.store(result_.duplicated + result_.reordered + result_.misattributed +
                               result_.corrupted + result_.errors,
                           relaxed);
    counters_.cycles.store(result_.cycles, relaxed);
    counters_.active_cycles.store(active_cycles_, relaxed);
}

void Worker::send_message(Connection& sender, std::int64_t now) {
    const std::uint32_t sequence = sender.next_sequence++;
    if (plan_.window_slots != 0) {
        // Armed before the message can possibly be received.
        board_
            .window_slot(static_cast<std::size_t>(sender.sender) * options_.window +
                         sequence % options_.window)
            .store(plan_.fanout, std::memory_order_release);
    }
    driver_->append_message_head(sender.outbox, sender.name, sender.dest);
    Payload payload;
    payload.sender = static_cast<std::uint64_t>(sender.client);
    payload.sequence = sequence;
    payload.target = sender.target;
    payload.sent_ns = now;
    append_payload(sender.outbox, payload, options_.size);
    driver_->append_message_tail(sender.outbox, sender.dest);
    mark_dirty(sender);
    board_.sent_by(static_cast<std::size_t>(sender.sender))
        .store(sender.next_sequence, std::memory_order_relaxed);
    ++result_.messages_sent;
    result_.expected_deliveries += plan_.fanout;
    if (in_window(now)) ++result_.messages_sent_in_window;
}

void Worker::refill_window(Connection& sender, std::int64_t now) {
    const auto window = static_cast<std::uint32_t>(options_.window);
    while (sender.oldest_in_flight != sender.next_sequence &&
           board_.window_slot(static_cast<std::size_t>(sender.sender) * window +
                              sender.oldest_in_flight % window)
                   .load(std::memory_order_acquire) == 0) {
        ++sender.oldest_in_flight;
    }
    if (!sending_ || sender.state != ClientState::ready) return;
    while (sender.next_sequence - sender.oldest_in_flight < window) send_message(sender, now);
}

void Worker::on_window_slot_done(int sender) {
    if (Connection* local = local_senders_[sender]) {
        refill_window(*local, monotonic_ns());
        return;
    }
    const int owner = plan_.worker_of_client(plan_.client_of_sender(sender));
    wake_worker_[owner] = true;
}

void Worker::on_wakeup() {
    std::uint64_t count = 0;
    while (::read(channels_.wakeup_fds[index_], &count, sizeof count) > 0) {
    }
    const std::int64_t now = monotonic_ns();
    for (Connection* sender : local_senders_) {
        if (sender != nullptr) refill_window(*sender, now);
    }
}

void Worker::pace_open_loop() {
    pacing_timer_ = 0;
    const double rate = *options_.rate;
    const auto due = [&](std::uint64_t index) {
        return start_ns_ + static_cast<std::int64_t>(static_cast<long double>(index) * 1e9L / rate);
    };
    const std::int64_t now = monotonic_ns();
    for (;;) {
        const std::int64_t when = due(next_paced_index_);
        if (when >= window_end_ns_) {
            end_sending();
            return;
        }
        if (when > now) break;
        const std::uint64_t index = next_paced_index_++;
        bool sent = false;
        if (is_churn()) {
            if (static_cast<int>(index % plan_.workers) == index_ &&
                result_.errors < kChurnErrorLimit) {
                start_cycle(now);
                sent = true;
            }
        } else if (Connection* sender = local_senders_[index % plan_.senders]) {
            if (sender->state == ClientState::ready) {
                send_message(*sender, now);
                sent = true;
            }
        }
        if (sent) result_.max_send_lag_ns = std::max(result_.max_send_lag_ns, now - when);
    }
    const std::int64_t next = std::max(due(next_paced_index_), now + kMinPacingStepNs);
    pacing_timer_ = loop_.at(next, [this] { pace_open_loop(); });
}

void Worker::start_cycle(std::int64_t now) {
    Connection* connection = nullptr;
    if (!idle_connections_.empty()) {
        connection = idle_connections_.back();
        idle_connections_.pop_back();
    } else {
        connections_.push_back(std::make_unique<Connection>());
        connection = connections_.back().get();
        connection->worker = this;
    }
    // Ids interleave across workers so that every name of the run is unique.
    connection->client = static_cast<std::int64_t>(next_churn_serial_++ * plan_.workers + index_);
    connection->name = make_name(plan_.tag, static_cast<std::uint64_t>(connection->client));
    connection->cycle_started_ns = now;
    ++active_cycles_;
    open_connection(*connection);
}

void Worker::end_cycle(Connection& connection, bool completed) {
    const std::int64_t now = monotonic_ns();
    close_connection(connection);
    --active_cycles_;
    if (completed) {
        ++result_.cycles;
        if (in_window(now)) ++result_.cycles_in_window;
    }
    idle_connections_.push_back(&connection);
    if (sending_ && options_.closed_loop() && result_.errors < kChurnErrorLimit) start_cycle(now);
}

void Worker::on_control_readable() {
    char buffer[4096];
    for (;;) {
        const ssize_t got = ::read(channels_.control_fd, buffer, sizeof buffer);
        if (got > 0) {
            control_inbox_.append(buffer, static_cast<std::size_t>(got));
            continue;
        }
        if (got == 0) {
            // The coordinator is gone: nobody will read a result.
            loop_.unwatch(channels_.control_fd);
            ::_exit(3);
        }
        if (errno == EINTR) continue;
        break;
    }
    for (auto end = control_inbox_.find('\n'); end != std::string::npos;
         end = control_inbox_.find('\n')) {
        const std::string line = control_inbox_.substr(0, end);
        control_inbox_.erase(0, end + 1);
        handle_control_line(line);
    }
}

void Worker::handle_control_line(std::string_view line) {
    if (line.starts_with("go ")) {
        long long start = 0, begin = 0, end = 0;
        if (std::sscanf(std::string(line).c_str(), "go %lld %lld %lld", &start, &begin, &end) !=
            3) {
            return;
        }
        start_ns_ = start;
        window_begin_ns_ = begin;
        window_end_ns_ = end;
        loop_.at(start_ns_, [this] { start_load(); });
        loop_.at(window_begin_ns_, [this] { cpu_at_window_begin_ = own_cpu_ns(); });
        // Open loop ends itself on its schedule, at the last message due before the end.
        if (options_.closed_loop() || !(plan_.sends_messages() || is_churn()))
            loop_.at(window_end_ns_, [this] { end_sending(); });
    } else if (line == "sync") {
        sync();
    } else if (line == "finish") {
        finish();
    }
}

void Worker::sync() {
    for (auto& connection : connections_) {
        if (connection->state != ClientState::ready) continue;
        connection->awaiting_pong = true;
        ++pongs_outstanding_;
        driver_->append_ping(connection->outbox, connection->name);
        mark_dirty(*connection);
    }
    if (pongs_outstanding_ == 0) write_report("synced\n");
}

void Worker::start_load() {
    sending_ = true;
    const std::int64_t now = monotonic_ns();
    if (!options_.closed_loop() && (plan_.sends_messages() || is_churn())) {
        pace_open_loop();
        return;
    }
    if (plan_.sends_messages()) {
        for (Connection* sender : local_senders_) {
            if (sender != nullptr) refill_window(*sender, now);
        }
    } else if (is_churn()) {
        for (int i = 0; i < plan_.clients_of(index_); ++i) start_cycle(now);
    }
}

void Worker::end_sending() {
    if (!sending_ && counters_.sending_done.load()) return;
    cpu_at_window_end_ = own_cpu_ns();
    sending_ = false;
    if (pacing_timer_ != 0) loop_.cancel(pacing_timer_);
    pacing_timer_ = 0;
    publish_counters();
    counters_.sending_done.store(true, std::memory_order_release);
}

void Worker::report_missing() {
    if (!plan_.sends_messages()) return;
    for (const auto& connection : connections_) {
        for (int track_in_row = 0; track_in_row < tracks_per_client_; ++track_in_row) {
            const std::int64_t sender_client = options_.scenario == Scenario::direct
                                                   ? RunPlan::partner_of(connection->client)
                                                   : plan_.client_of_sender(track_in_row);
            if (sender_client == connection->client && !plan_.echo_counted) continue;
            const int sender = *plan_.sender_index(sender_client);
            const std::size_t track =
                static_cast<std::size_t>(connection->local_index) * tracks_per_client_ +
                track_in_row;
            const std::uint32_t sent = board_.sent_by(sender).load(std::memory_order_relaxed);
            const std::uint32_t received_up_to = sequences_.next_expected(track);
            const auto* gaps = sequences_.gaps(track);
            const std::size_t gap_count = gaps == nullptr ? 0 : gaps->size();
            const std::uint32_t tail = sent > received_up_to ? sent - received_up_to : 0;
            if (tail == 0 && gap_count == 0) continue;
            std::string what =
                fmt::format("never received {} message(s) from {}:", tail + gap_count,
                            make_name(plan_.tag, sender_client));
            if (gap_count != 0) what += fmt::format(" seq {}", gaps->front());
            if (gap_count > 1) what += fmt::format(" and {} more in gaps", gap_count - 1);
            if (tail != 0) what += fmt::format(" seq {}..{} of {}", received_up_to, sent - 1, sent);
            note_fault(*connection, what);
        }
    }
}

void Worker::finish() {
    report_missing();
    for (auto& connection : connections_) close_connection(*connection);
    result_.missing = sequences_.missing();
    if (cpu_at_window_end_ == 0) cpu_at_window_end_ = own_cpu_ns();
    if (cpu_at_window_begin_ != 0)
        result_.cpu_ns_in_window = cpu_at_window_end_ - cpu_at_window_begin_;
    publish_counters();
    write_report("result " + boost::json::serialize(result_.to_json()) + "\n");
    loop_.stop();
}

void Worker::write_report(const std::string& line) {
    std::size_t written = 0;
    while (written < line.size()) {
        const ssize_t n =
            ::write(channels_.report_fd, line.data() + written, line.size() - written);
        if (n > 0) {
            written += static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EINTR) {
            ::_exit(3);  // the coordinator is gone
        }
    }
}

}  // namespace

int run_worker(const RunPlan& plan, int index, SharedBoard& board, const WorkerChannels& channels) {
    try {
        Worker worker(plan, index, board, channels);
        return worker.run();
    } catch (const std::exception& e) {
        fmt::print(stderr, "hubchat-bench: worker {}: {}\n", index, e.what());
        return 2;
    }
}

}  // namespace hubchat::bench
