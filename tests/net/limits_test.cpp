// Flood control and caps through the real server: the options reach the hub, and the
// refusals reach both dialects with their codes, texts and retry times.
#include <algorithm>
#include <cstdlib>

#include "net_fixture.hpp"

namespace hubchat::test {
namespace {

// A server with the shipped defaults, flood control included.
ServerProcess::Options production_defaults(std::vector<std::string> args = {}) {
    ServerProcess::Options options;
    options.args = std::move(args);
    options.flood_control = true;
    return options;
}

std::string message_to(std::string_view dest, std::string_view ref) {
    return json::serialize(
               json::object{{"type", "message"}, {"dest", dest}, {"message", "hi"}, {"ref", ref}}) +
           "\n";
}

// The chat frame the original Python client writes.
std::string original_chat(std::string_view user, std::string_view text) {
    return R"({"user": ")" + std::string(user) + R"(", "message": ")" + std::string(text) +
           R"(", "dest": "bob"})";
}

// `count` messages to bob in one write, every one acknowledged: no flood control.
void expect_flood_acked(TestClient& sender, int count) {
    std::string flood;
    for (int i = 0; i < count; ++i) flood += message_to("bob", "m");
    ASSERT_TRUE(sender.send_raw(flood));
    const auto frames = sender.sync();
    ASSERT_TRUE(frames);
    EXPECT_EQ(std::count_if(frames->begin(), frames->end(),
                            [](const json::object& f) { return has_type(f, "ack"); }),
              count);
}

// With --max-rooms-per-user 1: the first join passes, the second is refused.
void expect_second_room_refused(TestClient& client) {
    ASSERT_TRUE(client.send_raw(R"({"type":"join","room":"#one"})"
                                "\n"
                                R"({"type":"join","room":"#two","ref":"j2"})"
                                "\n"));
    const auto error = client.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "too_many_rooms") << to_text(*error);
    EXPECT_EQ(field(*error, "ref"), "j2");
}

TEST(Limits, ByDefaultABurstOfTenPassesAndTheEleventhIsRefused) {
    ServerProcess server(production_defaults());
    TestClient alice(server.host(), server.port());
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    ASSERT_TRUE(bob.hello("bob"));
    std::string burst;
    for (int i = 1; i <= 11; ++i) burst += message_to("bob", "m" + std::to_string(i));
    ASSERT_TRUE(alice.send_raw(burst));  // in one write: the clock barely moves
    const auto frames = alice.sync();
    ASSERT_TRUE(frames);
    std::size_t acks = 0;
    std::vector<json::object> errors;
    for (const auto& f : *frames) {
        if (has_type(f, "ack")) ++acks;
        if (has_type(f, "error")) errors.push_back(f);
    }
    EXPECT_EQ(acks, 10u);
    ASSERT_EQ(errors.size(), 1u);
    const auto& error = errors.front();
    EXPECT_EQ(field(error, "code"), "rate_limited") << to_text(error);
    EXPECT_EQ(field(error, "ref"), "m11");
    const long retry = std::atol(field(error, "retry_after_ms").c_str());
    EXPECT_GT(retry, 0) << to_text(error);
    EXPECT_LE(retry, 200) << to_text(error);
    EXPECT_NE(field(error, "message").find("Too many messages: wait "), std::string::npos)
        << to_text(error);
}

TEST(Limits, RateOptionsReachTheHubAndTheConnectionStays) {
    ServerProcess server(production_defaults({"--rate-burst", "2", "--rate-per-second", "1"}));
    TestClient alice(server.host(), server.port());
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    ASSERT_TRUE(bob.hello("bob"));
    ASSERT_TRUE(
        alice.send_raw(message_to("bob", "a") + message_to("bob", "b") + message_to("bob", "c")));
    const auto error = alice.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "rate_limited");
    EXPECT_EQ(field(*error, "ref"), "c");
    const long retry = std::atol(field(*error, "retry_after_ms").c_str());
    EXPECT_GT(retry, 200) << to_text(*error);  // one a second: most of a second to wait
    EXPECT_LE(retry, 1000) << to_text(*error);
    // Not disconnected: pings are never limited.
    EXPECT_TRUE(alice.sync());
}

TEST(Limits, OriginalClientsGetTheRefusalAsANotice) {
    ServerProcess server(production_defaults({"--rate-burst", "1", "--rate-per-second", "1"}));
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(bob.hello("bob"));
    TestClient old(server.host(), server.port());
    // The first frame registers; the second is over the budget of one.
    ASSERT_TRUE(old.send_raw(original_chat("old", "one")));
    ASSERT_TRUE(bob.wait_for(chat_from("old", "one")));
    ASSERT_TRUE(old.send_raw(original_chat("old", "two")));
    const auto notice = old.next_frame();
    ASSERT_TRUE(notice);
    EXPECT_NE(notice->find(R"("user": "server", "message": "Too many messages: wait )"),
              std::string::npos)
        << *notice;
    EXPECT_EQ(notice->find("retry_after_ms"), std::string::npos) << *notice;
}

TEST(Limits, RecipientAndRoomCapsReachTheHub) {
    ServerProcess server({"--max-recipients", "2", "--max-rooms-per-user", "1"});
    TestClient alice(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    ASSERT_TRUE(alice.send_raw(message_to("a,b,c", "r")));
    auto error = alice.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "too_many_recipients") << to_text(*error);
    expect_second_room_refused(alice);
}

TEST(Limits, NameLengthCapsReachTheHub) {
    ServerProcess server({"--max-name-length", "5", "--max-room-name-length", "4"});
    TestClient longer(server.host(), server.port());
    ASSERT_TRUE(longer.send_raw(R"({"type":"hello","name":"sixsix"})"
                                "\n"));
    auto error = longer.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "bad_name") << to_text(*error);
    TestClient five(server.host(), server.port());
    ASSERT_TRUE(five.hello("fivec"));
    ASSERT_TRUE(five.send_raw(R"({"type":"join","room":"#fives","ref":"j"})"
                              "\n"));
    error = five.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "bad_name") << to_text(*error);
    EXPECT_EQ(field(*error, "ref"), "j");
    ASSERT_TRUE(five.send_raw(R"({"type":"join","room":"#four","ref":"k"})"
                              "\n"));
    EXPECT_TRUE(five.wait_type("join"));  // its own join, the sign it is in
}

TEST(Limits, ZeroTurnsFloodControlOff) {
    ServerProcess server(production_defaults({"--rate-per-second", "0"}));
    TestClient alice(server.host(), server.port());
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    ASSERT_TRUE(bob.hello("bob"));
    expect_flood_acked(alice, 200);
}

TEST(Limits, NoLimitsLiftsEveryLimitNotGivenAsWell) {
    ServerProcess server(production_defaults({"--no-limits", "--max-rooms-per-user", "1"}));
    TestClient alice(server.host(), server.port());
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    ASSERT_TRUE(bob.hello("bob"));
    // Past the default burst of 10: flood control is off.
    ASSERT_NO_FATAL_FAILURE(expect_flood_acked(alice, 50));
    // Past the default 100 recipients: refused only because nobody has these names.
    std::string many;
    for (int i = 0; i < 150; ++i) many += "u" + std::to_string(i) + ",";
    many.pop_back();
    ASSERT_TRUE(alice.send_raw(message_to(many, "many")));
    auto error = alice.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "unknown_recipient") << to_text(*error);
    // The cap given beside it holds.
    expect_second_room_refused(alice);
}

TEST(Limits, BadLimitValuesExitTwo) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--rate-per-second", "-1"},
             {"--rate-burst", "lots"},
             {"--max-recipients", "-5"},
             {"--max-connections", "x"},
             {"--max-new-connections-per-minute", "99999999999"},
             {"--max-name-length", "33"},
             {"--max-room-name-length", "0"},
         }) {
        std::vector<std::string> argv{HUBCHAT_SERVER_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto result = run_program(argv);
        EXPECT_EQ(result.exit_code, 2) << args[0] << " " << args[1] << "\n" << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    }
}

TEST(Limits, HelpListsEveryLimit) {
    const auto help = run_program({HUBCHAT_SERVER_BIN, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    for (const char* option :
         {"--no-limits", "--rate-burst", "--rate-per-second", "--max-rooms-per-user",
          "--max-recipients", "--max-connections", "--max-connections-per-address",
          "--max-new-connections-per-minute", "--max-name-length", "--max-room-name-length"}) {
        EXPECT_NE(help.out.find(option), std::string::npos) << option << " not in:\n" << help.out;
    }
}

}  // namespace
}  // namespace hubchat::test
