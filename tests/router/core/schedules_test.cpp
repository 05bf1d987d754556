// Daily health check and expiry reminders, off a SimClock.
#include "router/core/schedules.h"

#include <gtest/gtest.h>

#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;
using test::at;

TEST(TimeOfDay, Parses) {
  int m = 0;
  EXPECT_TRUE(parse_time_of_day("06:00", &m));
  EXPECT_EQ(m, 360);
  EXPECT_TRUE(parse_time_of_day("23:59", &m));
  EXPECT_FALSE(parse_time_of_day("24:00", &m));
  EXPECT_FALSE(parse_time_of_day("6:00", &m));
  EXPECT_FALSE(parse_time_of_day("06:0x", &m));
}

TEST(DailyHealthCheck, IsDueAt0600AfterAClockJumpAndOnlyOnce) {
  SimClock clock(at("2025-11-18T08:00:00Z"));
  DailyHealthCheck check(ScheduleConfig{}, clock.wall());
  EXPECT_FALSE(check.daily_check_due(clock.wall()));
  EXPECT_EQ(format_iso8601(check.next_due()), "2025-11-19T06:00:00Z");
  clock.set_wall(at("2025-11-19T05:59:59Z"));
  EXPECT_FALSE(check.daily_check_due(clock.wall()));
  clock.set_wall(at("2025-11-19T06:00:00Z"));
  EXPECT_TRUE(check.daily_check_due(clock.wall()));
  check.mark_done(clock.wall());
  EXPECT_FALSE(check.daily_check_due(clock.wall()));
  // A jump over three days: due once, then tomorrow again.
  clock.set_wall(at("2025-11-22T07:30:00Z"));
  EXPECT_TRUE(check.daily_check_due(clock.wall()));
  check.mark_done(clock.wall());
  EXPECT_FALSE(check.daily_check_due(clock.wall()));
  EXPECT_EQ(format_iso8601(check.next_due()), "2025-11-23T06:00:00Z");
}

TEST(DailyHealthCheck, ConfigurableTimeAndSwitch) {
  ScheduleConfig cfg;
  ASSERT_TRUE(parse_time_of_day("22:30", &cfg.health_check_minute_utc));
  DailyHealthCheck check(cfg, at("2025-11-18T22:30:00Z"));
  EXPECT_TRUE(check.daily_check_due(at("2025-11-18T22:30:00Z")));
  cfg.health_check_enabled = false;
  DailyHealthCheck off(cfg, at("2025-11-18T22:30:00Z"));
  EXPECT_FALSE(off.daily_check_due(at("2025-11-20T22:30:00Z")));
}

RouterConfig config_with_expiry(const std::string& date) {
  RouterConfig c = default_config();
  apply_env(c, parse_env("GROQ_API_KEY_1=sk-proj-AAA\nGROQ_API_KEY_1_EXPIRES=" + date + "\nGROQ_API_KEY_2=sk-proj-BBB\n", ".env").entries,
            {});
  return c;
}

TEST(ExpiryReminders, SevenDaysBeforeOncePerDay) {
  RouterConfig cfg = config_with_expiry("2025-11-25");
  SimClock clock(at("2025-11-17T09:00:00Z"));
  ExpiryReminders reminders;
  EXPECT_TRUE(reminders.due(cfg, clock.wall()).empty()) << "8 days ahead: too early";
  clock.set_wall(at("2025-11-18T00:00:00Z"));
  auto first = reminders.due(cfg, clock.wall());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].subject, "⏰ Groq Key 1 Expires on 2025-11-25");
  clock.advance(1h);
  EXPECT_TRUE(reminders.due(cfg, clock.wall()).empty()) << "once per day";
  clock.advance(23h);
  auto next_day = reminders.due(cfg, clock.wall());
  ASSERT_EQ(next_day.size(), 1u);
  EXPECT_NE(next_day[0].id, first[0].id);
  // After expiry it keeps reminding daily, as "expired".
  clock.set_wall(at("2025-11-26T10:00:00Z"));
  auto late = reminders.due(cfg, clock.wall());
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].subject, "⏰ Groq Key 1 Expired on 2025-11-25");
}

TEST(ExpiryReminders, SameDayAfterRestartHasTheSameId) {
  RouterConfig cfg = config_with_expiry("2025-11-20");
  ExpiryReminders a, b;
  auto x = a.due(cfg, at("2025-11-18T06:00:00Z"));
  auto y = b.due(cfg, at("2025-11-18T15:00:00Z"));
  ASSERT_EQ(x.size(), 1u);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(x[0].id, y[0].id) << "the outbox drops the second one";
}

}  // namespace
}  // namespace keyward
