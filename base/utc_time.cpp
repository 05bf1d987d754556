#include "base/utc_time.h"

#include <cstdio>

namespace keyward {

namespace {

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// YYYY-MM-DDTHH:MM:SS, with `fraction` digits of milliseconds (0 or 3), then Z.
// Hand-formatted: format_iso8601_ms runs for every journal line, and snprintf
// was a visible share of it. Years outside 0000-9999 take snprintf.
std::string format(WallTime t, bool with_ms) {
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{days};
  int year = static_cast<int>(ymd.year());
  auto in_day = (t - days).count();  // ms since midnight, 0..86'399'999
  auto sec = static_cast<unsigned>(in_day / 1000);
  auto ms = static_cast<unsigned>(in_day % 1000);
  if (year < 0 || year > 9999) {
    char buf[48];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u", year, static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()), sec / 3600, sec / 60 % 60, sec % 60);
    if (with_ms) n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), ".%03u", ms);
    return std::string(buf, static_cast<size_t>(n)) + "Z";
  }
  char b[24];
  put2(b, static_cast<unsigned>(year) / 100);
  put2(b + 2, static_cast<unsigned>(year) % 100);
  b[4] = '-';
  put2(b + 5, static_cast<unsigned>(ymd.month()));
  b[7] = '-';
  put2(b + 8, static_cast<unsigned>(ymd.day()));
  b[10] = 'T';
  put2(b + 11, sec / 3600);
  b[13] = ':';
  put2(b + 14, sec / 60 % 60);
  b[16] = ':';
  put2(b + 17, sec % 60);
  if (!with_ms) {
    b[19] = 'Z';
    return std::string(b, 20);
  }
  b[19] = '.';
  b[20] = static_cast<char>('0' + ms / 100);
  put2(b + 21, ms % 100);
  b[23] = 'Z';
  return std::string(b, sizeof b);
}

// Exactly `n` decimal digits at text[*i...]; advances *i.
bool digits(std::string_view text, size_t* i, size_t n, int* out) {
  if (*i + n > text.size()) return false;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = text[*i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *i += n;
  *out = v;
  return true;
}

bool expect(std::string_view text, size_t* i, char c) {
  if (*i >= text.size() || text[*i] != c) return false;
  ++*i;
  return true;
}

}  // namespace

std::string format_iso8601(WallTime t) { return format(t, false); }

std::string format_iso8601_ms(WallTime t) { return format(t, true); }

std::string format_date(WallTime t) { return format(t, false).substr(0, 10); }

bool parse_iso8601(std::string_view text, WallTime* out) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  size_t i = 0;
  if (!digits(text, &i, 4, &y) || !expect(text, &i, '-') || !digits(text, &i, 2, &mo) || !expect(text, &i, '-') ||
      !digits(text, &i, 2, &d))
    return false;
  if (i < text.size()) {
    if (!expect(text, &i, 'T') || !digits(text, &i, 2, &h) || !expect(text, &i, ':') || !digits(text, &i, 2, &mi) ||
        !expect(text, &i, ':') || !digits(text, &i, 2, &s))
      return false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      int n = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (n < 3) ms = ms * 10 + (text[i] - '0');
        ++n;
        ++i;
      }
      if (n == 0) return false;
      for (int k = n; k < 3; ++k) ms *= 10;
    }
    std::string_view zone = text.substr(i);
    if (zone != "Z" && zone != "z" && zone != "+00:00") return false;
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

int64_t utc_day(WallTime t) { return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count(); }

int64_t unix_seconds(WallTime t) { return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count(); }

}  // namespace keyward
