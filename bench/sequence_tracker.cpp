#include "sequence_tracker.hpp"

#include <algorithm>

namespace hubchat::bench {

SequenceTracker::Outcome SequenceTracker::record(std::size_t stream, std::uint32_t sequence) {
    std::uint32_t& expected = next_expected_[stream];
    if (sequence == expected) {
        ++expected;
        return Outcome::in_order;
    }
    if (sequence > expected) {
        const std::int64_t skipped = static_cast<std::int64_t>(sequence) - expected;
        if (gap_entries_ + skipped > kMaxGapEntries) {
            untracked_missing_ += skipped;
        } else {
            auto& missing = gaps_[stream];
            for (std::uint32_t s = expected; s < sequence; ++s) missing.push_back(s);
            gap_entries_ += skipped;
        }
        expected = sequence + 1;
        return Outcome::ahead;
    }
    auto found = gaps_.find(stream);
    if (found == gaps_.end()) return Outcome::duplicate;
    auto& missing = found->second;
    auto position = std::find(missing.begin(), missing.end(), sequence);
    if (position == missing.end()) return Outcome::duplicate;
    missing.erase(position);
    if (missing.empty()) gaps_.erase(found);
    --gap_entries_;
    return Outcome::late;
}

const std::vector<std::uint32_t>* SequenceTracker::gaps(std::size_t stream) const {
    const auto found = gaps_.find(stream);
    return found == gaps_.end() ? nullptr : &found->second;
}

}  // namespace hubchat::bench
