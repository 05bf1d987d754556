#pragma once
// The composition root: the HTTP service with incidents, the alert outbox and
// its channels, schedules and timers, wired together once. `keyward serve`
// runs it on the real clock with background threads; the scenario runner runs
// the very same assembly on a simulated clock and drives the timers itself.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "router/alerts/dispatcher.h"
#include "router/alerts/settings.h"
#include "router/core/incidents.h"
#include "router/core/schedules.h"
#include "router/http/service.h"
#include "router/store/alert_store.h"
#include "router/store/sqlite_backend.h"

namespace keyward {

namespace cluster {
class ClusterLink;
class ClaimingOutbox;
}  // namespace cluster

struct AppOptions {
  RouterConfig config = default_config();  // keys not applied yet
  EnvMap env;                              // .env merged with the process environment
  std::string env_source = ".env";
  std::string config_yaml;                 // keyward.yaml text, for `alerts:` / `schedules:` / `cluster:`
  std::string config_source = "keyward.yaml";
  std::vector<std::string> warnings;       // logged first (.env diagnostics)
  const Clock* clock = nullptr;
  std::string listen = "127.0.0.1:5000";
  std::string journal_path = "keyward-journal.jsonl";
  std::string store_path = "keyward.db";   // incidents and the alert outbox
  http::ServerSettings server;             // keyward.yaml `server:` (the public listener)
  // For tests: the store's backend instead of SQLite at store_path (a slow
  // or failing one), which starts empty.
  std::function<std::unique_ptr<store::StoreBackend>()> store_backend;
  bool validate_on_start = true;
  bool tls_verify = true;
  // serve: a dispatcher thread and a 1 s timer thread. Scenarios: neither;
  // they call tick() and drain_alerts() on their own clock.
  bool background = true;
  std::optional<Millis> reminder_interval;  // overrides alerts.reminder_interval
  // Cluster mode: caps the link's reconnect backoff (ClusterOptions::retry_max).
  // The scenario runner heals partitions within milliseconds of wall time.
  std::optional<Millis> cluster_retry_max;
  // When the keys were last changed (the .env file's mtime): an incident that
  // is still open at start shows it on its timeline.
  std::optional<WallTime> keys_updated_at;
  std::function<void(const std::string&)> log;  // default: stdout
  // SIGHUP / POST /admin/reload: a fresh configuration and environment.
  std::function<bool(RouterConfig* config, EnvMap* env, std::string* error)> reload_source;
};

class App {
 public:
  explicit App(AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  bool start(std::string* error);
  void stop();

  // Timers: pool deadlines, incident reminders, the daily health check,
  // expiry reminders. Background mode calls it every second.
  void tick();
  // Pings every key now and alerts with the failures (the 06:00 job; in a
  // cluster, tick() runs it on the one replica that takes the day's lease).
  void run_health_check();
  // One synchronous delivery pass over the outbox.
  size_t drain_alerts();
  // Re-applies a new environment (an edited .env) and swaps atomically,
  // the admin token (KEYWARD_ADMIN_TOKEN) with the keys.
  bool reload(const EnvMap& env, std::string* summary);

  http::Service& service() { return *service_; }
  IncidentEngine& incidents() { return *incidents_; }
  store::AlertStore& store() { return *store_; }
  // Cluster mode (KEYWARD_REDIS_URL or `cluster:`); null when serving alone.
  cluster::ClusterLink* cluster() { return link_.get(); }
  // The outbox in front of the dispatcher that claims each alert cluster-wide;
  // null when serving alone.
  cluster::ClaimingOutbox* claiming() { return claiming_.get(); }
  void log(const std::string& line);

 private:
  RouterConfig keyed(const EnvMap& env, std::vector<std::string>* warnings) const;

  AppOptions options_;
  alerts::AlertSettings alert_settings_;
  bool open_store(std::string* error);
  static std::string admin_token_of(const EnvMap& env);
  bool start_cluster(std::string* error);
  // Keys a replica validated within the last few minutes are not pinged
  // again at start: their shared verdict is adopted (docs/CLUSTER.md).
  http::KeyFilter unshared_keys(ChatRouter& router);
  // Once a day per cluster: true when this replica takes `name` (always when
  // serving alone or while Redis is away).
  bool take_lease(const std::string& job, WallTime now, const std::string& subject = "");
  // Where lines go before the service exists, and from other threads.
  void log_direct(const std::string& line);

  std::unique_ptr<store::AlertStore> store_;
  std::optional<store::OpenedStore> opened_;  // notices and a corrupt file's fate, until start() reports them
  std::mutex log_mu_;
  http::Service* log_service_ = nullptr;  // guarded by log_mu_
  std::unique_ptr<alerts::AlertDispatcher> dispatcher_;
  // Cluster mode: the link to the other replicas through Redis, and the
  // outbox in front of the dispatcher that lets each alert through once
  // cluster-wide. Declared between the dispatcher and the incident engine:
  // the engine enqueues into the claiming outbox, which feeds the dispatcher.
  std::unique_ptr<cluster::ClusterLink> link_;
  std::unique_ptr<cluster::ClaimingOutbox> claiming_;
  std::unique_ptr<IncidentEngine> incidents_;
  std::unique_ptr<DailyHealthCheck> health_check_;
  ExpiryReminders expiry_;
  std::unique_ptr<http::Service> service_;
  std::mutex tick_mu_;
  // The admin token read with the keys of a reload, applied when they are
  // swapped in (ServiceOptions::reloaded). Reloads are serialised by the service.
  std::mutex reload_token_mu_;
  std::optional<std::string> reload_token_;
  std::string current_admin_token_;

  std::thread timer_;
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
};

}  // namespace keyward
