#include "cli/seed_args.hpp"

#include <gtest/gtest.h>

namespace hubchat::cli {
namespace {

using Args = std::vector<std::string>;

Args rewrite(std::vector<const char*> argv) {
    argv.insert(argv.begin(), "prog");
    return rewrite_seed_args(static_cast<int>(argv.size()), argv.data());
}

TEST(SeedArgs, MachineNameBecomesHost) {
    EXPECT_EQ(rewrite({"--machine-name:h"}), Args{"--host=h"});
    EXPECT_EQ(rewrite({"--machine-name:192.168.1.18"}), Args{"--host=192.168.1.18"});
    EXPECT_EQ(rewrite({"--machine-name:"}), Args{"--host="});  // CLI11 gets to complain
}

TEST(SeedArgs, PortKeepsItsValue) {
    EXPECT_EQ(rewrite({"--port:7002"}), Args{"--port=7002"});
    EXPECT_EQ(rewrite({"--port:abc"}), Args{"--port=abc"});  // validated later, not here
}

TEST(SeedArgs, VerboseIsTrueOnlyForTheWordTrueInAnyCase) {
    EXPECT_EQ(rewrite({"--verbose:TRUE"}), Args{"--verbose"});
    EXPECT_EQ(rewrite({"--verbose:true"}), Args{"--verbose"});
    EXPECT_EQ(rewrite({"--verbose:True"}), Args{"--verbose"});
    EXPECT_TRUE(rewrite({"--verbose:false"}).empty());
    EXPECT_TRUE(rewrite({"--verbose:yes"}).empty());  // only "true" counts, as in the original
    EXPECT_TRUE(rewrite({"--verbose:1"}).empty());
    EXPECT_TRUE(rewrite({"--verbose:"}).empty());
    EXPECT_TRUE(rewrite({"--verbose:true "}).empty());
}

TEST(SeedArgs, OtherArgumentsAreUntouchedAndInOrder) {
    EXPECT_EQ(rewrite({"--host", "::1", "-v", "--port=1", "--machine-name", "x", "--port"}),
              (Args{"--host", "::1", "-v", "--port=1", "--machine-name", "x", "--port"}));
    EXPECT_EQ(rewrite({"-p", "--port:1", "extra", "--verbose:true", "--machine-name:m"}),
              (Args{"-p", "--port=1", "extra", "--verbose", "--host=m"}));
    // Repeats are all passed on, in order: the parser keeps the last, as the original did.
    EXPECT_EQ(rewrite({"--port:1", "--port:2"}), (Args{"--port=1", "--port=2"}));
    // Prefixes are matched exactly, colon included.
    EXPECT_EQ(rewrite({"--portal:1", "--Port:1", "--machine-names:x"}),
              (Args{"--portal:1", "--Port:1", "--machine-names:x"}));
}

TEST(SeedArgs, ProgramNameIsSkipped) {
    const char* only_name[] = {"--port:1"};
    EXPECT_TRUE(rewrite_seed_args(1, only_name).empty());
    const char* argv[] = {"--machine-name:argv0", "--port:9"};
    EXPECT_EQ(rewrite_seed_args(2, argv), Args{"--port=9"});
    EXPECT_TRUE(rewrite_seed_args(0, nullptr).empty());
}

}  // namespace
}  // namespace hubchat::cli
