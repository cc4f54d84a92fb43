#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <vector>

namespace hubchat::bench {

// Log-linear histogram of non-negative integers (nanoseconds), in the manner of
// HdrHistogram: every power-of-two range is split into 2^kSubBucketBits equal buckets, so
// any recorded value is known to within 1/128 (0.8 %) at any magnitude, in a fixed 60 KB,
// with O(1) recording and exact merging across processes.
class LatencyHistogram {
  public:
    static constexpr int kSubBucketBits = 7;
    static constexpr std::uint64_t kSubBucketCount = std::uint64_t{1} << kSubBucketBits;

    LatencyHistogram();

    void record(std::int64_t value);
    void merge(const LatencyHistogram& other);

    std::uint64_t count() const { return count_; }
    std::int64_t max() const { return max_; }
    std::int64_t min() const { return count_ ? min_ : 0; }
    double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
    // The highest value equivalent to the one at quantile q (0..1), as HdrHistogram
    // reports it: a percentile is never understated. Clamped to the exact maximum.
    std::int64_t value_at_quantile(double q) const;

    // Sparse form for the worker-to-coordinator pipe: [[bucket, count], ...].
    boost::json::object to_json() const;
    static LatencyHistogram from_json(const boost::json::value& value);

    static std::size_t bucket_of(std::uint64_t value);
    static std::uint64_t highest_in_bucket(std::size_t bucket);

  private:
    std::vector<std::uint64_t> buckets_;
    std::uint64_t count_ = 0;
    std::int64_t min_ = 0;
    std::int64_t max_ = 0;
    std::uint64_t sum_ = 0;  // for the mean; 2^64 ns of summed latency is 584 years
};

}  // namespace hubchat::bench
