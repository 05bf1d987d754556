#pragma once
// Alerts claimed once cluster-wide before they enter this replica's outbox:
// the incident engine hands alerts here (quickly: they are queued); a thread
// of its own claims each in Redis (SET NX PX through the ClusterLink) and
// passes on only those this replica won. While Redis is unreachable every
// alert passes (at least once per replica, counted).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "router/cluster/cluster_link.h"
#include "router/core/alert_outbox.h"

namespace keyward::cluster {

class ClaimingOutbox final : public AlertOutbox {
 public:
  // `inner` and `link` must outlive this. `window`: how long a claim holds
  // (the dedup window; a condition that ends frees its claims earlier).
  ClaimingOutbox(AlertOutbox& inner, ClusterLink& link, Millis window, size_t max_queue = 10'000);
  ~ClaimingOutbox() override;  // passes what is queued on, then stops

  // Queued for claiming; false when the queue is full (counted as dropped).
  bool enqueue(const Alert& alert) override;

  // The claim's name: the same on every replica for the same condition.
  // Resolved alerts are claimed by incident, the others by (kind, subject).
  static std::string claim_name(const Alert& alert);

  struct Stats {
    uint64_t claimed = 0;     // won here: passed to the outbox
    uint64_t suppressed = 0;  // another replica holds the claim
    uint64_t unclaimed = 0;   // Redis unreachable: passed anyway
    uint64_t dropped = 0;     // queue full
  };
  Stats stats() const;
  // Waits until the queue is empty (tests, orderly shutdown), at most `timeout`.
  bool flush(Millis timeout);

 private:
  void run();

  AlertOutbox& inner_;
  ClusterLink& link_;
  Millis window_;
  size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Alert> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace keyward::cluster
