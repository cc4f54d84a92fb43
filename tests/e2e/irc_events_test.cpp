// What a person at the terminal client sees when an IRC user on the same server (IRC is
// spoken on the same port) sets a topic and changes nick, and that the client writes on
// to the new nick; meanwhile an original-dialect connection is told of neither.
#include <gtest/gtest.h>

#include <string>

#include "person.hpp"
#include "support/irc_client.hpp"
#include "support/test_client.hpp"

namespace hubchat::e2e {
namespace {

using hubchat::test::IrcClient;
using hubchat::test::TestClient;

// The original Python client's request for the list of clients, in its spacing; its
// first frame registers `user`.
std::string original_list_request(const std::string& user) {
    return "{\"user\": \"" + user + "\", \"request\": \"ClientList\"}";
}

TEST(PersonWithIrcUsers, SeesTopicsAndRenamesAndWritesOnToTheNewNick) {
    Server server;
    ASSERT_TRUE(server.started()) << server.output();

    TestClient original(server.host(), server.port());
    ASSERT_TRUE(original.send_raw(original_list_request("olly")));
    ASSERT_TRUE(original.wait_for([](const auto& frame) { return frame.contains("client-list"); }));

    IrcClient ivy(server.host(), server.port());
    ASSERT_TRUE(ivy.register_as("ivy"));
    // Plain lines go to ivy without asking `Dest name> `.
    Person alice(server, {"--to", "ivy"});
    ASSERT_TRUE(alice.registers_as("alice"));
    alice.enters("/join #dev");
    ASSERT_TRUE(alice.sees("* alice joined #dev"));
    ASSERT_TRUE(ivy.send("JOIN #dev"));
    ASSERT_TRUE(alice.sees("* ivy joined #dev"));

    ASSERT_TRUE(ivy.send("TOPIC #dev :release on friday"));
    EXPECT_TRUE(alice.sees("* topic of #dev set by ivy: release on friday"));

    ASSERT_TRUE(ivy.send("NICK ivy2"));
    ASSERT_TRUE(ivy.wait_for([](const auto& line) {
        return line.command == "NICK" && line.nick() == "ivy" && line.param(0) == "ivy2";
    }));
    EXPECT_TRUE(alice.sees("* ivy is now known as ivy2"));

    // --to followed the rename: the line reaches ivy2, not whoever takes "ivy" next.
    alice.enters("still on for friday?");
    EXPECT_TRUE(ivy.wait_for(hubchat::test::message_from("alice", "ivy2", "still on for friday?")));

    // The original client cannot show either event: the reply to a request sent now comes
    // after anything the rename and the topic queued for it, and nothing else came.
    ASSERT_TRUE(original.send_raw(original_list_request("olly")));
    std::vector<boost::json::object> before;
    const auto list =
        original.wait_for([](const auto& frame) { return frame.contains("client-list"); },
                          hubchat::test::kDeadline, &before);
    ASSERT_TRUE(list);
    EXPECT_TRUE(before.empty()) << hubchat::test::to_text(before.front());
    EXPECT_NE(hubchat::test::to_text(*list).find("\"ivy2\""), std::string::npos)
        << hubchat::test::to_text(*list);
}

}  // namespace
}  // namespace hubchat::e2e
