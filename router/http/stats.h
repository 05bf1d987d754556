#pragma once
// Service statistics, declared once (kStatDefs) and shared by /metrics
// (Prometheus text), /api/status ("stats") and tests, which assert on named
// counters rather than on log text (Envoy).
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/core/chat_router.h"

namespace keyward::http {

enum class Stat {
  requests,          // {route, outcome}
  attempts,          // {provider, key, class}
  failovers,         // {provider}: a failed attempt followed by another in the same request
  quarantines,       // {provider}
  ejections,         // {provider}
  emergencies,       // {cause}
  cache_hits,        // {stale}
  validations,       // {provider, result}
  reloads,           // {result}
  request_seconds,   // histogram {route}
  attempt_seconds,   // histogram {provider}
};
constexpr size_t kStatCount = 11;

struct StatDef {
  Stat id;
  const char* name;  // Prometheus name
  const char* type;  // counter | histogram
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
  // 0 when never counted.
  uint64_t value(Stat s, const std::vector<std::string>& labels) const;
  // Sum over every label set.
  uint64_t total(Stat s) const;

  std::string prometheus() const;
  nlohmann::json to_json() const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative at render time
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::array<std::map<std::vector<std::string>, uint64_t>, kStatCount> counters_;
  std::array<std::map<std::vector<std::string>, Histogram>, kStatCount> histograms_;
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
