#pragma once
// The one notion of time of the router, the fakes and the scenario runner.
// Nothing in router/core, the fakes or the runner reads std::chrono's clocks
// directly: a Clock is passed in, so a scenario can jump hours of simulated
// time in microseconds and router, fakes and sinks share one timeline.
#include <atomic>
#include <chrono>
#include <cstdint>

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

// Production: the system's clocks.
class RealClock final : public Clock {
 public:
  MonoTime monotonic() const override;
  WallTime wall() const override;
};

// Moves only when told to (scenarios, tests); monotonic and wall advance
// together. Thread-safe: readers may run on other threads than the mover.
class SimClock final : public Clock {
 public:
  explicit SimClock(WallTime start) : wall_ms_(start.time_since_epoch().count()) {}
  MonoTime monotonic() const override { return MonoTime(mono_ns_.load()); }
  WallTime wall() const override { return WallTime(Millis(wall_ms_.load())); }
  void advance(Millis d) {
    mono_ns_ += std::chrono::duration_cast<MonoTime>(d).count();
    wall_ms_ += d.count();
  }
  // Jumps the wall clock (an NTP step, a scenario's clock jump, a test that
  // sets 23:59:59); monotonic time only moves forward.
  void set_wall(WallTime t) {
    auto delta = t.time_since_epoch().count() - wall_ms_.load();
    if (delta > 0) mono_ns_ += delta * 1'000'000;
    wall_ms_ = t.time_since_epoch().count();
  }

 private:
  std::atomic<int64_t> mono_ns_{0};
  std::atomic<int64_t> wall_ms_;
};

// Real time plus an offset that can be moved: `keyward fake`'s control API
// (/_fake/clock) and black-box runs, whose fakes start at the scenario's
// start_at and then follow real time. Wall time may jump either way;
// monotonic time follows real time and moves forward with the jumps.
class OffsetClock final : public Clock {
 public:
  MonoTime monotonic() const override;
  WallTime wall() const override;
  void advance(Millis d);
  void set_wall(WallTime t);

 private:
  std::atomic<int64_t> wall_offset_ms_{0};
  std::atomic<int64_t> mono_offset_ns_{0};
};

}  // namespace keyward
