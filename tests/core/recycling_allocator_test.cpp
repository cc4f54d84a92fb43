#include "core/recycling_allocator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace hubchat {
namespace {

// A type of its own, so that no other test shares its free list.
struct Sample {
    std::string text;
    int value = 0;
};

std::shared_ptr<Sample> make_sample(int value) {
    auto sample = std::allocate_shared<Sample>(RecyclingAllocator<Sample>{});
    sample->value = value;
    return sample;
}

TEST(RecyclingAllocator, HandsAFreedBlockOutAgain) {
    auto first = make_sample(1);
    const void* block = first.get();
    first.reset();
    auto second = make_sample(2);
    EXPECT_EQ(static_cast<const void*>(second.get()), block);
    EXPECT_EQ(second->value, 2);
    EXPECT_TRUE(second->text.empty());  // constructed afresh, not the old object
}

TEST(RecyclingAllocator, KeepsABurstAndReusesAllOfIt) {
    std::vector<std::shared_ptr<Sample>> burst;
    for (int i = 0; i < 5000; ++i) burst.push_back(make_sample(i));
    std::vector<const void*> freed;
    for (const auto& sample : burst) freed.push_back(sample.get());
    burst.clear();
    // Last freed, first out: every block of the burst comes back.
    for (int i = 0; i < 5000; ++i) burst.push_back(make_sample(i));
    std::sort(freed.begin(), freed.end());
    std::vector<const void*> reused;
    for (const auto& sample : burst) reused.push_back(sample.get());
    std::sort(reused.begin(), reused.end());
    EXPECT_EQ(reused, freed);
}

TEST(RecyclingAllocator, ABlockFreedOnAnotherThreadIsSafeToUse) {
    auto sample = make_sample(7);
    std::thread([moved = std::move(sample)]() mutable {
        moved.reset();  // joins that thread's list, freed when the thread ends
        auto again = make_sample(8);
        EXPECT_EQ(again->value, 8);
    }).join();
    EXPECT_EQ(make_sample(9)->value, 9);
}

// Checked by the sanitizer build: a block given back after the thread's free list was
// emptied at thread exit must be freed, neither leaked nor put on a list nobody frees.
TEST(RecyclingAllocator, ABlockGivenBackAsItsThreadEndsGoesToTheHeap) {
    std::thread([] {
        struct Holder {
            std::shared_ptr<Sample> kept;
        };
        thread_local Holder holder;  // made before the list's closer, so destroyed after it
        holder.kept = make_sample(1);
        make_sample(2);  // given back at once: the closer is set up here
        EXPECT_EQ(holder.kept->value, 1);
    }).join();
}

TEST(RecyclingAllocator, ArraysGoStraightToTheHeap) {
    RecyclingAllocator<Sample> allocator;
    std::vector<Sample, RecyclingAllocator<Sample>> samples(allocator);
    samples.resize(3);
    samples[2].value = 3;
    EXPECT_EQ(samples[2].value, 3);
}

}  // namespace
}  // namespace hubchat
