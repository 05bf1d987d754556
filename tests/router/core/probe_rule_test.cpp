// The probing rule on the pure pool: a key with no recent evidence is called
// by one request at a time; the others take a certain key or wait.
#include <gtest/gtest.h>

#include "router/core/routing.h"
#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;
using test::at;
using Kind = NextAttempt::Kind;

const WallTime kT0 = at("2025-11-18T08:00:00Z");
constexpr KeyRef kGroq1{0, 0}, kGroq2{0, 1}, kGroq3{0, 2}, kGemini1{1, 0};

void ok(KeyPool& pool, KeyRef k, WallTime t) { pool.record(k, classify(test::ok_200(), t), 200, t); }
void auth_fail(KeyPool& pool, KeyRef k, WallTime t) {
  pool.record(k, classify(test::groq_401(), t), 401, t);
}

TEST(ProbeRule, AKeyNeverProvenIsCalledByOneRequestAtATime) {
  KeyPool pool(test::founding_config());
  RequestProgress a, b;
  EXPECT_TRUE(pool.uncertain(kGroq1, kT0));
  NextAttempt first = next_attempt(pool, a, kT0);
  ASSERT_EQ(first.kind, Kind::call);
  EXPECT_EQ(first.key, kGroq1);
  EXPECT_EQ(next_attempt(pool, b, kT0).kind, Kind::wait) << "key 1 is being probed; ordered keys are not probed ahead";
  pool.end_call(kGroq1);
  ok(pool, kGroq1, kT0);
  EXPECT_FALSE(pool.uncertain(kGroq1, kT0));
  NextAttempt second = next_attempt(pool, b, kT0);
  ASSERT_EQ(second.kind, Kind::call);
  EXPECT_EQ(second.key, kGroq1);
}

TEST(ProbeRule, AProvenKeyKeepsFullConcurrency) {
  KeyPool pool(test::founding_config());
  ok(pool, kGroq1, kT0);
  for (int i = 0; i < 50; ++i) {
    RequestProgress p;
    NextAttempt n = next_attempt(pool, p, kT0 + 1s);
    ASSERT_EQ(n.kind, Kind::call) << "request " << i;
    EXPECT_EQ(n.key, kGroq1);
  }
  EXPECT_EQ(pool.key(kGroq1).in_flight, 50);
}

TEST(ProbeRule, ASiblingsAuthFailureMakesTheOtherKeysUncertain) {
  KeyPool pool(test::founding_config());
  ok(pool, kGroq1, kT0);
  ok(pool, kGroq2, kT0);
  pool.record(kGemini1, classify(test::ok_200(), kT0), 200, kT0);
  EXPECT_FALSE(pool.uncertain(kGroq2, kT0));
  auth_fail(pool, kGroq1, kT0 + 1s);
  EXPECT_TRUE(pool.uncertain(kGroq2, kT0 + 1s)) << "keys are usually regenerated together";
  EXPECT_FALSE(pool.uncertain(kGemini1, kT0 + 1s)) << "another provider's keys are not its siblings";
  RequestProgress a, b;
  NextAttempt probe = next_attempt(pool, a, kT0 + 1s);
  ASSERT_EQ(probe.kind, Kind::call);
  EXPECT_EQ(probe.key, kGroq2);
  EXPECT_EQ(next_attempt(pool, b, kT0 + 1s).kind, Kind::wait);
}

TEST(ProbeRule, TheProvidersFailureMakesItsKeysUncertain) {
  KeyPool pool(test::founding_config());
  ok(pool, kGroq1, kT0);
  ok(pool, kGroq2, kT0);
  pool.record(kGroq1, classify(test::outage_503(), kT0 + 1s), 503, kT0 + 1s);
  EXPECT_TRUE(pool.uncertain(kGroq1, kT0 + 1s));
  EXPECT_TRUE(pool.uncertain(kGroq2, kT0 + 1s));
}

TEST(ProbeRule, AKeyWhoseQuarantineEndedIsProbedAgain) {
  KeyPool pool(test::founding_config());
  ok(pool, kGroq1, kT0);
  auth_fail(pool, kGroq1, kT0 + 1s);
  ok(pool, kGroq1, kT0 + 2s);  // proven again (e.g. a validation) ...
  auth_fail(pool, kGroq1, kT0 + 3s);
  WallTime released = pool.key(kGroq1).until;
  pool.tick(released);  // ... then out, and released
  EXPECT_EQ(pool.key(kGroq1).state, KeyState::healthy);
  EXPECT_TRUE(pool.uncertain(kGroq1, released));
}

TEST(ProbeRule, EvidenceAgesAfterProbeFreshFor) {
  RouterConfig cfg = test::founding_config();
  cfg.routing.probe_fresh_for = 30s;
  KeyPool pool(cfg);
  ok(pool, kGroq1, kT0);
  EXPECT_FALSE(pool.uncertain(kGroq1, kT0 + 30s));
  EXPECT_TRUE(pool.uncertain(kGroq1, kT0 + 30s + 1ms));
  cfg.routing.probe_fresh_for = 0ms;  // never ages
  KeyPool forever(cfg);
  ok(forever, kGroq1, kT0);
  EXPECT_FALSE(forever.uncertain(kGroq1, kT0 + 24h));
}

TEST(ProbeRule, OrderedKeysPassAProbedKeyOnlyForOneWithEvidence) {
  KeyPool pool(test::founding_config());
  ok(pool, kGroq2, kT0);  // key 2 is proven, key 1 never was
  RequestProgress a, b;
  ASSERT_EQ(next_attempt(pool, a, kT0).key, kGroq1);  // a probes key 1
  NextAttempt n = next_attempt(pool, b, kT0);
  ASSERT_EQ(n.kind, Kind::call);
  EXPECT_EQ(n.key, kGroq2) << "a certain key beats waiting";
}

TEST(ProbeRule, RoundRobinProbesAFreeUncertainKeyInsteadOfWaiting) {
  RouterConfig cfg = test::founding_config();
  cfg.routing.key_order = KeyOrder::round_robin;
  KeyPool pool(cfg);
  RequestProgress a, b, c, d;
  std::vector<KeyRef> probed;
  for (auto* p : {&a, &b, &c}) {
    NextAttempt n = next_attempt(pool, *p, kT0);
    ASSERT_EQ(n.kind, Kind::call);
    probed.push_back(n.key);
  }
  EXPECT_EQ(probed, (std::vector<KeyRef>{kGroq1, kGroq2, kGroq3}));
  EXPECT_EQ(next_attempt(pool, d, kT0).kind, Kind::wait) << "every Groq key is being probed";
}

TEST(ProbeRule, ARequestThatStopsWaitingMovesOnToTheNextProvider) {
  KeyPool pool(test::founding_config());
  RequestProgress a, b;
  next_attempt(pool, a, kT0);
  b.stop_waiting = true;
  NextAttempt n = next_attempt(pool, b, kT0);
  ASSERT_EQ(n.kind, Kind::call);
  EXPECT_EQ(n.key, kGroq2) << "past the probed key, and no longer waiting behind it";
}

TEST(ProbeRule, ARefusedRequestSaysNothingAgainstTheKey) {
  KeyPool pool(test::founding_config());
  ok(pool, kGroq1, kT0);
  auto bad_request = test::http(400, R"({"error":{"message":"messages: field required","type":"invalid_request_error"}})");
  pool.record(kGroq1, classify(bad_request, kT0 + 1s), 400, kT0 + 1s);
  EXPECT_FALSE(pool.uncertain(kGroq1, kT0 + 1s));
}

}  // namespace
}  // namespace keyward
