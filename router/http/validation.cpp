#include "router/http/validation.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

namespace keyward::http {

std::vector<KeyValidation> validate_keys(const RouterConfig& config, ProviderTransport& transport, const Clock& clock,
                                         size_t max_parallel, const KeyFilter& filter, Millis grace) {
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
  // Shared with the completions, which run on the transport's threads (or
  // inline, for a blocking transport) and may outlive an abandoned wait.
  struct Pings {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<KeyValidation> out;
    std::vector<bool> ended;
    size_t in_flight = 0;
    bool abandoned = false;  // the caller left: late completions touch nothing else
  };
  auto pings = std::make_shared<Pings>();
  pings->out.resize(jobs.size());
  pings->ended.assign(jobs.size(), false);
  for (size_t i = 0; i < jobs.size(); ++i) {
    KeyValidation& v = pings->out[i];
    v.provider = jobs[i].provider->name;
    v.display_name = jobs[i].provider->display_name;
    v.key_index = jobs[i].key->index;
    v.masked_key = jobs[i].key->masked();
  }
  const Millis timeout = config.timeouts.validation;
  const size_t limit = std::max<size_t>(max_parallel, 1);
  // Every ping ends within its timeout (plus the grace): waiting longer than
  // that for a free slot or for the last pings means the transport broke its
  // promise, and what did not end is reported as a timeout.
  const auto stuck_after = timeout + grace;
  bool stuck = false;
  {
    std::unique_lock lock(pings->mu);
    for (size_t i = 0; i < jobs.size() && !stuck; ++i) {
      stuck = !pings->cv.wait_for(lock, stuck_after, [&] { return pings->in_flight < limit; });
      if (stuck) break;
      ++pings->in_flight;
      lock.unlock();  // a blocking transport completes inside list_models
      const MonoTime t0 = clock.monotonic();
      const Clock* c = &clock;
      transport.list_models(*jobs[i].provider, *jobs[i].key, timeout,
                            [pings, i, t0, c](AttemptResult result, std::vector<std::string> models) {
                              std::lock_guard done_lock(pings->mu);
                              --pings->in_flight;
                              pings->cv.notify_all();
                              if (pings->abandoned) return;
                              KeyValidation& v = pings->out[i];
                              v.latency = c->monotonic() - t0;
                              v.result = std::move(result);
                              v.models = models.size();
                              pings->ended[i] = true;
                            });
      lock.lock();
    }
    if (!stuck) stuck = !pings->cv.wait_for(lock, stuck_after, [&] { return pings->in_flight == 0; });
    if (stuck) {
      pings->abandoned = true;
      for (size_t i = 0; i < jobs.size(); ++i)
        if (!pings->ended[i]) pings->out[i].result.transport = TransportError::timeout;
    }
  }
  std::vector<KeyValidation> out = std::move(pings->out);  // no completion writes to it any more
  for (size_t i = 0; i < jobs.size(); ++i)
    out[i].classification = classify(out[i].result, clock.wall());
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
