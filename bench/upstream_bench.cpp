// The provider client alone, through N auth-failing keys then the good one,
// against one OpenAI fake over loopback (keep-alive): what a cold failover
// costs the client, without the router around it. Each iteration is N + 1
// sequential calls; per_key_us is the least-squares slope of p50 over N, and
// x_rt divides it by the same client's N = 0 round trip.
//
//   BeastLoop/N      the Beast client (router/net/upstream_client) driven as
//                    the route driver drives it: each call started by the
//                    previous one's completion, on the event loop; the
//                    benchmark thread waits once per iteration
//   BeastBlocking/N  the Beast client driven from a thread that waits for
//                    every call on the loop (BlockingOverAsync): each call
//                    pays a hand-off to the loop's thread and one back
//   BeastHere/N      the Beast client run on the benchmark thread itself
//                    (UpstreamClient::call_here): no hand-off, the cheapest
//                    sequence of calls it can make (the ratios' reference)
//
// Rounds interleave the clients (round r: every client at every N), so a
// machine that slows down mid-run slows all of them alike. Summary reports
// each client's per-key slope (median over rounds) and the ratios.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fakes/world.h"
#include "router/http/wire_format.h"
#include "router/net/event_loop.h"
#include "router/net/upstream_client.h"

namespace {

using namespace keyward;
using SteadyClock = std::chrono::steady_clock;

const char* kGood = "sk-proj-GOOD-FFF-0123";
const std::vector<int> kNs = {0, 1, 2, 4, 6, 8, 10};
constexpr int kRounds = 3;
constexpr int kIterations = 400;

struct Fixture {
  OffsetClock fake_clock;
  std::unique_ptr<fakes::World> world;
  std::string body;

  Fixture() {
    YamlField root{YAML::Load(R"(
providers:
  - {name: openai, kind: openai, keys: {sk-proj-GOOD-FFF-0123: valid}, default_key_state: invalid,
     max_threads: 16, keep_alive_timeout_s: 30}
)"),
                      "upstream_bench.yaml", ""};
    world = std::make_unique<fakes::World>(fakes::parse_world(root), fake_clock);
    world->start();
    ChatRequest q;
    q.messages = {{"user", "Help me fix this bug"}};
    body = http::openai_request_body("gpt-4o-mini", q, false);
  }
  std::string base_url() { return world->provider("openai")->base_url(); }
  // The i-th key of an iteration: N failing ones, then the good one.
  static std::string key(int i, int n) { return i < n ? "sk-bad-" + std::to_string(i) + "-XXXXXXXX" : kGood; }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// p50 per (client, N, round), for the summary.
std::map<std::string, std::map<int, std::vector<double>>> g_p50;

double report(benchmark::State& state, std::vector<double>& us, const std::string& client, int n) {
  std::sort(us.begin(), us.end());
  const double p50 = us[us.size() / 2];
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  g_p50[client][n].push_back(p50);
  return p50;
}

bool expected(const AttemptResult& r, int i, int n) {
  return r.transport == TransportError::none && r.status == (i < n ? 401 : 200);
}

// Times `iteration` (the N + 1 calls of one iteration; false: an answer was
// not the expected one) after one warm-up, and reports it for `client`.
template <typename Iteration>
void time_iterations(benchmark::State& state, const char* client, int n, Iteration iteration) {
  iteration();  // warm connections
  std::vector<double> us;
  for (auto _ : state) {
    auto t0 = SteadyClock::now();
    bool ok = iteration();
    double d = std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count();
    us.push_back(d);
    state.SetIterationTime(d / 1e6);
    if (!ok) state.SkipWithError("unexpected answer");
  }
  report(state, us, client, n);
}

// ------------------------------------------------------------------ Beast client

struct BeastClient {
  net::EventLoop loop{1};
  std::unique_ptr<net::UpstreamClient> client;
  net::BaseUrl base;
  BeastClient() {
    loop.start();
    client = std::make_unique<net::UpstreamClient>(loop);
    net::parse_base_url(fixture().base_url(), &base);
  }
  ~BeastClient() {
    client.reset();
    loop.stop();
  }
  net::UpstreamRequest request(int i, int n) const {
    net::UpstreamRequest req;
    req.method = "POST";
    req.path = "/chat/completions";
    req.secret = Fixture::key(i, n);
    req.headers = {{"Authorization", "Bearer " + req.secret}};
    req.body = fixture().body;
    return req;
  }
};

// Waits for one completion (the benchmark thread's side of a hand-off).
struct Latch {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool ok = true;
  void open(bool result) {
    std::lock_guard lock(mu);
    ok = result;
    done = true;
    cv.notify_all();
  }
  bool wait() {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return done; })) return false;
    done = false;
    return ok;
  }
};

// Calls i..n one after another, each started from the previous one's completion.
void chain(net::UpstreamClient& client, const net::BaseUrl& base, const std::vector<net::UpstreamRequest>& requests,
           int i, int n, Latch& latch, bool ok_so_far) {
  client.call(base, requests[static_cast<size_t>(i)], Millis(10'000), nullptr,
              [&client, &base, &requests, i, n, &latch, ok_so_far](AttemptResult r) {
                const bool ok = ok_so_far && expected(r, i, n);
                if (i == n) return latch.open(ok);
                chain(client, base, requests, i + 1, n, latch, ok);
              });
}

void BeastLoop(benchmark::State& state, int n) {
  BeastClient b;
  std::vector<net::UpstreamRequest> requests;
  for (int i = 0; i <= n; ++i) requests.push_back(b.request(i, n));
  Latch latch;
  time_iterations(state, "BeastLoop", n, [&] {
    chain(*b.client, b.base, requests, 0, n, latch, true);
    return latch.wait();
  });
}

void BeastBlocking(benchmark::State& state, int n) {
  BeastClient b;
  std::vector<net::UpstreamRequest> requests;
  for (int i = 0; i <= n; ++i) requests.push_back(b.request(i, n));
  Latch latch;
  auto one = [&](int i) {
    b.client->call(b.base, requests[static_cast<size_t>(i)], Millis(10'000), nullptr,
                   [&latch, i, n](AttemptResult r) { latch.open(expected(r, i, n)); });
    return latch.wait();
  };
  time_iterations(state, "BeastBlocking", n, [&] {
    bool ok = true;
    for (int i = 0; i <= n; ++i) ok = one(i) && ok;
    return ok;
  });
}

void BeastHere(benchmark::State& state, int n) {
  BeastClient b;
  std::vector<net::UpstreamRequest> requests;
  for (int i = 0; i <= n; ++i) requests.push_back(b.request(i, n));
  auto one = [&](int i) {
    bool ok = false;
    b.client->call_here(b.base, requests[static_cast<size_t>(i)], Millis(10'000), nullptr,
                        [&ok, i, n](AttemptResult r) { ok = expected(r, i, n); });
    return ok;
  };
  time_iterations(state, "BeastHere", n, [&] {
    bool ok = true;
    for (int i = 0; i <= n; ++i) ok = one(i) && ok;
    return ok;
  });
}

// ------------------------------------------------------------------ summary

// Least-squares slope of p50 over N (µs per failing key), from the median p50 of the rounds.
double slope(const std::map<int, std::vector<double>>& by_n, double* p50_0) {
  std::vector<std::pair<double, double>> pts;
  for (const auto& [n, v] : by_n) {
    std::vector<double> s = v;
    std::sort(s.begin(), s.end());
    pts.emplace_back(n, s[s.size() / 2]);
    if (n == 0) *p50_0 = s[s.size() / 2];
  }
  double mx = 0, my = 0;
  for (auto [x, y] : pts) mx += x, my += y;
  mx /= static_cast<double>(pts.size());
  my /= static_cast<double>(pts.size());
  double num = 0, den = 0;
  for (auto [x, y] : pts) num += (x - mx) * (y - my), den += (x - mx) * (x - mx);
  return den > 0 ? num / den : 0;
}

void Summary(benchmark::State& state) {
  for (auto _ : state) {
  }
  std::map<std::string, double> per_key;
  for (const auto& [client, by_n] : g_p50) {
    double rt = 0;
    per_key[client] = slope(by_n, &rt);
    state.counters[client + "_per_key_us"] = per_key[client];
    state.counters[client + "_rt_us"] = rt;
    if (rt > 0) state.counters[client + "_x_rt"] = per_key[client] / rt;
  }
  if (per_key["BeastHere"] > 0) {
    state.counters["BeastLoop_vs_here"] = per_key["BeastLoop"] / per_key["BeastHere"];
    state.counters["BeastBlocking_vs_here"] = per_key["BeastBlocking"] / per_key["BeastHere"];
  }
}

// "BeastLoop/4/round:2"
std::string bench_name(const char* client, int n, int round) {
  std::string name = client;
  name += '/';
  name += std::to_string(n);
  name += "/round:";
  name += std::to_string(round);
  return name;
}

const bool g_registered = [] {
  for (int round = 1; round <= kRounds; ++round) {
    for (int n : kNs) {
      benchmark::RegisterBenchmark(bench_name("BeastLoop", n, round).c_str(), BeastLoop, n)
          ->UseManualTime()
          ->Iterations(kIterations);
      benchmark::RegisterBenchmark(bench_name("BeastBlocking", n, round).c_str(), BeastBlocking, n)
          ->UseManualTime()
          ->Iterations(kIterations);
      benchmark::RegisterBenchmark(bench_name("BeastHere", n, round).c_str(), BeastHere, n)
          ->UseManualTime()
          ->Iterations(kIterations);
    }
  }
  benchmark::RegisterBenchmark("Summary", Summary)->Iterations(1);
  return true;
}();

}  // namespace
