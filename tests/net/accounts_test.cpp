// Accounts against the real server binary: registering a name, logging in, guests kept off
// registered names, accounts kept across restarts, --accounts-only, the server password,
// login throttling, the sign-up limit, and passwords kept out of the logs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json/serialize.hpp>
#include <fstream>

#include "support/server_process.hpp"
#include "support/test_client.hpp"

namespace hubchat::test {
namespace {
namespace json = boost::json;

constexpr std::string_view kPassword = "correct horse battery";

json::object hello_with(TestClient& client, std::string_view name, std::string_view password) {
    client.send_json({{"type", "hello"}, {"name", name}, {"password", password}});
    auto reply = client.wait_for(
        [](const json::object& o) { return has_type(o, "welcome") || has_type(o, "error"); });
    return reply ? *reply : json::object{};
}

// Registers `name` on a fresh connection, then leaves.
void register_name(const ServerProcess& server, std::string_view name) {
    TestClient client(server.host(), server.port());
    ASSERT_TRUE(client.hello(name));
    client.send_json({{"type", "register"}, {"password", kPassword}, {"ref", "r1"}});
    auto reply = client.wait_for(
        [](const json::object& o) { return has_type(o, "registered") || has_type(o, "error"); });
    ASSERT_TRUE(reply);
    ASSERT_EQ(field(*reply, "type"), "registered") << to_text(*reply);
    EXPECT_EQ(field(*reply, "name"), name);
    EXPECT_EQ(field(*reply, "ref"), "r1");
}

TEST(Accounts, ARegisteredNameIsOnlyForItsOwner) {
    ServerProcess server;
    register_name(server, "alice");

    TestClient guest(server.host(), server.port());
    auto reply = guest.hello_reply("ALICE");
    EXPECT_EQ(field(reply, "code"), "name_registered") << to_text(reply);

    TestClient wrong(server.host(), server.port());
    reply = hello_with(wrong, "alice", "not the password");
    EXPECT_EQ(field(reply, "code"), "login_failed") << to_text(reply);
    EXPECT_EQ(field(reply, "message"), "Wrong name or password");

    // A name nobody registered fails the same way: the reply does not tell them apart.
    TestClient nobody(server.host(), server.port());
    reply = hello_with(nobody, "zed", "not the password");
    EXPECT_EQ(field(reply, "code"), "login_failed") << to_text(reply);
    EXPECT_EQ(field(reply, "message"), "Wrong name or password");

    TestClient owner(server.host(), server.port());
    reply = hello_with(owner, "alice", kPassword);
    EXPECT_EQ(field(reply, "type"), "welcome") << to_text(reply);
    EXPECT_EQ(field(reply, "name"), "alice");

    // The original client has no password to give: it is refused with a notice it shows.
    TestClient original(server.host(), server.port());
    ASSERT_TRUE(original.send_raw(R"({"user": "Alice", "message": "hi", "dest": "ALL"})"));
    auto notice = original.next_frame();
    ASSERT_TRUE(notice);
    EXPECT_NE(notice->find(R"("user": "server")"), std::string::npos) << *notice;
}

TEST(Accounts, FramesAfterALoginAreHandledAsTheLoggedInUser) {
    ServerProcess server;
    register_name(server, "alice");
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(bob.hello("bob"));

    // Hello, message and list in one write: the password check takes a while, and the
    // frames behind it must wait for it, not fail as "not registered".
    TestClient alice(server.host(), server.port());
    const std::string hello = json::serialize(
        json::object{{"type", "hello"}, {"name", "alice"}, {"password", kPassword}});
    const std::string message = json::serialize(json::object{
        {"type", "message"}, {"dest", "bob"}, {"message", "hello bob"}, {"ref", "m1"}});
    ASSERT_TRUE(
        alice.send_raw(hello + "\n" + message + "\n" + R"({"type":"list","ref":"l1"})" + "\n"));
    std::vector<json::object> before;
    auto list = alice.wait_type("list", kDeadline, &before);
    ASSERT_TRUE(list);
    ASSERT_FALSE(before.empty());
    EXPECT_EQ(field(before.front(), "type"), "welcome") << to_text(before.front());
    for (const auto& frame : before) EXPECT_NE(field(frame, "type"), "error") << to_text(frame);
    auto got = bob.wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "user"), "alice");
    EXPECT_EQ(field(*got, "message"), "hello bob");
}

TEST(Accounts, AccountsOutliveARestart) {
    ScratchDir data;
    {
        ServerProcess server({"--data-dir", data.path()});
        register_name(server, "alice");
    }
    ServerProcess again({"--data-dir", data.path()});
    TestClient guest(again.host(), again.port());
    EXPECT_EQ(field(guest.hello_reply("alice"), "code"), "name_registered");
    TestClient alice(again.host(), again.port());
    EXPECT_EQ(field(hello_with(alice, "alice", kPassword), "type"), "welcome");
}

TEST(Accounts, AccountsOnlyServersRefuseGuests) {
    ScratchDir data;
    {
        ServerProcess server({"--data-dir", data.path()});
        register_name(server, "alice");
    }
    ServerProcess server({"--accounts-only", "--data-dir", data.path()});
    TestClient guest(server.host(), server.port());
    auto reply = guest.hello_reply("bob");
    EXPECT_EQ(field(reply, "code"), "account_required") << to_text(reply);
    TestClient alice(server.host(), server.port());
    EXPECT_EQ(field(hello_with(alice, "alice", kPassword), "type"), "welcome");
}

json::object sign_up(TestClient& client, std::string_view name, std::string_view password) {
    client.send_json({{"type", "hello"},
                      {"name", name},
                      {"password", password},
                      {"register", true},
                      {"ref", "s1"}});
    auto reply = client.wait_for(
        [](const json::object& o) { return has_type(o, "welcome") || has_type(o, "error"); });
    return reply ? *reply : json::object{};
}

TEST(Accounts, AHelloCanSignUpEvenWhereGuestsAreRefused) {
    ServerProcess server({"--accounts-only"});
    TestClient dora(server.host(), server.port());
    auto reply = sign_up(dora, "dora", kPassword);
    ASSERT_EQ(field(reply, "type"), "welcome") << to_text(reply);
    auto registered = dora.wait_type("registered");
    ASSERT_TRUE(registered);
    EXPECT_EQ(field(*registered, "name"), "dora");
    EXPECT_EQ(field(*registered, "ref"), "s1");

    // The name is now an account: signing up again is refused, logging in works.
    TestClient again(server.host(), server.port());
    reply = sign_up(again, "DORA", kPassword);
    EXPECT_EQ(field(reply, "code"), "name_taken") << to_text(reply);  // dora is online
    dora.close();
    ASSERT_TRUE(eventually([&] {
        TestClient probe(server.host(), server.port());
        return field(sign_up(probe, "dora", kPassword), "code") == "name_registered";
    }));
    TestClient owner(server.host(), server.port());
    EXPECT_EQ(field(hello_with(owner, "dora", kPassword), "type"), "welcome");

    // Bad passwords and names are refused before anything is stored.
    TestClient weak(server.host(), server.port());
    reply = sign_up(weak, "weak", "short");
    EXPECT_EQ(field(reply, "code"), "bad_request") << to_text(reply);
    EXPECT_EQ(field(reply, "ref"), "s1");
    reply = sign_up(weak, "bad name!", kPassword);
    EXPECT_EQ(field(reply, "code"), "bad_name") << to_text(reply);
    weak.send_json({{"type", "hello"}, {"name", "weak"}, {"register", true}});
    auto error = weak.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "bad_request") << to_text(*error);
    // Still only accounts: a plain guest hello for the refused name gets nowhere.
    EXPECT_EQ(field(weak.hello_reply("weak"), "code"), "account_required");
}

TEST(Accounts, RegistrationNeedsANameAndAGoodPassword) {
    ServerProcess server;
    TestClient client(server.host(), server.port());
    client.send_json({{"type", "register"}, {"password", kPassword}, {"ref", 1}});
    auto reply = client.wait_type("error");
    ASSERT_TRUE(reply);
    EXPECT_EQ(field(*reply, "code"), "not_registered") << to_text(*reply);

    ASSERT_TRUE(client.hello("carol"));
    client.send_json({{"type", "register"}, {"password", "short"}, {"ref", 2}});
    reply = client.wait_type("error");
    ASSERT_TRUE(reply);
    EXPECT_EQ(field(*reply, "code"), "bad_request");
    EXPECT_NE(field(*reply, "message").find("too short"), std::string::npos) << to_text(*reply);
    // Still a guest, still connected.
    EXPECT_TRUE(client.sync());

    client.send_json({{"type", "register"}, {"password", kPassword}, {"ref", 3}});
    ASSERT_TRUE(client.wait_type("registered"));
    client.send_json({{"type", "register"}, {"password", kPassword}, {"ref", 4}});
    reply = client.wait_type("error");
    ASSERT_TRUE(reply);
    EXPECT_EQ(field(*reply, "code"), "name_registered") << to_text(*reply);
}

TEST(Accounts, SignUpsFromOneAddressAreLimited) {
    ServerProcess server({"--max-sign-ups-per-hour", "2"});
    register_name(server, "first");
    TestClient second(server.host(), server.port());
    ASSERT_EQ(field(sign_up(second, "second", kPassword), "type"), "welcome");

    // The third, by either way in, waits: an hour holds two, so a little under half an hour.
    TestClient third(server.host(), server.port());
    ASSERT_TRUE(third.hello("third"));
    third.send_json({{"type", "register"}, {"password", kPassword}, {"ref", "r3"}});
    auto reply = third.wait_type("error");
    ASSERT_TRUE(reply);
    EXPECT_EQ(field(*reply, "code"), "rate_limited") << to_text(*reply);
    EXPECT_EQ(field(*reply, "ref"), "r3");
    EXPECT_NE(field(*reply, "message").find("Too many new accounts"), std::string::npos);
    ASSERT_TRUE(reply->contains("retry_after_ms")) << to_text(*reply);
    const auto wait_ms = reply->at("retry_after_ms").to_number<std::int64_t>();
    EXPECT_GT(wait_ms, 25 * 60 * 1000);
    EXPECT_LE(wait_ms, 30 * 60 * 1000);
    EXPECT_TRUE(third.sync());  // still connected, still a guest
    TestClient fourth(server.host(), server.port());
    EXPECT_EQ(field(sign_up(fourth, "fourth", kPassword), "code"), "rate_limited");

    // Nothing was made for them, and the accounts that were made still log in.
    third.close();
    EXPECT_TRUE(eventually([&] {
        TestClient guest(server.host(), server.port());
        return guest.hello("third");
    }));
    TestClient owner(server.host(), server.port());
    EXPECT_EQ(field(hello_with(owner, "first", kPassword), "type"), "welcome");
}

TEST(Accounts, RepeatedWrongPasswordsAreThrottled) {
    ServerProcess server;
    register_name(server, "alice");
    TestClient attacker(server.host(), server.port());
    json::object reply;
    int refused = 0;
    for (int attempt = 0; attempt < 8; ++attempt) {
        reply = hello_with(attacker, "alice", "guess " + std::to_string(attempt));
        if (field(reply, "code") == "rate_limited") break;
        EXPECT_EQ(field(reply, "code"), "login_failed") << to_text(reply);
        ++refused;
    }
    EXPECT_EQ(field(reply, "code"), "rate_limited") << "no throttle after " << refused;
    // Five failures are free; the sixth starts the wait, which the seventh attempt meets.
    EXPECT_EQ(refused, 6);
    ASSERT_TRUE(reply.contains("retry_after_ms")) << to_text(reply);
    EXPECT_GT(reply.at("retry_after_ms").to_number<std::int64_t>(), 0);
}

TEST(Accounts, ServerPasswordGuardsAPrivateHub) {
    ScratchDir dir;
    const std::string file = dir.path() + "/server-password";
    std::ofstream(file) << "open sesame\n";
    ::chmod(file.c_str(), 0600);
    ServerProcess server({"--server-password-file", file});

    TestClient none(server.host(), server.port());
    auto reply = none.hello_reply("bob");
    EXPECT_EQ(field(reply, "code"), "access_denied") << to_text(reply);

    TestClient wrong(server.host(), server.port());
    wrong.send_json({{"type", "hello"}, {"name", "bob"}, {"server_password", "open sesam"}});
    reply = *wrong.wait_type("error");
    EXPECT_EQ(field(reply, "code"), "access_denied") << to_text(reply);

    TestClient right(server.host(), server.port());
    right.send_json({{"type", "hello"}, {"name", "bob"}, {"server_password", "open sesame"}});
    auto welcome = right.wait_type("welcome");
    EXPECT_TRUE(welcome);

    // Guessing is throttled like logins: a few free tries, then a wait, even for the right
    // password.
    TestClient guesser(server.host(), server.port());
    int refused = 1;  // `wrong` above
    for (; refused < 10; ++refused) {
        guesser.send_json({{"type", "hello"},
                           {"name", "eve"},
                           {"server_password", "guess " + std::to_string(refused)}});
        reply = *guesser.wait_type("error");
        if (field(reply, "code") == "rate_limited") break;
        EXPECT_EQ(field(reply, "code"), "access_denied") << to_text(reply);
    }
    EXPECT_EQ(field(reply, "code"), "rate_limited") << "no throttle after " << refused;
    EXPECT_EQ(refused, 6);
    guesser.send_json({{"type", "hello"}, {"name", "eve"}, {"server_password", "open sesame"}});
    reply = *guesser.wait_type("error");
    EXPECT_EQ(field(reply, "code"), "rate_limited") << to_text(reply);

    TestClient original(server.host(), server.port());
    ASSERT_TRUE(original.send_raw(R"({"user": "carol", "message": "hi", "dest": "ALL"})"));
    auto notice = original.next_frame();
    ASSERT_TRUE(notice);
    EXPECT_NE(notice->find("needs a password"), std::string::npos) << *notice;
}

TEST(Accounts, ServerPasswordFileReadableByOthersIsRefused) {
    ScratchDir dir;
    const std::string file = dir.path() + "/server-password";
    std::ofstream(file) << "open sesame\n";
    ::chmod(file.c_str(), 0644);
    const auto result = run_program({HUBCHAT_SERVER_BIN, "--port", "0", "--data-dir", dir.path(),
                                     "--server-password-file", file});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find(file), std::string::npos) << result.err;
}

TEST(Accounts, PasswordsNeverReachTheLog) {
    ServerProcess server({"--verbose"});
    register_name(server, "alice");
    TestClient alice(server.host(), server.port());
    EXPECT_EQ(field(hello_with(alice, "alice", kPassword), "type"), "welcome");
    ASSERT_TRUE(alice.sync());
    EXPECT_NE(server.err().find("register"), std::string::npos) << "frames are not logged";
    EXPECT_EQ(server.err().find(kPassword), std::string::npos) << server.err();
}

}  // namespace
}  // namespace hubchat::test
