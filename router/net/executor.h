#pragma once
// Where asynchronous work continues (the route driver's requests, timers):
// post() may be called from any thread; the functions it is given run one at a
// time, in order. An event loop's executor (EventLoop::executor) runs them on
// that loop's thread; tests use a manual one.
#include <chrono>
#include <functional>
#include <memory>

namespace keyward::net {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void post(std::function<void()> fn) = 0;
  // Runs `fn` on this executor after `delay` (real time), unless the returned
  // handle is released first (then `fn` never runs).
  virtual std::shared_ptr<void> after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
};

}  // namespace keyward::net
