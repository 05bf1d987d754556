#include "router/core/schedules.h"

#include <set>

#include "base/utc_time.h"

namespace keyward {

namespace {
constexpr Millis kDay{24LL * 60 * 60'000};
}

bool parse_time_of_day(const std::string& text, int* minutes_utc) {
  if (text.size() != 5 || text[2] != ':') return false;
  for (size_t i : {0u, 1u, 3u, 4u})
    if (text[i] < '0' || text[i] > '9') return false;
  int h = (text[0] - '0') * 10 + (text[1] - '0');
  int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return false;
  *minutes_utc = h * 60 + m;
  return true;
}

DailySchedule::DailySchedule(int minute_of_day_utc, WallTime start)
    : offset_(Millis(static_cast<int64_t>(((minute_of_day_utc % 1440) + 1440) % 1440) * 60'000)),
      next_(occurrence_at_or_after(start)) {}

WallTime DailySchedule::occurrence_at_or_after(WallTime t) const {
  WallTime midnight = std::chrono::floor<std::chrono::days>(t);
  WallTime candidate = midnight + offset_;
  return candidate >= t ? candidate : candidate + kDay;
}

void DailySchedule::mark_done(WallTime now) { next_ = occurrence_at_or_after(now + Millis(1)); }

std::vector<Alert> ExpiryReminders::due(const RouterConfig& config, WallTime now) {
  std::vector<Alert> out;
  std::string today = format_iso8601(now).substr(0, 10);
  std::set<std::string> live;
  for (const auto& p : config.providers) {
    for (const auto& k : p.keys) {
      if (!k.expires) continue;
      std::string id = p.name + "#" + std::to_string(k.index) + ":" + k.masked();
      live.insert(id);
      if (*k.expires - now > warn_before_) continue;
      auto& last = last_day_[id];
      if (last == today) continue;
      last = today;
      out.push_back(build_key_expiring(p, k, now));
    }
  }
  // Forget keys that left the configuration, so the map stays bounded.
  for (auto it = last_day_.begin(); it != last_day_.end();)
    it = live.count(it->first) ? std::next(it) : last_day_.erase(it);
  return out;
}

}  // namespace keyward
