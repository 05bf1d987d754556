#pragma once
// Small helpers the fake providers share: key masking, hashing, the seeded
// PRNG, time formatting. No I/O, no global state.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "fakes/clock.h"

namespace keyward::fakes {

// "sk-proj-EXPIRED-AAA" -> "sk-proj-...AAA" (first 8 + "..." + last 3 for keys
// of 16+ chars, else first 2 + "..." + last 2). Raw keys never reach a journal,
// a log line or a control-API answer; this is the only form they take there.
std::string mask_key(std::string_view key);

// `text` with every byte outside printable ASCII replaced by '?': request
// bytes (paths, keys) quoted in answers and journals must not make JSON
// serialisation fail on invalid UTF-8.
std::string printable(std::string_view text);

// A short stable fingerprint of a key ("3fa2b1c4"): masks of two keys can
// collide (same prefix and suffix), fingerprints practically do not, and a
// 32-bit hash gives nothing away about the key.
std::string key_fingerprint(std::string_view key);

// FNV-1a, 64 bit: the fakes' one hash for deriving content and seeds.
std::uint64_t fnv1a64(std::string_view data, std::uint64_t basis = 0xcbf29ce484222325ULL);

// splitmix64 step: seeds xoshiro and derives per-component seeds from one seed.
std::uint64_t splitmix64(std::uint64_t& state);

// xoshiro256** — the only RNG in the fakes (never std::random_device or rand):
// a seed fully determines every probabilistic decision.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);
  std::uint64_t next();
  // Uniform in [0, 1).
  double uniform();
  // Uniform in [0, bound]; bound 0 gives 0.
  std::uint64_t upto(std::uint64_t bound);

 private:
  std::uint64_t s_[4];
};

// "2025-11-18T08:00:15.000Z"
std::string format_iso8601(WallTime t);
// Parses "2025-11-18T08:00:15Z" / "...15.250Z" / "2025-11-18"; false on bad input.
bool parse_iso8601(std::string_view text, WallTime& out);
// Unix seconds of a wall time.
std::int64_t unix_seconds(WallTime t);
// Milliseconds from `t` to the next midnight UTC (never 0: at midnight, a whole day).
std::chrono::milliseconds until_midnight_utc(WallTime t);
// Day number since the epoch (UTC), for per-day quota windows.
std::int64_t utc_day(WallTime t);
// Go-style duration as Groq prints it: "2m59.56s", "7.66s", "1h2m3s", "0s".
std::string go_duration(std::chrono::milliseconds d);

}  // namespace keyward::fakes
