#include "client/known_servers.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

#include "temp_dir.hpp"

namespace hubchat::client {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

constexpr const char* kOne =
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
    "99";
constexpr const char* kTwo =
    "11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:"
    "11";

std::string read_all(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

mode_t mode_of(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 0777;
}

TEST(KnownServers, FindsEveryEntryForTheServerWithItsLineNumber) {
    const std::string text = std::string("# comment\n") +             // 1
                             "\n" +                                   // 2
                             "chat.lan:7002 " + kOne + "\n" +         // 3
                             "chat.lan:7003 " + kTwo + "\n" +         // 4
                             "  chat.lan:7002\t" + kTwo + "  \r\n" +  // 5: blanks around
                             "# chat.lan:7002 " + kTwo + "\n";        // 6: commented out
    const auto found = find_known_server(text, "chat.lan:7002");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].fingerprint, kOne);
    EXPECT_EQ(found[0].line, 3u);
    EXPECT_EQ(found[1].fingerprint, kTwo);
    EXPECT_EQ(found[1].line, 5u);
    EXPECT_TRUE(find_known_server(text, "chat.lan:700").empty());  // whole keys only
    EXPECT_TRUE(find_known_server(text, "other:7002").empty());
    EXPECT_TRUE(find_known_server("", "chat.lan:7002").empty());
}

TEST(KnownServers, ALineWithAMangledFingerprintStillCountsForItsServer) {
    // So the server is refused (nothing can match it), not trusted afresh.
    const auto found =
        find_known_server("chat.lan:7002\nchat.lan:7002 XYZ extra\n", "chat.lan:7002");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].fingerprint, "");
    EXPECT_EQ(found[1].fingerprint, "XYZ");
}

TEST(KnownServers, ThePathFollowsXdgConfigHomeThenHome) {
    std::map<std::string, const char*> env;
    const GetEnv getenv = [&](const char* name) -> const char* {
        const auto found = env.find(name);
        return found == env.end() ? nullptr : found->second;
    };
    EXPECT_FALSE(default_known_servers_path(getenv));
    env["HOME"] = "/home/tintin";
    EXPECT_EQ(default_known_servers_path(getenv), "/home/tintin/.config/hubchat/known_servers");
    env["XDG_CONFIG_HOME"] = "relative/ignored";  // the XDG spec: only absolute paths count
    EXPECT_EQ(default_known_servers_path(getenv), "/home/tintin/.config/hubchat/known_servers");
    env["XDG_CONFIG_HOME"] = "/srv/config";
    EXPECT_EQ(default_known_servers_path(getenv), "/srv/config/hubchat/known_servers");
}

TEST(KnownServers, RememberMakesAPrivateFileInPrivateDirectories) {
    TempDir temp;
    const fs::path path = temp.path() / "config" / "hubchat" / "known_servers";
    const KnownServersFile file(path);
    std::string error;
    const auto found = file.lookup("chat.lan:7002", error);
    ASSERT_TRUE(found) << error;  // no file yet: nothing known, not an error
    EXPECT_TRUE(found->empty());

    const auto line = file.remember("chat.lan:7002", kOne, error);
    ASSERT_TRUE(line) << error;
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(mode_of(path.parent_path()), 0700u);
    EXPECT_EQ(mode_of(path.parent_path().parent_path()), 0700u);
    const auto entries = file.lookup("chat.lan:7002", error);
    ASSERT_TRUE(entries) << error;
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ((*entries)[0].fingerprint, kOne);
    EXPECT_EQ((*entries)[0].line, *line);  // the number shown to the user is the real one

    // The file explains itself to whoever opens it.
    const std::string text = read_all(path);
    EXPECT_EQ(text.rfind("# ", 0), 0u) << text;
    EXPECT_NE(text.find("\nchat.lan:7002 " + std::string(kOne) + "\n"), std::string::npos) << text;
}

TEST(KnownServers, RememberAppendsAndKeepsWhatWasThere) {
    TempDir temp;
    const fs::path path = temp.path() / "known_servers";
    {
        std::ofstream out(path);
        out << "# mine\nold.lan:7002 " << kTwo;  // no final newline, as an editor may leave it
    }
    const KnownServersFile file(path);
    std::string error;
    const auto line = file.remember("chat.lan:7002", kOne, error);
    ASSERT_TRUE(line) << error;
    EXPECT_EQ(*line, 3u);
    EXPECT_EQ(read_all(path),
              "# mine\nold.lan:7002 " + std::string(kTwo) + "\nchat.lan:7002 " + kOne + "\n");
    EXPECT_EQ(file.remember("other.lan:7002", kTwo, error), 4u);
}

TEST(KnownServers, AnUnreadableFileIsAnErrorNotAnEmptyList) {
    TempDir temp;
    // A directory where the file should be: reading fails, unlike a missing file.
    const fs::path path = temp.path() / "known_servers";
    fs::create_directory(path);
    const KnownServersFile file(path);
    std::string error;
    EXPECT_FALSE(file.lookup("chat.lan:7002", error));
    EXPECT_NE(error.find(path.string()), std::string::npos) << error;
    error.clear();
    EXPECT_FALSE(file.remember("chat.lan:7002", kOne, error));
    EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace hubchat::client
