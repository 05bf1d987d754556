#include "router/http/deadline_watchdog.h"

#include <httplib.h>

namespace keyward::http {

DeadlineWatchdog::~DeadlineWatchdog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t DeadlineWatchdog::arm(httplib::Client* client, SteadyClock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  uint64_t token = next_token_++;
  auto it = by_deadline_.emplace(deadline, Entry{client, token});
  by_token_.emplace(token, it);
  const bool wake = deadline < wake_at_;
  lock.unlock();
  if (wake) cv_.notify_one();
  return token;
}

bool DeadlineWatchdog::disarm(uint64_t token) {
  std::lock_guard lock(mu_);
  auto it = by_token_.find(token);
  if (it != by_token_.end()) {
    by_deadline_.erase(it->second);
    by_token_.erase(it);
    return false;
  }
  return fired_tokens_.erase(token) > 0;
}

size_t DeadlineWatchdog::armed() const {
  std::lock_guard lock(mu_);
  return by_deadline_.size();
}

uint64_t DeadlineWatchdog::fired() const {
  std::lock_guard lock(mu_);
  return fired_count_;
}

void DeadlineWatchdog::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = SteadyClock::now();
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
      Entry e = by_deadline_.begin()->second;
      by_token_.erase(e.token);
      by_deadline_.erase(by_deadline_.begin());
      fired_tokens_.insert(e.token);
      ++fired_count_;
      // Under the lock: disarm() cannot return, and the caller cannot free
      // the client, while stop() runs. stop() only shuts the socket down.
      e.client->stop();
    }
    if (by_deadline_.empty()) {
      // Keep the previous wake time (if still ahead): later arms need no notify.
      if (wake_at_ <= now || wake_at_ == SteadyClock::time_point::max()) wake_at_ = now + std::chrono::seconds(60);
    } else {
      wake_at_ = by_deadline_.begin()->first;
    }
    cv_.wait_until(lock, wake_at_);
  }
}

}  // namespace keyward::http
