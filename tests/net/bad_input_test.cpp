// Bad input against the real server binary through loopback sockets (issue 4, "Proof").
// Every test holds the server to four promises while it is being abused:
//  1. the offender gets a clear error, or is disconnected (after a final error when the
//     server is the one closing);
//  2. bystanders chatting meanwhile (hubchat and original dialect, and TLS where the server
//     speaks it) get every message exactly once, in order, and within a few seconds;
//  3. every frame the server sends, to anyone, is a JSON object in valid UTF-8 (plain ASCII
//     for original-dialect clients, as Python's json.dumps writes it);
//  4. nothing crashes, and once the abusers are gone the server's descriptors are back to
//     their count before the abuse and its memory to what it was after a warm-up round.
// robustness_test.cpp, limits_test.cpp, timeouts_test.cpp and tls_test.cpp check single
// cases; here bad input comes in bulk, in both dialects, as first frames and with witnesses.
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "net_fixture.hpp"

namespace hubchat::test {
namespace {

using Clock = std::chrono::steady_clock;

// Under AddressSanitizer freed memory sits in a quarantine and RSS says nothing about leaks
// (LeakSanitizer checks those at exit instead); under ThreadSanitizer shadow memory and
// its history grow as the server runs. So the memory promise is not checked there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Promise 2's "within a few seconds": loose on purpose; a server that let one client starve
// the others would miss it by far, a slow CI machine would not.
constexpr auto kMaxLatency = 5s;

std::chrono::milliseconds until(Clock::time_point deadline) {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

// ---- promise 3: what the server sends ----------------------------------------------------

// Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF), written here rather
// than borrowed so that the oracle does not share a validator with the server.
bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if ((b & 0xE0) == 0xC0) {
            len = 2, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            len = 3, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            len = 4, cp = b & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

// Bytes as a failure message can show them.
std::string printable(std::string_view raw) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const char ch : raw.substr(0, 200)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7F) {
            out += ch;
        } else {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    if (raw.size() > 200) out += "... (" + std::to_string(raw.size()) + " bytes)";
    return out;
}

// What is wrong with a frame the server sent; empty when nothing is.
std::string frame_problem(std::string_view raw, bool original) {
    if (!valid_utf8(raw)) return "not valid UTF-8";
    if (original && std::any_of(raw.begin(), raw.end(),
                                [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        return "not ASCII, in an original-dialect frame";
    }
    boost::system::error_code ec;
    const auto value = json::parse(raw, ec);
    if (ec) return "not JSON (" + ec.message() + ")";
    if (!value.is_object()) return "not a JSON object";
    return {};
}

// The next frame, held to promise 3 (a failure is recorded, and the frame comes back as
// {"invalid": ...}); nullopt on timeout or end of stream.
std::optional<json::object> next_checked(TestClient& client, bool original,
                                         Clock::time_point deadline) {
    const auto raw = client.next_frame(until(deadline));
    if (!raw) return std::nullopt;
    if (const auto problem = frame_problem(*raw, original); !problem.empty()) {
        ADD_FAILURE() << "the server sent a frame that is " << problem << ": " << printable(*raw);
        return json::object{{"invalid", printable(*raw)}};
    }
    return json::parse(*raw).as_object();
}

// ---- frames a test sends -------------------------------------------------------------------

std::string quoted(std::string_view text) {
    return json::serialize(json::string(text));
}

// The two frames the original Python client writes, in its spacing.
std::string original_list(std::string_view user) {
    return "{\"user\": " + quoted(user) + ", \"request\": \"ClientList\"}";
}
std::string original_chat(std::string_view user, std::string_view text, std::string_view dest) {
    return "{\"user\": " + quoted(user) + ", \"message\": " + quoted(text) +
           ", \"dest\": " + quoted(dest) + "}";
}
std::string hubchat_message(std::string_view dest, std::string_view text, std::string_view ref) {
    return json::serialize(
               json::object{{"type", "message"}, {"dest", dest}, {"message", text}, {"ref", ref}}) +
           "\n";
}

// Everything a hubchat connection receives before the pong to a fresh ping: the replies to
// all it sent before, since the server answers a connection's frames in order. Presence
// events are left out. nullopt when no pong came.
std::optional<std::vector<json::object>> replies(TestClient& client) {
    static std::atomic<int> next_ref{0};
    const std::string ref = "replies-" + std::to_string(++next_ref);
    if (!client.send_json({{"type", "ping"}, {"ref", ref}})) return std::nullopt;
    std::vector<json::object> before;
    const auto deadline = Clock::now() + kDeadline;
    while (auto frame = next_checked(client, false, deadline)) {
        if (has_type(*frame, "pong") && field(*frame, "ref") == ref) return before;
        if (has_type(*frame, "join") || has_type(*frame, "leave")) continue;
        before.push_back(std::move(*frame));
    }
    return std::nullopt;
}

// The same for an original-dialect connection `name`, which cannot ping: everything before
// the client list it asks for.
std::optional<std::vector<json::object>> original_replies(TestClient& client,
                                                          std::string_view name) {
    if (!client.send_raw(original_list(name))) return std::nullopt;
    std::vector<json::object> before;
    const auto deadline = Clock::now() + kDeadline;
    while (auto frame = next_checked(client, true, deadline)) {
        if (frame->contains("client-list")) return before;
        before.push_back(std::move(*frame));
    }
    return std::nullopt;
}

// The codes of error frames, and the type of anything else, in order.
std::vector<std::string> codes_of(const std::vector<json::object>& frames) {
    std::vector<std::string> codes;
    for (const auto& f : frames) {
        codes.push_back(has_type(f, "error") ? field(f, "code") : "<" + to_text(f) + ">");
    }
    return codes;
}

bool is_notice(const json::object& frame) {
    return field(frame, "user") == "server" && !field(frame, "message").empty() &&
           frame.contains("dest");
}

// ---- promise 2: bystanders -----------------------------------------------------------------

enum class Kind : std::uint8_t { Hubchat, Tls, Original };

struct Member {
    std::string name;
    Kind kind;
};

// One bystander: a connection whose every frame is checked and filed.
class Party {
  public:
    Party(std::string name, Kind kind, std::unique_ptr<TestClient> client)
        : name(std::move(name)), original(kind == Kind::Original), client(std::move(client)) {}

    // Reads and files one frame; false when none came by `deadline` or the stream ended.
    bool pump(Clock::time_point deadline) {
        const auto frame = next_checked(*client, original, deadline);
        if (!frame) return false;
        const auto now = Clock::now();
        if (original) {
            if (frame->contains("client-list")) {
                ++lists;
            } else if (field(*frame, "user") == "server") {
                errors.push_back(to_text(*frame));
            } else {
                file(field(*frame, "user"), field(*frame, "message"), now);
            }
        } else if (has_type(*frame, "message")) {
            file(field(*frame, "user"), field(*frame, "message"), now);
        } else if (has_type(*frame, "error")) {
            errors.push_back(to_text(*frame));
        } else if (has_type(*frame, "leave") && field(*frame, "room") == "ALL") {
            left.insert(field(*frame, "user"));
        } else if (has_type(*frame, "pong")) {
            pongs.insert(field(*frame, "ref"));
        }
        return true;
    }

    bool pump_until(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = kDeadline) {
        const auto deadline = Clock::now() + timeout;
        while (!done()) {
            if (!pump(deadline) && (client->at_eof() || Clock::now() >= deadline)) return done();
        }
        return true;
    }

    bool say(std::string_view text, std::string_view dest) {
        if (original) return client->send_raw(original_chat(name, text, dest));
        return client->send_raw(hubchat_message(dest, text, "c"));
    }

    // Proves that nothing sent to it before is still on its way: a ping answered, or for the
    // original dialect a listing.
    bool settle() {
        if (original) {
            const int before = lists;
            return client->send_raw(original_list(name)) &&
                   pump_until([&] { return lists > before; });
        }
        const std::string ref = "settle-" + std::to_string(++settles_);
        return client->send_json({{"type", "ping"}, {"ref", ref}}) &&
               pump_until([&] { return pongs.contains(ref); });
    }

    const std::string name;
    const bool original;
    std::unique_ptr<TestClient> client;
    std::map<std::string, std::vector<std::string>> chats;  // by sender, in arrival order
    std::map<std::string, Clock::time_point> arrived;       // by text
    std::vector<std::string> errors;                        // a bystander gets none
    std::set<std::string> left;                             // users seen leaving ALL
    std::set<std::string> pongs;
    int lists = 0;

  private:
    void file(const std::string& from, const std::string& text, Clock::time_point at) {
        chats[from].push_back(text);
        arrived.emplace(text, at);
    }
    int settles_ = 0;
};

// Bystanders who keep talking to each other while a test abuses the server: the hubchat
// members share room #chorus and copy the original-dialect members, who write to the hubchat
// members by name. Each member's tally of what it got from each other member must match
// what was sent, exactly and in order. Messages sent to bystanders by anyone else are a
// failure unless the test names that sender in `tolerated` and checks them itself.
class Chorus {
  public:
    explicit Chorus(const ServerProcess& server,
                    std::vector<Member> members = {{"alice", Kind::Hubchat},
                                                   {"bob", Kind::Hubchat},
                                                   {"oldie", Kind::Original}}) {
        for (auto& m : members) {
            TestClient::Options options;
            options.tls = m.kind == Kind::Tls;
            auto client = std::make_unique<TestClient>(server.host(), server.port(), options);
            if (m.kind == Kind::Original) {
                client->send_raw(original_list(m.name));
                const auto listed = client->wait_for(
                    [](const json::object& o) { return o.contains("client-list"); });
                EXPECT_TRUE(listed) << m.name << " was not registered";
            } else {
                EXPECT_TRUE(client->hello(m.name)) << m.name;
                client->send_json({{"type", "join"}, {"room", "#chorus"}});
                EXPECT_TRUE(client->wait_for(presence("join", m.name, "#chorus")))
                    << m.name << " did not join #chorus";
            }
            parties_.push_back(std::make_unique<Party>(m.name, m.kind, std::move(client)));
        }
    }

    Party& party(std::string_view name) {
        for (auto& p : parties_) {
            if (p->name == name) return *p;
        }
        throw std::logic_error("no party " + std::string(name));
    }

    // Every member sends `count` messages; every member then waits for all it should get,
    // and what each got so far is compared with what was sent.
    void round(std::string_view tag, int count = 0) {
        if (count == 0) count = round_size;
        const std::string round_tag = std::string(tag) + "#" + std::to_string(++rounds_);
        std::vector<std::string> texts;
        for (auto& sender : parties_) {
            for (int i = 0; i < count; ++i) {
                const std::string text = round_tag + " " + sender->name + " " + std::to_string(i);
                EXPECT_TRUE(sender->say(text, dest_for(*sender))) << sender->name;
                sent_at_[text] = Clock::now();
                texts.push_back(text);
                for (const auto& receiver : parties_) {
                    if (receives(*receiver, *sender)) {
                        expected_[receiver->name][sender->name].push_back(text);
                    }
                }
            }
        }
        for (auto& p : parties_) {
            const bool all = p->pump_until([&] {
                for (const auto& [sender, want] : expected_[p->name]) {
                    if (p->chats[sender].size() < want.size()) return false;
                }
                return true;
            });
            EXPECT_TRUE(all) << p->name << " is missing messages of " << round_tag;
            compare(*p);
            for (const auto& text : texts) {
                const auto at = p->arrived.find(text);
                if (at == p->arrived.end()) continue;
                const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(
                    at->second - sent_at_[text]);
                worst_latency = std::max(worst_latency, latency);
                EXPECT_LE(latency, kMaxLatency) << p->name << " got '" << text << "' late";
            }
        }
    }

    // Each member settles (nothing more on its way), then every tally must be exact, no
    // member got an error, and none was disconnected.
    void verify() {
        for (auto& p : parties_) {
            EXPECT_TRUE(p->settle()) << p->name << " did not settle";
            compare(*p);
            EXPECT_EQ(p->errors, std::vector<std::string>{}) << p->name << " got errors";
            EXPECT_FALSE(p->client->at_eof()) << p->name << " was disconnected";
        }
    }

    std::set<std::string> tolerated;  // senders whose messages the test checks itself
    int round_size = 2;               // messages per member in a round
    std::chrono::milliseconds worst_latency{0};

  private:
    // Hubchat members write to the room (which includes themselves) and to the original
    // members by name; original members write to the hubchat members by name.
    static bool receives(const Party& receiver, const Party& sender) {
        return !receiver.original || !sender.original;
    }

    std::string dest_for(const Party& sender) const {
        std::string dest = sender.original ? "" : "#chorus";
        for (const auto& p : parties_) {
            if (p->original == sender.original) continue;
            if (!dest.empty()) dest += ",";
            dest += p->name;
        }
        return dest;
    }

    void compare(Party& p) {
        for (const auto& [sender, want] : expected_[p.name]) {
            EXPECT_EQ(p.chats[sender], want)
                << p.name << " got the messages of " << sender << " lost, twice or out of order";
        }
        for (const auto& [sender, got] : p.chats) {
            if (got.empty() || expected_[p.name].contains(sender) || tolerated.contains(sender)) {
                continue;
            }
            ADD_FAILURE() << p.name << " got messages from " << sender << ", first '"
                          << printable(got.front()) << "'";
        }
    }

    std::vector<std::unique_ptr<Party>> parties_;
    std::map<std::string, std::map<std::string, std::vector<std::string>>> expected_;
    std::map<std::string, Clock::time_point> sent_at_;
    int rounds_ = 0;
};

// ---- promise 4: descriptors and memory -----------------------------------------------------

long open_fds(pid_t pid) {
    std::error_code ec;
    long count = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
         !ec && it != end; it.increment(ec)) {
        ++count;
    }
    return count;
}

long rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

// How many times a test repeats its abuse, and how much the server's memory may grow.
struct Rounds {
    int warmups = 1;  // before the baseline is taken
    int measured = 2;
    long slack_kib = 1024;
};

// Runs `abuse` for the warm-up rounds and then the measured ones. After each round: the
// chorus still chats, the server is alive, and it has closed every abuser's connection (its
// descriptors are back to their count before the abuse). After the last: its resident
// memory is within the slack of what it was after the warm-up. The warm-up is what makes
// this fair to the allocators: memory freed once is kept for reuse, so only growth across
// identical rounds means something is kept for good.
void abuse_in_rounds(ServerProcess& server, Chorus& chorus, Rounds rounds,
                     const std::function<void(int)>& abuse) {
    // Without the memory check, two rounds still show that abuse can be repeated.
    if (kSanitized) rounds = {.warmups = 1, .measured = 1, .slack_kib = rounds.slack_kib};
    const pid_t pid = server.pid();
    const long fds = open_fds(pid);
    long base = 0;
    for (int round = 0; round < rounds.warmups + rounds.measured; ++round) {
        abuse(round);
        if (::testing::Test::HasFatalFailure()) return;
        chorus.round("after-" + std::to_string(round));
        ASSERT_TRUE(server.running()) << "the server died: " << server.err();
        ASSERT_TRUE(eventually([&] { return open_fds(pid) <= fds; }))
            << "round " << round << " left " << open_fds(pid) - fds << " descriptors open";
        if (round + 1 == rounds.warmups) base = rss_kib(pid);
    }
    // Frees can lag the closes a little (deferred destruction): give them a moment.
    if (!kSanitized) eventually([&] { return rss_kib(pid) - base <= rounds.slack_kib; }, 2s);
    const long end = rss_kib(pid);
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::printf(
        "[ memory   ] %s: VmRSS %ld KiB after %d warm-up rounds, %ld KiB after %d more "
        "(%+ld KiB); bystanders' worst latency %lld ms\n",
        test->name(), base, rounds.warmups, end, rounds.measured, end - base,
        static_cast<long long>(chorus.worst_latency.count()));
    ::testing::Test::RecordProperty("rss_growth_kib", std::to_string(end - base));
    if (!kSanitized) {
        EXPECT_LE(end - base, rounds.slack_kib)
            << "the server's memory grew by " << end - base << " KiB over " << rounds.measured
            << " rounds of abuse after the warm-up";
    }
    chorus.verify();
}

// ---- promise 1: tables of bad frames -------------------------------------------------------

struct BadCase {
    BadCase(std::string input, std::string code, std::string first_code = {})
        : input(std::move(input)), code(std::move(code)), first_code(std::move(first_code)) {}

    std::string input;       // one frame; "$me" stands for the offender's name
    std::string code;        // the error a registered hubchat connection gets
    std::string first_code;  // as a connection's first frame (besides not_registered)
};

// `input` with every `from` replaced by `name`.
std::string with_name(std::string input, std::string_view name, std::string_view from = "$me") {
    for (auto at = input.find(from); at != std::string::npos; at = input.find(from, at)) {
        input.replace(at, from.size(), name);
        at += name.size();
    }
    return input;
}

// One round of a table. A registered hubchat offender sends each case `repeats` times in a
// row and must get exactly that many errors with the case's code; a registered original
// offender sends each once and must get exactly one notice from `server` with the same text;
// and each case is the first frame of a fresh connection, which must get one error and
// still be able to register afterwards. The chorus talks between cases.
void send_table(const ServerProcess& server, Chorus& chorus, const std::vector<BadCase>& cases,
                int round, int repeats) {
    const std::string hub_name = "hubby" + std::to_string(round);
    const std::string old_name = "oldy" + std::to_string(round);
    TestClient hub(server.host(), server.port());
    ASSERT_TRUE(hub.hello(hub_name));
    TestClient old(server.host(), server.port());
    const auto registered = original_replies(old, old_name);
    ASSERT_TRUE(registered && registered->empty()) << old_name << " was not registered";

    std::vector<std::string> texts;  // the hubchat error text of each case
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        std::string burst;
        for (int k = 0; k < repeats; ++k) burst += with_name(c.input, hub_name) + "\n";
        ASSERT_TRUE(hub.send_raw(burst)) << printable(c.input);
        const auto got = replies(hub);
        ASSERT_TRUE(got) << "no pong after " << printable(c.input);
        EXPECT_EQ(codes_of(*got),
                  std::vector<std::string>(static_cast<std::size_t>(repeats), c.code))
            << printable(c.input);
        texts.push_back(got->empty() ? std::string()
                                     : with_name(field(got->front(), "message"), "$me", hub_name));
        if (i % 8 == 7) chorus.round("hubchat-" + std::to_string(i));
    }

    for (std::size_t i = 0; i < cases.size(); ++i) {
        ASSERT_TRUE(old.send_raw(with_name(cases[i].input, old_name) + "\n"));
        const auto notice = next_checked(old, true, Clock::now() + kDeadline);
        ASSERT_TRUE(notice) << "no notice after " << printable(cases[i].input);
        EXPECT_TRUE(is_notice(*notice)) << to_text(*notice);
        EXPECT_EQ(field(*notice, "dest"), old_name) << to_text(*notice);
        // The same words as the hubchat error, plus advice for the name errors.
        EXPECT_EQ(with_name(field(*notice, "message"), "$me", old_name).rfind(texts[i], 0), 0u)
            << to_text(*notice) << " for " << printable(cases[i].input) << "; hubchat got '"
            << texts[i] << "'";
        if (i % 8 == 7) chorus.round("original-" + std::to_string(i));
    }
    const auto rest = original_replies(old, old_name);
    ASSERT_TRUE(rest);
    EXPECT_EQ(codes_of(*rest), std::vector<std::string>{}) << "more notices than frames";

    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        const std::string name = "f" + std::to_string(round) + "x" + std::to_string(i);
        TestClient fresh(server.host(), server.port());
        // Registration right behind it, in the dialect the case is written in (a typed frame
        // that decodes fixes the hubchat dialect; one that does not decodes fixes none).
        const bool typed = c.input.find("\"type\"") != std::string::npos;
        ASSERT_TRUE(fresh.send_raw(
            with_name(c.input, name) + "\n" +
            (typed ? json::serialize(json::object{{"type", "hello"}, {"name", name}}) + "\n"
                   : original_list(name))));
        std::vector<json::object> before;
        const auto deadline = Clock::now() + kDeadline;
        bool registered_after = false;
        while (auto frame = next_checked(fresh, !typed, deadline)) {
            if (has_type(*frame, "welcome") || frame->contains("client-list")) {
                registered_after = true;
                break;
            }
            before.push_back(std::move(*frame));
        }
        EXPECT_TRUE(registered_after) << "could not register after " << printable(c.input);
        ASSERT_EQ(before.size(), 1u) << "as first frame: " << printable(c.input);
        // A frame that decodes is refused as a request before registration; one that does
        // not gets its error in the shape every JSON client reads, the dialect still unknown.
        const auto& reply = before.front();
        if (has_type(reply, "error")) {
            const auto code = field(reply, "code");
            EXPECT_TRUE(code == c.code || code == c.first_code || code == "not_registered")
                << code << " as first frame: " << printable(c.input);
        } else {
            EXPECT_TRUE(is_notice(reply)) << to_text(reply);
        }
        if (i % 2) fresh.reset();
    }
}

// A table in three rounds (a warm-up and two measured), each with the chorus talking.
void run_table(ServerProcess& server, const std::vector<BadCase>& cases, int repeats = 20) {
    Chorus chorus(server);
    abuse_in_rounds(server, chorus, {},
                    [&](int round) { send_table(server, chorus, cases, round, repeats); });
}

// A hubchat message whose "message" is `raw_text_json` as written, to every bystander: if
// it were relayed, they would see it.
std::string hub_msg_with_text(std::string_view raw_text_json) {
    return R"({"type":"message","dest":"alice,bob,oldie","message":)" + std::string(raw_text_json) +
           "}";
}

TEST(BadInput, InvalidJsonAndNulBytesGetAnErrorInBothDialects) {
    ServerProcess server;
    using namespace std::string_literals;
    const std::vector<BadCase> cases{
        {hub_msg_with_text(R"("x",)"), "bad_json"},
        {hub_msg_with_text("'x'"), "bad_json"},
        {hub_msg_with_text(R"("x" "ref":1)"), "bad_json"},
        {hub_msg_with_text(R"("\x")"), "bad_json"},        // no such escape
        {hub_msg_with_text(R"("\u12G4")"), "bad_json"},    // not hex
        {hub_msg_with_text("\"tab\there\""), "bad_json"},  // raw control character
        {R"({"type":"ping","ref":01})", "bad_json"},
        {R"({"type":"ping","ref":NaN})", "bad_json"},
        {R"({"type":"ping","ref":Infinity})", "bad_json"},
        {R"({"type":"ping","ref":-})", "bad_json"},
        {R"({"type":"ping","ref":1.})", "bad_json"},
        {R"({"type":"ping","ref":.5})", "bad_json"},
        {R"({"type":"ping","ref":0x10})", "bad_json"},
        {R"({"type":"ping","ref":tru})", "bad_json"},
        {R"({"type":"ping" /* comment */})", "bad_json"},
        {R"({"type":"ping",,"ref":1})", "bad_json"},
        {R"({"type":"ping":"ref"})", "bad_json"},
        {R"({"user": "$me", "message": "hi" "dest": "alice,bob"})", "bad_json"},
        {R"({"user": "$me", "message": "hi", "dest": "alice,bob",})", "bad_json"},
        {R"({"user": "$me" "request": "ClientList"})", "bad_json"},
        // NUL bytes: raw inside a string or between tokens, raw at top level (the line is
        // skipped, a frame on it included), and escaped where a name is expected.
        {hub_msg_with_text("\"a\0b\""s), "bad_json"},
        {"{\"user\": \"$me\", \"message\": \"a\0b\", \"dest\": \"alice,bob\"}"s, "bad_json"},
        {"{\"type\":\"ping\",\0\"ref\":1}"s, "bad_json"},
        {"{\"type\":\"ping\",\"ref\":1\0}"s, "bad_json"},
        {"\0"s + hub_msg_with_text(R"("after a NUL on the same line")"), "bad_frame"},
        {"\0\0\0\0"s, "bad_frame"},
        {"hello\0world"s, "bad_frame"},
        {R"({"type":"hello","name":"$me\u0000"})", "already_registered", "bad_name"},
        {R"({"type":"join","room":"#nul\u0000"})", "bad_name"},
        {R"({"type":"members","room":"#\u0000"})", "unknown_recipient"},
        {R"({"type":"message","dest":"nobody\u0000","message":"x"})", "unknown_recipient"},
        {R"({"type":"message","dest":"#nul\u0000","message":"x"})", "unknown_recipient"},
        {R"({"user": "$me\u0000", "message": "spoof", "dest": "alice,bob"})", "spoofing"},
    };
    run_table(server, cases);
}

TEST(BadInput, WrongFieldTypesAndHugeNumbersAreBadRequests) {
    ServerProcess server;
    const std::vector<BadCase> cases{
        {R"({"type":["message"],"dest":"alice,bob,oldie","message":"x"})", "bad_request"},
        {R"({"type":null})", "bad_request"},
        {R"({"type":{}})", "bad_request"},
        {R"({})", "bad_request"},
        {hub_msg_with_text(R"(["x"])"), "bad_request"},
        {hub_msg_with_text("true"), "bad_request"},
        {hub_msg_with_text("{}"), "bad_request"},
        {R"({"type":"message","dest":[],"message":"x"})", "bad_request"},
        {R"({"type":"message","dest":[["alice"]],"message":"x"})", "bad_request"},
        {R"({"type":"message","dest":["alice",null],"message":"x"})", "bad_request"},
        {R"({"type":"message","dest":null,"message":"x"})", "bad_request"},
        {R"({"type":"message","dest":"","message":"x"})", "bad_request"},
        {R"({"type":"message","dest":" , ,","message":"x"})", "bad_request"},
        {R"({"type":"join","room":null})", "bad_request"},
        {R"({"type":"leave","room":{"name":"#a"}})", "bad_request"},
        {R"({"type":"members","room":["#a"]})", "bad_request"},
        {R"({"type":"quit","message":5})", "bad_request"},
        {R"({"type":"hello","name":["$me"]})", "bad_request"},
        {R"({"type":"hello","name":"$me","password":7})", "bad_request"},
        {R"({"user": "$me", "message": ["hi"], "dest": "alice,bob"})", "bad_request"},
        {R"({"user": "$me", "message": "hi", "dest": 5})", "bad_request"},
        {R"({"user": "$me", "message": "hi", "dest": {"to": "alice"}})", "bad_request"},
        {R"({"user": "$me", "request": 5})", "bad_request"},
        {R"({"user": "$me", "request": "ClientLists"})", "bad_request"},
        {R"({"user": {"name": "$me"}, "request": "ClientList"})", "bad_request"},
        // Numbers: past every integer type, past every double, and with thousands of digits.
        {R"({"type":"ping","ref":1e999})", "bad_request"},
        {R"({"type":"ping","ref":-1e999})", "bad_request"},
        {R"({"type":"ping","ref":1e-999})", "bad_request"},
        {R"({"type":"ping","ref":18446744073709551616})", "bad_request"},
        {R"({"type":"ping","ref":-9223372036854775809})", "bad_request"},
        {R"({"type":"ping","ref":)" + std::string(5000, '9') + "}", "bad_request"},
        {R"({"type":"ping","ref":-0.)" + std::string(5000, '0') + "1}", "bad_request"},
        {R"({"type":"ping","ref":1)" + std::string(3000, '0') + "e-3000}", "bad_request"},
        {R"({"type":"ping","ref":")" + std::string(100, 'r') + "\"}", "bad_request"},
        {R"({"type":"hello","name":"$me","protocol":1e400})", "bad_request"},
        {R"({"type":"hello","name":"$me","protocol":-99999999999999999999999})", "bad_request"},
        {hub_msg_with_text("1e999"), "bad_request"},
        {R"({"user": "$me", "message": 123456789012345678901234567890, "dest": "alice,bob"})",
         "bad_request"},
    };
    run_table(server, cases);

    // The largest integers are refs like any other, and come back digit for digit.
    TestClient alice(server.host(), server.port());
    ASSERT_TRUE(alice.hello("edge"));
    for (const std::string ref : {"18446744073709551615", "-9223372036854775808"}) {
        alice.send_raw(R"({"type":"ping","ref":)" + ref + "}\n");
        const auto pong = alice.wait_type("pong");
        ASSERT_TRUE(pong);
        EXPECT_EQ(field(*pong, "ref"), ref);
    }
}

TEST(BadInput, DeepNestingIsRefusedAtAnyDepth) {
    ServerProcess server;
    auto nested_arrays = [](int depth) {
        return std::string(static_cast<std::size_t>(depth), '[') +
               std::string(static_cast<std::size_t>(depth), ']');
    };
    auto nested_objects = [](int depth) {
        std::string out;
        for (int i = 0; i < depth; ++i) out += R"({"a":)";
        out += "1" + std::string(static_cast<std::size_t>(depth), '}');
        return out;
    };
    const std::vector<BadCase> cases{
        // One level past the limit, a frame's worth of levels, and in each field.
        {R"({"type":"ping","x":)" + nested_arrays(32) + "}", "bad_json"},
        {R"({"type":"ping","x":)" + nested_arrays(25000) + "}", "bad_json"},
        {R"({"type":"ping","x":)" + nested_objects(6000) + "}", "bad_json"},
        {R"({"type":"message","dest":)" + std::string(40, '[') + R"("alice")" +
             std::string(40, ']') + R"(,"message":"x"})",
         "bad_json"},
        {hub_msg_with_text(nested_objects(40)), "bad_json"},
        {R"({"type":"ping","ref":)" + nested_arrays(33) + "}", "bad_json"},
        {R"({"user": "$me", "message": "x", "dest": "alice,bob", "deep": )" + nested_arrays(40) +
             "}",
         "bad_json"},
        // Not objects at all: skipped to the end of the line.
        {nested_arrays(25000), "bad_frame"},
        {"[" + nested_objects(40) + "]", "bad_frame"},
    };
    run_table(server, cases, 10);

    // One level less is fine.
    TestClient edge(server.host(), server.port());
    ASSERT_TRUE(edge.hello("edge"));
    edge.send_raw(R"({"type":"ping","ref":31,"x":)" + nested_arrays(31) + "}\n");
    const auto pong = edge.wait_type("pong");
    ASSERT_TRUE(pong);
    EXPECT_EQ(field(*pong, "ref"), "31");
}

TEST(BadInput, InvalidUtf8InNamesTextsAndRoomsIsRefusedNeverRelayed) {
    ServerProcess server;
    // Raw bytes that are not UTF-8, and escapes that decode to no character.
    const std::vector<std::string> bad{
        "\xff",              // never in UTF-8
        "a\x80z",            // a lone continuation byte
        "\xc3\x28",          // a lead byte without its continuation
        "\xe2\x82",          // cut short at the end of the string
        "\xc0\xaf",          // overlong '/'
        "\xed\xa0\x80",      // a surrogate, encoded
        "\xf4\x90\x80\x80",  // past U+10FFFF
        "\xf8\x88\x80\x80\x80",
        "\\ud800",  // lone high surrogate
        "\\udc00x",
        "\\ud800\\u0041",
    };
    // Every place a string goes, hubchat and original shapes.
    const std::vector<std::string> places{
        R"({"type":"hello","name":"$me@"})",
        R"({"type":"message","dest":"alice,bob,oldie","message":"text @"})",
        R"({"type":"message","dest":"alice,bob,@","message":"x"})",
        R"({"type":"message","dest":["alice","@"],"message":"x"})",
        R"({"type":"join","room":"#room@"})",
        R"({"type":"leave","room":"#@"})",
        R"({"type":"members","room":"#@"})",
        R"({"type":"ping","ref":"@"})",
        R"({"type":"@"})",
        R"({"type":"ping","@":1})",
        R"({"user": "$me@", "request": "ClientList"})",
        R"({"user": "$me", "message": "text @", "dest": "alice,bob"})",
        R"({"user": "$me", "message": "x", "dest": "alice,@"})",
    };
    std::vector<BadCase> cases;
    for (const auto& place : places) {
        for (const auto& bytes : bad) {
            std::string input = place;
            input.replace(input.find('@'), 1, bytes);
            cases.push_back({input, "bad_json"});
        }
    }
    // Valid UTF-8 that names must not hold: controls, a terminal escape, bidi overrides.
    for (const std::string name : {"$me\\u001b[2J", "$me\\u202e", "$me\\u0007", "$me\\u0085"}) {
        cases.push_back(
            {R"({"type":"hello","name":")" + name + "\"}", "already_registered", "bad_name"});
        std::string room = name;
        room.replace(0, 3, "#r");
        cases.push_back({R"({"type":"join","room":")" + room + "\"}", "bad_name"});
    }
    run_table(server, cases, 5);

    // Names outside ASCII are refused like any name that is not an IRC nick (one set of
    // name rules for every protocol); the rest still talk.
    cases.clear();
    cases.push_back(
        {R"({"type":"hello","name":"\u00e9lo\u00efse"})", "already_registered", "bad_name"});
    run_table(server, cases, 5);
    Chorus chorus(server, {{"eloise", Kind::Hubchat}, {"old2", Kind::Original}});
    chorus.round("non-ascii");
    chorus.verify();
}

// ---- overlong frames -------------------------------------------------------------------------

// Writes `chunk` until the server closes the connection (or `limit` bytes went out), then
// returns the frames received before the close. The last must be the final error.
std::vector<std::string> push_until_closed(TestClient& client, const std::string& head,
                                           const std::string& chunk, std::size_t limit) {
    std::vector<std::string> frames;
    client.send_raw(head);
    for (std::size_t sent = head.size(); sent < limit; sent += chunk.size()) {
        if (!client.send_raw(chunk, 2s)) break;
    }
    EXPECT_TRUE(client.expect_closed(kDeadline, &frames))
        << "still open after " << limit << " bytes of " << printable(head);
    for (const auto& f : frames) {
        const auto problem = frame_problem(f, false);
        EXPECT_EQ(problem, "") << printable(f);
    }
    return frames;
}

TEST(BadInput, OverlongFramesAreRefusedAndEndlessOnesCutOff) {
    // 4 KiB frames; an oversize object is skipped whole up to 64 KiB, then given up.
    ServerProcess server({"--max-message", "4096"});
    const std::string big(9000, 'x');
    const std::vector<BadCase> cases{
        {hub_msg_with_text("\"" + big + "\""), "too_large"},
        {hub_msg_with_text("\"" + big + R"(\"}{ [\\")"), "too_large"},
        {R"({"type":"ping","x":)" + std::string(3000, '[') + std::string(3000, ']') + "}",
         "too_large"},
        {R"({"type":"ping",)" + std::string(5000, ' ') + R"("ref":1})", "too_large"},
        {R"({"type":"hello","name":")" + big + "\"}", "too_large"},
        {R"({"type":"join","room":"#)" + big + "\"}", "too_large"},
        {R"({"user": "$me", "message": ")" + big + R"(", "dest": "alice,bob"})", "too_large"},
        {R"({"user": ")" + big + R"(", "request": "ClientList"})", "too_large"},
        // Under the limit but over a name's: refused as a name, not as a frame.
        {R"({"type":"hello","name":")" + std::string(33, 'n') + "\"}", "already_registered",
         "bad_name"},
        {R"({"type":"join","room":"#)" + std::string(33, 'r') + "\"}", "bad_name"},
    };
    Chorus chorus(server);
    abuse_in_rounds(server, chorus, {}, [&](int round) {
        send_table(server, chorus, cases, round, 10);
        if (::testing::Test::HasFatalFailure()) return;
        // Endless: an object that never closes (given up after 64 KiB) and a line of text
        // that is no object (given up after 4 KiB), registered in either dialect or not.
        for (int i = 0; i < 6; ++i) {
            const std::string name = "e" + std::to_string(round) + "x" + std::to_string(i);
            TestClient endless(server.host(), server.port());
            const bool original = i % 3 == 1;
            if (i % 3 == 0) {
                ASSERT_TRUE(endless.hello(name));
            }
            if (original) {
                const auto registered = original_replies(endless, name);
                ASSERT_TRUE(registered && registered->empty());
            }
            const bool object = i < 3;
            const std::string head =
                object ? (original ? R"({"user": ")" + name + R"(", "message": ")"
                                   : std::string(R"({"type":"message","dest":"alice","message":")"))
                       : std::string("this is no JSON ");
            const auto frames =
                push_until_closed(endless, head, std::string(4096, object ? '{' : 'z'), 256 * 1024);
            ASSERT_FALSE(frames.empty()) << "closed without a final error: " << printable(head);
            const auto last = json::parse(frames.back()).as_object();
            if (i % 3 == 0) {
                EXPECT_EQ(field(last, "code"), "too_large") << to_text(last);
            } else {
                EXPECT_TRUE(is_notice(last)) << to_text(last);
            }
            // "Could not find the end of a frame after N bytes; closing the connection", N
            // being past the limit that was given up at.
            const std::string text = field(last, "message");
            EXPECT_NE(text.find("closing the connection"), std::string::npos) << text;
            const auto after = text.find(" after ");
            const long bytes = after == std::string::npos ? 0 : std::atol(text.c_str() + after + 7);
            EXPECT_GT(bytes, object ? 16 * 4096 : 4096) << text;
            if (i == 2) chorus.round("endless");
        }
    });
}

// ---- abandoned connections -----------------------------------------------------------------

TEST(BadInput, AThousandConnectionsAbandonedMidFrameLeaveNothingBehind) {
    ServerProcess server;
    Chorus chorus(server);
    constexpr int kConnections = 1000;
    const std::string long_text(3000, 'q');
    const std::string longer_text(20000, 'w');
    // The states a connection can be abandoned in, from not yet sniffed to registered with
    // a large frame half received; the ones the server holds memory for come often.
    auto opening = [&](int round, int i) -> std::string {
        const std::string name = "ab" + std::to_string(round) + "x" + std::to_string(i);
        switch (i % 10) {
            case 0:
                return {};  // connected, silent
            case 1:
                return "  \r\n";  // whitespace: the protocol is not known yet
            case 2:
                return "\x16";  // the first byte of a TLS record
            case 3:
                return R"({"type":"hel)";
            case 4:
                return R"({"user": ")" + name + R"(", "message": "cut)";
            case 5:
            case 6:
                return R"({"type":"hello","name":")" + name + "\"}\n" +
                       R"({"type":"message","dest":"alice,bob","message":")" + long_text;
            case 7:
                return original_list(name) + R"({"user": ")" + name + R"(", "message": ")" +
                       long_text;
            default:
                return R"({"type":"message","dest":"alice","message":")" + longer_text;
        }
    };
    // 3000 connections measured: a leak of a few hundred bytes each would show.
    abuse_in_rounds(server, chorus, {.measured = 3}, [&](int round) {
        const long before = open_fds(server.pid());
        std::vector<std::unique_ptr<TestClient>> abandoned;
        for (int i = 0; i < kConnections; ++i) {
            abandoned.push_back(std::make_unique<TestClient>(server.host(), server.port()));
            const auto bytes = opening(round, i);
            if (!bytes.empty()) {
                ASSERT_TRUE(abandoned.back()->send_raw(bytes));
            }
            if (i % 250 == 125) chorus.round("opening-" + std::to_string(i));
        }
        // All held open at once, each in the middle of its frame.
        EXPECT_TRUE(eventually([&] { return open_fds(server.pid()) >= before + kConnections; }))
            << open_fds(server.pid()) - before << " of " << kConnections << " connections open";
        chorus.round("all-open");
        for (std::size_t i = 0; i < abandoned.size(); ++i) {
            if (i % 2) {
                abandoned[i]->reset();
            } else {
                abandoned[i]->close();
            }
            if (i % 250 == 125) chorus.round("closing-" + std::to_string(i));
        }
    });
}

// ---- clients killed mid-write ----------------------------------------------------------------

// Starts a process that owns `fd` and writes `frames` to it, each in two writes with a short
// pause between, so that whenever it is killed it is most likely in the middle of a frame;
// after the last it writes half of one more and waits to be killed. It never reads: its
// acks pile up unread, so the kill ends the connection with a reset.
pid_t spawn_writer(int fd, const std::vector<std::string>& frames, const std::string& tail) {
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    // The child of a threaded process: system calls only, no allocation, never returns.
    auto write_all = [fd](const char* p, std::size_t n) {
        while (n > 0) {
            const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
            if (w <= 0) ::_exit(1);
            p += w;
            n -= static_cast<std::size_t>(w);
        }
    };
    const timespec pause{0, 50'000};
    for (const auto& frame : frames) {
        const std::size_t half = frame.size() / 2;
        write_all(frame.data(), half);
        ::nanosleep(&pause, nullptr);
        write_all(frame.data() + half, frame.size() - half);
    }
    write_all(tail.data(), tail.size());
    while (true) ::pause();
}

TEST(BadInput, ClientsKilledMidWriteDisturbNoOne) {
    ServerProcess server;
    Chorus chorus(server);
    constexpr std::size_t kSeenBeforeKill = 30;
    abuse_in_rounds(server, chorus, {}, [&](int round) {
        for (int k = 0; k < 5; ++k) {
            const std::string name = "k" + std::to_string(round) + "x" + std::to_string(k);
            chorus.tolerated.insert(name);
            std::vector<std::string> frames;
            std::vector<std::string> texts;
            for (int i = 0; i < 2000; ++i) {
                texts.push_back(name + " " + std::to_string(i) + " " + std::string(400, 'k') +
                                " end");
                frames.push_back(hubchat_message("alice,bob", texts.back(), std::to_string(i)));
            }
            TestClient writer(server.host(), server.port());
            ASSERT_TRUE(writer.hello(name));
            const pid_t pid = spawn_writer(writer.fd(), frames, frames.front().substr(0, 200));
            ASSERT_GT(pid, 0);
            writer.close();  // the child holds the connection now
            auto& alice = chorus.party("alice");
            auto& bob = chorus.party("bob");
            const bool seen =
                alice.pump_until([&] { return alice.chats[name].size() >= kSeenBeforeKill; });
            ::kill(pid, SIGKILL);
            int status = 0;
            ::waitpid(pid, &status, 0);
            ASSERT_TRUE(seen) << name << "'s messages did not arrive";
            EXPECT_TRUE(WIFSIGNALED(status)) << name << " ended before it was killed";
            // Its leave comes after everything it had sent: then the tally is complete.
            for (Party* p : {&alice, &bob}) {
                EXPECT_TRUE(p->pump_until([&] { return p->left.contains(name); }))
                    << p->name << " saw no leave of " << name;
                const auto& got = p->chats[name];
                EXPECT_GE(got.size(), kSeenBeforeKill);
                EXPECT_TRUE(got.size() <= texts.size() &&
                            std::equal(got.begin(), got.end(), texts.begin()))
                    << p->name << " got " << name << "'s messages cut, lost, twice or out of order";
            }
            EXPECT_EQ(alice.chats[name].size(), bob.chats[name].size());
            chorus.round("killed-" + name, 1);
        }
    });
}

// ---- TLS -------------------------------------------------------------------------------------

// The ClientHello OpenSSL sends, captured through memory BIOs.
std::string client_hello() {
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(context);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    SSL_set_connect_state(ssl);
    SSL_do_handshake(ssl);  // wants the server's answer; the hello is written by then
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    std::string hello(data, static_cast<std::size_t>(size));
    SSL_free(ssl);  // frees both BIOs
    SSL_CTX_free(context);
    return hello;
}

std::string junk(std::size_t size, unsigned seed) {
    std::string out(size, '\0');
    for (auto& c : out) {
        seed = seed * 1103515245u + 12345u;
        c = static_cast<char>(seed >> 16);
    }
    return out;
}

TEST(BadInput, TlsGarbageAndTruncatedHandshakesCloseOnlyThoseConnections) {
    ServerProcess server({"--tls"});
    ASSERT_TRUE(server.wait_for_out("connections are"));
    Chorus chorus(server, {{"tess", Kind::Tls}, {"bob", Kind::Hubchat}, {"oldie", Kind::Original}});
    const std::string hello = client_hello();
    ASSERT_GT(hello.size(), 100u);
    ASSERT_EQ(hello[0], '\x16');
    const TestClient::Options tls{.tls = true};
    // OpenSSL's and the allocator's caches take a few rounds to fill.
    abuse_in_rounds(server, chorus, {.warmups = 4, .measured = 4}, [&](int round) {
        // ClientHellos cut anywhere, held open mid-handshake, then closed or reset.
        std::vector<std::unique_ptr<TestClient>> cut;
        for (std::size_t i = 0; i < 40; ++i) {
            cut.push_back(std::make_unique<TestClient>(server.host(), server.port()));
            ASSERT_TRUE(cut.back()->send_raw(hello.substr(0, 1 + i * 37 % (hello.size() - 1))));
        }
        chorus.round("cut-hellos");
        for (std::size_t i = 0; i < cut.size(); ++i) i % 2 ? cut[i]->reset() : cut[i]->close();
        // Records of garbage, or a good ClientHello followed by garbage: the handshake fails
        // and the server closes.
        for (unsigned i = 0; i < 10; ++i) {
            TestClient liar(server.host(), server.port());
            const std::string bytes =
                i % 2 ? std::string("\x16\x03\x01\x00\x40", 5) + junk(64, i) : hello + junk(300, i);
            ASSERT_TRUE(liar.send_raw(bytes));
            EXPECT_TRUE(liar.expect_closed()) << "garbage handshake " << i << " left open";
        }
        // A finished handshake, then bytes that are not TLS records.
        for (unsigned i = 0; i < 5; ++i) {
            TestClient broken(server.host(), server.port(), tls);
            const auto bytes = i % 2 ? junk(500, i)
                                     : std::string(R"({"type":"ping"})"
                                                   "\n");
            ASSERT_EQ(::send(broken.fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
                      static_cast<ssize_t>(bytes.size()));
            EXPECT_TRUE(broken.expect_closed()) << "plain bytes inside TLS left it open";
        }
        // Registered over TLS: invalid UTF-8 gets its error through TLS and the connection
        // stays; then it is reset in the middle of a frame.
        for (int i = 0; i < 5; ++i) {
            const std::string name = "t" + std::to_string(round) + "x" + std::to_string(i);
            TestClient user(server.host(), server.port(), tls);
            ASSERT_TRUE(user.hello(name));
            ASSERT_TRUE(user.send_raw(hub_msg_with_text("\"\xc3\x28\"") + "\n"));
            const auto got = replies(user);
            ASSERT_TRUE(got);
            EXPECT_EQ(codes_of(*got), std::vector<std::string>{"bad_json"});
            ASSERT_TRUE(user.send_raw(R"({"type":"message","dest":"tess,bob","message":"cut)"));
            user.reset();
            EXPECT_TRUE(chorus.party("bob").pump_until(
                [&] { return chorus.party("bob").left.contains(name); }));
        }
    });
}

// ---- floods ----------------------------------------------------------------------------------

TEST(BadInput, FloodFromOneClientIsRateLimitedWhileOthersChatOnTime) {
    // The shipped budgets: 10 messages at once, then 5 a second. The chorus stays within
    // them (9 messages each in all); the flooder is far past them all the time.
    // The flooder's refusals queue up until the server stops reading it, at half its output
    // cap; a smaller cap than the default 4 MiB keeps that peak, and with it the allocator's
    // leftovers, well under the memory check's slack.
    ServerProcess::Options options;
    options.flood_control = true;
    options.args = {"--max-queue", "262144"};
    ServerProcess server(options);
    Chorus chorus(server);
    chorus.round_size = 1;
    abuse_in_rounds(server, chorus, {}, [&](int round) {
        const std::string name = "flood" + std::to_string(round);
        chorus.tolerated.insert(name);
        TestClient flooder(server.host(), server.port());
        ASSERT_TRUE(flooder.hello(name));

        std::mutex mutex;
        std::condition_variable progressed;
        long sent = 0;                      // messages written
        long refused = 0;                   // rate_limited errors, each with a retry time
        std::vector<std::string> accepted;  // acked texts, in order
        long own_copies = 0;                // ALL reaches the sender too
        std::vector<std::string> other;     // anything else: a failure
        std::atomic<bool> stop{false};      // the sender stops
        std::atomic<bool> give_up{false};   // the reader stops without waiting for answers
        bool sending_done = false;

        // As fast as the server answers, with at most kAhead messages unanswered: the flood
        // then ends soon after it is stopped, not megabytes of kernel buffers later.
        constexpr long kAhead = 2000;
        std::jthread sender([&] {
            for (long i = 0; !stop; i += 100) {
                std::string batch;
                for (long k = i; k < i + 100; ++k) {
                    batch +=
                        hubchat_message("ALL", "flood " + std::to_string(k), std::to_string(k));
                }
                {
                    std::unique_lock lock(mutex);
                    while (!stop && sent - refused - static_cast<long>(accepted.size()) >= kAhead) {
                        progressed.wait_for(lock, 100ms);
                    }
                }
                if (stop || !flooder.send_raw(batch)) break;
                std::lock_guard lock(mutex);
                sent = i + 100;
            }
            std::lock_guard lock(mutex);
            sending_done = true;
        });
        std::jthread reader([&] {
            const auto deadline = Clock::now() + 30s;
            while (Clock::now() < deadline && !give_up) {
                auto frame = next_checked(flooder, false, Clock::now() + 100ms);
                std::lock_guard lock(mutex);
                if (frame) {
                    if (has_type(*frame, "error") && field(*frame, "code") == "rate_limited" &&
                        std::atol(field(*frame, "retry_after_ms").c_str()) > 0) {
                        ++refused;
                    } else if (has_type(*frame, "ack")) {
                        accepted.push_back("flood " + field(*frame, "ref"));
                    } else if (has_type(*frame, "message") && field(*frame, "user") == name) {
                        ++own_copies;
                    } else if (!has_type(*frame, "join") && !has_type(*frame, "leave")) {
                        other.push_back(to_text(*frame));
                    }
                    progressed.notify_all();
                } else if (flooder.at_eof()) {
                    break;
                }
                if (sending_done && refused + static_cast<long>(accepted.size()) >= sent) break;
            }
            std::lock_guard lock(mutex);
            stop = true;
            progressed.notify_all();
        });
        // Destroyed before the threads are joined: a failed ASSERT below does not hang.
        struct StopAll {
            std::atomic<bool>& stop;
            std::atomic<bool>& give_up;
            ~StopAll() { stop = give_up = true; }
        } stop_all{stop, give_up};

        // The chorus talks while the flood goes on: each round waits for thousands more
        // refusals, so that it really happens in the middle of the flood.
        constexpr long kRefusalsPerRound = 2000;
        for (int r = 1; r <= 2; ++r) {
            {
                std::unique_lock lock(mutex);
                ASSERT_TRUE(progressed.wait_for(
                    lock, kDeadline, [&] { return refused >= kRefusalsPerRound * r || stop; }))
                    << "the flood stalled at " << refused << " refusals";
            }
            chorus.round("during-flood", 1);
        }
        stop = true;
        sender.join();
        reader.join();

        std::lock_guard lock(mutex);
        EXPECT_EQ(refused + static_cast<long>(accepted.size()), sent)
            << "every flood message gets exactly one answer";
        EXPECT_GE(refused, 2 * kRefusalsPerRound);
        EXPECT_EQ(other, std::vector<std::string>{});
        EXPECT_FALSE(flooder.at_eof()) << "the flooder was disconnected for a burst";
        EXPECT_GE(accepted.size(), 10u) << "the burst allowance";
        EXPECT_LE(static_cast<long>(accepted.size()), 10 + 5 * 60) << "the flood went through";
        // What got through reached everyone, once each and in order.
        for (const char* who : {"alice", "bob", "oldie"}) {
            auto& p = chorus.party(who);
            EXPECT_TRUE(p.pump_until([&] { return p.chats[name].size() >= accepted.size(); }));
            EXPECT_EQ(p.chats[name], accepted) << who << " got the flood's accepted messages";
        }
        EXPECT_TRUE(eventually([&] {
            // The reader has stopped: the copies still unread arrive here.
            while (auto frame = next_checked(flooder, false, Clock::now() + 10ms)) {
                if (has_type(*frame, "message")) ++own_copies;
            }
            return own_copies == static_cast<long>(accepted.size());
        })) << own_copies
            << " own copies for " << accepted.size() << " accepted";
    });
}

}  // namespace
}  // namespace hubchat::test
