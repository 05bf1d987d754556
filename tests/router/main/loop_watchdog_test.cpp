// The watchdog is fed only while every event loop answers its ping.
#include "router/main/loop_watchdog.h"

#include <gtest/gtest.h>

#include "tests/router/net/manual_executor.h"

namespace keyward {
namespace {

using ManualLoop = test::ManualExecutor;

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
