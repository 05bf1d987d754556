#include "base/clock.h"

namespace keyward {

namespace {

MonoTime steady_now() {
  return std::chrono::duration_cast<MonoTime>(std::chrono::steady_clock::now().time_since_epoch());
}

WallTime system_now() { return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()); }

}  // namespace

MonoTime RealClock::monotonic() const { return steady_now(); }

WallTime RealClock::wall() const { return system_now(); }

MonoTime OffsetClock::monotonic() const { return steady_now() + MonoTime(mono_offset_ns_.load()); }

WallTime OffsetClock::wall() const { return system_now() + Millis(wall_offset_ms_.load()); }

void OffsetClock::advance(Millis d) {
  wall_offset_ms_ += d.count();
  if (d.count() > 0) mono_offset_ns_ += std::chrono::duration_cast<MonoTime>(d).count();
}

void OffsetClock::set_wall(WallTime t) { advance(t - wall()); }

}  // namespace keyward
