// Many threads through one ChatRouter (one key pool) with a scripted transport,
// while another thread ticks, snapshots, advances the clock and reloads.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "base/utc_time.h"
#include "router/core/chat_router.h"
#include "router/core/env_file.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

AttemptResult answer(int status, std::string body) {
  AttemptResult r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The answer depends only on the call number: auth failures, rate limits,
// outages, network errors and successes interleave across threads.
class ScriptedTransport final : public BlockingTransport {
 public:
  std::atomic<uint64_t> calls{0};
  AttemptResult chat_now(const ProviderConfig& p, const KeyConfig& k, const ChatRequest&, Millis, ChatAnswer* a,
                     StreamSink* sink) override {
    uint64_t n = calls.fetch_add(1) + k.index;
    switch (n % 7) {
      case 0: return answer(401, R"({"error":{"message":"Invalid API Key","code":"invalid_api_key"}})");
      case 1: return answer(429, R"({"error":{"message":"Rate limit reached. Please try again in 2s."}})");
      case 2: return answer(503, R"({"error":{"message":"Service Unavailable"}})");
      case 3: {
        AttemptResult r;
        r.transport = TransportError::connection_reset;
        return r;
      }
      default:
        if (sink) sink->on_delta("Hel");
        a->content = "Hello from " + p.name;
        a->model = p.model;
        return answer(200, "{}");
    }
  }
  AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis, std::vector<std::string>*) override {
    return answer(200, R"({"data":[]})");
  }
};

// Observers run on request threads: counters only.
struct CountingObserver final : RouterObserver {
  std::atomic<uint64_t> attempts{0}, outcomes{0}, emergencies{0}, pool_events{0};
  void on_pool_event(const PoolEvent&) override { ++pool_events; }
  void on_attempt(const AttemptRecord&) override { ++attempts; }
  void on_emergency(const Verdict&, WallTime) override { ++emergencies; }
  void on_outcome(const ChatRequest&, const RouteOutcome&, WallTime) override { ++outcomes; }
};

struct NullSink final : StreamSink {
  bool on_delta(const std::string&) override { return true; }
};

RouterConfig keyed(const char* env) {
  RouterConfig c = default_config();
  apply_env(c, parse_env(env, ".env").entries, {});
  return c;
}

TEST(ChatRouterParallel, EightThreadsRouteWhileTheClockMovesAndTheConfigReloads) {
  WallTime start;
  parse_iso8601("2025-11-18T08:00:00Z", &start);
  SimClock clock(start);
  CountingObserver obs;
  const char* env_a = "GROQ_API_KEY_1=sk-a1\nGROQ_API_KEY_2=sk-a2\nGEMINI_API_KEY_1=AIza-1\nMISTRAL_API_KEY_1=m-1\n";
  const char* env_b = "GROQ_API_KEY_1=sk-a1\nGROQ_API_KEY_3=sk-b3\nGEMINI_API_KEY_1=AIza-1\nGEMINI_API_KEY_2=AIza-2\n";
  ChatRouter router(keyed(env_a), clock, &obs);
  ScriptedTransport transport;

  constexpr int kThreads = 8, kRequests = 150;
  std::atomic<int> bad_kind{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      NullSink sink;
      for (int i = 0; i < kRequests; ++i) {
        ChatRequest req{{{"user", "q" + std::to_string(i % 5)}}, {}, {}, (i + t) % 4 == 0, ""};
        auto out = router.route(req, transport, req.stream ? &sink : nullptr);
        bool ok = out.kind == RouteOutcome::Kind::provider || out.kind == RouteOutcome::Kind::cache ||
                  out.kind == RouteOutcome::Kind::emergency || out.kind == RouteOutcome::Kind::stream_failed;
        if (!ok) ++bad_kind;
      }
      ++done;
    });
  }
  // The timer thread and an operator reloading the keys, until the traffic ends.
  // do-while: the workers may all finish before this thread first runs, and
  // the test is about reloads racing the traffic, so at least one happens.
  int reloads = 0;
  do {
    clock.advance(1s);
    router.tick();
    auto snap = router.snapshot();
    EXPECT_EQ(snap.keys.size(), snap.config.providers.size());
    router.reload(keyed(++reloads % 2 ? env_b : env_a));
    router.record_validation("groq", 1, answer(200, R"({"data":[]})"));
    std::this_thread::yield();
  } while (done.load() < kThreads);
  for (auto& th : threads) th.join();

  EXPECT_EQ(bad_kind.load(), 0);
  EXPECT_EQ(obs.outcomes.load(), uint64_t{kThreads * kRequests}) << "one outcome per request";
  EXPECT_EQ(obs.attempts.load(), transport.calls.load()) << "every provider call is recorded once";
}

TEST(ChatRouterParallel, AllKeysFailingFromManyThreadsGivesEmergencyVerdicts) {
  WallTime start;
  parse_iso8601("2025-11-18T08:00:00Z", &start);
  SimClock clock(start);
  CountingObserver obs;
  ChatRouter router(keyed("GROQ_API_KEY_1=sk-1\nGROQ_API_KEY_2=sk-2\n"), clock, &obs);
  struct Dead final : BlockingTransport {
    AttemptResult chat_now(const ProviderConfig&, const KeyConfig&, const ChatRequest&, Millis, ChatAnswer*,
                       StreamSink*) override {
      return answer(401, R"({"error":{"message":"Invalid API Key","code":"invalid_api_key"}})");
    }
    AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis, std::vector<std::string>*) override {
      return answer(401, "{}");
    }
  } dead;
  std::vector<std::thread> threads;
  std::atomic<int> emergencies{0};
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto out = router.route(ChatRequest{{{"user", "unique " + std::to_string(t * 1000 + i)}}, {}, {}, false, ""}, dead);
        if (out.kind == RouteOutcome::Kind::emergency) ++emergencies;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(emergencies.load(), 300);
  auto snap = router.snapshot();
  for (const auto& k : snap.keys[0]) EXPECT_NE(to_string(k.state), std::string("healthy"));
}

}  // namespace
}  // namespace keyward
