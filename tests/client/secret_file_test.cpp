#include "client/secret_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "temp_dir.hpp"

namespace hubchat::client {
namespace {

class SecretFileTest : public ::testing::Test {
  protected:
    std::filesystem::path write(const std::string& content, mode_t mode = 0600) {
        const auto path = dir_.path() / "pw";
        std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
        ::chmod(path.c_str(), mode);
        return path;
    }
    std::optional<std::string> read(const std::filesystem::path& path) {
        error_.clear();
        return read_secret_file(path, "--password-file", error_);
    }

    test::TempDir dir_;
    std::string error_;
};

TEST_F(SecretFileTest, TheFirstLineWithoutItsLineEnding) {
    EXPECT_EQ(read(write("correct horse\n")), "correct horse");
    EXPECT_EQ(read(write("no newline at all")), "no newline at all");
    EXPECT_EQ(read(write("windows\r\n")), "windows");
    EXPECT_EQ(read(write("first\nsecond\n")), "first");
    EXPECT_EQ(read(write(" spaces kept \n")), " spaces kept ");
    EXPECT_EQ(read(write("owner only\n", 0400)), "owner only");
}

TEST_F(SecretFileTest, AFileOthersCanReachIsRefusedAsSshDoes) {
    for (const mode_t mode : {0644, 0640, 0604, 0660, 0606}) {
        const auto path = write("pw\n", mode);
        EXPECT_FALSE(read(path)) << std::oct << mode;
        EXPECT_NE(error_.find("are too open"), std::string::npos) << error_;
        EXPECT_NE(error_.find("chmod 600 " + path.string()), std::string::npos) << error_;
    }
    write("pw\n", 0644);
    read(dir_.path() / "pw");
    EXPECT_NE(error_.find("permissions 0644 for --password-file "), std::string::npos) << error_;
}

TEST_F(SecretFileTest, MissingEmptyOrNotAFileIsRefused) {
    EXPECT_FALSE(read(dir_.path() / "absent"));
    EXPECT_NE(error_.find("cannot read --password-file"), std::string::npos) << error_;
    EXPECT_NE(error_.find("No such file"), std::string::npos) << error_;

    EXPECT_FALSE(read(write("")));
    EXPECT_NE(error_.find("is empty"), std::string::npos) << error_;
    EXPECT_FALSE(read(write("\nthe password on the second line\n")));
    EXPECT_NE(error_.find("is empty"), std::string::npos) << error_;

    ::chmod(dir_.path().c_str(), 0700);
    EXPECT_FALSE(read(dir_.path()));
    EXPECT_NE(error_.find("not a regular file"), std::string::npos) << error_;
}

}  // namespace
}  // namespace hubchat::client
