// Router benchmarks over real loopback against the fakes, keep-alive on both
// sides. Each reports p50/p99 per iteration (µs) as counters.
//   LoopbackFloor        a direct keep-alive call to a fake (the floor)
//   RouteInProcess       ChatRouter::route -> good key (vs the floor: the router's overhead)
//   ServiceChatHttp      POST /api/ai/chat through the whole service (client -> router -> fake)
//   FailoverCold         5 auth-failing keys then a good 6th, state reset every iteration
//   FailoverWarm         the same once the 5 keys are quarantined (straight to the 6th)
//   EmergencyQuarantined every key quarantined: the emergency verdict, zero provider calls
//   EmergencyHttp        the same through POST /api/ai/chat (503 JSON)
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "fakes/world.h"
#include "router/core/env_file.h"
#include "bench/bench_service.h"
#include "router/http/blocking_over_async.h"
#include "router/http/service.h"
#include "router/http/transports.h"

namespace {

using namespace keyward;
using SteadyClock = std::chrono::steady_clock;

const char* kGood = "sk-proj-GOOD-FFF-0123";

struct Fixture {
  OffsetClock fake_clock;
  std::unique_ptr<fakes::World> world;
  RealClock clock;

  Fixture() {
    YamlField root{YAML::Load(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-FFF-0123: valid}, max_threads: 16, keep_alive_timeout_s: 30}
  - {name: gemini, kind: gemini, max_threads: 16, keep_alive_timeout_s: 30}
)"),
                      "bench.yaml", ""};
    world = std::make_unique<fakes::World>(fakes::parse_world(root), fake_clock);
    world->start();
  }
  // Groq with `bad` failing keys before the good one (or only failing keys when !good).
  RouterConfig config(int bad, bool good) const {
    RouterConfig c = default_config();
    c.providers.resize(2);
    c.providers[0].base_url = world->provider("groq")->base_url();
    c.providers[1].base_url = world->provider("gemini")->base_url();
    std::string env;
    for (int i = 1; i <= bad; ++i) env += "GROQ_API_KEY_" + std::to_string(i) + "=sk-proj-EXPIRED-" + std::to_string(i) + "00\n";
    if (good) env += "GROQ_API_KEY_" + std::to_string(bad + 1) + "=" + kGood + "\n";
    if (!good) env += "GEMINI_API_KEY_1=AIza-EXPIRED-XXX\n";
    apply_env(c, parse_env(env, ".env").entries, {});
    return c;
  }
  uint64_t provider_calls() const {
    uint64_t n = 0;
    for (auto* p : world->providers()) n += p->counters().requests;
    return n;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

ChatRequest question() {
  ChatRequest r;
  r.messages = {{"user", "Help me fix this bug"}};
  return r;
}

// Per-iteration samples -> p50/p99 counters in microseconds.
struct Samples {
  std::vector<double> us;
  void add(SteadyClock::time_point t0) {
    us.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count());
  }
  void report(benchmark::State& state) {
    if (us.empty()) return;
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  }
};

void LoopbackFloor(benchmark::State& state) {
  auto& f = fixture();
  httplib::Client c("127.0.0.1", f.world->provider("groq")->port());
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  httplib::Headers h{{"Authorization", std::string("Bearer ") + kGood}};
  std::string body = http::openai_request_body("llama-3.3-70b-versatile", question(), false);
  Samples s;
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    auto r = c.Post("/openai/v1/chat/completions", h, body, "application/json");
    if (!r || r->status != 200) state.SkipWithError("fake call failed");
    s.add(t0);
  }
  s.report(state);
}
BENCHMARK(LoopbackFloor)->Iterations(3000);

void RouteInProcess(benchmark::State& state) {
  auto& f = fixture();
  http::WireTransport wire;
  http::BlockingOverAsync t(wire);  // routing is synchronous: each attempt waits for its call
  ChatRouter router(f.config(0, true), f.clock, nullptr);
  auto q = question();
  Samples s;
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    auto out = router.route(q, t);
    if (out.kind != RouteOutcome::Kind::provider) state.SkipWithError("no answer");
    s.add(t0);
  }
  s.report(state);
}
BENCHMARK(RouteInProcess)->Iterations(3000);

void FailoverCold(benchmark::State& state) {
  auto& f = fixture();
  http::WireTransport wire;
  http::BlockingOverAsync t(wire);  // routing is synchronous: each attempt waits for its call
  auto cfg = f.config(5, true);
  auto q = question();
  Samples s;
  for (auto _ : state) {
    state.PauseTiming();
    auto router = std::make_unique<ChatRouter>(cfg, f.clock, nullptr);  // fresh: no key quarantined
    state.ResumeTiming();
    auto t0 = SteadyClock::now();
    auto out = router->route(q, t);
    s.add(t0);
    if (out.kind != RouteOutcome::Kind::provider || out.attempts.size() != 6) state.SkipWithError("expected 6 attempts");
  }
  s.report(state);
}
BENCHMARK(FailoverCold)->Iterations(1000);

void FailoverWarm(benchmark::State& state) {
  auto& f = fixture();
  http::WireTransport wire;
  http::BlockingOverAsync t(wire);  // routing is synchronous: each attempt waits for its call
  ChatRouter router(f.config(5, true), f.clock, nullptr);
  auto q = question();
  router.route(q, t);  // quarantines keys 1..5
  Samples s;
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    auto out = router.route(q, t);
    s.add(t0);
    if (out.attempts.size() != 1) state.SkipWithError("expected 1 attempt");
  }
  s.report(state);
}
BENCHMARK(FailoverWarm)->Iterations(3000);

void EmergencyQuarantined(benchmark::State& state) {
  auto& f = fixture();
  http::WireTransport wire;
  http::BlockingOverAsync t(wire);  // routing is synchronous: each attempt waits for its call
  auto cfg = f.config(3, false);
  cfg.cache.enabled = false;
  ChatRouter router(cfg, f.clock, nullptr);
  ChatRequest q;
  q.messages = {{"user", "never cached"}};
  router.route(q, t);  // quarantines every key
  uint64_t before = f.provider_calls();
  Samples s;
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    auto out = router.route(q, t);
    s.add(t0);
    if (out.kind != RouteOutcome::Kind::emergency) state.SkipWithError("expected emergency");
  }
  state.counters["provider_calls"] = static_cast<double>(f.provider_calls() - before);
  s.report(state);
}
BENCHMARK(EmergencyQuarantined)->Iterations(10000);

std::unique_ptr<http::Service> service_for(RouterConfig cfg) {
  return bench::start_bench_service(std::move(cfg), fixture().clock);
}

void ServiceChatHttp(benchmark::State& state) {
  auto svc = service_for(fixture().config(0, true));
  httplib::Client c("127.0.0.1", svc->port());
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  Samples s;
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    auto r = c.Post("/api/ai/chat", R"({"message":"Help me fix this bug"})", "application/json");
    s.add(t0);
    if (!r || r->status != 200) state.SkipWithError("chat failed");
  }
  s.report(state);
  svc->stop();
}
BENCHMARK(ServiceChatHttp)->Iterations(3000);

void EmergencyHttp(benchmark::State& state) {
  auto& f = fixture();
  auto cfg = f.config(3, false);
  cfg.cache.enabled = false;
  auto svc = service_for(cfg);
  httplib::Client c("127.0.0.1", svc->port());
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  c.Post("/api/ai/chat", R"({"message":"x"})", "application/json");  // quarantines every key
  uint64_t before = f.provider_calls();
  Samples s;
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    auto r = c.Post("/api/ai/chat", R"({"message":"x"})", "application/json");
    s.add(t0);
    if (!r || r->status != 503) state.SkipWithError("expected 503");
  }
  state.counters["provider_calls"] = static_cast<double>(f.provider_calls() - before);
  s.report(state);
  svc->stop();
}
BENCHMARK(EmergencyHttp)->Iterations(3000);

}  // namespace
