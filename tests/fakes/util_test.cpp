// Masking, formatting and the seeded RNG.
#include <gtest/gtest.h>

#include <set>

#include "fakes/util.h"

namespace keyward::fakes {
namespace {

TEST(Util, MaskKey) {
  EXPECT_EQ(mask_key("sk-proj-EXPIRED-AAA"), "sk-proj-...AAA");
  EXPECT_EQ(mask_key("AIzaSyA1234567890abcdefXYZ"), "AIzaSyA1...XYZ");
  EXPECT_EQ(mask_key("short-key"), "sh...ey");
  EXPECT_EQ(mask_key("abc"), "...");
}

TEST(Util, GoDuration) {
  using std::chrono::milliseconds;
  EXPECT_EQ(go_duration(milliseconds(179560)), "2m59.56s");
  EXPECT_EQ(go_duration(milliseconds(7660)), "7.66s");
  EXPECT_EQ(go_duration(milliseconds(7500)), "7.5s");
  EXPECT_EQ(go_duration(milliseconds(2000)), "2s");
  EXPECT_EQ(go_duration(milliseconds(3723000)), "1h2m3s");
  EXPECT_EQ(go_duration(milliseconds(0)), "0s");
}

TEST(Util, Iso8601RoundTripAndMidnight) {
  WallTime t;
  ASSERT_TRUE(parse_iso8601("2025-11-18T23:59:30.250Z", t));
  EXPECT_EQ(format_iso8601(t), "2025-11-18T23:59:30.250Z");
  EXPECT_EQ(until_midnight_utc(t).count(), 29750);
  EXPECT_FALSE(parse_iso8601("2025-13-01T00:00:00Z", t));
  EXPECT_FALSE(parse_iso8601("yesterday", t));
  ASSERT_TRUE(parse_iso8601("2025-11-19", t));
  EXPECT_EQ(until_midnight_utc(t).count(), 86'400'000);
}

TEST(Util, RngIsDeterministicPerSeed) {
  Rng a(7), b(7), c(8);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 100; ++i) {
    auto x = a.next();
    EXPECT_EQ(x, b.next());
    seen.insert(x);
    double u = c.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_NE(Rng(7).next(), Rng(8).next());
}

}  // namespace
}  // namespace keyward::fakes
