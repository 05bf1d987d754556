#pragma once
// The fakes' own notion of time. Fakes do not depend on the router, so they
// carry this small interface; the scenario runner adapts its simulated clock to
// it so that router, fakes and sinks share one virtual timeline.
#include <atomic>
#include <chrono>

namespace keyward::fakes {

using WallTime = std::chrono::sys_time<std::chrono::milliseconds>;

class FakeClock {
 public:
  virtual ~FakeClock() = default;
  // Current wall time of the fake world (quota windows, midnight-UTC resets).
  virtual WallTime wall() const = 0;
};

// Real time plus an offset that the control API can move (`keyward fake`).
class OffsetClock final : public FakeClock {
 public:
  WallTime wall() const override {
    auto real = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
    return real + std::chrono::milliseconds(offset_ms_.load());
  }
  void advance(std::chrono::milliseconds d) { offset_ms_ += d.count(); }
  void set(WallTime t) {
    auto real = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
    offset_ms_ = (t - real).count();
  }

 private:
  std::atomic<long long> offset_ms_{0};
};

// A clock that only moves when told to (tests).
class ManualClock final : public FakeClock {
 public:
  explicit ManualClock(WallTime start) : ms_(start.time_since_epoch().count()) {}
  WallTime wall() const override { return WallTime(std::chrono::milliseconds(ms_.load())); }
  void advance(std::chrono::milliseconds d) { ms_ += d.count(); }
  void set(WallTime t) { ms_ = t.time_since_epoch().count(); }

 private:
  std::atomic<long long> ms_;
};

}  // namespace keyward::fakes
