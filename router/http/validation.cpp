#include "router/http/validation.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

namespace keyward::http {

std::vector<KeyValidation> validate_keys(const RouterConfig& config, ProviderTransport& transport, const Clock& clock,
                                         size_t max_parallel, const KeyFilter& filter) {
  struct Job {
    const ProviderConfig* provider;
    const KeyConfig* key;
  };
  std::vector<Job> jobs;
  for (const auto& p : config.providers) {
    if (!p.enabled) continue;
    for (const auto& k : p.keys)
      if (!filter || filter(p, k)) jobs.push_back({&p, &k});
  }
  std::vector<KeyValidation> out(jobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      const auto& job = jobs[i];
      KeyValidation& v = out[i];
      v.provider = job.provider->name;
      v.display_name = job.provider->display_name;
      v.key_index = job.key->index;
      v.masked_key = job.key->masked();
      std::vector<std::string> models;
      MonoTime t0 = clock.monotonic();
      v.result = transport.list_models(*job.provider, *job.key, config.timeouts.validation, &models);
      v.latency = clock.monotonic() - t0;
      v.classification = classify(v.result, clock.wall());
      v.models = models.size();
    }
  };
  // One thread per key up to the bound: pings are I/O waits, not CPU work.
  size_t n = std::min(jobs.size(), std::max<size_t>(max_parallel, 1));
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return out;
}

std::string validation_log_line(const KeyValidation& v) {
  std::string who = v.display_name + " Key " + std::to_string(v.key_index);
  if (v.ok()) return "INFO: ✓ " + who + " credentials validated successfully";
  return "ERROR: ✗ " + who + " credential validation failed: " + v.classification.message + " (" +
         to_string(v.classification.cls) + ")";
}

size_t count_ok(const std::vector<KeyValidation>& results) {
  return static_cast<size_t>(std::count_if(results.begin(), results.end(), [](const auto& v) { return v.ok(); }));
}

std::vector<std::string> validation_summary_lines(const RouterConfig& config,
                                                  const std::vector<KeyValidation>& results) {
  std::vector<std::string> lines;
  size_t ok = count_ok(results);
  lines.push_back("INFO: Available models: " + std::to_string(ok));
  if (results.empty()) {
    lines.push_back("WARN: ⚠ Platform degraded - 0/0 keys operational; no API keys configured");
    return lines;
  }
  if (ok == results.size()) {
    lines.push_back("INFO: ✅ Platform ready - all AI providers operational");
    return lines;
  }
  std::string detail;
  for (const auto& p : config.providers) {
    int total = 0, good = 0;
    std::map<ErrorClass, int> classes;
    for (const auto& v : results) {
      if (v.provider != p.name) continue;
      ++total;
      if (v.ok()) ++good;
      else ++classes[v.classification.cls];
    }
    if (total == good) continue;
    auto dominant = std::max_element(classes.begin(), classes.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
    detail += "; " + p.display_name + ": " + std::to_string(good) + "/" + std::to_string(total) + " (" +
              to_string(dominant->first) + ")";
  }
  std::string counts = std::to_string(ok) + "/" + std::to_string(results.size()) + " keys operational";
  if (ok == 0) lines.push_back("ERROR: ✗ Platform unavailable - " + counts + detail);
  else lines.push_back("WARN: ⚠ Platform degraded - " + counts + detail);
  return lines;
}

}  // namespace keyward::http
