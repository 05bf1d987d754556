#pragma once
// The alert outbox: alerts are accepted on the request path (quick,
// idempotent by alert id, in memory) and delivered later by the dispatcher,
// one row per (alert, channel), with retries and exponential backoff. A dead
// channel therefore neither slows requests nor loses alerts, and a retried
// alert is delivered once per channel as far as the channel lets us know.
// MemoryOutbox is the state; AlertStore (alert_store.h) wraps it and persists
// every change on its own writer thread.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "router/core/alert_outbox.h"
#include "router/store/store_backend.h"

namespace keyward::store {

struct RetryPolicy {
  Millis base{10'000};      // first retry after 10 s, then 20 s, 40 s, ...
  Millis cap{5 * 60'000};   // ... never longer than 5 min between tries: alerts are never given up
  // A claimed row is invisible this long, so that no second pass sends it
  // while the first is still talking to the channel. It only needs to outlast
  // one send (the channels time out after 15 s); after a crash mid-send the
  // row is due again once it ends. Longer only delays that redelivery.
  Millis lease{60'000};
  size_t max_alerts = 10'000;  // bound: delivered alerts are pruned oldest first, then (counted) pending ones
};

// Delay before retry number `attempts` (1-based): min(base * 2^(attempts-1), cap).
Millis retry_delay(const RetryPolicy& policy, int attempts);

struct OutboxItem {
  Alert alert;
  Channel channel = channel_email;
  int attempts = 0;  // failed tries so far
};

struct OutboxCounts {
  size_t alerts = 0;
  size_t pending = 0;    // (alert, channel) rows still to deliver
  size_t delivered = 0;
  size_t skipped = 0;    // channel not configured
  uint64_t dropped = 0;  // pending rows pruned because the outbox was full (since open)
};

// What the dispatcher needs beyond AlertOutbox::enqueue.
class DeliveryQueue : public AlertOutbox {
 public:
  // Pending rows due at `now`, oldest alert first; each is leased so a second
  // claim does not return it until marked or the lease ends.
  virtual std::vector<OutboxItem> claim_due(WallTime now, size_t limit) = 0;
  // The oldest pending row of `channel` whether due or not (leased as above):
  // the probe of a channel in backoff. nullopt when the channel has none.
  virtual std::optional<OutboxItem> claim_oldest(Channel channel, WallTime now) = 0;
  // Every pending row of `channel` becomes due at `now` (the channel is back).
  virtual void make_due(Channel channel, WallTime now) = 0;
  virtual void mark_delivered(const std::string& alert_id, Channel channel, WallTime now) = 0;
  // The channel is off: never retried.
  virtual void mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) = 0;
  // One more failed try: next attempt after retry_delay().
  virtual void schedule_retry(const std::string& alert_id, Channel channel, WallTime now, const std::string& error) = 0;
  // Earliest moment a pending row becomes due; nullopt when none is pending.
  virtual std::optional<WallTime> next_due() = 0;
  virtual OutboxCounts counts() = 0;
};

// The outbox in memory: bounded, idempotent by id. Tests and running without
// a database use it alone; AlertStore adds persistence through snapshot(),
// restore() and take_pruned().
class MemoryOutbox final : public DeliveryQueue {
 public:
  explicit MemoryOutbox(RetryPolicy policy = {}) : policy_(policy) {}

  bool enqueue(const Alert& alert) override;
  std::vector<OutboxItem> claim_due(WallTime now, size_t limit) override;
  std::optional<OutboxItem> claim_oldest(Channel channel, WallTime now) override;
  void make_due(Channel channel, WallTime now) override;
  void mark_delivered(const std::string& alert_id, Channel channel, WallTime now) override;
  void mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) override;
  void schedule_retry(const std::string& alert_id, Channel channel, WallTime now, const std::string& error) override;
  std::optional<WallTime> next_due() override;
  OutboxCounts counts() override;

  // The alert and its rows as they are now; nullopt when unknown (or pruned).
  std::optional<StoredAlert> snapshot(const std::string& alert_id);
  // Puts back an alert read from the store at start (in the order given).
  void restore(const StoredAlert& stored);
  // make_due(), returning the ids of the alerts whose rows changed.
  std::vector<std::string> make_channel_due(Channel channel, WallTime now);
  // Ids pruned by the bound since the last call; kept only once asked for
  // with track_pruned(), so that a MemoryOutbox alone stays bounded.
  void track_pruned() { track_pruned_ = true; }
  std::vector<std::string> take_pruned();
  const RetryPolicy& policy() const { return policy_; }

 private:
  struct Row {
    uint64_t seq;  // insertion order
    DeliveryState state = DeliveryState::pending;
    int attempts = 0;
    WallTime next{};
    std::optional<WallTime> done;
    std::string last_error;
  };
  void prune();  // mu_ held
  std::mutex mu_;
  RetryPolicy policy_;
  uint64_t seq_ = 0;
  uint64_t dropped_ = 0;
  std::map<std::string, Alert> alerts_;
  std::map<std::pair<std::string, Channel>, Row> rows_;
  bool track_pruned_ = false;
  std::vector<std::string> pruned_;
};

}  // namespace keyward::store
