#include "store/server_password.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

namespace hubchat::store {
namespace {

using testing::TempDir;

std::filesystem::path write_file(const TempDir& temp, std::string_view content,
                                 mode_t mode = 0600) {
    auto path = temp.path() / "server-password";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << content;
    }
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
}

std::string error_of(const std::filesystem::path& path) {
    try {
        ServerPassword::from_file(path);
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    return "(no error)";
}

TEST(ServerPassword, MatchesOnlyTheExactPassword) {
    ServerPassword password("s3cret pass");
    EXPECT_TRUE(password.matches("s3cret pass"));
    EXPECT_FALSE(password.matches("s3cret pas"));
    EXPECT_FALSE(password.matches("s3cret pass "));
    EXPECT_FALSE(password.matches("S3cret pass"));
    EXPECT_FALSE(password.matches(""));
    EXPECT_FALSE(password.matches(std::string(5000, 'x')));
    EXPECT_TRUE(ServerPassword(std::string_view("a\0b", 3)).matches(std::string_view("a\0b", 3)));
    EXPECT_FALSE(ServerPassword(std::string_view("a\0b", 3)).matches("a"));
}

TEST(ServerPassword, RefusesEmptyOrHugePasswords) {
    EXPECT_THROW(ServerPassword(""), std::invalid_argument);
    EXPECT_THROW(ServerPassword(std::string(ServerPassword::kMaxBytes + 1, 'x')),
                 std::invalid_argument);
    EXPECT_NO_THROW(ServerPassword(std::string(ServerPassword::kMaxBytes, 'x')));
}

TEST(ServerPassword, ReadsTheFirstLineOfTheFile) {
    TempDir temp;
    EXPECT_TRUE(ServerPassword::from_file(write_file(temp, "letmein\n")).matches("letmein"));
    EXPECT_TRUE(ServerPassword::from_file(write_file(temp, "letmein")).matches("letmein"));
    EXPECT_TRUE(ServerPassword::from_file(write_file(temp, "letmein\r\n")).matches("letmein"));
    auto two_lines = ServerPassword::from_file(write_file(temp, "first\nsecond\n"));
    EXPECT_TRUE(two_lines.matches("first"));
    EXPECT_FALSE(two_lines.matches("first\nsecond"));
    // Spaces are part of the password.
    EXPECT_TRUE(ServerPassword::from_file(write_file(temp, " padded \n")).matches(" padded "));
    // Group access is allowed, for a service group.
    EXPECT_TRUE(ServerPassword::from_file(write_file(temp, "grp\n", 0640)).matches("grp"));
    std::string longest(ServerPassword::kMaxBytes, 'y');
    EXPECT_TRUE(ServerPassword::from_file(write_file(temp, longest + "\r\n")).matches(longest));
}

TEST(ServerPassword, RefusesABadFileWithAClearMessage) {
    TempDir temp;
    std::string message = error_of(write_file(temp, "letmein\n", 0644));
    EXPECT_NE(message.find("readable or writable by other users (mode 0644)"), std::string::npos)
        << message;
    EXPECT_NE(message.find("chmod o-rwx"), std::string::npos) << message;
    EXPECT_NE(error_of(write_file(temp, "letmein\n", 0602)).find("other users"), std::string::npos);

    message = error_of(write_file(temp, "\nsecond line\n"));
    EXPECT_NE(message.find("first line is empty"), std::string::npos) << message;
    EXPECT_NE(error_of(write_file(temp, "")).find("empty"), std::string::npos);
    message = error_of(write_file(temp, std::string(ServerPassword::kMaxBytes + 1, 'x')));
    EXPECT_NE(message.find("longer than 1024 bytes"), std::string::npos) << message;

    message = error_of(temp.path() / "missing");
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
    EXPECT_NE(message.find("missing"), std::string::npos) << message;
    EXPECT_NE(error_of(temp.path()).find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace hubchat::store
