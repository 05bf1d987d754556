// How fast a fake provider answers: a keep-alive, non-streaming chat request
// over loopback. The fakes must never be what a failover benchmark measures
// (target: p50 under 100 µs). Reports p50/p99 per request as counters.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "fakes/provider.h"

namespace {

using keyward::fakes::FakeProvider;
using keyward::fakes::KeySpec;
using keyward::fakes::KeyState;
using keyward::SimClock;
using keyward::fakes::ProviderKind;
using keyward::fakes::ProviderOptions;
using keyward::WallTime;

void run_chat_bench(benchmark::State& state, ProviderKind kind, KeyState key_state) {
  SimClock clock{WallTime(std::chrono::milliseconds(1'763'452'800'000))};  // 2025-11-18
  ProviderOptions o;
  o.kind = kind;
  o.name = "bench";
  o.seed = 7;
  o.keys["sk-bench-key-0000000000"] = KeySpec{key_state, -1, std::nullopt};
  o.journal_limit = 10000;
  FakeProvider fake(o, clock);
  fake.start();
  std::vector<double> samples_us;
  {
    httplib::Client cli(fake.root_url());
    cli.set_keep_alive(true);
    cli.set_tcp_nodelay(true);
    const bool gemini = kind == ProviderKind::gemini;
    const std::string path =
        gemini ? "/v1beta/models/gemini-1.5-flash:generateContent" : "/v1/chat/completions";
    httplib::Headers headers =
        gemini ? httplib::Headers{{"x-goog-api-key", "sk-bench-key-0000000000"}}
               : httplib::Headers{{"Authorization", "Bearer sk-bench-key-0000000000"}};
    const std::string body =
        gemini
            ? R"({"contents":[{"role":"user","parts":[{"text":"Help me fix this bug"}]}]})"
            : R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}]})";
    auto warm = cli.Post(path.c_str(), headers, body, "application/json");
    if (!warm) {
      state.SkipWithError("the fake did not answer");
      return;
    }
    for (auto _ : state) {
      auto t0 = std::chrono::steady_clock::now();
      auto r = cli.Post(path.c_str(), headers, body, "application/json");
      auto t1 = std::chrono::steady_clock::now();
      if (!r) {
        state.SkipWithError("request failed");
        break;
      }
      benchmark::DoNotOptimize(r->body.data());
      samples_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }
  fake.stop();
  if (samples_us.empty()) return;
  std::sort(samples_us.begin(), samples_us.end());
  state.counters["p50_us"] = samples_us[samples_us.size() / 2];
  state.counters["p99_us"] = samples_us[samples_us.size() * 99 / 100];
}

void BM_FakeOpenAiChatKeepAlive(benchmark::State& state) {
  run_chat_bench(state, ProviderKind::openai, KeyState::valid);
}
void BM_FakeGeminiChatKeepAlive(benchmark::State& state) {
  run_chat_bench(state, ProviderKind::gemini, KeyState::valid);
}
// A rejected key: the answer a failover benchmark meets most.
void BM_FakeGroqInvalidKeyKeepAlive(benchmark::State& state) {
  run_chat_bench(state, ProviderKind::groq, KeyState::invalid);
}

BENCHMARK(BM_FakeOpenAiChatKeepAlive)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FakeGeminiChatKeepAlive)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FakeGroqInvalidKeyKeepAlive)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
