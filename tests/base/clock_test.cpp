#include "base/clock.h"

#include <gtest/gtest.h>

#include "base/utc_time.h"

namespace keyward {
namespace {

WallTime at(const char* iso) {
  WallTime t;
  EXPECT_TRUE(parse_iso8601(iso, &t)) << iso;
  return t;
}

TEST(SimClock, MovesOnlyWhenTold) {
  WallTime start = at("2025-11-18T08:00:00Z");
  SimClock c(start);
  EXPECT_EQ(c.wall(), start);
  c.advance(std::chrono::minutes(15));
  EXPECT_EQ(format_iso8601(c.wall()), "2025-11-18T08:15:00Z");
  EXPECT_EQ(c.monotonic(), std::chrono::minutes(15));
  c.set_wall(start);  // wall jumps back, monotonic does not
  EXPECT_EQ(c.wall(), start);
  EXPECT_EQ(c.monotonic(), std::chrono::minutes(15));
  c.set_wall(at("2025-11-18T09:00:00Z"));  // a jump forward moves both
  EXPECT_EQ(c.monotonic(), std::chrono::minutes(75));
}

TEST(OffsetClock, IsRealTimeMovedByAnOffset) {
  OffsetClock c;
  c.set_wall(at("2025-11-18T08:00:00Z"));
  WallTime moved = c.wall();
  // Real time passes between the calls; the offset itself is exact.
  EXPECT_GE(moved, at("2025-11-18T08:00:00Z"));
  EXPECT_LT(moved, at("2025-11-18T08:00:00Z") + std::chrono::minutes(1));
  MonoTime m0 = c.monotonic();
  c.advance(std::chrono::hours(1));
  EXPECT_GE(c.wall(), moved + std::chrono::hours(1));
  EXPECT_GE(c.monotonic() - m0, std::chrono::hours(1));
  // Back to the past: wall time follows, monotonic time never goes back.
  MonoTime m1 = c.monotonic();
  c.set_wall(at("2025-01-01T00:00:00Z"));
  EXPECT_LT(c.wall(), moved);
  EXPECT_GE(c.monotonic(), m1);
}

}  // namespace
}  // namespace keyward
