#pragma once
// The incident engine: turns pool events and emergency verdicts into alerts,
// as incidents with a beginning and an end. Pure logic: time comes from the
// events, from `now` parameters and from the injected Clock; alerts go to an
// AlertOutbox; the open incident lives in an IncidentStore so a restart keeps
// it. Never one alert per request: every alert is deduplicated by (kind,
// subject) within an incident, and per key/provider episode outside one.
//
// Thread-safe: callbacks arrive from request threads (after the key pool's
// lock is released, in pool order) and tick() from a timer; one internal
// mutex serialises them. The engine never calls back into the router.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/core/alert_messages.h"
#include "router/core/alert_outbox.h"
#include "router/core/chat_router.h"
#include "base/clock.h"
#include "router/core/config.h"

namespace keyward {

struct AlertPolicy {
  // While an incident stays open, a reminder every interval; outside an
  // incident, a key that fails again gets a new alert only after a success or
  // after this interval.
  Millis reminder_interval{60 * 60'000};
  int reminders_max = 48;  // per incident: a forgotten incident stops nagging eventually
  // A success during a validation pass (start-up, reload) holds the resolved
  // alert until the pass ends, so it lists every key; this bounds the wait.
  Millis resolve_hold_max{60'000};
  // A restart that finds a condition (kind, subject, key) alerted less than
  // this long ago does not alert it again (the store remembers; issue 18).
  Millis dedup_window{60 * 60'000};
  unsigned disabled_kinds = 0;  // bit (1 << AlertKind)

  bool enabled(AlertKind k) const { return (disabled_kinds & (1u << static_cast<unsigned>(k))) == 0; }
  void set_enabled(AlertKind k, bool on) {
    unsigned bit = 1u << static_cast<unsigned>(k);
    disabled_kinds = on ? disabled_kinds & ~bit : disabled_kinds | bit;
  }
};

// Cluster mode (router/cluster): incidents are one per condition cluster-wide.
// The engine tells the cluster what it opened and resolved; the cluster tells
// the engine what other replicas did (adopt_remote_*). Called under the
// engine's lock: implementations only queue.
class IncidentSharing {
 public:
  virtual ~IncidentSharing() = default;
  virtual void opened(const IncidentRecord& incident) = 0;
  virtual void resolved(const IncidentRecord& incident) = 0;
};

class IncidentEngine : public RouterObserver {
 public:
  // Loads the open incident (if any) and the last resolved one from `store`.
  // `outbox` and `store` must outlive the engine.
  IncidentEngine(RouterConfig config, AlertPolicy policy, const Clock& clock, AlertOutbox& outbox,
                 IncidentStore& store);

  // RouterObserver: register the engine as the ChatRouter's observer (or fan
  // out to it from the service's observer).
  void on_pool_event(const PoolEvent& event) override;
  void on_emergency(const Verdict& verdict, WallTime now) override;

  // The service tells the engine what the operator did; the resolved alert's
  // timeline shows it. Ignored when no incident is open.
  // `at`: when the keys changed (the .env file's mtime is the honest answer).
  void note_keys_updated(WallTime at);
  void note_restarted(WallTime at);
  // Brackets a validation pass (start-up / reload / daily check): a success
  // inside it resolves the incident, and the resolved alert is sent when the
  // pass ends (bounded by AlertPolicy::resolve_hold_max), listing every key.
  void note_validation_started(WallTime now);
  void note_validation_finished(WallTime now);

  // Where the engine says what it decided not to do (a restart that does not
  // re-alert). Default: nowhere. Call before events arrive.
  void set_log(std::function<void(const std::string&)> log);

  // After a reload: new providers/keys. Keys whose masked form and index are
  // unchanged keep their tracked state.
  void set_config(RouterConfig config);

  // Cluster mode. `sharing` must outlive the engine (null: alone).
  void set_sharing(IncidentSharing* sharing);
  // Another replica opened `incident`: it is this replica's incident too (no
  // alert: that replica sent them; their dedup entries join ours). When one
  // is open here already, the earlier of the two (opened_at, then id) is the
  // cluster's: the other's id gives way and its dedup entries merge in.
  void adopt_remote_open(const IncidentRecord& incident);
  // Another replica resolved incident `id`: closed here without an alert.
  void adopt_remote_resolved(const IncidentRecord& incident);

  // Reminders and the resolve hold; call every few seconds.
  void tick(WallTime now);
  void tick() { tick(clock_.wall()); }

  // Alerts made elsewhere (schedules: expiry, health check) go through the
  // same outbox, policy and counters. False when disabled or a duplicate.
  bool raise(const Alert& alert);

  // {"state":"open"|"none","id","opened_at","cause","diagnosis","providers":[...],
  //  "alerts_sent","last_resolved":{...}|null} for /api/status and /dashboard.
  nlohmann::json incident_status_json() const;
  bool incident_open() const;

  struct Stats {
    uint64_t alerts_enqueued = 0;
    uint64_t alerts_suppressed = 0;  // deduplicated
    uint64_t alerts_rejected = 0;    // outbox said duplicate/full
    uint64_t incidents_opened = 0;
    uint64_t incidents_resolved = 0;
    uint64_t incidents_adopted = 0;  // cluster mode: opened or resolved by another replica
  };
  Stats stats() const;

 private:
  // What the engine remembers is what it said, not the keys' state: the pool
  // owns that and every event carries a view of it (PoolEvent::view).
  struct KeyEpisode {  // per key (index + masked form): its current episode's alerts
    std::optional<WallTime> auth_alert_at;
    std::optional<WallTime> quota_alert_at;
  };
  struct ProviderEpisode {
    std::map<std::pair<int, std::string>, KeyEpisode> keys;
    std::optional<WallTime> all_failed_alert_at;
    std::optional<WallTime> outage_alert_at;
  };

  const ProviderConfig* provider_config(const std::string& name) const;
  // Dedup gate: true when an alert for (kind, subject) may go out now; the
  // episode stamp is the per-key/provider memory outside incidents.
  // `condition`: the key under which the store remembers when this condition
  // was last alerted ("" for alerts that are not conditions).
  bool may_alert(AlertKind kind, const std::string& subject, std::optional<WallTime>* episode, WallTime now,
                 const std::string& condition);
  void emit(const Alert& alert, std::optional<WallTime>* episode, WallTime now, const std::string& condition = "");
  void forget_condition(const std::string& condition);
  void on_success(const PoolEvent& e, WallTime now);
  void check_all_keys_failed(const ProviderConfig& pc, WallTime now);
  void resolve(WallTime now);
  std::string scope_for(const std::string& subject, WallTime now) const;
  void persist();

  mutable std::mutex mu_;
  RouterConfig config_;
  AlertPolicy policy_;
  const Clock& clock_;
  AlertOutbox& outbox_;
  IncidentStore& store_;
  std::map<std::string, ProviderEpisode> episodes_;  // by provider name
  std::shared_ptr<const PoolView> view_;  // the latest pool view an event brought
  // What the store remembered at start and what was alerted since: condition
  // key -> when it was last alerted (see AlertPolicy::dedup_window).
  std::map<std::string, WallTime> conditions_;
  std::function<void(const std::string&)> log_;
  std::optional<IncidentRecord> open_;
  std::optional<IncidentRecord> last_resolved_;
  IncidentSharing* sharing_ = nullptr;
  bool validating_ = false;
  bool resolve_pending_ = false;
  Stats stats_;
};

}  // namespace keyward
