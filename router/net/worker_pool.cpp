#include "router/net/worker_pool.h"

#include <algorithm>

namespace keyward::net {

WorkerPool::WorkerPool(size_t threads, size_t queue_limit)
    : threads_(std::max<size_t>(threads, 1)), queue_limit_(queue_limit) {}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  for (size_t i = 0; i < threads_; ++i) workers_.emplace_back([this] { run(); });
}

bool WorkerPool::try_post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (!running_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
    workers.swap(workers_);
  }
  cv_.notify_all();
  for (auto& t : workers) t.join();
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t WorkerPool::busy() const {
  std::lock_guard lock(mu_);
  return busy_;
}

void WorkerPool::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty() || !running_; });
    if (queue_.empty()) return;  // stopped and drained
    auto task = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    task();
    task = nullptr;  // captured state dies outside the lock, on this thread
    lock.lock();
    --busy_;
  }
}

}  // namespace keyward::net
