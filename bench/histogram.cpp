#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <cmath>

namespace hubchat::bench {

namespace {
// Buckets for 64-bit values: the first 2*kSubBucketCount values map one to one, then one
// group of kSubBucketCount per further power of two.
constexpr std::size_t kBucketTotal =
    (64 - LatencyHistogram::kSubBucketBits + 1) * LatencyHistogram::kSubBucketCount;
}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBucketTotal, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t value) {
    if (value < kSubBucketCount) return static_cast<std::size_t>(value);
    const int top_bit = std::bit_width(value) - 1;  // >= kSubBucketBits
    const int shift = top_bit - kSubBucketBits;
    const std::uint64_t top = value >> shift;  // in [kSubBucketCount, 2 * kSubBucketCount)
    return static_cast<std::size_t>((shift + 1) * kSubBucketCount + (top - kSubBucketCount));
}

std::uint64_t LatencyHistogram::highest_in_bucket(std::size_t bucket) {
    if (bucket < kSubBucketCount) return bucket;
    const std::uint64_t shift = bucket / kSubBucketCount - 1;
    const std::uint64_t top = kSubBucketCount + bucket % kSubBucketCount;
    return ((top + 1) << shift) - 1;
}

void LatencyHistogram::record(std::int64_t value) {
    // A negative latency would mean clocks disagree; CLOCK_MONOTONIC is one clock for the
    // whole machine, so treat it as zero rather than corrupt the bucket index.
    const std::uint64_t v = value < 0 ? 0 : static_cast<std::uint64_t>(value);
    ++buckets_[bucket_of(v)];
    if (count_ == 0 || static_cast<std::int64_t>(v) < min_) min_ = static_cast<std::int64_t>(v);
    max_ = std::max(max_, static_cast<std::int64_t>(v));
    ++count_;
    sum_ += v;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

std::int64_t LatencyHistogram::value_at_quantile(double q) const {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    const auto wanted = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        seen += buckets_[i];
        if (seen >= wanted) {
            return std::min<std::int64_t>(static_cast<std::int64_t>(highest_in_bucket(i)), max_);
        }
    }
    return max_;
}

boost::json::object LatencyHistogram::to_json() const {
    boost::json::array pairs;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        if (buckets_[i] != 0) pairs.push_back(boost::json::array{i, buckets_[i]});
    }
    return boost::json::object{{"buckets", std::move(pairs)},
                               {"count", count_},
                               {"min", min_},
                               {"max", max_},
                               {"sum", sum_}};
}

LatencyHistogram LatencyHistogram::from_json(const boost::json::value& value) {
    LatencyHistogram histogram;
    const auto& object = value.as_object();
    for (const auto& pair : object.at("buckets").as_array()) {
        const auto& entry = pair.as_array();
        const auto bucket = entry.at(0).to_number<std::size_t>();
        if (bucket < histogram.buckets_.size())
            histogram.buckets_[bucket] += entry.at(1).to_number<std::uint64_t>();
    }
    histogram.count_ = object.at("count").to_number<std::uint64_t>();
    histogram.min_ = object.at("min").to_number<std::int64_t>();
    histogram.max_ = object.at("max").to_number<std::int64_t>();
    histogram.sum_ = object.at("sum").to_number<std::uint64_t>();
    return histogram;
}

}  // namespace hubchat::bench
