#include "base/durations.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace keyward {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

bool parse_duration(std::string_view text, Millis* out) {
  if (text.empty()) return false;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (start == i || i - start > 12) return false;
    int64_t n = 0;
    for (size_t k = start; k < i; ++k) n = n * 10 + (text[k] - '0');
    size_t ustart = i;
    while (i < text.size() && is_alpha(text[i])) ++i;
    std::string_view unit = text.substr(ustart, i - ustart);
    int64_t mult = unit == "ms"  ? 1
                   : unit == "s" ? 1000
                   : unit == "m" ? 60'000
                   : unit == "h" ? 3'600'000
                   : unit == "d" ? 86'400'000
                                 : 0;
    if (mult == 0) return false;
    // A century is more than any timeout or scenario needs; beyond it the
    // product could overflow int64 ("999999999999d").
    constexpr int64_t kMaxMillis = int64_t{100} * 365 * 86'400'000;
    if (n > (kMaxMillis - total) / mult) return false;
    total += n * mult;
  }
  *out = Millis(total);
  return true;
}

std::string human_duration(Millis d) {
  auto total_s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (total_s < 0) total_s = 0;
  auto plural = [](long long n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); };
  long long h = total_s / 3600, m = (total_s % 3600) / 60, s = total_s % 60;
  if (h > 0) return m > 0 ? plural(h, "hour") + " " + plural(m, "minute") : plural(h, "hour");
  if (m > 0) return s > 0 && m < 10 ? plural(m, "minute") + " " + plural(s, "second") : plural(m, "minute");
  return plural(s, "second");
}

std::string format_go_duration(Millis d) {
  long long ms = d.count();
  if (ms <= 0) return "0s";
  long long h = ms / 3'600'000;
  ms %= 3'600'000;
  long long m = ms / 60'000;
  ms %= 60'000;
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

std::optional<Millis> parse_go_duration(std::string_view text) {
  double total_ms = 0;
  size_t i = 0;
  bool any_part = false;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
    if (start == i) return std::nullopt;
    std::string number(text.substr(start, i - start));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end == number.c_str()) return std::nullopt;  // like std::stod: a number prefix is enough
    size_t ustart = i;
    while (i < text.size() && !is_digit(text[i]) && text[i] != '.') ++i;
    std::string_view unit = text.substr(ustart, i - ustart);
    if (unit == "h")
      total_ms += value * 3'600'000;
    else if (unit == "m")
      total_ms += value * 60'000;
    else if (unit == "s")
      total_ms += value * 1000;
    else if (unit == "ms")
      total_ms += value;
    else if (unit == "us" || unit == "\xC2\xB5s")
      total_ms += value / 1000;
    else if (unit == "ns")
      total_ms += value / 1e6;
    else
      return std::nullopt;
    any_part = true;
  }
  if (!any_part || total_ms > 1e12) return std::nullopt;
  return Millis(static_cast<int64_t>(std::ceil(total_ms)));
}

}  // namespace keyward
