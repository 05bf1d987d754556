#pragma once
// Wall time as text (ISO-8601, always UTC) and the calendar questions quotas
// ask: which day is it, when is the next midnight.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace keyward {

// 2025-11-18T08:00:15Z (milliseconds dropped): alerts, status, scenario files.
std::string format_iso8601(WallTime t);
// 2025-11-18T08:00:15.123Z: journals, the fakes' answers and journals.
std::string format_iso8601_ms(WallTime t);
// 2025-11-18
std::string format_date(WallTime t);
// Accepts YYYY-MM-DD (midnight UTC) and YYYY-MM-DDTHH:MM:SS[.fraction] followed
// by Z, z or +00:00; the fraction keeps milliseconds. A time without a zone is
// refused rather than guessed. False on anything else, `out` untouched.
bool parse_iso8601(std::string_view text, WallTime* out);

// The next 00:00:00 UTC strictly after t (at midnight: the one a day later).
WallTime next_midnight_utc(WallTime t);
// Days since 1970-01-01 (UTC): per-day quota windows.
int64_t utc_day(WallTime t);
// Seconds since the epoch ("created" fields of OpenAI answers).
int64_t unix_seconds(WallTime t);

}  // namespace keyward
