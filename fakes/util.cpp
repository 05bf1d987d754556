#include "fakes/util.h"

#include <cstdio>
#include <ctime>

namespace keyward::fakes {

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) c = '?';
  }
  return out;
}

std::string mask_key(std::string_view key) {
  if (key.size() >= 16) {
    return printable(key.substr(0, 8)) + "..." + printable(key.substr(key.size() - 3));
  }
  if (key.size() >= 5) {
    return printable(key.substr(0, 2)) + "..." + printable(key.substr(key.size() - 2));
  }
  // Too short to show anything without revealing most of it.
  return "...";
}

std::uint64_t fnv1a64(std::string_view data, std::uint64_t basis) {
  std::uint64_t h = basis;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string key_fingerprint(std::string_view key) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(fnv1a64(key) >> 32));
  return buf;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

static inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::upto(std::uint64_t bound) {
  if (bound == 0) return 0;
  if (bound == UINT64_MAX) return next();
  return next() % (bound + 1);  // the modulo bias is irrelevant for jitter
}

std::int64_t unix_seconds(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string format_iso8601(WallTime t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                int(hms.subseconds().count()));
  return buf;
}

bool parse_iso8601(std::string_view text, WallTime& out) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  std::string str(text);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return false;
  std::string_view rest = std::string_view(str).substr(static_cast<std::size_t>(consumed));
  if (!rest.empty()) {
    int n2 = 0;
    std::string r(rest);
    if (std::sscanf(r.c_str(), "T%2d:%2d:%2d%n", &h, &mi, &s, &n2) != 3) return false;
    rest = rest.substr(static_cast<std::size_t>(n2));
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      int digits = 0;
      while (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') {
        if (digits < 3) ms = ms * 10 + (rest[0] - '0');
        ++digits;
        rest.remove_prefix(1);
      }
      if (digits == 0) return false;
      for (int i = digits; i < 3; ++i) ms *= 10;
    }
    if (rest != "Z" && rest != "z" && rest != "+00:00") return false;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return false;
  out = WallTime(sys_days(ymd).time_since_epoch() + hours(h) + minutes(mi) + seconds(s) +
                 milliseconds(ms));
  return true;
}

std::int64_t utc_day(WallTime t) {
  return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

std::chrono::milliseconds until_midnight_utc(WallTime t) {
  auto next = std::chrono::floor<std::chrono::days>(t) + std::chrono::days(1);
  return std::chrono::duration_cast<std::chrono::milliseconds>(next - t);
}

std::string go_duration(std::chrono::milliseconds d) {
  long long ms = d.count();
  if (ms <= 0) return "0s";
  long long h = ms / 3600000;
  ms %= 3600000;
  long long m = ms / 60000;
  ms %= 60000;
  std::string out;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  char buf[32];
  long long whole = ms / 1000, frac = (ms % 1000) / 10;  // Go prints centiseconds here
  if (frac)
    std::snprintf(buf, sizeof buf, "%lld.%02llds", whole, frac);
  else
    std::snprintf(buf, sizeof buf, "%llds", whole);
  // Go trims trailing zeros of the fraction ("7.5s", not "7.50s").
  std::string s(buf);
  if (frac && s[s.size() - 2] == '0') s.erase(s.size() - 2, 1);
  return out + s;
}

}  // namespace keyward::fakes
