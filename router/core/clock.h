#pragma once
// Time and randomness are injected: nothing in router/core reads the real clock
// or a global RNG, so scenarios can jump hours of simulated time in microseconds
// and a seed replays a run exactly.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace keyward {

using Millis = std::chrono::milliseconds;
// Wall time: deadlines shown to operators, quota resets at midnight UTC, journal stamps.
using WallTime = std::chrono::sys_time<Millis>;
// Monotonic time since an arbitrary origin: latencies and timeouts.
using MonoTime = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime monotonic() const = 0;
  virtual WallTime wall() const = 0;
};

// Production clock.
class RealClock final : public Clock {
 public:
  MonoTime monotonic() const override;
  WallTime wall() const override;
};

// A clock that moves only when told; monotonic and wall advance together.
class SimClock final : public Clock {
 public:
  explicit SimClock(WallTime start) : wall_ms_(start.time_since_epoch().count()) {}
  MonoTime monotonic() const override { return MonoTime(mono_ns_.load()); }
  WallTime wall() const override { return WallTime(Millis(wall_ms_.load())); }
  void advance(Millis d) {
    mono_ns_ += std::chrono::duration_cast<MonoTime>(d).count();
    wall_ms_ += d.count();
  }
  // Jumps the wall clock (an NTP step, or a scenario's clock jump); monotonic
  // time only moves forward.
  void set_wall(WallTime t) {
    auto delta = t.time_since_epoch().count() - wall_ms_.load();
    if (delta > 0) mono_ns_ += delta * 1'000'000;
    wall_ms_ = t.time_since_epoch().count();
  }

 private:
  std::atomic<int64_t> mono_ns_{0};
  std::atomic<int64_t> wall_ms_;
};

class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t next_u64() = 0;
  // Uniform in [0, 1), 53 bits of precision; identical on every platform
  // (std distributions are implementation-defined, which would break replay).
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n) for n > 0.
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next_u64() % n; }
};

// splitmix64: tiny, fast, good enough for fault injection and jitter.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t next_u64() override {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // A child seed for a named component, so adding a component does not shift
  // the others' streams.
  static uint64_t derive(uint64_t seed, const std::string& component);

 private:
  uint64_t state_;
};

// ISO-8601 UTC with seconds: 2025-11-18T08:00:15Z.
std::string format_iso8601(WallTime t);
// Parses YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fff]Z; false on anything else.
bool parse_iso8601(const std::string& text, WallTime* out);
// The next 00:00:00 UTC strictly after t.
WallTime next_midnight_utc(WallTime t);
// "5 minutes", "1 hour", "30 seconds", "2 hours 5 minutes": for people.
std::string human_duration(Millis d);

}  // namespace keyward
