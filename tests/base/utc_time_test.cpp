#include "base/utc_time.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

namespace keyward {
namespace {

WallTime at_ms(int64_t ms) { return WallTime(Millis(ms)); }

TEST(Iso8601, FormatsAndParses) {
  WallTime t;
  ASSERT_TRUE(parse_iso8601("2025-11-18T08:00:15Z", &t));
  EXPECT_EQ(format_iso8601(t), "2025-11-18T08:00:15Z");
  ASSERT_TRUE(parse_iso8601("2025-11-18T08:00:15.250Z", &t));
  EXPECT_EQ(t.time_since_epoch().count() % 1000, 250);
  EXPECT_EQ(format_iso8601(t), "2025-11-18T08:00:15Z");  // seconds only
  EXPECT_EQ(format_iso8601_ms(t), "2025-11-18T08:00:15.250Z");
  ASSERT_TRUE(parse_iso8601("2025-11-18T23:59:30.250Z", &t));
  EXPECT_EQ(format_iso8601_ms(t), "2025-11-18T23:59:30.250Z");
  ASSERT_TRUE(parse_iso8601("2026-01-31", &t));
  EXPECT_EQ(format_iso8601(t), "2026-01-31T00:00:00Z");
  EXPECT_EQ(format_date(t), "2026-01-31");
  ASSERT_TRUE(parse_iso8601("2025-11-18T08:00:15.1234567+00:00", &t));
  EXPECT_EQ(format_iso8601_ms(t), "2025-11-18T08:00:15.123Z");
  ASSERT_TRUE(parse_iso8601("2025-11-18T08:00:15z", &t));
}

TEST(Iso8601, RefusesWhatItCannotReadWithoutGuessing) {
  WallTime t = at_ms(42);
  for (const char* bad : {"2026-02-30", "2025-13-01T00:00:00Z", "yesterday", "", "2025-11-18T08:00:15",
                          "2025-11-18T08:00:15+01:00", "2025-11-18T24:00:00Z", "2025-11-18T08:00:15.Z", "2025-1-18",
                          "2025-11-18T8:00:15Z", "2025-11-18 08:00:15Z", " 2025-11-18"}) {
    EXPECT_FALSE(parse_iso8601(bad, &t)) << bad;
  }
  EXPECT_EQ(t, at_ms(42)) << "untouched";
}

TEST(Iso8601, MillisecondFormatMatchesAnIndependentFormatter) {
  EXPECT_EQ(format_iso8601_ms(at_ms(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(at_ms(-1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601_ms(at_ms(1763452815123)), "2025-11-18T08:00:15.123Z");
  // The hand-written digits against gmtime + snprintf, over the years 0..9999.
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> ms(-62'167'219'200'000, 253'402'300'799'999);
  for (int n = 0; n < 20'000; ++n) {
    int64_t v = ms(rng);
    int64_t secs = v >= 0 ? v / 1000 : (v - 999) / 1000;
    std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(v - secs * 1000));
    ASSERT_EQ(format_iso8601_ms(at_ms(v)), want);
    ASSERT_EQ(format_iso8601(at_ms(v)), std::string(want).substr(0, 19) + "Z");
  }
}

TEST(UtcCalendar, NextMidnightIsStrictlyAfter) {
  WallTime t;
  parse_iso8601("2025-11-18T23:59:59Z", &t);
  EXPECT_EQ(format_iso8601(next_midnight_utc(t)), "2025-11-19T00:00:00Z");
  parse_iso8601("2025-11-19T00:00:00Z", &t);
  EXPECT_EQ(format_iso8601(next_midnight_utc(t)), "2025-11-20T00:00:00Z");
  parse_iso8601("2025-11-18T23:59:30.250Z", &t);
  EXPECT_EQ((next_midnight_utc(t) - t).count(), 29750);
}

TEST(UtcCalendar, DaysAndSeconds) {
  EXPECT_EQ(utc_day(at_ms(0)), 0);
  EXPECT_EQ(utc_day(at_ms(-1)), -1);
  EXPECT_EQ(utc_day(at_ms(1763452815123)), 20410);  // 2025-11-18
  EXPECT_EQ(unix_seconds(at_ms(1763452815123)), 1763452815);
}

}  // namespace
}  // namespace keyward
