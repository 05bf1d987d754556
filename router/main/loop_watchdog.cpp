#include "router/main/loop_watchdog.h"

#include <algorithm>
#include <mutex>

namespace keyward {

// Shared with the pings and the timer, which hold it weakly: a ping still
// queued on a loop after stop() finds it gone (or stopped) and does nothing.
struct LoopWatchdog::State {
  std::vector<net::Executor*> loops;
  Millis period{1};
  std::function<void()> feed;

  std::mutex mu;
  uint64_t round = 0;           // guarded by mu
  size_t answered = 0;          // loops that answered `round`'s ping; guarded by mu
  bool stopped = true;          // guarded by mu
  std::shared_ptr<void> timer;  // guarded by mu; releasing it cancels the check
};

LoopWatchdog::LoopWatchdog(std::vector<net::Executor*> loops, Millis period, std::function<void()> feed)
    : state_(std::make_shared<State>()) {
  state_->loops = std::move(loops);
  state_->period = std::max(period, Millis(1));
  state_->feed = std::move(feed);
}

LoopWatchdog::~LoopWatchdog() { stop(); }

Millis LoopWatchdog::period_for(Millis watchdog_interval) { return std::max(watchdog_interval / 3, Millis(1)); }

void LoopWatchdog::begin_round(const std::shared_ptr<State>& st) {
  std::weak_ptr<State> weak = st;
  std::lock_guard lock(st->mu);
  if (st->stopped || st->loops.empty()) return;
  uint64_t round = ++st->round;
  st->answered = 0;
  for (net::Executor* loop : st->loops)
    loop->post([weak, round] {
      auto s = weak.lock();
      if (!s) return;
      std::lock_guard l(s->mu);
      if (s->round == round) ++s->answered;
    });
  st->timer = st->loops.front()->after(st->period, [weak] {
    if (auto s = weak.lock()) check(s);
  });
}

void LoopWatchdog::check(const std::shared_ptr<State>& st) {
  bool all = false;
  {
    std::lock_guard lock(st->mu);
    if (st->stopped) return;
    all = st->answered == st->loops.size();
  }
  if (all) st->feed();
  begin_round(st);
}

void LoopWatchdog::start() {
  {
    std::lock_guard lock(state_->mu);
    if (!state_->stopped) return;
    state_->stopped = false;
  }
  begin_round(state_);
}

void LoopWatchdog::stop() {
  std::shared_ptr<void> timer;
  {
    std::lock_guard lock(state_->mu);
    state_->stopped = true;
    timer = std::move(state_->timer);
  }
  // Released outside the lock: releasing the handle may cancel the timer at once.
  timer.reset();
}

}  // namespace keyward
