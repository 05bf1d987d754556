// Core decision costs: choosing the next attempt, classifying a response,
// a cache lookup. Targets (issue 2): < 1 µs for 6 keys, < 20 µs for 1,000.
#include <benchmark/benchmark.h>

#include "base/utc_time.h"
#include "router/core/env_file.h"
#include "router/core/response_cache.h"
#include "router/core/routing.h"

namespace keyward {
namespace {

RouterConfig config_with_keys(int per_provider) {
  RouterConfig c = default_config();
  for (auto& p : c.providers) {
    for (int i = 1; i <= per_provider; ++i)
      p.keys.push_back(KeyConfig{i, p.env_prefix + "_API_KEY_" + std::to_string(i),
                                 "sk-bench-" + p.name + "-" + std::to_string(i), {}});
  }
  return c;
}

WallTime t0() {
  WallTime t;
  parse_iso8601("2025-11-18T08:00:00Z", &t);
  return t;
}

// Worst case: every key but the last is quarantined, so the policy scans them all.
void BM_NextAttempt(benchmark::State& state) {
  int per_provider = static_cast<int>(state.range(0));
  KeyPool pool(config_with_keys(per_provider));
  WallTime now = t0();
  AttemptResult r;
  r.status = 401;
  r.body = R"({"error":{"message":"Invalid API Key","code":"invalid_api_key"}})";
  auto c = classify(r, now);
  const auto& cfg = pool.config();
  for (size_t p = 0; p < cfg.providers.size(); ++p)
    for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i)
      if (!(p + 1 == cfg.providers.size() && i + 1 == cfg.providers[p].keys.size())) pool.record({p, i}, c, 401, now);
  RequestProgress progress;
  for (auto _ : state) {
    auto k = next_attempt(pool, progress, now);
    benchmark::DoNotOptimize(k);
    if (k.kind == NextAttempt::Kind::call) pool.end_call(k.key);
  }
  state.counters["keys"] = static_cast<double>(cfg.key_count());
}
BENCHMARK(BM_NextAttempt)->Arg(2)->Arg(334);  // 6 and 1,002 keys

void BM_Classify(benchmark::State& state) {
  AttemptResult r;
  r.status = 400;
  r.body = R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}})";
  WallTime now = t0();
  for (auto _ : state) benchmark::DoNotOptimize(classify(r, now));
}
BENCHMARK(BM_Classify);

void BM_ClassifySuccess(benchmark::State& state) {
  AttemptResult r;
  r.status = 200;
  r.body = R"({"choices":[{"message":{"content":"hi"}}]})";
  WallTime now = t0();
  for (auto _ : state) benchmark::DoNotOptimize(classify(r, now));
}
BENCHMARK(BM_ClassifySuccess);

void BM_CacheLookup(benchmark::State& state) {
  ResponseCache cache(CachePolicy{});
  WallTime now = t0();
  for (int i = 0; i < 1000; ++i) {
    ChatRequest req{{{"user", "question number " + std::to_string(i)}}, {}, {}, false, ""};
    cache.put(cache_key(req), ChatAnswer{"answer " + std::to_string(i), "m", "stop", 1, 1}, "groq", now);
  }
  ChatRequest probe{{{"user", "question number 500"}}, {}, {}, false, ""};
  for (auto _ : state) benchmark::DoNotOptimize(cache.get(cache_key(probe), now, false));
}
BENCHMARK(BM_CacheLookup);

}  // namespace
}  // namespace keyward
