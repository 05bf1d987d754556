#pragma once
// Drains the persistent outbox to the channels on its own thread, with
// retries and backoff from the outbox, so a dead or slow channel costs the
// request path nothing and loses nothing. Due times follow the injected Clock;
// tests call drain_once() and never start the thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "router/alerts/channel.h"
#include "base/clock.h"
#include "router/store/outbox.h"

namespace keyward::alerts {

struct DispatcherOptions {
  size_t batch = 50;                   // rows claimed per query
  size_t max_rows_per_pass = 1000;     // bound on one drain_once()
  Millis idle_wait_max{1'000};         // real-time wait between passes when nothing is due sooner
  // While a channel has failed and still has deliveries pending, it is probed
  // this often (injected clock), whatever its rows' backoff says: the probe
  // is a retry of its oldest pending alert, which proves the channel end to
  // end (a NOOP would not notice a refused recipient or a revoked bot). A
  // good probe or delivery ends the backoff: its queue goes out at once, in order.
  Millis probe_interval{30'000};
};

class AlertDispatcher final : public AlertOutbox {
 public:
  // `queue` must outlive the dispatcher. Rows for a channel that has no
  // object here (not configured) are marked skipped.
  AlertDispatcher(store::DeliveryQueue& queue, const Clock& clock, std::vector<std::unique_ptr<AlertChannel>> channels,
                  DispatcherOptions options = {});
  ~AlertDispatcher() override;  // stops the thread

  // AlertOutbox: persist, then wake the worker. Give this object to the
  // IncidentEngine as its outbox.
  bool enqueue(const Alert& alert) override;

  // One synchronous pass: every due row is sent once; failures are scheduled
  // for retry. Returns the number delivered. Safe alongside the thread.
  size_t drain_once();

  void start();
  void stop();

  struct Stats {
    uint64_t delivered = 0;
    uint64_t failures = 0;  // failed tries (each is retried later)
    uint64_t skipped = 0;
    uint64_t probes = 0;    // probes of channels in backoff (see DispatcherOptions::probe_interval)
    std::string last_error;
  };
  Stats stats() const;

 private:
  void run();
  AlertChannel* channel(Channel c);
  // The channel answered: its backoff ends and its queue is due now.
  void channel_back(Channel c, WallTime now);
  // Probes the channels whose probe is due; returns how many alerts it delivered.
  size_t probe_due(WallTime now, std::set<Channel>* failed_now);

  store::DeliveryQueue& queue_;
  const Clock& clock_;
  std::vector<std::unique_ptr<AlertChannel>> channels_;
  DispatcherOptions options_;

  std::mutex drain_mu_;  // one pass at a time
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;
  bool stopping_ = false;
  std::thread thread_;
  Stats stats_;
  // Channels that failed and have not answered since: when to probe next.
  std::map<Channel, WallTime> probe_at_;  // guarded by mu_
};

}  // namespace keyward::alerts
