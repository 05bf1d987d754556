#pragma once
// A fixed number of threads behind a bounded queue: where the listener runs
// request handlers that block (routing, key validation, reload) until routing
// is asynchronous. Full means full: try_post() refuses at once instead of
// queueing without limit, and the caller answers 503.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace keyward::net {

class WorkerPool {
 public:
  // `threads` workers (at least 1); at most `queue_limit` tasks waiting for one.
  WorkerPool(size_t threads, size_t queue_limit);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void start();
  // Queues `task`; false (and `task` is not run) when `queue_limit` tasks are
  // already waiting or the pool is not running.
  bool try_post(std::function<void()> task);
  // Refuses new tasks, runs every task already queued, joins the threads.
  // Idempotent; the pool can start again.
  void stop();

  size_t threads() const { return threads_; }
  size_t queue_limit() const { return queue_limit_; }
  size_t queued() const;  // waiting, not yet running
  size_t busy() const;    // running now

 private:
  void run();

  size_t threads_;
  size_t queue_limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  size_t busy_ = 0;
  bool running_ = false;
};

}  // namespace keyward::net
