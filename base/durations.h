#pragma once
// Durations as text, in the three forms Keyward meets: its own files'
// ("250ms", "1h30m"), people's ("2 hours 5 minutes") and Go's, which providers
// print in headers and bodies ("2m59.56s").
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace keyward {

// keyward.yaml and scenario durations: whole numbers with ms, s, m, h or d,
// concatenated ("250ms", "10s", "5m", "1h30m", "2d"), at most a century.
// False on anything else (signs, fractions, spaces, overflow), `out` untouched.
bool parse_duration(std::string_view text, Millis* out);

// For people (alerts, reports): "5 minutes", "1 second", "2 minutes 8 seconds",
// "15 minutes" (seconds dropped from 10 minutes on), "2 hours 5 minutes".
std::string human_duration(Millis d);

// Go's time.Duration text as Groq prints it in x-ratelimit-reset-*:
// "2m59.56s", "7.66s", "7.5s", "1h2m3s", "0s" (centiseconds at most).
std::string format_go_duration(Millis d);
// What providers send (Groq's reset headers and "try again in 6m7.2s",
// Gemini's retryDelay "5s"): a sequence of <number><unit> with units h, m, s,
// ms, us or µs, ns; rounded up to whole milliseconds. nullopt on anything
// else or beyond about 30 years.
std::optional<Millis> parse_go_duration(std::string_view text);

}  // namespace keyward
