#pragma once
// Feeds systemd's watchdog (WATCHDOG=1) only while every event loop of the
// router turns: each period, a ping is posted to every loop, and the next
// period's timer (on the first loop) feeds the watchdog only when all of them
// answered. A loop stuck in a handler (a deadlock, a busy loop, a blocking
// call on the loop thread) leaves its ping unanswered, the feeding stops and
// systemd restarts the service after WatchdogSec; a timer thread of its own
// would keep feeding a router whose loops are dead.
//
// Works on net::Executor (EventLoop::executor(i)), so tests drive it with a
// manual executor and no sockets or sleeps.
#include <functional>
#include <memory>
#include <vector>

#include "base/clock.h"
#include "router/net/executor.h"

namespace keyward {

class LoopWatchdog {
 public:
  // `loops`: the executors to watch (not owned; they outlive stop()).
  // `period`: between checks; systemd's interval divided by 3 gives a stuck
  // round two more chances before the deadline. `feed`: called on loops[0]'s
  // thread when every loop answered the previous round's ping.
  LoopWatchdog(std::vector<net::Executor*> loops, Millis period, std::function<void()> feed);
  ~LoopWatchdog();  // stop()
  LoopWatchdog(const LoopWatchdog&) = delete;
  LoopWatchdog& operator=(const LoopWatchdog&) = delete;

  void start();
  // No feed after it returns (a check already running on the loop may finish).
  void stop();

  // The period for systemd's watchdog interval: a third of it, at least 1 ms.
  static Millis period_for(Millis watchdog_interval);

 private:
  struct State;
  // A ping to every loop, then the check one period later.
  static void begin_round(const std::shared_ptr<State>& st);
  // Feeds when every loop answered, then begins the next round.
  static void check(const std::shared_ptr<State>& st);
  std::shared_ptr<State> state_;
};

}  // namespace keyward
