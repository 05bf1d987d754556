#include "router/core/clock.h"

#include <cstdio>

namespace keyward {

MonoTime RealClock::monotonic() const {
  return std::chrono::duration_cast<MonoTime>(
      std::chrono::steady_clock::now().time_since_epoch());
}

WallTime RealClock::wall() const {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

uint64_t SeededRandom::derive(uint64_t seed, const std::string& component) {
  // FNV-1a of the name mixed into the seed, then one splitmix round.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : component) h = (h ^ c) * 0x100000001b3ULL;
  SeededRandom r(seed ^ h);
  return r.next_u64();
}

std::string format_iso8601(WallTime t) {
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(t - days)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

bool parse_iso8601(const std::string& text, WallTime* out) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  char tail[8] = {0};
  int n = 0;
  if (text.size() == 10) {
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return false;
  } else {
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
      return false;
    std::string rest = text.substr(static_cast<size_t>(n));
    if (!rest.empty() && rest[0] == '.') {
      size_t i = 1;
      int digits = 0;
      while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
        if (digits < 3) ms = ms * 10 + (rest[i] - '0'), ++digits;
        ++i;
      }
      while (digits++ < 3) ms *= 10;
      rest = rest.substr(i);
    }
    if (rest != "Z" && rest != "+00:00") return false;
    (void)tail;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return false;
  *out = WallTime(std::chrono::sys_days(ymd)) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s) + Millis(ms);
  return true;
}

WallTime next_midnight_utc(WallTime t) {
  return WallTime(std::chrono::floor<std::chrono::days>(t) + std::chrono::days(1));
}

std::string human_duration(Millis d) {
  auto total_s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (total_s < 0) total_s = 0;
  auto plural = [](long long n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  long long h = total_s / 3600, m = (total_s % 3600) / 60, s = total_s % 60;
  if (h > 0) return m > 0 ? plural(h, "hour") + " " + plural(m, "minute") : plural(h, "hour");
  if (m > 0) return s > 0 && m < 10 ? plural(m, "minute") + " " + plural(s, "second") : plural(m, "minute");
  return plural(s, "second");
}

}  // namespace keyward
