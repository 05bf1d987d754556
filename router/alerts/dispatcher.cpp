#include "router/alerts/dispatcher.h"

#include <set>

namespace keyward::alerts {

AlertDispatcher::AlertDispatcher(store::DeliveryQueue& queue, const Clock& clock,
                                 std::vector<std::unique_ptr<AlertChannel>> channels, DispatcherOptions options)
    : queue_(queue), clock_(clock), channels_(std::move(channels)), options_(options) {}

AlertDispatcher::~AlertDispatcher() { stop(); }

bool AlertDispatcher::enqueue(const Alert& alert) {
  bool added = queue_.enqueue(alert);
  if (added) {
    std::lock_guard lock(mu_);
    wake_ = true;
    cv_.notify_one();
  }
  return added;
}

size_t AlertDispatcher::drain_once() {
  std::lock_guard drain(drain_mu_);
  size_t delivered = 0, seen = 0;
  // A channel that failed in this pass is not tried again in it: its other
  // rows are rescheduled at once, so a dead SMTP server with a timeout does
  // not cost N timeouts per pass (nor delay the other channels).
  std::set<Channel> failed_now;
  while (seen < options_.max_rows_per_pass) {
    WallTime now = clock_.wall();
    auto items = queue_.claim_due(now, options_.batch);
    if (items.empty()) break;
    for (const auto& item : items) {
      ++seen;
      AlertChannel* ch = nullptr;
      for (auto& c : channels_)
        if (c->kind() == item.channel) ch = c.get();
      if (!ch) {
        queue_.mark_skipped(item.alert.id, item.channel, std::string(to_string(item.channel)) + " is not configured");
        std::lock_guard lock(mu_);
        ++stats_.skipped;
        continue;
      }
      if (failed_now.count(item.channel)) {
        queue_.schedule_retry(item.alert.id, item.channel, clock_.wall(), "channel failed earlier in this pass");
        continue;
      }
      DeliveryResult r = ch->send(item.alert);
      WallTime after = clock_.wall();
      std::lock_guard lock(mu_);
      if (r.ok) {
        queue_.mark_delivered(item.alert.id, item.channel, after);
        ++stats_.delivered;
        ++delivered;
      } else {
        queue_.schedule_retry(item.alert.id, item.channel, after, r.error);
        failed_now.insert(item.channel);
        ++stats_.failures;
        stats_.last_error = r.error;
      }
    }
  }
  return delivered;
}

void AlertDispatcher::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void AlertDispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void AlertDispatcher::run() {
  for (;;) {
    drain_once();
    // Sleep until the next row is due by the injected clock, bounded so a
    // clock that jumps (simulated time) is noticed within idle_wait_max.
    Millis wait = options_.idle_wait_max;
    if (auto due = queue_.next_due()) {
      auto until = std::chrono::duration_cast<Millis>(*due - clock_.wall());
      wait = std::clamp(until, Millis(0), options_.idle_wait_max);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this] { return stopping_ || wake_; });
    if (stopping_) return;
    wake_ = false;
  }
}

AlertDispatcher::Stats AlertDispatcher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace keyward::alerts
