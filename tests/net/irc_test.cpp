// The IRC adapter through loopback against the real server (issue 7): registration,
// messages both ways between IRC and JSON users, channels, queries, errors, IRCv3.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net_fixture.hpp"
#include "support/irc_client.hpp"

namespace hubchat::test {
namespace {

class IrcTest : public NetTest {
  protected:
    explicit IrcTest(std::vector<std::string> args = {}) : NetTest(std::move(args)) {}

    std::unique_ptr<IrcClient> irc_connect() {
        return std::make_unique<IrcClient>(server.host(), server.port());
    }
    std::unique_ptr<IrcClient> irc(const std::string& nick,
                                   const std::vector<std::string>& caps = {}) {
        auto client = irc_connect();
        EXPECT_TRUE(client->register_as(nick, caps)) << nick;
        return client;
    }
    // Joins and reads up to the end of the names.
    static void join(IrcClient& client, const std::string& channel) {
        client.send("JOIN " + channel);
        ASSERT_TRUE(client.wait_for([&](const IrcLine& l) {
            return l.command == "366" && l.param(1) == channel;
        })) << channel;
    }
    static std::vector<std::string> commands(const std::vector<IrcLine>& lines) {
        std::vector<std::string> out;
        for (const auto& l : lines) out.push_back(l.command);
        return out;
    }
    static bool contains(const std::vector<std::string>& v, const std::string& x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    }
};

TEST_F(IrcTest, RegistrationWithoutCapGivesTheWelcomeBurstAndJoinsAll) {
    auto c = irc_connect();
    c->send("NICK ivy");
    c->send("USER ivy 0 * :Ivy Irc");
    std::vector<IrcLine> burst;
    ASSERT_TRUE(c->wait_for(
        [](const IrcLine& l) { return l.command == "366" && l.param(1) == "#ALL"; }, 10s, &burst));
    const auto seen = commands(burst);
    for (const char* numeric : {"001", "002", "003", "004", "005", "251", "255", "375", "376"}) {
        EXPECT_TRUE(contains(seen, numeric)) << numeric;
    }
    EXPECT_EQ(burst.front().command, "001");
    EXPECT_EQ(burst.front().param(0), "ivy");
    std::string isupport;
    for (const auto& l : burst) {
        if (l.command == "005") isupport += l.raw;
    }
    for (const char* token : {"CASEMAPPING=ascii", "CHANTYPES=#", "NICKLEN=32", "CHANNELLEN=",
                              "TARGMAX=", "PREFIX=", "CHANMODES=", "NETWORK=", "CHATHISTORY="}) {
        EXPECT_NE(isupport.find(token), std::string::npos) << token;
    }
    const auto join_all = std::find_if(burst.begin(), burst.end(),
                                       [](const IrcLine& l) { return l.command == "JOIN"; });
    ASSERT_NE(join_all, burst.end());
    EXPECT_EQ(join_all->param(0), "#ALL");
    EXPECT_EQ(join_all->nick(), "ivy");
}

TEST_F(IrcTest, CapNegotiationHoldsRegistrationUntilCapEnd) {
    auto c = irc_connect();
    c->send("CAP LS 302");
    auto ls = c->wait_command("CAP");
    ASSERT_TRUE(ls);
    EXPECT_EQ(ls->param(1), "LS");
    for (const char* cap :
         {"message-tags", "server-time", "echo-message", "multi-prefix", "away-notify",
          "account-tag", "sasl=PLAIN", "batch", "draft/chathistory"}) {
        EXPECT_NE(ls->last().find(cap), std::string::npos) << cap;
    }
    c->send("NICK ivy");
    c->send("USER ivy 0 * :Ivy");
    auto before_end = c->sync();
    ASSERT_TRUE(before_end);
    EXPECT_FALSE(contains(commands(*before_end), "001"));
    c->send("CAP REQ :server-time bogus-cap");
    auto nak = c->wait_command("CAP");
    ASSERT_TRUE(nak);
    EXPECT_EQ(nak->param(1), "NAK");
    c->send("CAP REQ :server-time echo-message");
    auto ack = c->wait_command("CAP");
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->param(1), "ACK");
    EXPECT_EQ(ack->last(), "server-time echo-message");
    c->send("CAP END");
    EXPECT_TRUE(c->wait_command("001"));
    c->send("CAP LIST");
    auto list = c->wait_command("CAP");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->last(), "server-time echo-message");
}

TEST_F(IrcTest, CapLsWithoutVersionHasNoValues) {
    auto c = irc_connect();
    c->send("CAP LS");
    auto ls = c->wait_command("CAP");
    ASSERT_TRUE(ls);
    EXPECT_EQ(ls->last().find('='), std::string::npos) << ls->raw;
}

TEST_F(IrcTest, RegistrationErrors) {
    auto taken = irc("ivy");
    auto c = irc_connect();
    c->send("NICK 1abc");  // the first line must say IRC: NICK, USER, PASS or CAP
    auto bad = c->wait_command("432");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->param(1), "1abc");
    c->send("PRIVMSG ivy :too early");
    EXPECT_TRUE(c->wait_command("451"));
    c->send("NICK");
    EXPECT_TRUE(c->wait_command("431"));
    c->send("NICK IVY");  // casemapping=ascii: the same nick
    auto in_use = c->wait_command("433");
    ASSERT_TRUE(in_use);
    EXPECT_EQ(in_use->param(1), "IVY");
    c->send("USER onlyone");
    EXPECT_TRUE(c->wait_command("461"));
    c->send("USER u * * :");
    EXPECT_TRUE(c->wait_command("461"));
    // Still unregistered and able to finish.
    c->send("NICK ivy2");
    c->send("USER u 0 * :Real");
    EXPECT_TRUE(c->wait_command("001"));
    c->send("FROBNICATE x");
    auto unknown = c->wait_command("421");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->param(1), "FROBNICATE");
    c->send("USER again 0 * :x");
    EXPECT_TRUE(c->wait_command("462"));
}

TEST_F(IrcTest, DirectMessagesBothWaysBetweenIrcAndJson) {
    auto ivy = irc("ivy");
    auto jay = user("jay");
    ivy->send("PRIVMSG jay :hello from irc");
    auto got = jay->wait_for(chat_from("ivy", "hello from irc"));
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "dest"), "jay");
    jay->send_raw(message("ivy", "hello from json"));
    EXPECT_TRUE(ivy->wait_for(message_from("jay", "ivy", "hello from json")));
    // Case-insensitive nicks, and a comma list with both.
    auto kim = irc("kim");
    ivy->send("PRIVMSG JAY,Kim :to you both");
    EXPECT_TRUE(jay->wait_for(chat_from("ivy", "to you both")));
    EXPECT_TRUE(kim->wait_for(message_from("ivy", "kim", "to you both")));
}

TEST_F(IrcTest, RoomAndAllMessagesBothWays) {
    auto ivy = irc("ivy");
    auto jay = user("jay");
    join(*ivy, "#dev");
    jay->send_raw(R"({"type":"join","room":"#dev"})"
                  "\n");
    ASSERT_TRUE(
        ivy->wait_for([](const IrcLine& l) { return l.command == "JOIN" && l.nick() == "jay"; }));
    ivy->send("PRIVMSG #dev :room from irc");
    auto in_room = jay->wait_for(chat_from("ivy", "room from irc"));
    ASSERT_TRUE(in_room);
    EXPECT_EQ(field(*in_room, "dest"), "#dev");
    jay->send_raw(message("#dev", "room from json"));
    EXPECT_TRUE(ivy->wait_for(message_from("jay", "#dev", "room from json")));

    ivy->send("PRIVMSG #ALL :everyone from irc");
    auto to_all = jay->wait_for(chat_from("ivy", "everyone from irc"));
    ASSERT_TRUE(to_all);
    EXPECT_EQ(field(*to_all, "dest"), "ALL");
    jay->send_raw(message("ALL", "everyone from json"));
    EXPECT_TRUE(ivy->wait_for(message_from("jay", "#ALL", "everyone from json")));
    // Without echo-message, a sender does not get its own room message back.
    auto rest = ivy->sync();
    ASSERT_TRUE(rest);
    for (const auto& l : *rest) EXPECT_NE(l.nick(), "ivy") << l.raw;
}

TEST_F(IrcTest, LongAndMultiLineMessagesAreSplitWithin512Bytes) {
    auto ivy = irc("ivy");
    auto jay = user("jay");
    std::string long_text;
    for (int i = 0; i < 300; ++i) long_text += "\xc3\xa9";  // 600 bytes of two-byte characters
    jay->send_raw(message("ivy", long_text + "\nsecond line"));
    std::string joined;
    std::vector<IrcLine> lines;
    while (joined.size() < long_text.size()) {
        auto l = ivy->wait_command("PRIVMSG");
        ASSERT_TRUE(l);
        EXPECT_LE(l->raw.size() + 2, 512u);
        joined += l->last();
    }
    EXPECT_EQ(joined, long_text);  // cut only between characters
    auto second = ivy->wait_command("PRIVMSG");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->last(), "second line");
}

TEST_F(IrcTest, NoticesReachJsonUsersMarkedAndNeverGetErrors) {
    auto ivy = irc("ivy");
    auto jay = user("jay");
    ivy->send("NOTICE jay :automated");
    auto got = jay->wait_for(chat_from("ivy", "automated"));
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->contains("notice") && got->at("notice").as_bool());
    ivy->send("NOTICE nobody :x");
    ivy->send("NOTICE #nowhere :x");
    auto replies = ivy->sync();
    ASSERT_TRUE(replies);
    EXPECT_TRUE(replies->empty()) << replies->front().raw;
    auto kim = irc("kim");
    jay->send_raw(R"({"type":"message","dest":"kim","message":"plain"})"
                  "\n");
    EXPECT_TRUE(kim->wait_for(message_from("jay", "kim", "plain")));
}

TEST_F(IrcTest, MessageErrorsAreNumerics) {
    auto ivy = irc("ivy");
    auto bob = irc("bob");
    join(*bob, "#closed");
    ivy->send("PRIVMSG nobody :x");
    auto no_nick = ivy->wait_command("401");
    ASSERT_TRUE(no_nick);
    EXPECT_EQ(no_nick->param(1), "nobody");
    ivy->send("PRIVMSG #nowhere :x");
    EXPECT_TRUE(ivy->wait_command("401"));
    ivy->send("PRIVMSG #closed :x");
    auto cannot = ivy->wait_command("404");
    ASSERT_TRUE(cannot);
    EXPECT_EQ(cannot->param(1), "#closed");
    ivy->send("PRIVMSG bob :");
    EXPECT_TRUE(ivy->wait_command("412"));
    ivy->send("PRIVMSG bob");
    EXPECT_TRUE(ivy->wait_command("412"));
    ivy->send("PRIVMSG");
    EXPECT_TRUE(ivy->wait_command("411"));
    ivy->send("PART #closed");
    auto not_on = ivy->wait_command("442");
    ASSERT_TRUE(not_on);
    ivy->send("PART #nowhere");
    EXPECT_TRUE(ivy->wait_command("403"));
    ivy->send("JOIN nohash");
    EXPECT_TRUE(ivy->wait_command("403"));
    ivy->send("JOIN #all");  // #ALL is everyone's already; joining it again does nothing
    ivy->send("JOIN");
    EXPECT_TRUE(ivy->wait_command("461"));
    // Nothing of all that reached bob.
    auto bobs = bob->sync();
    ASSERT_TRUE(bobs);
    EXPECT_TRUE(bobs->empty()) << bobs->front().raw;
}

TEST_F(IrcTest, JoinNamesWhoWhoisListAndTopic) {
    auto ivy = irc("ivy");
    auto bob = irc("bob");
    ivy->send("JOIN #dev");
    auto echo = ivy->next();
    ASSERT_TRUE(echo);
    EXPECT_EQ(echo->command, "JOIN");  // the JOIN itself comes first
    EXPECT_EQ(echo->param(0), "#dev");
    auto names = ivy->wait_command("353");
    ASSERT_TRUE(names);
    EXPECT_EQ(names->param(2), "#dev");
    EXPECT_EQ(names->last(), "@ivy");  // whoever is in longest shows as operator
    EXPECT_TRUE(ivy->wait_command("366"));

    ivy->send("TOPIC #dev");
    EXPECT_TRUE(ivy->wait_command("331"));
    ivy->send("TOPIC #dev :release friday");
    auto topic = ivy->wait_command("TOPIC");
    ASSERT_TRUE(topic);
    EXPECT_EQ(topic->last(), "release friday");

    bob->send("JOIN #dev");
    std::vector<IrcLine> burst;
    ASSERT_TRUE(bob->wait_command("366", IrcClient::kWait, &burst));
    auto has = [&](const std::string& cmd) {
        return std::find_if(burst.begin(), burst.end(),
                            [&](const IrcLine& l) { return l.command == cmd; });
    };
    ASSERT_NE(has("332"), burst.end());
    EXPECT_EQ(has("332")->last(), "release friday");
    ASSERT_NE(has("333"), burst.end());
    EXPECT_EQ(has("333")->param(2), "ivy");
    ASSERT_NE(has("353"), burst.end());
    EXPECT_EQ(has("353")->last(), "@ivy bob");
    EXPECT_TRUE(
        ivy->wait_for([](const IrcLine& l) { return l.command == "JOIN" && l.nick() == "bob"; }));

    ivy->send("WHO #dev");
    std::vector<IrcLine> who;
    ASSERT_TRUE(ivy->wait_command("315", IrcClient::kWait, &who));
    ASSERT_EQ(who.size(), 2u);
    EXPECT_EQ(who[0].command, "352");
    EXPECT_EQ(who[0].param(5), "ivy");
    EXPECT_EQ(who[0].param(6), "H@");
    EXPECT_EQ(who[1].param(5), "bob");
    ivy->send("WHO #dev %tna,42");
    auto whox = ivy->wait_command("354");
    ASSERT_TRUE(whox);
    EXPECT_EQ(whox->param(1), "42");
    EXPECT_EQ(whox->param(2), "ivy");
    EXPECT_EQ(whox->param(3), "0");  // no account
    auto whox_bob = ivy->wait_command("354");
    ASSERT_TRUE(whox_bob);
    EXPECT_EQ(whox_bob->param(2), "bob");
    EXPECT_TRUE(ivy->wait_command("315"));

    ivy->send("WHOIS bob");
    std::vector<IrcLine> whois;
    ASSERT_TRUE(ivy->wait_command("318", IrcClient::kWait, &whois));
    ASSERT_FALSE(whois.empty());
    EXPECT_EQ(whois[0].command, "311");
    EXPECT_EQ(whois[0].param(1), "bob");
    const auto channels = std::find_if(whois.begin(), whois.end(),
                                       [](const IrcLine& l) { return l.command == "319"; });
    ASSERT_NE(channels, whois.end());
    EXPECT_NE(channels->last().find("#dev"), std::string::npos);
    ivy->send("WHOIS nobody");
    EXPECT_TRUE(ivy->wait_command("401"));
    EXPECT_TRUE(ivy->wait_command("318"));

    ivy->send("LIST");
    std::vector<IrcLine> list;
    ASSERT_TRUE(ivy->wait_command("323", IrcClient::kWait, &list));
    const auto dev = std::find_if(list.begin(), list.end(), [](const IrcLine& l) {
        return l.command == "322" && l.param(1) == "#dev";
    });
    ASSERT_NE(dev, list.end());
    EXPECT_EQ(dev->param(2), "2");
    EXPECT_EQ(dev->last(), "release friday");

    ivy->send("MODE #dev");
    auto mode = ivy->wait_command("324");
    ASSERT_TRUE(mode);
    EXPECT_EQ(mode->param(2), "+nt");
    ivy->send("MODE #dev +k secret");
    EXPECT_TRUE(ivy->wait_command("472"));
    ivy->send("MODE ivy");
    EXPECT_TRUE(ivy->wait_command("221"));

    bob->send("PART #dev");
    auto part_echo = bob->wait_command("PART");
    ASSERT_TRUE(part_echo);
    auto part = ivy->wait_command("PART");
    ASSERT_TRUE(part);
    EXPECT_EQ(part->nick(), "bob");
}

// A topic over TOPICLEN (390 bytes) is cut to it, never inside a UTF-8 character.
TEST_F(IrcTest, ALongTopicIsCutAtACharacterBoundary) {
    auto ivy = irc("ivy");
    join(*ivy, "#dev");
    // 389 ASCII bytes and then a two-byte character across the 390-byte limit.
    const std::string text = std::string(389, 't') + "\u00e9" + std::string(20, 'u');
    ivy->send("TOPIC #dev :" + text);
    auto topic = ivy->wait_command("TOPIC");
    ASSERT_TRUE(topic);
    EXPECT_EQ(topic->last(), std::string(389, 't'));
}

TEST_F(IrcTest, JsonUsersSeeTopicsSetFromIrc) {
    auto ivy = irc("ivy");
    auto jay = user("jay");
    join(*ivy, "#dev");
    jay->send_raw(R"({"type":"join","room":"#dev"})"
                  "\n");
    ASSERT_TRUE(ivy->wait_for([](const IrcLine& l) { return l.command == "JOIN"; }));
    ivy->send("TOPIC #dev :from irc");
    auto topic = jay->wait_type("topic");
    ASSERT_TRUE(topic);
    EXPECT_EQ(field(*topic, "topic"), "from irc");
    EXPECT_EQ(field(*topic, "user"), "ivy");
}

TEST_F(IrcTest, AwayRepliesAndNotifications) {
    auto ivy = irc("ivy");
    auto bob = irc("bob", {"away-notify"});
    ivy->send("AWAY :at lunch");
    EXPECT_TRUE(ivy->wait_command("306"));
    auto notice = bob->wait_command("AWAY");
    ASSERT_TRUE(notice);
    EXPECT_EQ(notice->nick(), "ivy");
    EXPECT_EQ(notice->last(), "at lunch");
    bob->send("PRIVMSG ivy :are you there?");
    auto away = bob->wait_command("301");
    ASSERT_TRUE(away);
    EXPECT_EQ(away->param(1), "ivy");
    EXPECT_EQ(away->last(), "at lunch");
    bob->send("WHOIS ivy");
    EXPECT_TRUE(bob->wait_command("301"));
    ivy->send("AWAY");
    EXPECT_TRUE(ivy->wait_command("305"));
    auto back = bob->wait_command("AWAY");
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->params.empty());
}

TEST_F(IrcTest, EchoMessageServerTimeAndMsgid) {
    auto ivy = irc("ivy", {"echo-message", "server-time", "message-tags"});
    auto bob = irc("bob", {"server-time", "message-tags"});
    ivy->send("PRIVMSG bob :tagged");
    auto echo = ivy->wait_for(message_from("ivy", "bob", "tagged"));
    ASSERT_TRUE(echo);
    auto got = bob->wait_for(message_from("ivy", "bob", "tagged"));
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->has_tag("time"));
    EXPECT_TRUE(got->has_tag("msgid"));
    EXPECT_EQ(echo->tag("msgid"), got->tag("msgid"));
    EXPECT_EQ(got->tag("time").size(), std::string("2026-01-01T00:00:00.000Z").size());
    // Room messages are echoed once.
    ivy->send("PRIVMSG #ALL :to all");
    ASSERT_TRUE(ivy->wait_for(message_from("ivy", "#ALL", "to all")));
    auto rest = ivy->sync();
    ASSERT_TRUE(rest);
    EXPECT_TRUE(rest->empty()) << rest->front().raw;
}

TEST_F(IrcTest, SaslPlainWithAnAccountMadeThroughJson) {
    {
        auto jay = connect();
        jay->send_raw(R"({"type":"hello","name":"acct","password":"s3cret pass","register":true})"
                      "\n");
        ASSERT_TRUE(jay->wait_type("welcome"));
    }  // gone: the name is free for its owner
    // Wrong password first.
    auto c = irc_connect();
    c->send("CAP LS 302");
    c->send("CAP REQ :sasl account-tag");
    ASSERT_TRUE(c->wait_for([](const IrcLine& l) { return l.param(1) == "ACK"; }));
    c->send("AUTHENTICATE PLAIN");
    auto plus = c->wait_command("AUTHENTICATE");
    ASSERT_TRUE(plus);
    EXPECT_EQ(plus->param(0), "+");
    c->send("AUTHENTICATE AGFjY3QAd3Jvbmc=");  // \0acct\0wrong
    EXPECT_TRUE(c->wait_command("904"));
    c->send("AUTHENTICATE PLAIN");
    ASSERT_TRUE(c->wait_command("AUTHENTICATE"));
    c->send("AUTHENTICATE AGFjY3QAczNjcmV0IHBhc3M=");  // \0acct\0s3cret pass
    auto logged_in = c->wait_command("900");
    ASSERT_TRUE(logged_in);
    EXPECT_EQ(logged_in->param(2), "acct");
    EXPECT_TRUE(c->wait_command("903"));
    c->send("NICK whatever");  // SASL decides the name
    c->send("USER acct 0 * :Account");
    c->send("CAP END");
    auto welcome = c->wait_command("001");
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->param(0), "acct");
    ASSERT_TRUE(c->sync());

    // A guest cannot take the registered name; others see the account tag.
    auto guest = irc_connect();
    guest->send("NICK acct");
    guest->send("USER g 0 * :g");
    EXPECT_TRUE(guest->wait_command("433"));
    auto bob = irc("bob", {"account-tag"});
    c->send("PRIVMSG bob :signed");
    auto got = bob->wait_for(message_from("acct", "bob", "signed"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->tag("account"), "acct");
    bob->send("WHOIS acct");
    EXPECT_TRUE(bob->wait_command("330"));
}

TEST_F(IrcTest, ChatHistoryReturnsWhatWasSaid) {
    auto ivy = irc("ivy", {"batch", "server-time", "message-tags", "draft/chathistory"});
    auto jay = user("jay");
    join(*ivy, "#hist");
    jay->send_raw(R"({"type":"join","room":"#hist"})"
                  "\n");
    ASSERT_TRUE(ivy->wait_for([](const IrcLine& l) { return l.command == "JOIN"; }));
    for (int i = 1; i <= 4; ++i) {
        jay->send_raw(message("#hist", "line " + std::to_string(i)));
        ASSERT_TRUE(ivy->wait_for(message_from("jay", "#hist", "line " + std::to_string(i))));
    }
    auto fetch = [&](const std::string& request) {
        std::vector<IrcLine> lines;
        ivy->send(request);
        auto start = ivy->wait_command("BATCH");
        EXPECT_TRUE(start) << request;
        if (!start) return lines;
        EXPECT_EQ(start->param(1), "chathistory");
        const std::string id = start->param(0).substr(1);
        std::vector<IrcLine> inside;
        auto end = ivy->wait_for(
            [&](const IrcLine& l) { return l.command == "BATCH" && l.param(0) == "-" + id; },
            IrcClient::kWait, &inside);
        EXPECT_TRUE(end) << request;
        for (auto& l : inside) {
            EXPECT_EQ(l.tag("batch"), id);
            lines.push_back(std::move(l));
        }
        return lines;
    };
    auto latest = fetch("CHATHISTORY LATEST #hist * 10");
    ASSERT_EQ(latest.size(), 4u);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(latest[static_cast<std::size_t>(i)].last(), "line " + std::to_string(i + 1));
        EXPECT_TRUE(latest[static_cast<std::size_t>(i)].has_tag("time"));
    }
    const std::string third = latest[2].tag("msgid");
    const std::string first = latest[0].tag("msgid");
    auto before = fetch("CHATHISTORY BEFORE #hist msgid=" + third + " 10");
    ASSERT_EQ(before.size(), 2u);
    EXPECT_EQ(before[1].last(), "line 2");
    auto after = fetch("CHATHISTORY AFTER #hist msgid=" + first + " 2");
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0].last(), "line 2");
    EXPECT_EQ(after[1].last(), "line 3");
    auto between = fetch("CHATHISTORY BETWEEN #hist msgid=" + first +
                         " msgid=" + latest[3].tag("msgid") + " 10");
    ASSERT_EQ(between.size(), 2u);
    auto around = fetch("CHATHISTORY AROUND #hist msgid=" + third + " 3");
    ASSERT_EQ(around.size(), 3u);
    EXPECT_EQ(around[0].last(), "line 2");
    auto recent = fetch("CHATHISTORY LATEST #hist * 2");
    ASSERT_EQ(recent.size(), 2u);
    EXPECT_EQ(recent[1].last(), "line 4");
    ivy->send("CHATHISTORY LATEST #elsewhere * 10");
    auto refused = ivy->wait_command("FAIL");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->param(1), "INVALID_TARGET");
}

TEST_F(IrcTest, QuitIsSeenByOthersWithItsReason) {
    auto ivy = irc("ivy");
    auto bob = irc("bob");
    auto jay = user("jay");
    join(*ivy, "#dev");
    join(*bob, "#dev");
    bob->send("QUIT :gone fishing");
    std::vector<IrcLine> last;
    ASSERT_TRUE(bob->expect_closed(IrcClient::kWait, &last));
    ASSERT_FALSE(last.empty());
    EXPECT_EQ(last.back().command, "ERROR");
    auto quit = ivy->wait_command("QUIT");
    ASSERT_TRUE(quit);
    EXPECT_EQ(quit->nick(), "bob");
    EXPECT_NE(quit->last().find("gone fishing"), std::string::npos);
    auto more = ivy->sync();  // one QUIT, however many channels were shared
    ASSERT_TRUE(more);
    EXPECT_FALSE(contains(commands(*more), "QUIT"));
    EXPECT_TRUE(jay->wait_for(presence("leave", "bob")));
}

TEST_F(IrcTest, PingAndPongBothWays) {
    auto ivy = irc("ivy");
    ivy->send("PING abcdef");
    auto pong = ivy->wait_command("PONG");
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->params, (std::vector<std::string>{"hubchat", "abcdef"}));
    ivy->send("PING");
    EXPECT_TRUE(ivy->wait_command("409"));
}

TEST_F(IrcTest, LinesOverTheLimitAreRefusedAndTheConnectionKept) {
    auto ivy = irc("ivy");
    auto bob = irc("bob");
    ivy->send("PRIVMSG bob :" + std::string(600, 'x'));
    EXPECT_TRUE(ivy->wait_command("417"));
    ivy->send("PING " + std::string(505, 'p'));  // exactly 510 bytes: fine
    EXPECT_TRUE(ivy->wait_command("PONG"));
    ivy->send("PRIVMSG bob :still here");
    EXPECT_TRUE(bob->wait_for(message_from("ivy", "bob", "still here")));
    auto got = bob->sync();
    ASSERT_TRUE(got);
    for (const auto& l : *got) EXPECT_EQ(l.last().find("xxxx"), std::string::npos);
}

TEST_F(IrcTest, InvalidUtf8IsRefusedNeverRelayed) {
    auto ivy = irc("ivy");
    auto jay = user("jay");
    ivy->send("PRIVMSG jay :bad \xff byte");
    auto fail = ivy->wait_command("FAIL");
    ASSERT_TRUE(fail);
    EXPECT_EQ(fail->param(0), "PRIVMSG");
    EXPECT_EQ(fail->param(1), "INVALID_UTF8");
    ivy->send("PRIVMSG jay :good");
    auto got = jay->wait_type("message");
    ASSERT_TRUE(got);
    EXPECT_EQ(field(*got, "message"), "good");
}

class IrcPingTimeoutTest : public IrcTest {
  protected:
    IrcPingTimeoutTest() : IrcTest({"--idle-timeout", "1"}) {}
};

TEST_F(IrcPingTimeoutTest, SilentClientsArePingedThenClosed) {
    auto ivy = irc("ivy");
    auto ping = ivy->wait_command("PING", 5s);
    ASSERT_TRUE(ping);
    std::vector<IrcLine> last;
    ASSERT_TRUE(ivy->expect_closed(5s, &last));
    ASSERT_FALSE(last.empty());
    EXPECT_EQ(last.back().command, "ERROR");
    EXPECT_NE(last.back().last().find("Ping timeout"), std::string::npos);
}

TEST_F(IrcPingTimeoutTest, AnsweringPingsKeepsTheConnection) {
    auto ivy = irc("ivy");
    for (int i = 0; i < 3; ++i) {
        auto ping = ivy->wait_command("PING", 5s);
        ASSERT_TRUE(ping);
        ivy->send("PONG :" + ping->last());
    }
    EXPECT_TRUE(ivy->sync());
}

class IrcBigHubTest : public IrcTest {
  protected:
    IrcBigHubTest()
        : IrcTest({"--max-connections-per-address", "0", "--max-new-connections-per-minute", "0"}) {
    }
};

// Past 100 users the welcome no longer lists #ALL (every newcomer would be sent everyone,
// O(users²) in all); NAMES #ALL still lists everyone.
TEST_F(IrcBigHubTest, WelcomeListsAllOnlyWhileTheHubIsSmall) {
    std::vector<std::unique_ptr<TestClient>> crowd;
    for (int i = 0; i < 100; ++i) crowd.push_back(user("u" + std::to_string(i)));
    auto c = irc_connect();
    c->send("NICK ivy");
    c->send("USER ivy 0 * :Ivy Irc");
    std::vector<IrcLine> burst;
    const auto end = c->wait_for(
        [](const IrcLine& l) { return l.command == "366" && l.param(1) == "#ALL"; }, 10s, &burst);
    ASSERT_TRUE(end);
    EXPECT_NE(end->last().find("101 users"), std::string::npos) << end->raw;
    std::vector<std::string> listed;
    for (const auto& l : burst) {
        if (l.command == "353") listed.push_back(l.last());
    }
    EXPECT_EQ(listed, std::vector<std::string>{"ivy"});

    c->send("NAMES #ALL");
    std::vector<IrcLine> names;
    ASSERT_TRUE(c->wait_for(
        [](const IrcLine& l) { return l.command == "366" && l.param(1) == "#ALL"; }, 10s, &names));
    std::size_t count = 0;
    bool has_u99 = false;
    for (const auto& l : names) {
        if (l.command != "353") continue;
        EXPECT_LE(l.raw.size() + 2, 512u);
        const std::string list = l.last();
        std::string_view rest = list;
        while (!rest.empty()) {
            const auto space = rest.find(' ');
            const auto nick = rest.substr(0, space);
            if (!nick.empty()) ++count;
            if (nick == "u99") has_u99 = true;
            rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
        }
    }
    EXPECT_EQ(count, 101u);
    EXPECT_TRUE(has_u99);
}

class IrcFloodTest : public IrcTest {
  protected:
    IrcFloodTest() : IrcTest({"--rate-burst", "2", "--rate-per-second", "20"}) {}
};

// Flood control delays an IRC client's messages (fake lag) instead of dropping them.
TEST_F(IrcFloodTest, ABurstIsDelayedNotLost) {
    auto ivy = irc("ivy");
    auto bob = irc("bob");
    std::string burst;
    for (int i = 0; i < 8; ++i) burst += "PRIVMSG bob :n" + std::to_string(i) + "\r\n";
    ivy->send_raw(burst);
    for (int i = 0; i < 8; ++i) {
        auto got = bob->wait_command("PRIVMSG");
        ASSERT_TRUE(got) << i;
        EXPECT_EQ(got->last(), "n" + std::to_string(i));
    }
    auto errors = ivy->sync();
    ASSERT_TRUE(errors);
    EXPECT_TRUE(errors->empty()) << errors->front().raw;
}

class IrcSmallQueueTest : public IrcTest {
  protected:
    IrcSmallQueueTest() : IrcTest({"--max-queue", "65536"}) {}
};

// A channel member that stops reading is cut off with an ERROR once its queue is over the
// cap, while a member that reads gets every line. The lines reach both from the message's
// cache (all but the first member with the same caps), where IrcSession::deliver queues
// them without the general path.
TEST_F(IrcSmallQueueTest, MemberThatStopsReadingIsCutOffWhileOthersGetEveryLine) {
    // A tiny receive buffer, fixed before connecting, so the kernel cannot hide the flood in
    // a growing window; the server's own send buffer (<= 4 MiB) still absorbs some.
    // It joins after `reader`, so that the lines reach it from the cache (the hub goes
    // through a room's members in the order they joined).
    auto reader = irc("reader");
    join(*reader, "#flood");
    auto stuck = std::make_unique<IrcClient>(server.host(), server.port(), 4096);
    ASSERT_TRUE(stuck->register_as("stuck"));
    join(*stuck, "#flood");
    auto sender = irc("sender");
    join(*sender, "#flood");
    for (const char* nick : {"stuck", "sender"}) {
        ASSERT_TRUE(reader->wait_for(
            [&](const IrcLine& l) { return l.command == "JOIN" && l.nick() == nick; }));
    }
    // Batches of kBatch lines of ~420 bytes (~42 KB, under the 64 KiB cap even with no help
    // from kernel buffers), each read whole by `reader` before the next is sent: 12 MB in
    // all, well past every buffer on the way to `stuck`.
    constexpr int kBatch = 100;
    constexpr int kBatches = 290;
    const std::string padding(400, 'p');
    auto text_of = [&](int i) { return std::to_string(i) + ":" + padding; };
    bool stuck_quit = false;
    for (int batch = 0; batch < kBatches; ++batch) {
        std::string lines;
        for (int i = batch * kBatch; i < (batch + 1) * kBatch; ++i) {
            lines += "PRIVMSG #flood :" + text_of(i) + "\r\n";
        }
        ASSERT_TRUE(sender->send_raw(lines)) << "batch " << batch;
        for (int i = batch * kBatch; i < (batch + 1) * kBatch; ++i) {
            const auto got = reader->wait_for([&](const IrcLine& l) {
                if (l.command == "QUIT" && l.nick() == "stuck") stuck_quit = true;
                return l.command == "PRIVMSG" || (l.command != "QUIT" && l.command != "PING");
            });
            ASSERT_TRUE(got) << "message " << i << " never came";
            ASSERT_EQ(got->command, "PRIVMSG") << got->raw;
            ASSERT_EQ(got->nick(), "sender");
            ASSERT_EQ(got->param(0), "#flood");
            ASSERT_EQ(got->last(), text_of(i));
        }
    }
    auto rest = reader->sync();
    ASSERT_TRUE(rest);
    for (const IrcLine& line : *rest) {
        if (line.command == "QUIT" && line.nick() == "stuck") stuck_quit = true;
    }
    EXPECT_TRUE(stuck_quit) << "the reader was not told that stuck left";
    const auto sender_errors = sender->sync();
    ASSERT_TRUE(sender_errors);
    for (const IrcLine& line : *sender_errors) {
        EXPECT_EQ(line.command, "QUIT") << line.raw;  // stuck's leaving, nothing else
    }

    // The stuck member: whatever it had room for, then the ERROR, then the end.
    std::vector<IrcLine> before;
    ASSERT_TRUE(stuck->expect_closed(IrcClient::kWait, &before)) << "still connected";
    ASSERT_FALSE(before.empty());
    EXPECT_EQ(before.back().command, "ERROR");
    EXPECT_EQ(before.back().last(), "SendQ Exceeded");
    const auto received = std::count_if(before.begin(), before.end(),
                                        [](const IrcLine& l) { return l.command == "PRIVMSG"; });
    EXPECT_LT(received, kBatch * kBatches) << "it was never cut off";
}

}  // namespace
}  // namespace hubchat::test

namespace hubchat::test {
namespace {

// A room line is serialized once per set of tags: members asking for different tags each
// get their own, and the same lines otherwise.
TEST_F(IrcTest, RoomLinesCarryTheTagsEachMemberAskedFor) {
    auto plain = irc("plain");
    auto timed = irc("timed", {"server-time"});
    auto tagged = irc("tagged", {"server-time", "message-tags"});
    auto plain2 = irc("plain2");
    auto jay = user("jay");
    jay->send_raw(message("ALL", "hello all"));
    auto a = plain->wait_for(message_from("jay", "#ALL", "hello all"));
    auto b = timed->wait_for(message_from("jay", "#ALL", "hello all"));
    auto c = tagged->wait_for(message_from("jay", "#ALL", "hello all"));
    auto d = plain2->wait_for(message_from("jay", "#ALL", "hello all"));
    ASSERT_TRUE(a && b && c && d);
    EXPECT_TRUE(a->tags.empty()) << a->raw;
    EXPECT_EQ(a->raw, d->raw);
    EXPECT_TRUE(b->has_tag("time"));
    EXPECT_FALSE(b->has_tag("msgid"));
    EXPECT_TRUE(c->has_tag("time"));
    EXPECT_TRUE(c->has_tag("msgid"));
}

TEST_F(IrcTest, NickChangesAreSeenByEveryone) {
    auto ivy = irc("ivy");
    auto bob = irc("bob");
    auto jay = user("jay");
    ivy->send("NICK ivy2");
    auto own = ivy->wait_command("NICK");
    ASSERT_TRUE(own);
    EXPECT_EQ(own->nick(), "ivy");
    EXPECT_EQ(own->param(0), "ivy2");
    auto seen = bob->wait_command("NICK");
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->param(0), "ivy2");
    auto json_seen = jay->wait_type("rename");
    ASSERT_TRUE(json_seen);
    EXPECT_EQ(field(*json_seen, "name"), "ivy2");
    bob->send("NICK IVY2");
    auto taken = bob->wait_command("433");
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->param(1), "IVY2");
    bob->send("NICK 9lives");
    EXPECT_TRUE(bob->wait_command("432"));
    bob->send("PRIVMSG ivy2 :found you");
    EXPECT_TRUE(ivy->wait_for(message_from("bob", "ivy2", "found you")));
    bob->send("PRIVMSG ivy :old name");
    EXPECT_TRUE(bob->wait_command("401"));
    // The old name is free again.
    auto again = irc("ivy");
    EXPECT_TRUE(again->sync());
}

TEST_F(IrcTest, ClientTagsReachTagAwareRecipientsOnly) {
    auto ivy = irc("ivy", {"message-tags"});
    auto aware = irc("aware", {"message-tags"});
    auto plain = irc("plain");
    ivy->send("@+example.com/mood=happy\\sday;+plain PRIVMSG #ALL :tagged");
    auto got = aware->wait_for(message_from("ivy", "#ALL", "tagged"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->tag("+example.com/mood"), "happy day");
    EXPECT_TRUE(got->has_tag("+plain"));
    auto bare = plain->wait_for(message_from("ivy", "#ALL", "tagged"));
    ASSERT_TRUE(bare);
    EXPECT_TRUE(bare->tags.empty()) << bare->raw;
}

TEST_F(IrcTest, FirstLineCommandsBeforeRegistrationGet451) {
    auto c = irc_connect();
    c->send("PRIVMSG somebody :too early");
    EXPECT_TRUE(c->wait_command("451"));
    c->send("PING early");
    auto pong = c->wait_command("PONG");
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->last(), "early");
}

TEST_F(IrcTest, UserFieldsPartReasonsNotesToSelfAndIsupportLines) {
    auto c = irc_connect();
    c->send("NICK ivy");
    c->send("USER myuser 0 * :My Real Name");
    std::vector<IrcLine> burst;
    ASSERT_TRUE(c->wait_command("376", IrcClient::kWait, &burst));
    for (const auto& l : burst) {
        if (l.command == "005") {
            EXPECT_LE(l.params.size(), 15u) << l.raw;
        }
    }
    auto bob = irc("bob");
    join(*c, "#dev");
    join(*bob, "#dev");
    bob->send("WHO #dev");
    auto who = bob->wait_command("352");
    ASSERT_TRUE(who);
    EXPECT_EQ(who->param(2), "myuser");
    EXPECT_EQ(who->last(), "0 My Real Name");
    bob->send("WHOIS ivy");
    auto whois = bob->wait_command("311");
    ASSERT_TRUE(whois);
    EXPECT_EQ(whois->param(2), "myuser");
    EXPECT_EQ(whois->last(), "My Real Name");
    c->send("PART #dev :see you later");
    auto part = bob->wait_command("PART");
    ASSERT_TRUE(part);
    EXPECT_EQ(part->params, (std::vector<std::string>{"#dev", "see you later"}));
    c->send("PRIVMSG ivy :note to self");
    EXPECT_TRUE(c->wait_for(message_from("ivy", "ivy", "note to self")));
    c->send("@+big=" + std::string(5000, 'a') + " PRIVMSG bob :huge tags");
    EXPECT_TRUE(c->wait_command("417"));
    auto rest = bob->sync();
    ASSERT_TRUE(rest);
    for (const auto& l : *rest) EXPECT_NE(l.last(), "huge tags");
}

}  // namespace
}  // namespace hubchat::test
