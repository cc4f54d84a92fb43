#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace hubchat::bench {

// Per (recipient, sender) stream: which sequence numbers have arrived. Each stream keeps
// the next number it expects plus, rarely, the numbers it skipped, so that a late arrival
// can be told from a duplicate. Streams are numbered 0..count-1 by the caller.
class SequenceTracker {
  public:
    enum class Outcome {
        in_order,   // the expected next one
        ahead,      // later than expected: the ones in between are missing for now
        late,       // one that was missing: it came after a later one (reordered)
        duplicate,  // already received
    };

    void resize(std::size_t streams) { next_expected_.assign(streams, 0); }
    Outcome record(std::size_t stream, std::uint32_t sequence);

    std::uint32_t next_expected(std::size_t stream) const { return next_expected_[stream]; }
    // Skipped numbers of one stream not filled since, oldest first.
    const std::vector<std::uint32_t>* gaps(std::size_t stream) const;
    // Skipped numbers not filled, over all streams.
    std::int64_t missing() const { return gap_entries_ + untracked_missing_; }

  private:
    // Beyond this many remembered gaps a skipped number only counts as missing (and a
    // late arrival of it would count as a duplicate): bounded memory on a broken server.
    static constexpr std::int64_t kMaxGapEntries = 1'000'000;

    std::vector<std::uint32_t> next_expected_;
    std::unordered_map<std::size_t, std::vector<std::uint32_t>> gaps_;
    std::int64_t gap_entries_ = 0;
    std::int64_t untracked_missing_ = 0;
};

}  // namespace hubchat::bench
