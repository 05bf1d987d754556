#include "router/http/stream_bridge.h"

namespace keyward::http {

bool StreamBridge::on_delta(const std::string& text) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return closed_ || bytes_ < max_bytes_; });
  if (closed_) return false;
  queue_.push_back(text);
  bytes_ += text.size();
  any_delta_ = true;
  cv_.notify_all();
  return true;
}

void StreamBridge::finish(RouteOutcome outcome) {
  std::lock_guard lock(mu_);
  outcome_ = std::move(outcome);
  finished_ = true;
  cv_.notify_all();
}

bool StreamBridge::wait_first() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return any_delta_ || finished_; });
  return any_delta_;
}

bool StreamBridge::next(std::deque<std::string>* out) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || finished_ || closed_; });
  if (queue_.empty()) return false;
  out->swap(queue_);
  queue_.clear();
  bytes_ = 0;
  cv_.notify_all();
  return true;
}

void StreamBridge::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

}  // namespace keyward::http
