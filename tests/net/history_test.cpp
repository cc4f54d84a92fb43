// History against the real server binary: messages stored before they are delivered and
// acknowledged, ids that keep growing across restarts, replay after the last id seen (with
// live traffic held behind it), offline direct messages for registered users, history
// requests, --no-history, and kill -9 under load losing nothing that was acknowledged.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <set>

#include "support/server_process.hpp"
#include "support/test_client.hpp"

namespace hubchat::test {
namespace {
namespace json = boost::json;

constexpr std::string_view kPassword = "correct horse battery";

std::uint64_t id_of(const json::object& frame) {
    return frame.at("id").to_number<std::uint64_t>();
}

bool is_message(const json::object& o) {
    return has_type(o, "message");
}

json::object hello_since(TestClient& client, std::string_view name, std::uint64_t since,
                         json::array rooms = {}, std::string_view password = {}) {
    json::object hello{{"type", "hello"}, {"name", name}, {"since", since}, {"rooms", rooms}};
    if (!password.empty()) hello["password"] = password;
    client.send_json(hello);
    auto reply = client.wait_for(
        [](const json::object& o) { return has_type(o, "welcome") || has_type(o, "error"); });
    return reply ? *reply : json::object{};
}

// The frames of a replay up to its `replayed`, messages only; nullopt if it never ends.
std::optional<std::vector<json::object>> replay(TestClient& client, std::uint64_t* last_id) {
    std::vector<json::object> messages;
    for (;;) {
        auto frame = client.next_json();
        if (!frame) return std::nullopt;
        if (has_type(*frame, "replayed")) {
            *last_id = frame->at("last_id").to_number<std::uint64_t>();
            return messages;
        }
        if (is_message(*frame)) messages.push_back(*frame);
    }
}

void register_name(const ServerProcess& server, std::string_view name) {
    TestClient client(server.host(), server.port());
    ASSERT_TRUE(client.hello(name));
    client.send_json({{"type", "register"}, {"password", kPassword}});
    ASSERT_TRUE(client.wait_type("registered"));
}

json::object send_and_ack(TestClient& client, std::string_view dest, std::string_view text,
                          std::string_view ref) {
    client.send_json({{"type", "message"}, {"dest", dest}, {"message", text}, {"ref", ref}});
    auto ack = client.wait_for([&](const json::object& o) {
        return (has_type(o, "ack") || has_type(o, "error")) && field(o, "ref") == ref;
    });
    return ack ? *ack : json::object{};
}

TEST(History, MessagesSurviveARestartAndAreReplayedAfterTheLastIdSeen) {
    ScratchDir data;
    std::vector<std::uint64_t> ids;
    {
        ServerProcess server({"--data-dir", data.path()});
        TestClient alice(server.host(), server.port());
        TestClient bob(server.host(), server.port());
        ASSERT_TRUE(alice.hello("alice"));
        ASSERT_TRUE(bob.hello("bob"));
        for (int i = 0; i < 3; ++i) {
            auto ack = send_and_ack(bob, "ALL", "said " + std::to_string(i), std::to_string(i));
            ASSERT_EQ(field(ack, "type"), "ack") << to_text(ack);
            ids.push_back(id_of(ack));
            auto got = alice.wait_for(is_message);
            ASSERT_TRUE(got);
            EXPECT_EQ(id_of(*got), ids.back());
        }
        ASSERT_TRUE(std::is_sorted(ids.begin(), ids.end()));
        ASSERT_EQ(server.terminate(), 0);
    }
    ServerProcess server({"--data-dir", data.path()});
    TestClient alice(server.host(), server.port());
    ASSERT_EQ(field(hello_since(alice, "alice", ids[0]), "type"), "welcome");
    std::uint64_t last_id = 0;
    auto replayed = replay(alice, &last_id);
    ASSERT_TRUE(replayed);
    ASSERT_EQ(replayed->size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(id_of((*replayed)[i]), ids[i + 1]);
        EXPECT_EQ(field((*replayed)[i], "message"), "said " + std::to_string(i + 1));
        EXPECT_EQ(field((*replayed)[i], "user"), "bob");
        EXPECT_TRUE((*replayed)[i].at("replay").as_bool());
    }
    EXPECT_EQ(last_id, ids[2]);

    // Up to date: nothing more, and new messages continue the ids.
    TestClient carol(server.host(), server.port());
    ASSERT_TRUE(carol.hello("carol"));
    auto ack = send_and_ack(carol, "ALL", "after the restart", "c");
    EXPECT_GT(id_of(ack), ids[2]);
    auto live = alice.wait_for(is_message);
    ASSERT_TRUE(live);
    EXPECT_EQ(field(*live, "message"), "after the restart");
    EXPECT_FALSE(live->contains("replay"));
}

TEST(History, ALongReplayWithLiveTrafficArrivesInOrderWithoutRepeatsOrGaps) {
    ServerProcess server;
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(bob.hello("bob"));
    // More than two pages of history.
    constexpr int kStored = 1200;
    std::string burst;
    for (int i = 0; i < kStored; ++i) {
        burst += R"({"type":"message","dest":"ALL","message":"old )" + std::to_string(i) +
                 R"(","ref":)" + std::to_string(i) + "}\n";
    }
    ASSERT_TRUE(bob.send_raw(burst));
    std::uint64_t first_id = 0;
    for (int acks = 0; acks < kStored;) {
        auto frame = bob.next_json();
        ASSERT_TRUE(frame);
        if (has_type(*frame, "ack")) {
            if (acks == 0) first_id = id_of(*frame);
            ++acks;
        }
    }
    // Alice resumes from before all of it while bob keeps talking.
    TestClient alice(server.host(), server.port());
    ASSERT_EQ(field(hello_since(alice, "alice", first_id - 1), "type"), "welcome");
    constexpr int kLive = 50;
    std::string more;
    for (int i = 0; i < kLive; ++i) {
        more += R"({"type":"message","dest":"ALL","message":"new )" + std::to_string(i) + "\"}\n";
    }
    ASSERT_TRUE(bob.send_raw(more));
    // Whether bob's new ones come in the replay or live after it depends on timing; either
    // way every message comes once, in id order.
    std::vector<std::uint64_t> seen;
    bool replayed = false;
    while (!replayed || seen.size() < static_cast<std::size_t>(kStored + kLive)) {
        auto frame = alice.next_json();
        ASSERT_TRUE(frame) << "after " << seen.size() << " messages";
        if (has_type(*frame, "replayed")) {
            EXPECT_EQ(frame->at("last_id").to_number<std::uint64_t>(), seen.back());
            replayed = true;
            continue;
        }
        if (!is_message(*frame)) continue;
        EXPECT_EQ(frame->contains("replay"), !replayed) << to_text(*frame);
        seen.push_back(id_of(*frame));
    }
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "a repeat";
    EXPECT_EQ(seen.front(), first_id);
    EXPECT_EQ(seen.back() - seen.front() + 1, seen.size()) << "a gap";
    auto ack = send_and_ack(bob, "ALL", "live", "live");
    auto live = alice.wait_for(is_message);
    ASSERT_TRUE(live);
    EXPECT_EQ(id_of(*live), id_of(ack));
    EXPECT_FALSE(live->contains("replay"));
}

TEST(History, DirectMessagesWaitForARegisteredUserWhoIsAway) {
    ServerProcess server;
    register_name(server, "bob");
    TestClient alice(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    auto ack = send_and_ack(alice, "bob", "while you were out", "1");
    ASSERT_EQ(field(ack, "type"), "ack") << to_text(ack);
    EXPECT_EQ(ack.at("delivered").to_number<int>(), 0);
    ASSERT_TRUE(ack.contains("offline")) << to_text(ack);
    EXPECT_EQ(json::serialize(ack.at("offline")), R"(["bob"])");
    // A guest name nobody owns is still unknown.
    auto refused = send_and_ack(alice, "zed", "hello?", "2");
    EXPECT_EQ(field(refused, "code"), "unknown_recipient") << to_text(refused);

    TestClient bob(server.host(), server.port());
    bob.send_json({{"type", "hello"}, {"name", "bob"}, {"password", kPassword}});
    ASSERT_TRUE(bob.wait_type("welcome"));
    auto waiting = bob.wait_for(is_message);
    ASSERT_TRUE(waiting);
    EXPECT_EQ(field(*waiting, "message"), "while you were out");
    EXPECT_EQ(field(*waiting, "user"), "alice");
    EXPECT_TRUE(waiting->at("offline").as_bool());
    EXPECT_EQ(id_of(*waiting), id_of(ack));
    bob.close();

    // Delivered once: the next login finds nothing waiting.
    TestClient again(server.host(), server.port());
    again.send_json({{"type", "hello"}, {"name", "bob"}, {"password", kPassword}});
    ASSERT_TRUE(again.wait_type("welcome"));
    auto frames = again.sync();
    ASSERT_TRUE(frames);
    EXPECT_EQ(std::count_if(frames->begin(), frames->end(), is_message), 0);
}

TEST(History, RequestsGiveTheLastMessagesOfWhatTheAskerMaySee) {
    ServerProcess server;
    register_name(server, "alice");
    TestClient alice(server.host(), server.port());
    alice.send_json({{"type", "hello"}, {"name", "alice"}, {"password", kPassword}});
    ASSERT_TRUE(alice.wait_type("welcome"));
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(bob.hello("bob"));
    alice.send_json({{"type", "join"}, {"room", "#dev"}});
    for (int i = 0; i < 3; ++i) {
        send_and_ack(alice, "#dev", "dev " + std::to_string(i), "d" + std::to_string(i));
    }
    send_and_ack(bob, "alice", "psst", "p");

    alice.send_json({{"type", "history"}, {"with", "#DEV"}, {"limit", 2}, {"ref", "h1"}});
    auto page = alice.wait_type("history");
    ASSERT_TRUE(page);
    EXPECT_EQ(field(*page, "ref"), "h1");
    const auto& messages = page->at("messages").as_array();
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(field(messages[0].as_object(), "message"), "dev 1");
    EXPECT_EQ(field(messages[1].as_object(), "message"), "dev 2");

    alice.send_json({{"type", "history"}, {"with", "bob"}, {"ref", "h2"}});
    page = alice.wait_type("history");
    ASSERT_TRUE(page);
    ASSERT_EQ(page->at("messages").as_array().size(), 1u);
    EXPECT_EQ(field(page->at("messages").as_array()[0].as_object(), "message"), "psst");

    // Bob is not in #dev, and as a guest his name's conversations are not his to read.
    bob.send_json({{"type", "history"}, {"with", "#dev"}, {"ref", "h3"}});
    auto error = bob.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "not_in_room") << to_text(*error);
    bob.send_json({{"type", "history"}, {"with", "alice"}, {"ref", "h4"}});
    error = bob.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "access_denied") << to_text(*error);
    bob.send_json({{"type", "history"}, {"with", "ALL"}, {"limit", 0}, {"ref", "h5"}});
    error = bob.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "bad_request") << to_text(*error);
}

// A long --history-flush-ms is for a busy server: a message on a quiet one is committed,
// and acknowledged, without waiting for it.
TEST(History, AQuietServerCommitsWithoutWaitingForTheFlushDelay) {
    ScratchDir data;
    ServerProcess server(
        {"--data-dir", data.path(), "--history-flush-ms", "1000", "--history-batch", "100000"});
    TestClient alice(server.host(), server.port());
    TestClient bob(server.host(), server.port());
    ASSERT_TRUE(alice.hello("alice"));
    ASSERT_TRUE(bob.hello("bob"));
    ASSERT_TRUE(alice.send_json({{"type", "message"}, {"dest", "bob"}, {"message", "now"}}));
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(alice.wait_type("ack"));
    ASSERT_TRUE(bob.wait_type("message"));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(800));
}

TEST(History, NoHistoryKeepsNothingAndSaysSo) {
    ServerProcess server({"--no-history"});
    TestClient alice(server.host(), server.port());
    ASSERT_EQ(field(hello_since(alice, "alice", 5, json::array{"#dev"}), "type"), "welcome");
    auto joined = alice.wait_type("join");  // the rooms are joined all the same
    ASSERT_TRUE(joined);
    EXPECT_EQ(field(*joined, "room"), "#dev");
    alice.send_json({{"type", "history"}, {"with", "ALL"}, {"ref", "h"}});
    auto error = alice.wait_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ(field(*error, "code"), "history_off") << to_text(*error);
    auto frames = alice.sync();
    ASSERT_TRUE(frames);
    for (const auto& f : *frames) EXPECT_FALSE(has_type(f, "replayed")) << to_text(f);
}

TEST(History, ExportPrintsEveryMessageAsAJsonLine) {
    ScratchDir data;
    {
        ServerProcess server({"--data-dir", data.path()});
        TestClient alice(server.host(), server.port());
        ASSERT_TRUE(alice.hello("alice"));
        send_and_ack(alice, "ALL", "first \"quoted\"", "1");
        send_and_ack(alice, "alice", "second", "2");
        ASSERT_EQ(server.terminate(), 0);
    }
    const auto result = run_program({HUBCHAT_SERVER_BIN, "--export", "--data-dir", data.path()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::vector<json::object> lines;
    std::size_t start = 0;
    while (start < result.out.size()) {
        const auto end = result.out.find('\n', start);
        ASSERT_NE(end, std::string::npos) << "unterminated line";
        lines.push_back(json::parse(result.out.substr(start, end - start)).as_object());
        start = end + 1;
    }
    ASSERT_EQ(lines.size(), 2u) << result.out;
    EXPECT_EQ(field(lines[0], "text"), "first \"quoted\"");
    EXPECT_EQ(field(lines[0], "from"), "alice");
    EXPECT_EQ(field(lines[1], "dest"), "alice");
    EXPECT_LT(lines[0].at("id").to_number<std::int64_t>(),
              lines[1].at("id").to_number<std::int64_t>());
}

TEST(History, KillNineUnderLoadLosesNoAcknowledgedMessage) {
    ScratchDir data;
    std::set<std::uint64_t> acked;
    std::set<std::uint64_t> received;
    {
        ServerProcess server({"--data-dir", data.path()});
        TestClient sender(server.host(), server.port());
        TestClient listener(server.host(), server.port());
        ASSERT_TRUE(sender.hello("sender"));
        ASSERT_TRUE(listener.hello("listener"));
        std::string burst;
        for (int i = 0; i < 20000; ++i) {
            burst += R"({"type":"message","dest":"ALL","message":"m)" + std::to_string(i) + "\"}\n";
        }
        ASSERT_TRUE(sender.send_raw(burst));
        while (acked.size() < 500) {
            auto frame = sender.next_json();
            ASSERT_TRUE(frame);
            if (has_type(*frame, "ack")) acked.insert(id_of(*frame));
        }
        server.kill();  // SIGKILL, mid-stream
        // Whatever else reached either of them before the end.
        while (auto frame = sender.next_json(std::chrono::milliseconds(500))) {
            if (has_type(*frame, "ack")) acked.insert(id_of(*frame));
        }
        while (auto frame = listener.next_json(std::chrono::milliseconds(500))) {
            if (is_message(*frame)) received.insert(id_of(*frame));
        }
    }
    ServerProcess server({"--data-dir", data.path()});
    TestClient reader(server.host(), server.port());
    ASSERT_EQ(field(hello_since(reader, "reader", 0), "type"), "welcome");
    std::uint64_t last_id = 0;
    auto stored = replay(reader, &last_id);
    ASSERT_TRUE(stored);
    std::vector<std::uint64_t> ids;
    for (const auto& m : *stored) ids.push_back(id_of(m));
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
    const std::set<std::uint64_t> kept(ids.begin(), ids.end());
    for (auto id : acked) EXPECT_TRUE(kept.contains(id)) << "acknowledged " << id << " lost";
    for (auto id : received) EXPECT_TRUE(kept.contains(id)) << "delivered " << id << " not kept";
    std::printf("[ history  ] %zu acknowledged, %zu delivered live, %zu kept\n", acked.size(),
                received.size(), kept.size());
}

}  // namespace
}  // namespace hubchat::test
