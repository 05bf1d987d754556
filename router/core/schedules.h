#pragma once
// Time-of-day jobs off the injected clock: the daily key health check
// (default 06:00 UTC) and key expiry reminders (7 days ahead, once per key per
// day). Deadlines, not timers: the service asks "is it due?" on its tick, so a
// scenario can jump to 06:00 instead of waiting for it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "router/core/alert_messages.h"
#include "router/core/config.h"

namespace keyward {

struct ScheduleConfig {
  int health_check_minute_utc = 6 * 60;  // minutes after midnight UTC
  bool health_check_enabled = true;
  Millis expiry_warning{7LL * 24 * 60 * 60'000};
  bool expiry_enabled = true;
};

// "06:00" -> 360; false on anything else.
bool parse_time_of_day(const std::string& text, int* minutes_utc);

// A job that runs once a day at a fixed UTC time. The first run is the first
// occurrence at or after `start`. After a clock jump over several days the
// job is due once, not once per missed day.
class DailySchedule {
 public:
  DailySchedule(int minute_of_day_utc, WallTime start);
  bool due(WallTime now) const { return now >= next_; }
  // The run happened at `now`: the next one is the first occurrence after it.
  void mark_done(WallTime now);
  WallTime next_due() const { return next_; }

 private:
  WallTime occurrence_at_or_after(WallTime t) const;
  Millis offset_;
  WallTime next_;
};

// The daily key health check: due()/mark_done() around the service's pings,
// then health_check_alert() with the results.
class DailyHealthCheck {
 public:
  DailyHealthCheck(const ScheduleConfig& config, WallTime start)
      : enabled_(config.health_check_enabled), schedule_(config.health_check_minute_utc, start) {}
  bool daily_check_due(WallTime now) const { return enabled_ && schedule_.due(now); }
  void mark_done(WallTime now) { schedule_.mark_done(now); }
  WallTime next_due() const { return schedule_.next_due(); }

 private:
  bool enabled_;
  DailySchedule schedule_;
};

// The health_check_failed alert listing every failed key; nullopt when all passed.
inline std::optional<Alert> health_check_alert(const RouterConfig& config, const std::vector<KeyCheckResult>& results,
                                               WallTime now) {
  return build_health_check_failed(config, results, now);
}

// Keys whose `expires` is within the warning window (or already past): one
// key_expiring alert per key per UTC day. The alert id is derived from the day,
// so a restart on the same day re-creates the same id and the outbox drops it.
class ExpiryReminders {
 public:
  explicit ExpiryReminders(Millis warn_before = Millis(7LL * 24 * 60 * 60'000)) : warn_before_(warn_before) {}
  std::vector<Alert> due(const RouterConfig& config, WallTime now);

 private:
  Millis warn_before_;
  std::map<std::string, std::string> last_day_;  // "groq#1:<masked>" -> "2025-11-18"; bounded by the key count
};

}  // namespace keyward
