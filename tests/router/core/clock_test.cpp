#include "router/core/clock.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(Clock, FormatsAndParsesIso8601) {
  WallTime t;
  ASSERT_TRUE(parse_iso8601("2025-11-18T08:00:15Z", &t));
  EXPECT_EQ(format_iso8601(t), "2025-11-18T08:00:15Z");
  ASSERT_TRUE(parse_iso8601("2025-11-18T08:00:15.250Z", &t));
  EXPECT_EQ(t.time_since_epoch().count() % 1000, 250);
  ASSERT_TRUE(parse_iso8601("2026-01-31", &t));
  EXPECT_EQ(format_iso8601(t), "2026-01-31T00:00:00Z");
  EXPECT_FALSE(parse_iso8601("2026-02-30", &t));
  EXPECT_FALSE(parse_iso8601("yesterday", &t));
  EXPECT_FALSE(parse_iso8601("2025-11-18T08:00:15", &t));  // no zone: refuse to guess
}

TEST(Clock, NextMidnightIsStrictlyAfter) {
  WallTime t;
  parse_iso8601("2025-11-18T23:59:59Z", &t);
  EXPECT_EQ(format_iso8601(next_midnight_utc(t)), "2025-11-19T00:00:00Z");
  parse_iso8601("2025-11-19T00:00:00Z", &t);
  EXPECT_EQ(format_iso8601(next_midnight_utc(t)), "2025-11-20T00:00:00Z");
}

TEST(Clock, SimClockMovesOnlyWhenTold) {
  WallTime start;
  parse_iso8601("2025-11-18T08:00:00Z", &start);
  SimClock c(start);
  EXPECT_EQ(c.wall(), start);
  c.advance(std::chrono::minutes(15));
  EXPECT_EQ(format_iso8601(c.wall()), "2025-11-18T08:15:00Z");
  EXPECT_EQ(c.monotonic(), std::chrono::minutes(15));
  c.set_wall(start);  // wall jumps back, monotonic does not
  EXPECT_EQ(c.wall(), start);
  EXPECT_EQ(c.monotonic(), std::chrono::minutes(15));
}

TEST(Clock, HumanDurations) {
  EXPECT_EQ(human_duration(std::chrono::minutes(5)), "5 minutes");
  EXPECT_EQ(human_duration(std::chrono::seconds(1)), "1 second");
  EXPECT_EQ(human_duration(std::chrono::minutes(15) + std::chrono::seconds(8)), "15 minutes");
  EXPECT_EQ(human_duration(std::chrono::minutes(2) + std::chrono::seconds(8)), "2 minutes 8 seconds");
  EXPECT_EQ(human_duration(std::chrono::hours(2) + std::chrono::minutes(5)), "2 hours 5 minutes");
}

TEST(Random, SameSeedSameStream) {
  SeededRandom a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
  }
  EXPECT_EQ(SeededRandom::derive(7, "fakes"), SeededRandom::derive(7, "fakes"));
  EXPECT_NE(SeededRandom::derive(7, "fakes"), SeededRandom::derive(7, "router"));
  SeededRandom u(1);
  for (int i = 0; i < 1000; ++i) {
    double d = u.uniform();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
  }
}

}  // namespace
}  // namespace keyward
