#include "cli/seed_args.hpp"

#include <gtest/gtest.h>

namespace hubchat::cli {
namespace {

std::vector<std::string> rewrite(std::vector<const char*> argv) {
    argv.insert(argv.begin(), "prog");
    return rewrite_seed_args(static_cast<int>(argv.size()), argv.data());
}

TEST(SeedArgs, OriginalFormsBecomeConventionalOnes) {
    EXPECT_EQ(rewrite({"--machine-name:192.168.1.18", "--port:7002"}),
              (std::vector<std::string>{"--host=192.168.1.18", "--port=7002"}));
    EXPECT_EQ(rewrite({"--verbose:TRUE"}), std::vector<std::string>{"--verbose"});
    EXPECT_TRUE(rewrite({"--verbose:false"}).empty());
    EXPECT_TRUE(rewrite({"--verbose:yes"}).empty());  // only "true" counts, as in the original
    EXPECT_EQ(rewrite({"--host", "::1", "-v"}), (std::vector<std::string>{"--host", "::1", "-v"}));
    EXPECT_EQ(rewrite({"--machine-name:"}), std::vector<std::string>{"--host="});
}

}  // namespace
}  // namespace hubchat::cli
