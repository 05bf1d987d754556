#pragma once
// The router's event loops: one boost::asio::io_context per thread, each run by
// exactly one thread. A connection (public or upstream) lives on one loop for
// its whole life, so its handlers never run concurrently and need no strand;
// work spreads over loops by assigning new connections round-robin.
//
// Asio stays out of this header (io_context is forward-declared): only the
// translation units under router/net include Asio and Beast.
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "router/net/executor.h"

namespace boost::asio {
class io_context;
}

namespace keyward::net {

class EventLoop {
 public:
  // `threads` loops (at least 1). Nothing runs until start().
  explicit EventLoop(size_t threads = 1);
  ~EventLoop();  // stop()
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void start();
  // Stops every loop and joins its thread. Handlers still queued are dropped
  // (their owners must not rely on them running). Idempotent.
  void stop();

  size_t size() const { return loops_.size(); }
  boost::asio::io_context& context(size_t i);
  // Round-robin over the loops: where a new connection goes.
  boost::asio::io_context& next();
  // The loop the calling thread runs, or nullptr on any other thread.
  boost::asio::io_context* current() const;
  // Runs `fn` on loop `i` (from any thread).
  void post(size_t i, std::function<void()> fn);
  // Loop `i` as an Executor (post and timers on that loop's thread).
  Executor& executor(size_t i);
  // The executor of the loop the calling thread runs, or nullptr.
  Executor* current_executor() const;

 private:
  struct Loop;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> running_{false};
};

}  // namespace keyward::net
