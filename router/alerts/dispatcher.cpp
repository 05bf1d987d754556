#include "router/alerts/dispatcher.h"

#include <algorithm>
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

AlertChannel* AlertDispatcher::channel(Channel c) {
  for (auto& ch : channels_)
    if (ch->kind() == c) return ch.get();
  return nullptr;
}

void AlertDispatcher::channel_back(Channel c, WallTime now) {
  {
    std::lock_guard lock(mu_);
    if (!probe_at_.erase(c)) return;
  }
  queue_.make_due(c, now);
}

size_t AlertDispatcher::probe_due(WallTime now, std::set<Channel>* failed_now) {
  std::vector<Channel> due;
  {
    std::lock_guard lock(mu_);
    for (const auto& [c, at] : probe_at_)
      if (at <= now) due.push_back(c);
  }
  size_t delivered = 0;
  for (Channel c : due) {
    AlertChannel* ch = channel(c);
    auto item = ch ? queue_.claim_oldest(c, now) : std::nullopt;
    if (!item) {  // nothing left to deliver there (or no such channel): no probing
      std::lock_guard lock(mu_);
      probe_at_.erase(c);
      continue;
    }
    DeliveryResult r = ch->send(item->alert);
    WallTime after = clock_.wall();
    {
      std::lock_guard lock(mu_);
      ++stats_.probes;
    }
    if (r.ok) {
      queue_.mark_delivered(item->alert.id, c, after);
      {
        std::lock_guard lock(mu_);
        ++stats_.delivered;
      }
      ++delivered;
      channel_back(c, after);
    } else {
      queue_.schedule_retry(item->alert.id, c, after, r.error);
      failed_now->insert(c);
      std::lock_guard lock(mu_);
      ++stats_.failures;
      stats_.last_error = r.error;
      probe_at_[c] = after + options_.probe_interval;
    }
  }
  return delivered;
}

size_t AlertDispatcher::drain_once() {
  std::lock_guard drain(drain_mu_);
  size_t delivered = 0, seen = 0;
  // A channel that failed in this pass is not tried again in it: its other
  // rows are rescheduled at once, so a dead SMTP server with a timeout does
  // not cost N timeouts per pass (nor delay the other channels).
  std::set<Channel> failed_now;
  delivered += probe_due(clock_.wall(), &failed_now);
  while (seen < options_.max_rows_per_pass) {
    WallTime now = clock_.wall();
    auto items = queue_.claim_due(now, options_.batch);
    if (items.empty()) break;
    for (const auto& item : items) {
      ++seen;
      AlertChannel* ch = channel(item.channel);
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
      if (r.ok) {
        queue_.mark_delivered(item.alert.id, item.channel, after);
        {
          std::lock_guard lock(mu_);
          ++stats_.delivered;
        }
        ++delivered;
        channel_back(item.channel, after);  // its queue is due now: the next claims send it
      } else {
        queue_.schedule_retry(item.alert.id, item.channel, after, r.error);
        failed_now.insert(item.channel);
        std::lock_guard lock(mu_);
        ++stats_.failures;
        stats_.last_error = r.error;
        if (!probe_at_.count(item.channel)) probe_at_[item.channel] = after + options_.probe_interval;
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
    WallTime now = clock_.wall();
    auto until = [&](WallTime t) { return std::clamp(std::chrono::duration_cast<Millis>(t - now), Millis(0), wait); };
    if (auto due = queue_.next_due()) wait = until(*due);
    std::unique_lock lock(mu_);
    for (const auto& [c, at] : probe_at_) wait = until(at);
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
