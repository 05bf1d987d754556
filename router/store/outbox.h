#pragma once
// The persistent alert outbox: alerts are written here on the request path
// (quick, idempotent by alert id) and delivered later by the dispatcher, one
// row per (alert, channel), with retries and exponential backoff. A dead
// channel therefore neither slows requests nor loses alerts, and a retried
// alert is delivered once per channel.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "router/core/alert_outbox.h"
#include "router/store/sqlite_db.h"

namespace keyward::store {

struct RetryPolicy {
  Millis base{10'000};      // first retry after 10 s, then 20 s, 40 s, ...
  Millis cap{5 * 60'000};   // ... never longer than 5 min between tries: alerts are never given up
  Millis lease{5 * 60'000}; // a claimed row is invisible this long (a crash mid-send retries it)
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
  virtual void mark_delivered(const std::string& alert_id, Channel channel, WallTime now) = 0;
  // The channel is off: never retried.
  virtual void mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) = 0;
  // One more failed try: next attempt after retry_delay().
  virtual void schedule_retry(const std::string& alert_id, Channel channel, WallTime now, const std::string& error) = 0;
  // Earliest moment a pending row becomes due; nullopt when none is pending.
  virtual std::optional<WallTime> next_due() = 0;
  virtual OutboxCounts counts() = 0;
};

class SqliteOutbox final : public DeliveryQueue {
 public:
  static std::unique_ptr<SqliteOutbox> open(const std::string& path, std::string* error, RetryPolicy policy = {});

  bool enqueue(const Alert& alert) override;
  std::vector<OutboxItem> claim_due(WallTime now, size_t limit) override;
  void mark_delivered(const std::string& alert_id, Channel channel, WallTime now) override;
  void mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) override;
  void schedule_retry(const std::string& alert_id, Channel channel, WallTime now, const std::string& error) override;
  std::optional<WallTime> next_due() override;
  OutboxCounts counts() override;

  uint64_t write_errors() const;
  std::string last_error() const;

 private:
  SqliteOutbox(std::unique_ptr<Database> db, RetryPolicy policy);
  void prune();
  void fail(const std::string& what);

  mutable std::mutex mu_;
  std::unique_ptr<Database> db_;
  RetryPolicy policy_;
  uint64_t dropped_ = 0;
  uint64_t write_errors_ = 0;
  std::string last_error_;
};

// Same semantics in memory (tests, and running without a database file).
class MemoryOutbox final : public DeliveryQueue {
 public:
  explicit MemoryOutbox(RetryPolicy policy = {}) : policy_(policy) {}

  bool enqueue(const Alert& alert) override;
  std::vector<OutboxItem> claim_due(WallTime now, size_t limit) override;
  void mark_delivered(const std::string& alert_id, Channel channel, WallTime now) override;
  void mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) override;
  void schedule_retry(const std::string& alert_id, Channel channel, WallTime now, const std::string& error) override;
  std::optional<WallTime> next_due() override;
  OutboxCounts counts() override;

 private:
  enum class State { pending, delivered, skipped };
  struct Row {
    uint64_t seq;  // insertion order
    State state = State::pending;
    int attempts = 0;
    WallTime next{};
    std::string last_error;
  };
  std::mutex mu_;
  RetryPolicy policy_;
  uint64_t seq_ = 0;
  uint64_t dropped_ = 0;
  std::map<std::string, Alert> alerts_;
  std::map<std::pair<std::string, Channel>, Row> rows_;
};

}  // namespace keyward::store
