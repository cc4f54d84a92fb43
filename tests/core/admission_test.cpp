// Admission control with addresses written as text and a clock the test moves by hand.
#include "core/admission.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hubchat {
namespace {

constexpr TimestampMs kStart = 1'764'052'800'000;

PeerAddress addr(std::string_view text) {
    auto address = PeerAddress::parse(text);
    EXPECT_TRUE(address) << text;
    return address.value_or(PeerAddress{});
}

bool admitted(const AdmissionControl::Decision& decision) {
    return std::holds_alternative<AdmissionControl::Admitted>(decision);
}

std::string reason(const AdmissionControl::Decision& decision) {
    const auto* refusal = std::get_if<AdmissionControl::Refusal>(&decision);
    return refusal != nullptr ? refusal->reason : "";
}

// Only the limit under test: the others off.
AdmissionLimits only(std::size_t total, std::size_t per_address, std::uint32_t per_minute) {
    AdmissionLimits limits;
    limits.max_connections = total;
    limits.max_per_address = per_address;
    limits.max_new_per_minute = per_minute;
    return limits;
}

// ---- addresses -----------------------------------------------------------------------

TEST(PeerAddress, ParsesBothFamiliesAndFoldsMappedIpv4IntoIpv4) {
    EXPECT_EQ(addr("192.0.2.7"), addr("::ffff:192.0.2.7"));
    EXPECT_EQ(addr("192.0.2.7"), PeerAddress::from_v4({192, 0, 2, 7}));
    EXPECT_EQ(addr("::ffff:192.0.2.7"),
              PeerAddress::from_v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7}));
    EXPECT_TRUE(addr("::ffff:192.0.2.7").is_v4());
    EXPECT_EQ(addr("::ffff:192.0.2.7").to_string(), "192.0.2.7");
    EXPECT_EQ(addr("2001:DB8:0:0::1").to_string(), "2001:db8::1");
    EXPECT_EQ(addr("[2001:db8::1]"), addr("2001:db8::1"));
    EXPECT_EQ(addr("fe80::1%eth0"), addr("fe80::1"));
    EXPECT_NE(addr("192.0.2.7"), addr("192.0.2.8"));
    for (const char* bad : {"", "localhost", "1.2.3", "1.2.3.4.5", "::g", "[::1", "999.1.1.1"}) {
        EXPECT_FALSE(PeerAddress::parse(bad)) << bad;
    }
}

TEST(PeerAddress, KnowsLoopback) {
    for (const char* loop : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
        EXPECT_TRUE(addr(loop).is_loopback()) << loop;
    }
    for (const char* other : {"10.0.0.1", "::2", "::", "0.0.0.0", "128.0.0.1"}) {
        EXPECT_FALSE(addr(other).is_loopback()) << other;
    }
}

TEST(PeerAddress, Ipv6PrefixKeepsTheNetworkOnly) {
    EXPECT_EQ(addr("2001:db8:1:2:aaaa::1").v6_prefix(64), addr("2001:db8:1:2::"));
    EXPECT_EQ(addr("2001:db8:1:2:aaaa::1").v6_prefix(48), addr("2001:db8:1::"));
    EXPECT_EQ(addr("2001:db8:1:2ff::").v6_prefix(56), addr("2001:db8:1:200::"));
    EXPECT_EQ(addr("2001:db8::1").v6_prefix(128), addr("2001:db8::1"));
    EXPECT_EQ(addr("192.0.2.7").v6_prefix(64), addr("192.0.2.7"));  // IPv4 is exact
}

// ---- limits --------------------------------------------------------------------------

TEST(AdmissionControl, CapsConnectionsPerAddress) {
    AdmissionControl control(only(0, 3, 0));
    const auto a = addr("192.0.2.7");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(admitted(control.admit(a, kStart))) << i;
    const auto refused = control.admit(a, kStart);
    ASSERT_FALSE(admitted(refused));
    EXPECT_EQ(reason(refused), "Too many connections from 192.0.2.7 (3 open); close one first");
    EXPECT_EQ(std::get<AdmissionControl::Refusal>(refused).retry_after_ms, 0);
    // Others are not affected; the same host over IPv4-mapped IPv6 is.
    EXPECT_TRUE(admitted(control.admit(addr("192.0.2.8"), kStart)));
    EXPECT_FALSE(admitted(control.admit(addr("::ffff:192.0.2.7"), kStart)));
    EXPECT_EQ(control.connections_from(a), 3u);
    EXPECT_EQ(control.connections(), 4u);
    // A release makes room again.
    control.release(addr("::ffff:192.0.2.7"));
    EXPECT_EQ(control.connections_from(a), 2u);
    EXPECT_TRUE(admitted(control.admit(a, kStart)));
}

TEST(AdmissionControl, CountsAnIpv6Slash64AsOneAddress) {
    AdmissionControl control(only(0, 2, 0));
    ASSERT_TRUE(admitted(control.admit(addr("2001:db8:1:2::10"), kStart)));
    ASSERT_TRUE(admitted(control.admit(addr("2001:db8:1:2::11"), kStart)));
    const auto refused = control.admit(addr("2001:db8:1:2:ffff::1"), kStart);
    EXPECT_EQ(reason(refused),
              "Too many connections from 2001:db8:1:2::/64 (2 open); close one first");
    EXPECT_TRUE(admitted(control.admit(addr("2001:db8:1:3::10"), kStart)));
}

TEST(AdmissionControl, CapsTotalConnectionsLoopbackIncluded) {
    AdmissionControl control(only(3, 0, 0));
    ASSERT_TRUE(admitted(control.admit(addr("127.0.0.1"), kStart)));
    ASSERT_TRUE(admitted(control.admit(addr("192.0.2.1"), kStart)));
    ASSERT_TRUE(admitted(control.admit(addr("192.0.2.2"), kStart)));
    const auto full = control.admit(addr("192.0.2.3"), kStart);
    EXPECT_EQ(reason(full), "The server is full (3 connections); try again later");
    EXPECT_FALSE(admitted(control.admit(addr("127.0.0.1"), kStart)));
    control.release(addr("127.0.0.1"));
    EXPECT_EQ(control.connections(), 2u);
    EXPECT_TRUE(admitted(control.admit(addr("192.0.2.3"), kStart)));
}

TEST(AdmissionControl, LimitsNewConnectionsPerMinute) {
    AdmissionControl control(only(0, 0, 3));  // 3 at once, then one every 20 s
    const auto a = addr("198.51.100.4");
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(admitted(control.admit(a, kStart)));
        control.release(a);  // quick reconnects: open connections are not the point here
    }
    const auto refused = control.admit(a, kStart + 5'000);
    ASSERT_FALSE(admitted(refused));
    EXPECT_EQ(std::get<AdmissionControl::Refusal>(refused).retry_after_ms, 15'000);
    EXPECT_EQ(reason(refused), "Too many new connections from 198.51.100.4: try again in 15 s");
    EXPECT_TRUE(admitted(control.admit(addr("198.51.100.5"), kStart + 5'000)));  // others: fine
    EXPECT_TRUE(admitted(control.admit(a, kStart + 20'000)));
    EXPECT_FALSE(admitted(control.admit(a, kStart + 20'000)));
    // A quiet minute gives the whole allowance back.
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(admitted(control.admit(a, kStart + 90'000))) << i;
}

TEST(AdmissionControl, RefusedAttemptsCountTowardsThePerMinuteLimit) {
    AdmissionControl control(only(0, 1, 3));
    const auto a = addr("198.51.100.4");
    ASSERT_TRUE(admitted(control.admit(a, kStart)));
    // Hammering while at the per-address cap uses up the per-minute allowance too.
    EXPECT_NE(reason(control.admit(a, kStart)).find("(1 open)"), std::string::npos);
    EXPECT_NE(reason(control.admit(a, kStart)).find("(1 open)"), std::string::npos);
    control.release(a);
    EXPECT_NE(reason(control.admit(a, kStart)).find("new connections"), std::string::npos);
}

TEST(AdmissionControl, LoopbackIsExemptFromPerAddressLimitsUnlessAskedOtherwise) {
    AdmissionControl exempt(only(0, 2, 2));
    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(admitted(exempt.admit(addr(i % 2 == 0 ? "127.0.0.1" : "::1"), kStart))) << i;
    }
    EXPECT_EQ(exempt.connections(), 1000u);
    EXPECT_EQ(exempt.tracked_addresses(), 0u);  // nothing remembered for loopback

    auto strict_limits = only(0, 2, 0);
    strict_limits.exempt_loopback = false;
    AdmissionControl strict(strict_limits);
    ASSERT_TRUE(admitted(strict.admit(addr("127.0.0.1"), kStart)));
    ASSERT_TRUE(admitted(strict.admit(addr("127.0.0.1"), kStart)));
    EXPECT_FALSE(admitted(strict.admit(addr("127.0.0.1"), kStart)));
}

TEST(AdmissionControl, ZeroTurnsEveryLimitOff) {
    AdmissionControl control(only(0, 0, 0));
    for (int i = 0; i < 5000; ++i) {
        ASSERT_TRUE(admitted(control.admit(addr("203.0.113.9"), kStart))) << i;
    }
    EXPECT_EQ(control.connections(), 5000u);
    EXPECT_EQ(control.tracked_addresses(), 0u);
}

TEST(AdmissionControl, DefaultsAreGenerousForOneHouseholdOrOffice) {
    AdmissionControl control;
    const auto office = addr("203.0.113.9");
    for (int i = 0; i < 60; ++i) {
        ASSERT_TRUE(admitted(control.admit(office, kStart))) << i;  // everyone after a restart
    }
    EXPECT_FALSE(admitted(control.admit(office, kStart)));
}

TEST(AdmissionControl, ForgetsAddressesWithNoConnectionsAndNoRecentAttempts) {
    AdmissionControl control(only(0, 4, 4));  // a token every 15 s
    const auto stays = addr("192.0.2.1");
    ASSERT_TRUE(admitted(control.admit(stays, kStart)));
    for (int i = 0; i < 100; ++i) {
        const auto passer_by = PeerAddress::from_v4(
            {10, 0, static_cast<unsigned char>(i / 256), static_cast<unsigned char>(i % 256)});
        ASSERT_TRUE(admitted(control.admit(passer_by, kStart)));
        control.release(passer_by);
    }
    EXPECT_EQ(control.tracked_addresses(), 101u);
    // 10 s on, the passers-by still have a recent attempt on record: kept.
    control.forget_idle(kStart + 10'000);
    EXPECT_EQ(control.tracked_addresses(), 101u);
    // Once their allowance has refilled there is nothing left to remember, except for
    // the address that still has a connection open.
    control.forget_idle(kStart + 15'000);
    EXPECT_EQ(control.tracked_addresses(), 1u);
    EXPECT_EQ(control.connections_from(stays), 1u);
    control.release(stays);
    control.forget_idle(kStart + 15'000);
    EXPECT_EQ(control.tracked_addresses(), 0u);
    EXPECT_EQ(control.connections(), 0u);
}

TEST(AdmissionControl, ForgetsOnItsOwnWhileAdmitting) {
    AdmissionControl control(only(0, 4, 60));  // one token a second
    // Many addresses, one attempt each, a second apart: the table must not keep growing.
    for (int i = 0; i < 20'000; ++i) {
        const auto address = PeerAddress::from_v4({10, static_cast<unsigned char>(i >> 16),
                                                   static_cast<unsigned char>((i >> 8) & 0xff),
                                                   static_cast<unsigned char>(i & 0xff)});
        ASSERT_TRUE(admitted(control.admit(address, kStart + i * 1000)));
        control.release(address);
    }
    EXPECT_LE(control.tracked_addresses(), 2048u);
}

TEST(AdmissionControl, ReleasingWhatWasNeverAdmittedIsHarmless) {
    AdmissionControl control(only(0, 2, 0));
    control.release(addr("192.0.2.1"));
    EXPECT_EQ(control.connections(), 0u);
    ASSERT_TRUE(admitted(control.admit(addr("192.0.2.1"), kStart)));
    ASSERT_TRUE(admitted(control.admit(addr("192.0.2.1"), kStart)));
    EXPECT_FALSE(admitted(control.admit(addr("192.0.2.1"), kStart)));
}

}  // namespace
}  // namespace hubchat
