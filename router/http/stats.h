#pragma once
// Service statistics, declared once (kStatDefs) and shared by /metrics
// (Prometheus text), /api/status ("stats") and tests, which assert on named
// counters rather than on log text (Envoy). Counts kept by other parts (the
// listener, the journal, the incident engine, the alert dispatcher, the alert
// store) are copied in by samplers just before each rendering.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/core/chat_router.h"
#include "router/http/prometheus_text.h"

namespace keyward::http {

enum class Stat {
  requests,         // {route, outcome}
  attempts,         // {provider, key, class}
  failovers,        // {provider}: a failed attempt followed by another in the same request
  quarantines,      // {provider}
  ejections,        // {provider}
  emergencies,      // {cause}
  cache_hits,       // {stale}
  validations,      // {provider, result}
  reloads,          // {result}
  request_seconds,  // histogram {route}
  attempt_seconds,  // histogram {provider}
  // Sampled from their owners (see Stats::add_sampler):
  http_connections,       // {event}: accepted, refused (over the cap), idle_closed, write_timeout, slow_reader_cut
  http_open_connections,  // gauge
  http_refused_requests,  // {reason}: refusals of the listener itself (net::Refusal)
  http_bytes_read,        // bytes received from clients
  journal_dropped_lines,  // lines the journal dropped because its writer was stalled
  incident_alerts,        // {result}: enqueued, suppressed (deduplicated), rejected (by the outbox)
  incidents,              // {event}: opened, resolved
  alert_deliveries,       // {result}: delivered, failed (each retried later), skipped
  store_write_errors,     // failed batch writes of the alert store (SQLITE_FULL, I/O error, read-only)
  alerts_spilled,         // gauge: alerts held in memory only because the store cannot write
  cluster_degraded,       // gauge: 1 while this replica cannot reach Redis (cluster mode)
  cluster_published,      // key and provider facts this replica wrote to Redis
  cluster_applied,        // facts from other replicas applied here
  cluster_degradations,   // times this replica lost Redis
};
constexpr size_t kStatCount = 25;

struct StatDef {
  Stat id;
  const char* name;  // Prometheus name
  const char* type;  // counter | gauge | histogram
  const char* help;
  std::vector<const char*> labels;
};
// The one table.
const std::array<StatDef, kStatCount>& stat_defs();
const StatDef& stat_def(Stat s);

class Stats {
 public:
  // `labels`: values in the order of the def's label names. Never a secret:
  // keys are labelled by their index.
  void add(Stat s, const std::vector<std::string>& labels, uint64_t n = 1);
  void observe(Stat s, const std::vector<std::string>& labels, double seconds);
  // Replaces the value (a gauge, or a counter its owner keeps: samplers).
  void set(Stat s, const std::vector<std::string>& labels, uint64_t value);
  // `sampler` copies counts kept elsewhere into this table (with set()); it
  // runs at the start of every prometheus() and to_json(), on the caller's
  // thread. What it reads must outlive the Stats or be removed first.
  void add_sampler(std::function<void(Stats&)> sampler);
  // 0 when never counted.
  uint64_t value(Stat s, const std::vector<std::string>& labels) const;
  // Sum over every label set.
  uint64_t total(Stat s) const;

  std::string prometheus();
  nlohmann::json to_json();

 private:
  void sample();
  mutable std::mutex mu_;
  std::array<std::map<std::vector<std::string>, uint64_t>, kStatCount> counters_;
  std::array<std::map<std::vector<std::string>, PromHistogram>, kStatCount> histograms_;
  std::mutex samplers_mu_;  // held while samplers run: one rendering samples at a time
  std::vector<std::function<void(Stats&)>> samplers_;
};

// Feeds Stats from the router's events.
class StatsObserver final : public RouterObserver {
 public:
  explicit StatsObserver(Stats& stats) : stats_(stats) {}
  void on_pool_event(const PoolEvent& e) override;
  void on_attempt(const AttemptRecord& a) override;

 private:
  Stats& stats_;
};

}  // namespace keyward::http
