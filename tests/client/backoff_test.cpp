#include "client/backoff.hpp"

#include <gtest/gtest.h>

namespace hubchat::client {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesFromHalfASecondUpToTenSeconds) {
    Backoff backoff;
    std::vector<long> delays;
    for (int i = 0; i < 8; ++i) delays.push_back(static_cast<long>(backoff.next().count()));
    EXPECT_EQ(delays, (std::vector<long>{500, 1000, 2000, 4000, 8000, 10000, 10000, 10000}));
}

TEST(Backoff, StartsAgainOnceConnected) {
    Backoff backoff;
    backoff.next();
    backoff.next();
    backoff.reset();
    EXPECT_EQ(backoff.next(), milliseconds(500));
}

}  // namespace
}  // namespace hubchat::client
