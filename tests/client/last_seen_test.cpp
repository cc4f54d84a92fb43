#include "client/last_seen.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "temp_dir.hpp"

namespace hubchat::client {
namespace {

using Entries = std::vector<LastSeenEntry>;

TEST(LastSeen, FormatsAndParsesBack) {
    const Entries entries{{"chat.lan:7002", "alice", 1234}, {"[::1]:7100", "Bob", 7}};
    const std::string text = format_last_seen(entries);
    EXPECT_EQ(text.substr(0, 1), "#");  // a header says what the file is
    EXPECT_NE(text.find("chat.lan:7002 alice 1234\n[::1]:7100 Bob 7\n"), std::string::npos);
    EXPECT_EQ(parse_last_seen(text), entries);
}

TEST(LastSeen, MalformedLinesAreSkippedAndALaterLineWins) {
    const Entries entries = parse_last_seen(
        "# comment\n\nhost:1 alice 5\nhost:1 bob\nhost:1 carol x12\nhost:1 dan 3 extra\n"
        "host:1 ALICE 9\r\n  host:2   eve   -1\nhost:2 eve 18446744073709551615");
    EXPECT_EQ(entries, (Entries{{"host:1", "ALICE", 9}, {"host:2", "eve", 18446744073709551615u}}));
}

TEST(LastSeen, NamesAreFoundWithoutCaseAndServersExactly) {
    Entries entries;
    update_last_seen(entries, "host:1", "Alice", 5);
    update_last_seen(entries, "host:2", "alice", 6);
    EXPECT_EQ(find_last_seen(entries, "host:1", "ALICE"), 5u);
    EXPECT_EQ(find_last_seen(entries, "host:2", "alice"), 6u);
    EXPECT_EQ(find_last_seen(entries, "host:3", "alice"), std::nullopt);
    EXPECT_EQ(find_last_seen(entries, "host:1", "bob"), std::nullopt);
    update_last_seen(entries, "host:1", "alice", 8);  // updated, and now the most recent
    EXPECT_EQ(entries, (Entries{{"host:2", "alice", 6}, {"host:1", "alice", 8}}));
}

TEST(LastSeen, StaysSmallDroppingTheLeastRecentlyUpdated) {
    Entries entries;
    for (std::size_t i = 0; i < kMaxLastSeenEntries + 10; ++i) {
        update_last_seen(entries, "host:" + std::to_string(i), "alice", i);
    }
    ASSERT_EQ(entries.size(), kMaxLastSeenEntries);
    EXPECT_EQ(entries.front().server, "host:10");
    EXPECT_EQ(entries.back().server, "host:" + std::to_string(kMaxLastSeenEntries + 9));
}

TEST(LastSeen, TheFileLivesInTheXdgStateDirectory) {
    std::map<std::string, const char*> env;
    const auto getenv = [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second;
    };
    EXPECT_EQ(default_last_seen_path(getenv), std::nullopt);
    env["HOME"] = "/home/tintin";
    EXPECT_EQ(default_last_seen_path(getenv), "/home/tintin/.local/state/hubchat/last_seen");
    env["XDG_STATE_HOME"] = "relative/ignored";
    EXPECT_EQ(default_last_seen_path(getenv), "/home/tintin/.local/state/hubchat/last_seen");
    env["XDG_STATE_HOME"] = "/srv/state";
    EXPECT_EQ(default_last_seen_path(getenv), "/srv/state/hubchat/last_seen");
}

TEST(LastSeenFile, RoundTripInPrivateDirectoriesWithNothingLeftBehind) {
    test::TempDir dir;
    const auto path = dir.path() / "state" / "hubchat" / "last_seen";
    LastSeenFile file(path);
    std::string error;
    EXPECT_EQ(file.find("host:1", "alice", error), std::nullopt);  // no file yet: not an error
    EXPECT_EQ(error, "");

    ASSERT_TRUE(file.save("host:1", {{"alice", 41}}, error)) << error;
    ASSERT_TRUE(file.save("host:1", {{"alice", 42}, {"bob", 7}}, error)) << error;
    EXPECT_EQ(file.find("host:1", "Alice", error), 42u);
    EXPECT_EQ(file.find("host:1", "bob", error), 7u);
    EXPECT_EQ(file.find("host:2", "alice", error), std::nullopt);

    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(path.parent_path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    // Replaced through a temporary beside it, which is gone.
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator(path.parent_path())) {
        ++files;
    }
    EXPECT_EQ(files, 1u);
}

TEST(LastSeenFile, ASaveKeepsWhatAnotherClientSavedMeanwhile) {
    test::TempDir dir;
    const auto path = dir.path() / "last_seen";
    LastSeenFile mine(path);
    LastSeenFile theirs(path);
    std::string error;
    ASSERT_TRUE(mine.save("host:1", {{"alice", 1}}, error));
    ASSERT_TRUE(theirs.save("host:2", {{"bob", 2}}, error));
    ASSERT_TRUE(mine.save("host:1", {{"alice", 3}}, error));
    EXPECT_EQ(theirs.find("host:2", "bob", error), 2u);
    EXPECT_EQ(theirs.find("host:1", "alice", error), 3u);
}

TEST(LastSeenFile, AnUnwritablePlaceSaysWhy) {
    test::TempDir dir;
    std::ofstream(dir.path() / "file") << "not a directory\n";
    LastSeenFile file(dir.path() / "file" / "last_seen");
    std::string error;
    EXPECT_FALSE(file.save("host:1", {{"alice", 1}}, error));
    EXPECT_NE(error.find("file"), std::string::npos) << error;
}

}  // namespace
}  // namespace hubchat::client
