#include "worker_result.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace hubchat::bench {

namespace {
constexpr std::size_t kMaxErrorSamples = 8;

// One list of the counters, so that merging and both directions of JSON cannot drift.
struct CounterField {
    const char* key;
    std::int64_t WorkerResult::*member;
};
constexpr CounterField kCounters[] = {
    {"connections_ready", &WorkerResult::connections_ready},
    {"setup_failures", &WorkerResult::setup_failures},
    {"messages_sent", &WorkerResult::messages_sent},
    {"messages_sent_in_window", &WorkerResult::messages_sent_in_window},
    {"expected_deliveries", &WorkerResult::expected_deliveries},
    {"unique_deliveries", &WorkerResult::unique_deliveries},
    {"window_deliveries", &WorkerResult::window_deliveries},
    {"duplicated", &WorkerResult::duplicated},
    {"reordered", &WorkerResult::reordered},
    {"misattributed", &WorkerResult::misattributed},
    {"corrupted", &WorkerResult::corrupted},
    {"missing", &WorkerResult::missing},
    {"errors", &WorkerResult::errors},
    {"disconnects", &WorkerResult::disconnects},
    {"cycles", &WorkerResult::cycles},
    {"cycles_in_window", &WorkerResult::cycles_in_window},
    {"cpu_ns_in_window", &WorkerResult::cpu_ns_in_window},
};
}  // namespace

void WorkerResult::merge(const WorkerResult& other) {
    for (const auto& counter : kCounters) this->*counter.member += other.*counter.member;
    max_send_lag_ns = std::max(max_send_lag_ns, other.max_send_lag_ns);
    for (const auto& sample : other.error_samples) {
        if (error_samples.size() < kMaxErrorSamples) error_samples.push_back(sample);
    }
    latency.merge(other.latency);
}

boost::json::object WorkerResult::to_json() const {
    boost::json::object object;
    for (const auto& counter : kCounters) object[counter.key] = this->*counter.member;
    object["max_send_lag_ns"] = max_send_lag_ns;
    boost::json::array samples;
    for (const auto& sample : error_samples) samples.emplace_back(sample);
    object["error_samples"] = std::move(samples);
    object["latency"] = latency.to_json();
    return object;
}

WorkerResult WorkerResult::from_json(const boost::json::value& value) {
    WorkerResult result;
    const auto& object = value.as_object();
    for (const auto& counter : kCounters)
        result.*counter.member = object.at(counter.key).to_number<std::int64_t>();
    result.max_send_lag_ns = object.at("max_send_lag_ns").to_number<std::int64_t>();
    for (const auto& sample : object.at("error_samples").as_array())
        result.error_samples.emplace_back(sample.as_string());
    result.latency = LatencyHistogram::from_json(object.at("latency"));
    return result;
}

}  // namespace hubchat::bench
