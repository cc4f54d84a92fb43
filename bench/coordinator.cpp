#include "coordinator.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "event_loop.hpp"
#include "payload.hpp"
#include "proc_stats.hpp"
#include "run_plan.hpp"
#include "shared_board.hpp"
#include "worker.hpp"
#include "worker_result.hpp"

namespace hubchat::bench {

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
// Time given to every worker to read "go" before the load starts at the same instant.
constexpr std::int64_t kStartLeadNs = 50'000'000;
constexpr std::int64_t kDrainPollNs = 10'000'000;
constexpr std::int64_t kResultTimeoutNs = 30 * kSecond;

std::int64_t seconds_to_ns(double seconds) {
    return static_cast<std::int64_t>(seconds * 1e9);
}

// A JSON object written in insertion order with numbers as people read them
// (Boost.JSON would print 237.1 as 2.371E2).
class JsonLine {
  public:
    JsonLine& add(std::string_view key, std::int64_t value) {
        return raw(key, fmt::format("{}", value));
    }
    JsonLine& add(std::string_view key, double value, int decimals) {
        return raw(key, fmt::format("{:.{}f}", value, decimals));
    }
    JsonLine& add(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
    JsonLine& add(std::string_view key, std::string_view value) {
        return raw(key, boost::json::serialize(boost::json::string(value)));
    }
    JsonLine& add_null(std::string_view key) { return raw(key, "null"); }
    JsonLine& raw(std::string_view key, std::string_view json) {
        text_ += text_.empty() ? "{" : ",";
        text_ += boost::json::serialize(boost::json::string(key));
        text_ += ':';
        text_ += json;
        return *this;
    }
    std::string str() const { return text_.empty() ? "{}" : text_ + "}"; }

  private:
    std::string text_;
};

std::string format_rate(double per_second) {
    if (per_second >= 1e6) return fmt::format("{:.2f}M", per_second / 1e6);
    if (per_second >= 1e4) return fmt::format("{:.1f}k", per_second / 1e3);
    return fmt::format("{:.0f}", per_second);
}

struct WorkerLink final : EventLoop::Handler {
    pid_t pid = -1;
    int control_fd = -1;  // we write
    int report_fd = -1;   // we read
    std::string inbox;
    bool ready = false;
    bool synced = false;
    std::int64_t ready_connections = 0;
    std::int64_t setup_failures = 0;
    bool has_result = false;
    bool gone = false;  // its report pipe closed
    WorkerResult result;
    std::function<void(WorkerLink&)> on_readable;
    void on_io(std::uint32_t) override { on_readable(*this); }
};

enum class Phase { setup, sync, settle, warmup, measure, drain, finish };

std::string_view to_string(Phase phase) {
    switch (phase) {
        case Phase::setup:
            return "setup";
        case Phase::sync:
            return "sync";
        case Phase::settle:
            return "settle";
        case Phase::warmup:
            return "warmup";
        case Phase::measure:
            return "measure";
        case Phase::drain:
            return "drain";
        case Phase::finish:
            return "finish";
    }
    return "?";
}

class Coordinator {
  public:
    explicit Coordinator(const BenchOptions& options) : options_(options) {}
    int run();

  private:
    void fork_workers();
    void on_report_readable(WorkerLink& link);
    void handle_report_line(WorkerLink& link, const std::string& line);
    void on_all_ready();
    void on_all_synced();
    void begin_load();
    void poll_drain();
    void finish_workers(std::string reason);
    void print_progress();
    void send_to_all(const std::string& line);
    std::int64_t sum(std::atomic<std::int64_t> WorkerCounters::*field) const;
    bool all_sending_done() const;
    std::string summary(const WorkerResult& total, bool ok) const;

    const BenchOptions& options_;
    RunPlan plan_;
    std::unique_ptr<SharedBoard> board_;
    std::vector<int> wakeup_fds_;
    std::vector<std::unique_ptr<WorkerLink>> links_;
    EventLoop loop_;
    Phase phase_ = Phase::setup;
    std::string abort_reason_;

    std::int64_t started_ns_ = 0;
    std::int64_t window_begin_ns_ = 0;
    std::int64_t window_end_ns_ = 0;
    std::optional<std::int64_t> rss_before_kib_, rss_after_kib_, rss_end_kib_;
    std::optional<std::int64_t> server_cpu_begin_ns_, server_cpu_end_ns_;
    std::int64_t setup_seconds_ns_ = 0;
    std::int64_t drain_last_unique_ = -1;
    std::int64_t drain_last_progress_ns_ = 0;
    std::int64_t drain_ns_ = 0;

    // Progress line state: the previous second's totals.
    std::int64_t progress_last_ns_ = 0;
    std::int64_t progress_last_sent_ = 0;
    std::int64_t progress_last_unique_ = 0;
    std::int64_t progress_last_cycles_ = 0;
    std::optional<std::int64_t> progress_last_cpu_;
};

std::int64_t Coordinator::sum(std::atomic<std::int64_t> WorkerCounters::*field) const {
    std::int64_t total = 0;
    for (int w = 0; w < board_->workers(); ++w)
        total += (board_->counters(w).*field).load(std::memory_order_relaxed);
    return total;
}

bool Coordinator::all_sending_done() const {
    for (int w = 0; w < board_->workers(); ++w) {
        if (!board_->counters(w).sending_done.load(std::memory_order_acquire)) return false;
    }
    return true;
}

void Coordinator::fork_workers() {
    board_ = std::make_unique<SharedBoard>(plan_.workers, plan_.window_slots,
                                           static_cast<std::size_t>(plan_.senders));
    for (int w = 0; w < plan_.workers; ++w) {
        const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
        wakeup_fds_.push_back(fd);
    }
    const pid_t coordinator = getpid();
    for (int w = 0; w < plan_.workers; ++w) {
        int control[2], report[2];
        if (pipe2(control, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0)
            throw std::system_error(errno, std::generic_category(), "pipe2");
        std::fflush(nullptr);
        const pid_t pid = fork();
        if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
        if (pid == 0) {
            // A worker must not outlive the run, whatever happens to the coordinator.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != coordinator) _exit(3);
            for (const auto& earlier : links_) {
                ::close(earlier->control_fd);
                ::close(earlier->report_fd);
            }
            ::close(control[1]);
            ::close(report[0]);
            WorkerChannels channels{
                .control_fd = control[0], .report_fd = report[1], .wakeup_fds = wakeup_fds_};
            fcntl(control[0], F_SETFL, O_NONBLOCK);
            const int status = run_worker(plan_, w, *board_, channels);
            std::fflush(nullptr);
            _exit(status);
        }
        ::close(control[0]);
        ::close(report[1]);
        fcntl(report[0], F_SETFL, O_NONBLOCK);
        auto link = std::make_unique<WorkerLink>();
        link->pid = pid;
        link->control_fd = control[1];
        link->report_fd = report[0];
        link->on_readable = [this](WorkerLink& self) { on_report_readable(self); };
        loop_.watch(link->report_fd, *link, EPOLLIN | EPOLLRDHUP);
        links_.push_back(std::move(link));
    }
}

void Coordinator::on_report_readable(WorkerLink& link) {
    char buffer[65536];
    for (;;) {
        const ssize_t got = ::read(link.report_fd, buffer, sizeof buffer);
        if (got > 0) {
            link.inbox.append(buffer, static_cast<std::size_t>(got));
            continue;
        }
        if (got < 0 && errno == EINTR) continue;
        if (got == 0 && !link.gone) {
            link.gone = true;
            loop_.unwatch(link.report_fd);
        }
        break;
    }
    for (auto end = link.inbox.find('\n'); end != std::string::npos; end = link.inbox.find('\n')) {
        const std::string line = link.inbox.substr(0, end);
        link.inbox.erase(0, end + 1);
        handle_report_line(link, line);
    }
    if (link.gone && !link.has_result) {
        link.has_result = true;  // nothing more will come
        ++link.result.errors;
        link.result.error_samples.push_back(
            fmt::format("worker process {} ended without a result", link.pid));
        finish_workers("a worker process died");
    }
    const bool all_results =
        std::all_of(links_.begin(), links_.end(), [](const auto& l) { return l->has_result; });
    if (all_results) loop_.stop();
}

void Coordinator::handle_report_line(WorkerLink& link, const std::string& line) {
    if (line.starts_with("ready ")) {
        long long ready = 0, failed = 0;
        std::sscanf(line.c_str(), "ready %lld %lld", &ready, &failed);
        link.ready = true;
        link.ready_connections = ready;
        link.setup_failures = failed;
        if (std::all_of(links_.begin(), links_.end(), [](const auto& l) { return l->ready; }))
            on_all_ready();
    } else if (line == "synced") {
        link.synced = true;
        if (std::all_of(links_.begin(), links_.end(), [](const auto& l) { return l->synced; }))
            on_all_synced();
    } else if (line.starts_with("result ")) {
        try {
            link.result = WorkerResult::from_json(boost::json::parse(line.substr(7)));
        } catch (const std::exception& e) {
            ++link.result.errors;
            link.result.error_samples.push_back(
                fmt::format("unreadable worker result: {}", e.what()));
        }
        link.has_result = true;
    }
}

void Coordinator::on_all_ready() {
    if (phase_ != Phase::setup) return;
    std::int64_t failures = 0;
    for (const auto& link : links_) failures += link->setup_failures;
    if (failures != 0) {
        finish_workers(
            fmt::format("{} of {} connections could not be set up", failures, options_.clients));
        return;
    }
    // Joining announces every member to the others (to everyone, on IRC): wait until
    // each client's ping has come back, i.e. all of that has been read, before measuring.
    phase_ = Phase::sync;
    send_to_all("sync\n");
}

void Coordinator::on_all_synced() {
    if (phase_ != Phase::sync) return;
    setup_seconds_ns_ = monotonic_ns() - started_ns_;
    phase_ = Phase::settle;
    // Idle measures memory at rest: give the server time to free set-up transients.
    const double settle = options_.scenario == Scenario::idle ? options_.settle_s : 0.1;
    loop_.at(monotonic_ns() + seconds_to_ns(settle), [this] { begin_load(); });
}

void Coordinator::begin_load() {
    if (phase_ != Phase::settle) return;
    if (options_.server_pid) rss_after_kib_ = process_rss_kib(*options_.server_pid);
    const std::int64_t start = monotonic_ns() + kStartLeadNs;
    window_begin_ns_ = start + seconds_to_ns(options_.warmup_s);
    window_end_ns_ = window_begin_ns_ + seconds_to_ns(options_.duration_s);
    send_to_all(fmt::format("go {} {} {}\n", start, window_begin_ns_, window_end_ns_));
    phase_ = Phase::warmup;
    loop_.at(window_begin_ns_, [this] {
        if (phase_ != Phase::warmup) return;
        phase_ = Phase::measure;
        if (options_.server_pid) server_cpu_begin_ns_ = process_cpu_ns(*options_.server_pid);
    });
    loop_.at(window_end_ns_, [this] {
        if (phase_ != Phase::measure) return;
        if (options_.server_pid) {
            server_cpu_end_ns_ = process_cpu_ns(*options_.server_pid);
            rss_end_kib_ = process_rss_kib(*options_.server_pid);
        }
        phase_ = Phase::drain;
        drain_last_progress_ns_ = monotonic_ns();
        poll_drain();
    });
}

void Coordinator::poll_drain() {
    if (phase_ != Phase::drain) return;
    const std::int64_t now = monotonic_ns();
    const std::int64_t unique = sum(&WorkerCounters::unique_deliveries);
    const std::int64_t expected = sum(&WorkerCounters::expected_deliveries);
    const std::int64_t active = sum(&WorkerCounters::active_cycles);
    if (all_sending_done() && unique >= expected && active == 0) {
        drain_ns_ = now - window_end_ns_;
        finish_workers("");
        return;
    }
    if (unique != drain_last_unique_) {
        drain_last_unique_ = unique;
        drain_last_progress_ns_ = now;
    } else if (now - drain_last_progress_ns_ > seconds_to_ns(options_.drain_timeout_s)) {
        drain_ns_ = now - window_end_ns_;
        finish_workers("");  // what is still missing is lost
        return;
    }
    loop_.at(now + kDrainPollNs, [this] { poll_drain(); });
}

void Coordinator::finish_workers(std::string reason) {
    if (phase_ == Phase::finish) return;
    if (!reason.empty()) {
        abort_reason_ = std::move(reason);
        fmt::print(stderr, "hubchat-bench: stopping: {}\n", abort_reason_);
    }
    phase_ = Phase::finish;
    send_to_all("finish\n");
    loop_.at(monotonic_ns() + kResultTimeoutNs, [this] {
        for (auto& link : links_) {
            if (!link->has_result) kill(link->pid, SIGKILL);
        }
    });
}

void Coordinator::send_to_all(const std::string& line) {
    for (auto& link : links_) {
        if (link->gone) continue;
        // A few bytes into an empty pipe: never short, never blocks.
        [[maybe_unused]] auto written = ::write(link->control_fd, line.data(), line.size());
    }
}

void Coordinator::print_progress() {
    const std::int64_t now = monotonic_ns();
    const std::int64_t sent = sum(&WorkerCounters::messages_sent);
    const std::int64_t unique = sum(&WorkerCounters::unique_deliveries);
    const std::int64_t cycles = sum(&WorkerCounters::cycles);
    const std::int64_t ready = sum(&WorkerCounters::connections_ready);
    const std::int64_t faults = sum(&WorkerCounters::faults);
    const double seconds = static_cast<double>(now - progress_last_ns_) / 1e9;
    std::string line =
        fmt::format("hubchat-bench {:6.1f}s {:<7}", (now - started_ns_) / 1e9, to_string(phase_));
    if (options_.scenario == Scenario::churn) {
        line +=
            fmt::format(" conn/s {:>7}", format_rate((cycles - progress_last_cycles_) / seconds));
    } else {
        line += fmt::format(" ready {}/{}", ready, options_.clients);
        if (plan_.sends_messages()) {
            line += fmt::format(" sent/s {:>7} dlv/s {:>7}",
                                format_rate((sent - progress_last_sent_) / seconds),
                                format_rate((unique - progress_last_unique_) / seconds));
        }
    }
    if (options_.server_pid) {
        const auto cpu = process_cpu_ns(*options_.server_pid);
        if (cpu && progress_last_cpu_) {
            line += fmt::format(" server cpu {:3.0f}%",
                                100.0 * static_cast<double>(*cpu - *progress_last_cpu_) /
                                    static_cast<double>(now - progress_last_ns_));
        }
        progress_last_cpu_ = cpu;
        if (!cpu) line += " server gone";
    }
    line += fmt::format(" faults {}", faults);
    if (options_.progress) fmt::print(stderr, "{}\n", line);
    progress_last_ns_ = now;
    progress_last_sent_ = sent;
    progress_last_unique_ = unique;
    progress_last_cycles_ = cycles;
    if ((phase_ == Phase::setup || phase_ == Phase::sync) &&
        now - started_ns_ > seconds_to_ns(options_.setup_timeout_s)) {
        finish_workers(fmt::format("set-up not finished after {} s ({}/{} ready)",
                                   options_.setup_timeout_s, ready, options_.clients));
    }
    loop_.at(now + kSecond, [this] { print_progress(); });
}

std::string Coordinator::summary(const WorkerResult& total, bool ok) const {
    const double window_s = options_.duration_s;
    JsonLine json;
    const bool loaded = plan_.sends_messages() || options_.scenario == Scenario::churn;
    json.add("tool", std::string_view{"hubchat-bench"})
        .add("proto", to_string(options_.protocol))
        .add("scenario", to_string(options_.scenario));
    if (loaded) json.add("mode", std::string_view{options_.closed_loop() ? "closed" : "open"});
    if (!options_.label.empty()) json.add("label", std::string_view{options_.label});
    json.add("clients", std::int64_t{options_.clients});
    if (options_.scenario == Scenario::broadcast || options_.scenario == Scenario::direct) {
        json.add("senders", std::int64_t{plan_.senders})
            .add("size", std::int64_t{options_.size})
            .add("fanout", std::int64_t{plan_.fanout})
            .add("echo_counted", plan_.echo_counted);
    }
    if (loaded && options_.closed_loop() && plan_.sends_messages()) {
        json.add("window", std::int64_t{options_.window});
    } else if (loaded && !options_.closed_loop()) {
        json.add("rate", *options_.rate, 1);
    }
    json.add("duration_s", window_s, 3)
        .add("warmup_s", options_.warmup_s, 3)
        .add("processes", std::int64_t{plan_.workers})
        .add("source_addresses", std::int64_t{plan_.source_addresses})
        .add("connections_ready", total.connections_ready)
        .add("setup_s", static_cast<double>(setup_seconds_ns_) / 1e9, 3);

    const LatencyHistogram& latency = total.latency;
    const auto latency_json = [&latency] {
        JsonLine l;
        l.add("count", static_cast<std::int64_t>(latency.count()))
            .add("p50", latency.value_at_quantile(0.50))
            .add("p90", latency.value_at_quantile(0.90))
            .add("p99", latency.value_at_quantile(0.99))
            .add("p999", latency.value_at_quantile(0.999))
            .add("max", latency.max())
            .add("mean", latency.mean(), 0);
        return l.str();
    };
    const bool have_server_cpu = server_cpu_begin_ns_.has_value() && server_cpu_end_ns_.has_value();
    const std::int64_t server_cpu =
        have_server_cpu ? server_cpu_end_ns_.value() - server_cpu_begin_ns_.value() : 0;
    const auto per = [&](std::int64_t count) {
        return count > 0 ? static_cast<double>(server_cpu) / static_cast<double>(count) : 0.0;
    };

    if (plan_.sends_messages()) {
        json.add("messages_sent", total.messages_sent)
            .add("messages_per_s", total.messages_sent_in_window / window_s, 1)
            .add("deliveries", total.window_deliveries)
            .add("deliveries_per_s", total.window_deliveries / window_s, 1)
            .raw("latency_ns", latency_json());
        if (have_server_cpu)
            json.add("server_cpu_ns_per_delivery", per(total.window_deliveries), 1);
        if (!options_.closed_loop()) json.add("max_send_lag_ns", total.max_send_lag_ns);
    } else if (options_.scenario == Scenario::churn) {
        json.add("connections", total.cycles_in_window)
            .add("connections_per_s", total.cycles_in_window / window_s, 1)
            .raw("registration_latency_ns", latency_json());
        if (have_server_cpu)
            json.add("server_cpu_ns_per_connection", per(total.cycles_in_window), 1);
    }
    if (have_server_cpu) {
        json.add("server_cpu_ns", server_cpu)
            .add("server_cpu_util", static_cast<double>(server_cpu) / (window_s * 1e9), 3);
    }
    json.add("bench_cpu_util", static_cast<double>(total.cpu_ns_in_window) / (window_s * 1e9), 3);
    if (rss_before_kib_) json.add("rss_before_kib", *rss_before_kib_);
    if (rss_after_kib_) json.add("rss_after_kib", *rss_after_kib_);
    if (rss_end_kib_) json.add("rss_end_kib", *rss_end_kib_);
    if (rss_before_kib_ && rss_after_kib_ && total.connections_ready > 0) {
        json.add("rss_per_connection_bytes",
                 static_cast<double>(*rss_after_kib_ - *rss_before_kib_) * 1024.0 /
                     static_cast<double>(total.connections_ready),
                 1);
    }
    const std::int64_t lost =
        std::max<std::int64_t>(0, total.expected_deliveries - total.unique_deliveries);
    json.add("drain_s", static_cast<double>(drain_ns_) / 1e9, 3)
        .add("lost", lost)
        .add("duplicated", total.duplicated)
        .add("reordered", total.reordered)
        .add("misattributed", total.misattributed)
        .add("corrupted", total.corrupted)
        .add("errors", total.errors)
        .add("disconnects", total.disconnects);
    boost::json::array samples;
    for (const auto& sample : total.error_samples) samples.emplace_back(sample);
    if (!abort_reason_.empty()) samples.emplace_back(abort_reason_);
    json.raw("error_samples", boost::json::serialize(samples));
    json.add("ok", ok);
    return json.str();
}

int Coordinator::run() {
    started_ns_ = monotonic_ns();
    plan_ = RunPlan::make(options_, raise_open_file_limit(), ephemeral_port_count());
    plan_.tag = random_tag();
    if (options_.server_pid) {
        if (!process_cpu_ns(*options_.server_pid)) {
            fmt::print(stderr, "hubchat-bench: no process {} to sample (--server-pid)\n",
                       *options_.server_pid);
            return 2;
        }
        rss_before_kib_ = process_rss_kib(*options_.server_pid);
    }
    if (options_.progress) {
        fmt::print(stderr,
                   "hubchat-bench: {} {} against {}:{}, {} clients, {} worker process(es), "
                   "{} source address(es), names {}*\n",
                   to_string(options_.protocol), to_string(options_.scenario), options_.host,
                   options_.port, options_.clients, plan_.workers, plan_.source_addresses,
                   plan_.tag);
    }
    fork_workers();
    progress_last_ns_ = monotonic_ns();
    loop_.at(progress_last_ns_ + kSecond, [this] { print_progress(); });
    loop_.run();

    WorkerResult total;
    for (auto& link : links_) {
        total.merge(link->result);
        int status = 0;
        waitpid(link->pid, &status, 0);
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            ++total.errors;
            total.error_samples.push_back(fmt::format("worker {} exited abnormally", link->pid));
        }
        ::close(link->control_fd);
        ::close(link->report_fd);
    }
    for (int fd : wakeup_fds_) ::close(fd);

    // A run that measured nothing must not pass for a clean one.
    if (abort_reason_.empty() && plan_.sends_messages() && total.window_deliveries == 0)
        abort_reason_ = "no message was delivered inside the measured window";
    if (abort_reason_.empty() && options_.scenario == Scenario::churn &&
        total.cycles_in_window == 0)
        abort_reason_ = "no connection completed inside the measured window";
    const std::int64_t lost = total.expected_deliveries - total.unique_deliveries;
    const bool ok = abort_reason_.empty() && lost <= 0 && total.duplicated == 0 &&
                    total.reordered == 0 && total.misattributed == 0 && total.corrupted == 0 &&
                    total.errors == 0 && total.setup_failures == 0;
    fmt::print("{}\n", summary(total, ok));
    std::fflush(stdout);
    return ok ? 0 : 1;
}

}  // namespace

int run_coordinator(const BenchOptions& options) {
    try {
        Coordinator coordinator(options);
        return coordinator.run();
    } catch (const std::exception& e) {
        fmt::print(stderr, "hubchat-bench: {}\n", e.what());
        return 2;
    }
}

}  // namespace hubchat::bench
