// The watchdog is fed only while every event loop answers its ping.
#include "router/main/loop_watchdog.h"

#include <gtest/gtest.h>

#include <deque>
#include <list>

namespace keyward {
namespace {

// A loop that runs its handlers and timers only when the test says so.
class ManualLoop final : public net::Executor {
 public:
  void post(std::function<void()> fn) override { queue_.push_back(std::move(fn)); }
  std::shared_ptr<void> after(Millis delay, std::function<void()> fn) override {
    auto handle = std::make_shared<int>(0);
    timers_.push_back({now_ + delay, handle, std::move(fn)});
    return handle;
  }
  void run_ready() {
    while (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      fn();
    }
  }
  // Moves time on; due timers whose handle is still held run (as handlers).
  void advance(Millis d) {
    now_ += d;
    for (auto it = timers_.begin(); it != timers_.end();) {
      auto handle = it->handle.lock();
      if (!handle) {
        it = timers_.erase(it);
      } else if (it->at <= now_) {
        post(std::move(it->fn));
        it = timers_.erase(it);
      } else {
        ++it;
      }
    }
    run_ready();
  }
  size_t live_timers() const {
    size_t n = 0;
    for (const auto& t : timers_) n += t.handle.expired() ? 0 : 1;
    return n;
  }

 private:
  struct Timer {
    Millis at;
    std::weak_ptr<void> handle;
    std::function<void()> fn;
  };
  Millis now_{0};
  std::deque<std::function<void()>> queue_;
  std::list<Timer> timers_;
};

constexpr Millis kPeriod{10'000};

TEST(LoopWatchdog, FedEachPeriodWhileEveryLoopTurns) {
  ManualLoop a, b;
  int fed = 0;
  LoopWatchdog dog({&a, &b}, kPeriod, [&] { ++fed; });
  dog.start();
  for (int i = 1; i <= 3; ++i) {
    b.run_ready();
    a.advance(kPeriod);  // a's ping, then the check
    EXPECT_EQ(fed, i);
  }
}

TEST(LoopWatchdog, AStuckLoopStopsTheFeedingUntilItTurnsAgain) {
  ManualLoop a, b;
  int fed = 0;
  LoopWatchdog dog({&a, &b}, kPeriod, [&] { ++fed; });
  dog.start();
  b.run_ready();
  a.advance(kPeriod);
  ASSERT_EQ(fed, 1);
  // b is stuck in a handler: its ping waits, and no check feeds.
  a.advance(kPeriod);
  a.advance(kPeriod);
  a.advance(kPeriod);
  EXPECT_EQ(fed, 1) << "systemd must see the silence and restart the service";
  // b turns again: it answers the pings it missed, the current round's among them.
  b.run_ready();
  a.advance(kPeriod);
  EXPECT_EQ(fed, 2);
}

TEST(LoopWatchdog, AnAnswerToAnEarlierRoundDoesNotCount) {
  ManualLoop a, b;
  int fed = 0;
  LoopWatchdog dog({&a, &b}, kPeriod, [&] { ++fed; });
  dog.start();
  a.advance(kPeriod);  // round 1: b silent
  EXPECT_EQ(fed, 0);
  // b runs round 1's ping and round 2's: then stalls through round 3.
  b.run_ready();
  a.advance(kPeriod);
  EXPECT_EQ(fed, 1);
  a.advance(kPeriod);
  EXPECT_EQ(fed, 1) << "b's earlier answers do not carry over to round 3";
}

TEST(LoopWatchdog, StopCancelsTheCheckAndNothingFeedsAfterIt) {
  ManualLoop a;
  int fed = 0;
  {
    LoopWatchdog dog({&a}, kPeriod, [&] { ++fed; });
    dog.start();
    a.advance(kPeriod);
    ASSERT_EQ(fed, 1);
    dog.stop();
    EXPECT_EQ(a.live_timers(), 0u);
  }
  a.advance(kPeriod);  // pings still queued find the watchdog gone
  EXPECT_EQ(fed, 1);
}

TEST(LoopWatchdog, PeriodIsAThirdOfSystemdsInterval) {
  EXPECT_EQ(LoopWatchdog::period_for(Millis(30'000)), Millis(10'000));
  EXPECT_EQ(LoopWatchdog::period_for(Millis(2)), Millis(1));
}

}  // namespace
}  // namespace keyward
