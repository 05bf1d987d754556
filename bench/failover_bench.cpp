// Failover benchmarks over real loopback HTTP, keep-alive on both sides:
// client -> keyward's Service (POST /v1/chat/completions) -> an OpenAI fake.
// Every figure is one request's wall time (manual timing), reported as p50/p99
// counters in µs and as a ratio to the loopback round trip measured in the
// same process (x_floor = p50 / floor p50).
//
//   LoopbackFloor               a direct keep-alive POST to the fake: the floor
//   UpstreamClientFloor         the same POST through keyward's provider client
//                               (router/net, run on the benchmark thread): the
//                               cheapest round trip the router itself could make
//   RouterOverhead              the same question through keyward, good key first
//   FailoverCold/N              N auth-failing keys, then the good one; every
//                               iteration starts from fresh key state (keys never
//                               seen before), so the router pays N round trips.
//                               rt_per_bad_key = (p50(N) - p50(0)) / N / floor
//   FailoverWarm/N              the same once the N keys are quarantined
//   EmergencyCold               5 failing keys and no good one, fresh state: 5 round trips, then 503
//   EmergencyQuarantined        every key quarantined: 503 without touching the network
//   StreamTtfbDirect            time to the first SSE byte straight from the fake
//   StreamTtfbFailoverCold/5    the same through keyward after failing over 5 fresh keys
//   StreamTtfbFailoverWarm/5    ... with the 5 keys already quarantined
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fakes/world.h"
#include "bench/bench_service.h"
#include "router/net/event_loop.h"
#include "router/net/upstream_client.h"
#include "router/http/service.h"

namespace {

using namespace keyward;
using SteadyClock = std::chrono::steady_clock;

const char* kGood = "sk-proj-GOOD-FFF-0123";
const char* kModel = "gpt-4o-mini";
const std::string kAsk =
    R"({"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}]})";
const std::string kAskStream =
    R"({"model":"openai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Help me fix this bug"}]})";

struct Fixture {
  OffsetClock fake_clock;
  std::unique_ptr<fakes::World> world;
  RealClock clock;
  uint64_t generation = 0;  // makes every cold iteration's failing keys new to the router

  Fixture() {
    // Unlisted keys are invalid: every fresh "sk-bad-..." answers 401 invalid_api_key.
    YamlField root{YAML::Load(R"(
providers:
  - {name: openai, kind: openai, keys: {sk-proj-GOOD-FFF-0123: valid}, default_key_state: invalid,
     max_threads: 16, keep_alive_timeout_s: 30}
)"),
                      "failover_bench.yaml", ""};
    world = std::make_unique<fakes::World>(fakes::parse_world(root), fake_clock);
    world->start();
  }
  int port() { return world->provider("openai")->port(); }

  // One OpenAI-wire provider: `bad` failing keys (fresh secrets when `fresh`),
  // then the good key when `good`.
  RouterConfig config(int bad, bool good, bool fresh) {
    RouterConfig c = default_config();
    c.providers.clear();
    ProviderConfig p;
    p.name = "openai";
    p.display_name = "OpenAI";
    p.wire = WireKind::openai;
    p.base_url = world->provider("openai")->base_url();
    p.model = kModel;
    p.env_prefix = "OPENAI";
    p.priority = 1;
    const std::string gen = fresh ? std::to_string(++generation) : "0";
    auto add = [&](const std::string& secret) {
      KeyConfig k;
      k.index = static_cast<int>(p.keys.size()) + 1;
      k.env_name = "OPENAI_API_KEY_" + std::to_string(k.index);
      k.secret = secret;
      p.keys.push_back(std::move(k));
    };
    for (int i = 1; i <= bad; ++i) add("sk-bad-" + gen + "-" + std::to_string(i) + "-XXXXXXXX");
    if (good) add(kGood);
    c.providers.push_back(std::move(p));
    c.cache.enabled = false;  // an emergency must stay an emergency, not a cached answer
    return c;
  }
  uint64_t provider_calls() {
    uint64_t n = 0;
    for (auto* p : world->providers()) n += p->counters().requests;
    return n;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Per-iteration samples -> manual time, p50/p99 counters (µs).
struct Samples {
  std::vector<double> us;
  explicit Samples(benchmark::State& state) { us.reserve(static_cast<size_t>(state.max_iterations)); }
  double add(benchmark::State& state, SteadyClock::time_point t0, SteadyClock::time_point t1) {
    double d = std::chrono::duration<double, std::micro>(t1 - t0).count();
    us.push_back(d);
    state.SetIterationTime(d / 1e6);
    return d;
  }
  double pct(double q) {
    std::sort(us.begin(), us.end());
    return us[std::min(us.size() - 1, static_cast<size_t>(static_cast<double>(us.size()) * q))];
  }
  // Returns p50 (0 when empty).
  double report(benchmark::State& state);
};

httplib::Client keepalive_client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  c.set_read_timeout(10, 0);
  return c;
}

const httplib::Headers& good_auth() {
  static const httplib::Headers h{{"Authorization", std::string("Bearer ") + kGood}};
  return h;
}
const std::string& direct_body(bool stream) {
  static const std::string plain =
      R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}],"stream":false})";
  static const std::string streamed =
      R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}],"stream":true})";
  return stream ? streamed : plain;
}

// The floor's p50 (µs) in this process: from LoopbackFloor when it ran, else
// measured here once (so a --benchmark_filter run still gets ratios).
double g_floor_p50_us = 0;
double floor_p50_us() {
  if (g_floor_p50_us > 0) return g_floor_p50_us;
  auto c = keepalive_client(fixture().port());
  std::vector<double> us;
  for (int i = 0; i < 1000; ++i) {
    auto t0 = SteadyClock::now();
    auto r = c.Post("/v1/chat/completions", good_auth(), direct_body(false), "application/json");
    if (!r || r->status != 200) return 0;
    if (i >= 100) us.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return g_floor_p50_us = us[us.size() / 2];
}

double Samples::report(benchmark::State& state) {
  if (us.empty()) return 0;
  const double p50 = pct(0.50), p99 = pct(0.99);
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = p99;
  if (double f = floor_p50_us(); f > 0) state.counters["x_floor"] = p50 / f;
  return p50;
}

std::unique_ptr<http::Service> service_for(RouterConfig cfg) {
  return bench::start_bench_service(std::move(cfg), fixture().clock);
}

bool post_ok(httplib::Client& c, int want) {
  auto r = c.Post("/v1/chat/completions", kAsk, "application/json");
  return r && r->status == want;
}

// ------------------------------------------------------------------ floor

void LoopbackFloor(benchmark::State& state) {
  auto& f = fixture();
  auto c = keepalive_client(f.port());
  Samples s(state);
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    auto r = c.Post("/v1/chat/completions", good_auth(), direct_body(false), "application/json");
    s.add(state, t0, SteadyClock::now());
    if (!r || r->status != 200) state.SkipWithError("fake call failed");
  }
  g_floor_p50_us = s.pct(0.5);
  s.report(state);
}
BENCHMARK(LoopbackFloor)->UseManualTime()->Iterations(5000);

void UpstreamClientFloor(benchmark::State& state) {
  net::EventLoop loop(1);
  loop.start();
  auto client = std::make_unique<net::UpstreamClient>(loop);
  net::BaseUrl base;
  net::parse_base_url("http://127.0.0.1:" + std::to_string(fixture().port()) + "/v1", &base);
  net::UpstreamRequest req;
  req.method = "POST";
  req.path = "/chat/completions";
  req.secret = kGood;
  req.headers = {{"Authorization", std::string("Bearer ") + kGood}};
  req.body = direct_body(false);
  Samples s(state);
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    int status = 0;
    client->call_here(base, req, Millis(10'000), nullptr, [&status](AttemptResult r) { status = r.status; });
    s.add(state, t0, SteadyClock::now());
    if (status != 200) state.SkipWithError("fake call failed");
  }
  s.report(state);
  client.reset();  // before its loop stops
  loop.stop();
}
BENCHMARK(UpstreamClientFloor)->UseManualTime()->Iterations(5000);

// ------------------------------------------------------------------ overhead

void RouterOverhead(benchmark::State& state) {
  auto svc = service_for(fixture().config(0, true, false));
  auto c = keepalive_client(svc->port());
  post_ok(c, 200);  // connections warm on both sides
  Samples s(state);
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    bool ok = post_ok(c, 200);
    s.add(state, t0, SteadyClock::now());
    if (!ok) state.SkipWithError("chat failed");
  }
  double p50 = s.report(state);
  state.counters["overhead_us"] = p50 - floor_p50_us();
  svc->stop();
}
BENCHMARK(RouterOverhead)->UseManualTime()->Iterations(5000);

// ------------------------------------------------------------------ failover

double g_cold0_p50_us = 0;

void FailoverCold(benchmark::State& state) {
  auto& f = fixture();
  const int bad = static_cast<int>(state.range(0));
  auto svc = service_for(f.config(bad, true, true));
  auto c = keepalive_client(svc->port());
  post_ok(c, 200);
  Samples s(state);
  const uint64_t calls0 = f.provider_calls();
  for (auto _ : state) {
    svc->router().reload(f.config(bad, true, true));  // keys the router has never seen: not timed
    auto t0 = SteadyClock::now();
    bool ok = post_ok(c, 200);
    s.add(state, t0, SteadyClock::now());
    if (!ok) state.SkipWithError("chat failed");
  }
  state.counters["calls_per_req"] =
      static_cast<double>(f.provider_calls() - calls0) / static_cast<double>(state.iterations());
  double p50 = s.report(state);
  if (bad == 0) g_cold0_p50_us = p50;
  if (bad > 0 && g_cold0_p50_us > 0 && floor_p50_us() > 0)
    state.counters["rt_per_bad_key"] = (p50 - g_cold0_p50_us) / bad / floor_p50_us();
  svc->stop();
}
BENCHMARK(FailoverCold)->UseManualTime()->DenseRange(0, 10)->Iterations(600);

void FailoverWarm(benchmark::State& state) {
  auto& f = fixture();
  const int bad = static_cast<int>(state.range(0));
  auto svc = service_for(f.config(bad, true, true));
  auto c = keepalive_client(svc->port());
  post_ok(c, 200);  // quarantines the failing keys (5 minutes)
  Samples s(state);
  const uint64_t calls0 = f.provider_calls();
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    bool ok = post_ok(c, 200);
    s.add(state, t0, SteadyClock::now());
    if (!ok) state.SkipWithError("chat failed");
  }
  state.counters["calls_per_req"] =
      static_cast<double>(f.provider_calls() - calls0) / static_cast<double>(state.iterations());
  s.report(state);
  svc->stop();
}
BENCHMARK(FailoverWarm)->UseManualTime()->DenseRange(0, 10)->Iterations(2000);

// ------------------------------------------------------------------ emergency

void EmergencyCold(benchmark::State& state) {
  auto& f = fixture();
  auto svc = service_for(f.config(5, false, true));
  auto c = keepalive_client(svc->port());
  Samples s(state);
  const uint64_t calls0 = f.provider_calls();
  for (auto _ : state) {
    svc->router().reload(f.config(5, false, true));
    auto t0 = SteadyClock::now();
    bool ok = post_ok(c, 503);
    s.add(state, t0, SteadyClock::now());
    if (!ok) state.SkipWithError("expected 503");
  }
  state.counters["calls_per_req"] =
      static_cast<double>(f.provider_calls() - calls0) / static_cast<double>(state.iterations());
  s.report(state);
  svc->stop();
}
BENCHMARK(EmergencyCold)->UseManualTime()->Iterations(600);

void EmergencyQuarantined(benchmark::State& state) {
  auto& f = fixture();
  auto svc = service_for(f.config(5, false, true));
  auto c = keepalive_client(svc->port());
  post_ok(c, 503);  // quarantines every key
  Samples s(state);
  const uint64_t calls0 = f.provider_calls();
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    bool ok = post_ok(c, 503);
    s.add(state, t0, SteadyClock::now());
    if (!ok) state.SkipWithError("expected 503");
  }
  state.counters["provider_calls"] = static_cast<double>(f.provider_calls() - calls0);
  s.report(state);
  svc->stop();
}
BENCHMARK(EmergencyQuarantined)->UseManualTime()->Iterations(5000);

// ------------------------------------------------------------------ streaming

// POSTs a streamed question; returns the time to the first body byte (µs),
// reading the rest of the stream so that the connection stays reusable.
bool stream_ttfb(httplib::Client& c, const httplib::Headers& headers, const std::string& body,
                 SteadyClock::time_point* first) {
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.headers = headers;
  req.body = body;
  req.set_header("Content-Type", "application/json");
  bool seen = false;
  std::string all;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (!seen) {
      *first = SteadyClock::now();
      seen = true;
    }
    all.append(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  bool ok = c.send(req, res, err);
  return ok && res.status == 200 && seen && all.find("[DONE]") != std::string::npos;
}

void StreamTtfbDirect(benchmark::State& state) {
  auto c = keepalive_client(fixture().port());
  Samples s(state);
  for (auto _ : state) {
    SteadyClock::time_point first;
    auto t0 = SteadyClock::now();
    bool ok = stream_ttfb(c, good_auth(), direct_body(true), &first);
    s.add(state, t0, ok ? first : SteadyClock::now());
    if (!ok) state.SkipWithError("stream failed");
  }
  s.report(state);
}
BENCHMARK(StreamTtfbDirect)->UseManualTime()->Iterations(2000);

void StreamTtfbFailover(benchmark::State& state, bool cold) {
  auto& f = fixture();
  const int bad = static_cast<int>(state.range(0));
  auto svc = service_for(f.config(bad, true, true));
  auto c = keepalive_client(svc->port());
  SteadyClock::time_point first;
  stream_ttfb(c, {}, kAskStream, &first);  // warm connections; quarantines the failing keys
  Samples s(state);
  for (auto _ : state) {
    if (cold) svc->router().reload(f.config(bad, true, true));
    auto t0 = SteadyClock::now();
    bool ok = stream_ttfb(c, {}, kAskStream, &first);
    s.add(state, t0, ok ? first : SteadyClock::now());
    if (!ok) state.SkipWithError("stream failed");
  }
  s.report(state);
  svc->stop();
}
BENCHMARK_CAPTURE(StreamTtfbFailover, Cold, true)->UseManualTime()->Arg(5)->Iterations(600);
BENCHMARK_CAPTURE(StreamTtfbFailover, Warm, false)->UseManualTime()->Arg(5)->Iterations(2000);

}  // namespace
