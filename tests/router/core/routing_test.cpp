// The founding scenario on the pure core: six bad keys under a SimClock.
#include "router/core/routing.h"

#include <gtest/gtest.h>

#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;
using test::at;

// Answers every call with the provider's own auth failure.
AttemptResult auth_failure_for(const ProviderConfig& p) {
  if (p.name == "gemini") return test::gemini_400_invalid();
  if (p.name == "mistral") return test::mistral_401();
  return test::groq_401();
}

struct Call {
  std::string provider;
  int key;
  bool operator==(const Call&) const = default;
};

// Runs one request through the policy; `answer` decides each call's outcome.
template <typename Answer>
std::pair<std::vector<Call>, RequestProgress> run_request(KeyPool& pool, WallTime now, Answer answer) {
  std::vector<Call> calls;
  RequestProgress progress;
  for (;;) {
    NextAttempt next = next_attempt(pool, progress, now);
    if (next.kind != NextAttempt::Kind::call) break;
    KeyRef* k = &next.key;
    const auto& pc = pool.config().providers[k->provider];
    calls.push_back({pc.name, pool.key_config(*k).index});
    AttemptResult r = answer(pc, *k);
    auto c = classify(r, now);
    pool.end_call(*k);
    pool.record(*k, c, r.status, now);
    progress.attempts.push_back({*k, c.cls, r.status, c.message});
    if (c.cls == ErrorClass::ok) break;
    const auto& policy = policy_for(c.cls);
    if (policy.next_provider) progress.providers_given_up.push_back(k->provider);
    if (policy.return_to_caller) break;
  }
  return {calls, progress};
}

TEST(FoundingScenario, SixBadKeysAreEachTriedOnceThenTheVerdictIsAllAuthentication) {
  KeyPool pool(test::founding_config());
  WallTime t0 = at("2025-11-18T08:00:15Z");
  auto [calls, progress] = run_request(pool, t0, [](const ProviderConfig& p, KeyRef) { return auth_failure_for(p); });
  std::vector<Call> expected{{"groq", 1}, {"groq", 2}, {"groq", 3}, {"gemini", 1}, {"gemini", 2}, {"mistral", 1}};
  EXPECT_EQ(calls, expected);

  Verdict v = make_verdict(pool, progress, t0);
  EXPECT_EQ(v.cause, EmergencyCause::all_authentication_failed);
  EXPECT_EQ(v.keys_total(), 6);
  EXPECT_EQ(v.keys_failed(), 6);
  ASSERT_EQ(v.providers.size(), 3u);
  EXPECT_EQ(v.providers[0].auth, 3);
  EXPECT_EQ(v.providers[1].auth, 2);
  EXPECT_EQ(v.providers[2].auth, 1);
  EXPECT_EQ(v.providers[1].last_error, "API key not valid. Please pass a valid API key.");
  // Correlated failure: one diagnosis for the provider, not three guesses.
  EXPECT_NE(v.providers[0].diagnosis.find("all 3 Groq keys were rejected at once"), std::string::npos);
  ASSERT_TRUE(v.retry_at.has_value());
  EXPECT_EQ(*v.retry_at - t0, 5min);  // the first key comes back after its quarantine
}

TEST(FoundingScenario, QuarantinedKeysCostZeroCallsUntilTheQuarantineEnds) {
  KeyPool pool(test::founding_config());
  WallTime t0 = at("2025-11-18T08:00:15Z");
  auto fail = [](const ProviderConfig& p, KeyRef) { return auth_failure_for(p); };
  run_request(pool, t0, fail);

  auto [second, progress] = run_request(pool, t0 + 5s, fail);
  EXPECT_TRUE(second.empty()) << "no unnecessary retries";
  EXPECT_EQ(make_verdict(pool, progress, t0 + 5s).cause, EmergencyCause::all_authentication_failed);

  auto [before_end, p2] = run_request(pool, t0 + 5min - 1ms, fail);
  EXPECT_TRUE(before_end.empty());

  auto [after_end, p3] = run_request(pool, t0 + 5min, fail);
  EXPECT_EQ(after_end.size(), 6u) << "every key is eligible again after 5 simulated minutes";
}

TEST(FoundingScenario, RepeatAuthFailureQuarantinesLongerUpToTheCap) {
  KeyPool pool(test::founding_config());
  KeyRef groq1{0, 0};
  WallTime t = at("2025-11-18T08:00:15Z");
  auto c = classify(test::groq_401(), t);
  pool.record(groq1, c, 401, t);
  EXPECT_EQ(pool.key(groq1).until - t, 5min);
  t = pool.key(groq1).until;
  pool.record(groq1, c, 401, t);
  EXPECT_EQ(pool.key(groq1).until - t, 10min) << "second offence: twice as long";
  for (int i = 0; i < 30; ++i) {
    t = pool.key(groq1).until;
    pool.record(groq1, c, 401, t);
  }
  EXPECT_EQ(pool.key(groq1).until - t, 60min) << "capped at auth_max";
}

TEST(FoundingScenario, StrikesDecayWhileTheKeyStaysHealthy) {
  KeyPool pool(test::founding_config());
  KeyRef groq1{0, 0};
  WallTime t = at("2025-11-18T08:00:00Z");
  auto c = classify(test::groq_401(), t);
  pool.record(groq1, c, 401, t);
  pool.record(groq1, c, 401, t + 5min);
  EXPECT_EQ(pool.key(groq1).strikes, 2);
  // Three hours later, two strikes are forgiven: the next offence is a first offence again.
  t += 3h;
  pool.record(groq1, c, 401, t);
  EXPECT_EQ(pool.key(groq1).strikes, 1);
  EXPECT_EQ(pool.key(groq1).until - t, 5min);
}

TEST(Routing, ValidKeyAfterBadOnesServesAndStopsTheSearch) {
  KeyPool pool(test::founding_config());
  WallTime t0 = at("2025-11-18T08:00:15Z");
  auto [calls, progress] = run_request(pool, t0, [](const ProviderConfig& p, KeyRef k) {
    return p.name == "gemini" && k.key == 1 ? test::ok_200() : auth_failure_for(p);
  });
  EXPECT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls.back(), (Call{"gemini", 2}));
  // Next request goes straight to the good key.
  auto [next, p2] = run_request(pool, t0 + 1s, [](const ProviderConfig&, KeyRef) { return test::ok_200(); });
  EXPECT_EQ(next, (std::vector<Call>{{"gemini", 2}}));
}

TEST(Routing, RoundRobinSpreadsLoadAmongHealthyKeys) {
  RouterConfig cfg = test::founding_config();
  cfg.routing.key_order = KeyOrder::round_robin;
  KeyPool pool(cfg);
  WallTime t0 = at("2025-11-18T08:00:15Z");
  std::vector<int> first_keys;
  for (int i = 0; i < 6; ++i) {
    auto [calls, p] = run_request(pool, t0, [](const ProviderConfig&, KeyRef) { return test::ok_200(); });
    ASSERT_EQ(calls.size(), 1u);
    first_keys.push_back(calls[0].key);
  }
  EXPECT_EQ(first_keys, (std::vector<int>{1, 2, 3, 1, 2, 3}));
}

TEST(Routing, RequestErrorsBurnNoKeys) {
  KeyPool pool(test::founding_config());
  WallTime t0 = at("2025-11-18T08:00:15Z");
  auto [calls, p] = run_request(pool, t0, [](const ProviderConfig&, KeyRef) {
    return test::http(400, R"({"error":{"message":"messages: field required","type":"invalid_request_error"}})");
  });
  EXPECT_EQ(calls.size(), 1u);
  EXPECT_EQ(pool.key({0, 0}).state, KeyState::healthy);
}

TEST(Routing, MixedFailuresGiveAPerProviderBreakdown) {
  KeyPool pool(test::founding_config());
  WallTime t0 = at("2025-11-18T08:00:15Z");
  auto [calls, progress] = run_request(pool, t0, [](const ProviderConfig& p, KeyRef) {
    if (p.name == "groq") return test::groq_401();
    if (p.name == "gemini")
      return test::http(429, R"({"error":{"code":429,"message":"You exceeded your current quota","status":"RESOURCE_EXHAUSTED","details":[{"violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]}})");
    return test::outage_503();
  });
  Verdict v = make_verdict(pool, progress, t0);
  EXPECT_EQ(v.cause, EmergencyCause::all_providers_failed);
  EXPECT_EQ(v.providers[0].cause, ErrorClass::auth);
  EXPECT_EQ(v.providers[1].cause, ErrorClass::quota_exhausted);
  EXPECT_EQ(v.providers[2].cause, ErrorClass::provider_outage);
}

TEST(Routing, AllQuotaExhaustedComesBackAtMidnight) {
  KeyPool pool(test::founding_config());
  WallTime t0 = at("2025-11-18T20:00:00Z");
  auto quota = [](const ProviderConfig&, KeyRef) {
    return test::http(429, R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})");
  };
  auto [calls, progress] = run_request(pool, t0, quota);
  EXPECT_EQ(calls.size(), 6u);
  Verdict v = make_verdict(pool, progress, t0);
  EXPECT_EQ(v.cause, EmergencyCause::all_quota_exhausted);
  EXPECT_EQ(format_iso8601(*v.retry_at), "2025-11-19T00:00:00Z");
}

TEST(Routing, AttemptsAreBounded) {
  RouterConfig cfg = test::founding_config();
  cfg.routing.max_attempts = 2;
  KeyPool pool(cfg);
  auto [calls, p] = run_request(pool, at("2025-11-18T08:00:15Z"),
                                [](const ProviderConfig& p, KeyRef) { return auth_failure_for(p); });
  EXPECT_EQ(calls.size(), 2u);
}

TEST(Routing, NoKeysConfiguredIsAnHonestVerdict) {
  KeyPool pool(default_config());
  RequestProgress progress;
  WallTime t0 = at("2025-11-18T08:00:15Z");
  EXPECT_EQ(next_attempt(pool, progress, t0).kind, NextAttempt::Kind::none);
  Verdict v = make_verdict(pool, progress, t0);
  EXPECT_EQ(v.cause, EmergencyCause::all_providers_failed);
  EXPECT_EQ(v.diagnosis, "No API keys are configured");
}

}  // namespace
}  // namespace keyward
