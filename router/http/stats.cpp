#include "router/http/stats.h"

namespace keyward::http {

namespace {
// Latency buckets in seconds: loopback round trips (~100 µs) to slow providers (10 s).
constexpr std::array<double, 12> kBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                          0.01,   0.05,    0.25,   1.0,   2.5,    10.0};

}  // namespace

const std::array<StatDef, kStatCount>& stat_defs() {
  static const std::array<StatDef, kStatCount> defs{{
      {Stat::requests, "keyward_requests_total", "counter", "Requests by route and outcome", {"route", "outcome"}},
      {Stat::attempts, "keyward_attempts_total", "counter", "Provider calls by provider, key index and class",
       {"provider", "key", "class"}},
      {Stat::failovers, "keyward_failovers_total", "counter",
       "Failed attempts after which the same request tried another key", {"provider"}},
      {Stat::quarantines, "keyward_quarantines_total", "counter", "Keys quarantined (auth)", {"provider"}},
      {Stat::ejections, "keyward_ejections_total", "counter", "Providers ejected (outage/network)", {"provider"}},
      {Stat::emergencies, "keyward_emergency_answers_total", "counter", "Requests every provider failed, by cause",
       {"cause"}},
      {Stat::cache_hits, "keyward_cache_hits_total", "counter", "Emergency answers served from the cache", {"stale"}},
      {Stat::validations, "keyward_key_validations_total", "counter", "Key validation pings by provider and result",
       {"provider", "result"}},
      {Stat::reloads, "keyward_reloads_total", "counter", "Configuration reloads", {"result"}},
      {Stat::request_seconds, "keyward_request_duration_seconds", "histogram", "Request latency by route",
       {"route"}},
      {Stat::attempt_seconds, "keyward_attempt_duration_seconds", "histogram", "Provider call latency",
       {"provider"}},
      {Stat::http_connections, "keyward_http_connections_total", "counter",
       "Client connections: accepted, refused over the connection cap, closed idle, closed on a write timeout, "
       "cut off for not reading a stream",
       {"event"}},
      {Stat::http_open_connections, "keyward_http_open_connections", "gauge", "Client connections open now", {}},
      {Stat::http_refused_requests, "keyward_http_refused_requests_total", "counter",
       "Requests the listener answered itself: malformed (400/501), head too large (431), body too large (413), "
       "head or body too slow (408)",
       {"reason"}},
      {Stat::http_bytes_read, "keyward_http_bytes_read_total", "counter", "Bytes received from clients", {}},
      {Stat::journal_dropped_lines, "keyward_journal_dropped_lines_total", "counter",
       "Journal lines dropped because the writer was stalled.", {}},
      {Stat::incident_alerts, "keyward_incident_alerts_total", "counter",
       "Alerts raised by the incident engine: enqueued, suppressed as duplicates, rejected by the outbox",
       {"result"}},
      {Stat::incidents, "keyward_incidents_total", "counter", "Incidents opened and resolved", {"event"}},
      {Stat::alert_deliveries, "keyward_alert_deliveries_total", "counter",
       "Alert delivery tries by the dispatcher: delivered, failed (retried later), skipped", {"result"}},
      {Stat::store_write_errors, "keyward_store_write_errors_total", "counter",
       "Failed writes of the alert store (disk full, I/O error, read-only); alerts are kept in memory meanwhile",
       {}},
      {Stat::alerts_spilled, "keyward_alerts_spilled", "gauge",
       "Alerts held in memory only (still delivered) because the store cannot write", {}},
      {Stat::cluster_degraded, "keyward_cluster_degraded", "gauge",
       "1 while this replica cannot reach Redis and serves on its own state (cluster mode)", {}},
      {Stat::cluster_published, "keyward_cluster_published_total", "counter",
       "Key and provider facts this replica wrote to Redis and published", {}},
      {Stat::cluster_applied, "keyward_cluster_applied_total", "counter",
       "Facts from other replicas applied to this replica's pool and incidents", {}},
      {Stat::cluster_degradations, "keyward_cluster_degraded_total", "counter",
       "Times this replica lost Redis (alerts from then on may repeat another replica's)", {}},
  }};
  return defs;
}

const StatDef& stat_def(Stat s) { return stat_defs()[static_cast<size_t>(s)]; }

void Stats::add(Stat s, const std::vector<std::string>& labels, uint64_t n) {
  std::lock_guard lock(mu_);
  counters_[static_cast<size_t>(s)][labels] += n;
}

void Stats::observe(Stat s, const std::vector<std::string>& labels, double seconds) {
  std::lock_guard lock(mu_);
  histograms_[static_cast<size_t>(s)][labels].observe(kBuckets, seconds);
}

void Stats::set(Stat s, const std::vector<std::string>& labels, uint64_t value) {
  std::lock_guard lock(mu_);
  counters_[static_cast<size_t>(s)][labels] = value;
}

void Stats::add_sampler(std::function<void(Stats&)> sampler) {
  std::lock_guard lock(samplers_mu_);
  samplers_.push_back(std::move(sampler));
}

void Stats::sample() {
  std::lock_guard lock(samplers_mu_);
  for (const auto& fn : samplers_) fn(*this);
}

uint64_t Stats::value(Stat s, const std::vector<std::string>& labels) const {
  std::lock_guard lock(mu_);
  const auto& m = counters_[static_cast<size_t>(s)];
  auto it = m.find(labels);
  if (it != m.end()) return it->second;
  const auto& hm = histograms_[static_cast<size_t>(s)];
  auto hit = hm.find(labels);
  return hit == hm.end() ? 0 : hit->second.count;
}

uint64_t Stats::total(Stat s) const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [_, v] : counters_[static_cast<size_t>(s)]) n += v;
  for (const auto& [_, h] : histograms_[static_cast<size_t>(s)]) n += h.count;
  return n;
}

std::string Stats::prometheus() {
  sample();
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& d : stat_defs()) {
    out += "# HELP " + std::string(d.name) + " " + d.help + "\n";
    out += "# TYPE " + std::string(d.name) + " " + d.type + "\n";
    size_t i = static_cast<size_t>(d.id);
    for (const auto& [labels, v] : counters_[i])
      out += d.name + prometheus_labels(d.labels, labels) + " " + std::to_string(v) + "\n";
    for (const auto& [labels, h] : histograms_[i])
      append_prometheus_histogram(out, d.name, d.labels, labels, kBuckets, h);
  }
  return out;
}

nlohmann::json Stats::to_json() {
  sample();
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& d : stat_defs()) {
    size_t i = static_cast<size_t>(d.id);
    nlohmann::json rows = nlohmann::json::array();
    auto labels_json = [&](const std::vector<std::string>& labels) {
      nlohmann::json l = nlohmann::json::object();
      for (size_t k = 0; k < d.labels.size() && k < labels.size(); ++k) l[d.labels[k]] = labels[k];
      return l;
    };
    for (const auto& [labels, v] : counters_[i]) rows.push_back({{"labels", labels_json(labels)}, {"value", v}});
    for (const auto& [labels, h] : histograms_[i])
      rows.push_back({{"labels", labels_json(labels)}, {"count", h.count}, {"sum_seconds", h.sum}});
    out[d.name] = std::move(rows);
  }
  return out;
}

void StatsObserver::on_pool_event(const PoolEvent& e) {
  if (e.kind == PoolEventKind::key_quarantined) stats_.add(Stat::quarantines, {e.provider});
  if (e.kind == PoolEventKind::provider_ejected) stats_.add(Stat::ejections, {e.provider});
}

void StatsObserver::on_attempt(const AttemptRecord& a) {
  stats_.add(Stat::attempts, {a.provider, std::to_string(a.key_index), to_string(a.cls)});
  stats_.observe(Stat::attempt_seconds, {a.provider},
                 std::chrono::duration<double>(a.latency).count());
}

}  // namespace keyward::http
