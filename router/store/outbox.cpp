#include "router/store/outbox.h"

#include <algorithm>
#include <utility>

#include "router/core/alert_messages.h"

namespace keyward::store {

namespace {

const Channel kChannels[] = {channel_email, channel_telegram, channel_webhook};

}  // namespace

const char* to_string(DeliveryState s) {
  switch (s) {
    case DeliveryState::pending: return "pending";
    case DeliveryState::delivered: return "delivered";
    case DeliveryState::skipped: return "skipped";
  }
  return "?";
}

bool parse_delivery_state(const std::string& s, DeliveryState* out) {
  for (auto v : {DeliveryState::pending, DeliveryState::delivered, DeliveryState::skipped}) {
    if (s == to_string(v)) {
      *out = v;
      return true;
    }
  }
  return false;
}

Millis retry_delay(const RetryPolicy& policy, int attempts) {
  if (attempts < 1) attempts = 1;
  Millis d = policy.base;
  for (int i = 1; i < attempts && d < policy.cap; ++i) d *= 2;  // bounded loop: stops at the cap
  return std::min(d, policy.cap);
}

bool MemoryOutbox::enqueue(const Alert& alert) {
  std::lock_guard lock(mu_);
  if (!alerts_.emplace(alert.id, alert).second) return false;
  uint64_t seq = ++seq_;
  for (Channel c : kChannels)
    if (alert.channels & c) rows_[{alert.id, c}] = Row{seq, DeliveryState::pending, 0, alert.created_at, {}, ""};
  prune();
  return true;
}

void MemoryOutbox::prune() {
  // Bound: drop the oldest fully-delivered alerts, then the oldest at all.
  while (alerts_.size() > policy_.max_alerts) {
    std::string victim;
    uint64_t best = UINT64_MAX;
    bool victim_done = false;
    for (const auto& [id, a] : alerts_) {
      bool done = true;
      uint64_t s = UINT64_MAX;
      for (Channel c : kChannels) {
        auto it = rows_.find({id, c});
        if (it == rows_.end()) continue;
        s = it->second.seq;
        done = done && it->second.state != DeliveryState::pending;
      }
      if (s == UINT64_MAX) s = 0;
      if ((done && !victim_done) || ((done == victim_done) && s < best)) victim = id, best = s, victim_done = done;
    }
    for (Channel c : kChannels) {
      auto it = rows_.find({victim, c});
      if (it == rows_.end()) continue;
      if (it->second.state == DeliveryState::pending) ++dropped_;
      rows_.erase(it);
    }
    alerts_.erase(victim);
    if (track_pruned_) pruned_.push_back(victim);
  }
}

std::vector<OutboxItem> MemoryOutbox::claim_due(WallTime now, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<uint64_t, std::pair<std::string, Channel>>> due;
  for (const auto& [key, row] : rows_)
    if (row.state == DeliveryState::pending && row.next <= now) due.push_back({row.seq, key});
  std::sort(due.begin(), due.end());
  std::vector<OutboxItem> out;
  for (const auto& [seq, key] : due) {
    if (out.size() >= limit) break;
    auto& row = rows_[key];
    row.next = now + policy_.lease;
    out.push_back({alerts_[key.first], key.second, row.attempts});
  }
  return out;
}

std::optional<OutboxItem> MemoryOutbox::claim_oldest(Channel channel, WallTime now) {
  std::lock_guard lock(mu_);
  Row* best = nullptr;
  const std::string* id = nullptr;
  for (auto& [key, row] : rows_) {
    if (key.second != channel || row.state != DeliveryState::pending) continue;
    if (!best || row.seq < best->seq) best = &row, id = &key.first;
  }
  if (!best) return std::nullopt;
  best->next = now + policy_.lease;
  return OutboxItem{alerts_[*id], channel, best->attempts};
}

void MemoryOutbox::make_due(Channel channel, WallTime now) { make_channel_due(channel, now); }

std::vector<std::string> MemoryOutbox::make_channel_due(Channel channel, WallTime now) {
  std::lock_guard lock(mu_);
  std::vector<std::string> changed;
  for (auto& [key, row] : rows_) {
    if (key.second == channel && row.state == DeliveryState::pending && row.next > now) {
      row.next = now;
      changed.push_back(key.first);
    }
  }
  return changed;
}

void MemoryOutbox::mark_delivered(const std::string& alert_id, Channel channel, WallTime now) {
  std::lock_guard lock(mu_);
  auto it = rows_.find({alert_id, channel});
  if (it == rows_.end()) return;
  it->second.state = DeliveryState::delivered;
  it->second.attempts += 1;
  it->second.done = now;
  it->second.last_error.clear();
}

void MemoryOutbox::mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) {
  std::lock_guard lock(mu_);
  auto it = rows_.find({alert_id, channel});
  if (it == rows_.end()) return;
  it->second.state = DeliveryState::skipped;
  it->second.last_error = reason;
}

void MemoryOutbox::schedule_retry(const std::string& alert_id, Channel channel, WallTime now,
                                  const std::string& error) {
  std::lock_guard lock(mu_);
  auto it = rows_.find({alert_id, channel});
  if (it == rows_.end()) return;
  it->second.attempts += 1;
  it->second.next = now + retry_delay(policy_, it->second.attempts);
  it->second.last_error = one_line(error, 500);
}

std::optional<WallTime> MemoryOutbox::next_due() {
  std::lock_guard lock(mu_);
  std::optional<WallTime> t;
  for (const auto& [key, row] : rows_)
    if (row.state == DeliveryState::pending && (!t || row.next < *t)) t = row.next;
  return t;
}

OutboxCounts MemoryOutbox::counts() {
  std::lock_guard lock(mu_);
  OutboxCounts c;
  c.alerts = alerts_.size();
  for (const auto& [key, row] : rows_) {
    if (row.state == DeliveryState::pending) ++c.pending;
    else if (row.state == DeliveryState::delivered) ++c.delivered;
    else ++c.skipped;
  }
  c.dropped = dropped_;
  return c;
}

std::optional<StoredAlert> MemoryOutbox::snapshot(const std::string& alert_id) {
  std::lock_guard lock(mu_);
  auto a = alerts_.find(alert_id);
  if (a == alerts_.end()) return std::nullopt;
  StoredAlert out{a->second, {}};
  for (Channel c : kChannels) {
    auto it = rows_.find({alert_id, c});
    if (it == rows_.end()) continue;
    const Row& r = it->second;
    out.deliveries.push_back({c, r.state, r.attempts, r.next, r.done, r.last_error});
  }
  return out;
}

void MemoryOutbox::restore(const StoredAlert& stored) {
  std::lock_guard lock(mu_);
  if (!alerts_.emplace(stored.alert.id, stored.alert).second) return;
  uint64_t seq = ++seq_;
  for (const auto& d : stored.deliveries)
    rows_[{stored.alert.id, d.channel}] = Row{seq, d.state, d.attempts, d.next, d.done, d.last_error};
  prune();
}

std::vector<std::string> MemoryOutbox::take_pruned() {
  std::lock_guard lock(mu_);
  return std::exchange(pruned_, {});
}

}  // namespace keyward::store
