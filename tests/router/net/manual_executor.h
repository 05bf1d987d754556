#pragma once
// An executor that runs its handlers and timers only when the test says so:
// no threads, a manual clock. For code written against net::Executor (the
// route driver, the loop watchdog).
#include <deque>
#include <functional>
#include <list>
#include <memory>

#include "router/net/executor.h"

namespace keyward::test {

class ManualExecutor final : public net::Executor {
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
  // Timers not yet due whose handle is still held (not cancelled).
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

}  // namespace keyward::test
