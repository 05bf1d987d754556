#pragma once
// The production router, assembled in-process for a scenario: the HTTP
// service, incidents and alerts with a SQLite store, all on the scenario's
// simulated clock, pointed at the fake world.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "scenarios/router_handle.h"

namespace keyward::scenarios {

struct RouterUnderTestOptions {
  std::string env_text;     // the .env as the operator wrote it
  std::string config_yaml;  // keyward.yaml, may be empty
  std::string store_path;   // SQLite file; kept across restarts
  std::string journal_path;
  bool validate_on_start = true;
  Millis reminder_interval{60 * 60'000};
  bool keys_updated = false;  // this instance replaces one whose .env differed ...
  WallTime keys_updated_at{};  // ... since this moment (the edit)
  // Cluster mode: `cluster: {redis_url, replica_id}` added to config_yaml.
  // Empty redis_url: the router runs alone.
  std::string redis_url;
  std::string replica_id;
};

class RouterUnderTest final : public RouterHandle {
 public:
  RouterUnderTest(RouterUnderTestOptions options, SimClock& clock);
  ~RouterUnderTest() override;
  // Binds port 0, validates keys if asked, serves. false + error on failure.
  bool start(std::string* error);
  void stop() override;
  int port() const;
  std::string base_url() const override;
  // Timers: pool deadlines, incident reminders, daily check, expiry reminders.
  void tick() override;
  // Deliver everything due in the alert outbox now (synchronously).
  void drain_alerts() override;
  // .env edited: re-read and swap (what POST /admin/reload does).
  bool reload(const std::string& env_text, std::string* summary) override;
  void run_health_check() override;
  nlohmann::json status() const override;
  std::string metrics() const override;
  std::vector<std::string> logs() const override;  // every log line so far

  // Cluster mode (RouterUnderTestOptions::redis_url); all false / 0 alone.
  bool cluster_connected() const;  // the link is connected and subscribed to Redis
  bool cluster_degraded() const;   // the link says Redis is away (`cluster: degraded`)
  // The alerts raised so far claimed and handed to the outbox, and what was
  // queued for Redis written and published. False after `timeout` or degraded.
  bool cluster_flush(Millis timeout);
  // Caught up with everything the cluster published so far (ClusterLink::sync).
  bool cluster_sync(Millis timeout);
  // Grows whenever this replica publishes, applies or claims something: a
  // cluster has settled when no replica's activity changes across a
  // flush-and-sync round.
  uint64_t cluster_activity() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::scenarios
