// The last hour's requests per minute by outcome: a bounded ring of 60
// one-minute buckets on the caller's clock.
#include "router/http/outcome_minutes.h"

#include <gtest/gtest.h>

#include "tests/router/http/harness.h"

namespace keyward::http {
namespace {

using namespace std::chrono_literals;
using Kind = RouteOutcome::Kind;

TEST(OutcomeMinutes, CountsEachOutcomeInItsMinute) {
  OutcomeMinutes m;
  WallTime t = test::at("2025-11-18T08:00:10Z");
  m.record(t, Kind::provider);
  m.record(t + 5s, Kind::provider);
  m.record(t + 20s, Kind::cache);
  m.record(t + 60s, Kind::emergency);
  m.record(t + 61s, Kind::request_error);  // not charted
  auto hour = m.last_hour(t + 61s);
  ASSERT_EQ(hour.size(), 60u);
  EXPECT_EQ(hour.back().start, test::at("2025-11-18T08:01:00Z"));
  EXPECT_EQ(hour.back().emergency, 1u);
  EXPECT_EQ(hour.back().provider, 0u);
  const auto& first = hour[58];
  EXPECT_EQ(first.start, test::at("2025-11-18T08:00:00Z"));
  EXPECT_EQ(first.provider, 2u);
  EXPECT_EQ(first.cache, 1u);
  EXPECT_EQ(first.emergency, 0u);
  for (size_t i = 0; i < 58; ++i) EXPECT_EQ(hour[i].provider + hour[i].cache + hour[i].emergency, 0u);
}

TEST(OutcomeMinutes, AMinuteLeavesTheWindowAfterAnHourAndItsBucketIsReused) {
  OutcomeMinutes m;
  WallTime t = test::at("2025-11-18T08:00:00Z");
  for (int i = 0; i < 5; ++i) m.record(t, Kind::provider);
  EXPECT_EQ(m.last_hour(t + 59min).front().provider, 5u) << "still the oldest minute of the hour";
  EXPECT_EQ(m.last_hour(t + 60min).front().provider, 0u);
  m.record(t + 60min, Kind::cache);  // same slot of the ring, a new minute
  auto hour = m.last_hour(t + 60min);
  EXPECT_EQ(hour.back().cache, 1u);
  EXPECT_EQ(hour.back().provider, 0u) << "the old minute's counts are gone";
}

TEST(OutcomeMinutes, ALateStampDoesNotWipeANewerMinute) {
  OutcomeMinutes m;
  WallTime t = test::at("2025-11-18T09:00:00Z");
  m.record(t, Kind::provider);
  m.record(t - 60min, Kind::emergency);  // the same slot, an hour earlier
  EXPECT_EQ(m.last_hour(t).back().provider, 1u);
  EXPECT_EQ(m.last_hour(t).back().emergency, 0u);
}

TEST(OutcomeMinutes, JsonHasSixtyCountsPerSeriesOldestFirst) {
  OutcomeMinutes m;
  WallTime t = test::at("2025-11-18T08:30:45Z");
  m.record(t, Kind::emergency);
  auto j = m.to_json(t);
  EXPECT_EQ(j["end"], "2025-11-18T08:30:00Z");
  for (const char* s : {"provider", "cache", "emergency"}) EXPECT_EQ(j[s].size(), 60u) << s;
  EXPECT_EQ(j["emergency"][59], 1);
  EXPECT_EQ(j["provider"][59], 0);
}

}  // namespace
}  // namespace keyward::http
