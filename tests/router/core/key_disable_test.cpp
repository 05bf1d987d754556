// A key taken out of rotation by hand (KeyPool::disable / enable): never
// picked while disabled, whatever its health does, and back in rotation only
// when enabled.
#include <gtest/gtest.h>

#include "router/core/chat_router.h"
#include "router/core/key_pool.h"
#include "router/core/routing.h"
#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;
using test::at;

std::vector<std::string> kinds(const std::vector<PoolEvent>& events) {
  std::vector<std::string> k;
  for (const auto& e : events) k.push_back(to_string(e.kind));
  return k;
}

// The key the next request would call first (and the call released again).
std::optional<KeyRef> first_pick(KeyPool& pool, WallTime now) {
  NextAttempt n = next_attempt(pool, RequestProgress{}, now);
  if (n.kind != NextAttempt::Kind::call) return std::nullopt;
  pool.end_call(n.key);
  return n.key;
}

TEST(KeyDisable, DisableTakesTheKeyOutAndEnableBringsItBack) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  KeyRef k{0, 0};
  EXPECT_TRUE(pool.disable(k, t));
  EXPECT_TRUE(pool.key(k).disabled);
  EXPECT_EQ(pool.key(k).disabled_since, t);
  EXPECT_FALSE(pool.key_usable(k, t));
  EXPECT_EQ(pool.key(k).state, KeyState::healthy) << "the health state is kept apart from the disable";
  EXPECT_TRUE(pool.enable(k, t + 1min));
  EXPECT_FALSE(pool.key(k).disabled);
  EXPECT_TRUE(pool.key_usable(k, t + 1min));
  EXPECT_EQ(kinds(pool.take_events()), (std::vector<std::string>{"key_disabled", "key_enabled"}));
}

TEST(KeyDisable, RepeatedDisableOrEnableIsNoChangeAndNoEvent) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  EXPECT_FALSE(pool.enable({0, 1}, t)) << "an enabled key is already in rotation";
  EXPECT_TRUE(pool.disable({0, 1}, t));
  EXPECT_FALSE(pool.disable({0, 1}, t + 1s));
  EXPECT_EQ(pool.key({0, 1}).disabled_since, t) << "the first disable is the one that counts";
  EXPECT_EQ(kinds(pool.take_events()), (std::vector<std::string>{"key_disabled"}));
}

TEST(KeyDisable, ADisabledKeyIsNeverPicked) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  ASSERT_EQ(first_pick(pool, t), (KeyRef{0, 0}));
  pool.disable({0, 0}, t);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(first_pick(pool, t + std::chrono::seconds(i)), (KeyRef{0, 1}));
  pool.enable({0, 0}, t + 10s);
  EXPECT_EQ(first_pick(pool, t + 10s), (KeyRef{0, 0}));
}

TEST(KeyDisable, ADisabledKeyIsNeverPickedByRoundRobin) {
  RouterConfig c = test::founding_config();
  c.routing.key_order = KeyOrder::round_robin;
  KeyPool pool(c);
  WallTime t = at("2025-11-18T08:00:00Z");
  pool.disable({0, 1}, t);
  for (int i = 0; i < 9; ++i) {
    auto k = first_pick(pool, t);
    ASSERT_TRUE(k);
    EXPECT_NE(*k, (KeyRef{0, 1}));
    EXPECT_EQ(k->provider, 0u);
  }
}

TEST(KeyDisable, AnExpiringQuarantineDoesNotReEnableIt) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  KeyRef k{0, 0};
  pool.record(k, classify(test::groq_401(), t), 401, t);
  ASSERT_EQ(pool.key(k).state, KeyState::quarantined);
  pool.disable(k, t + 1s);
  WallTime later = pool.key(k).until + 1s;
  pool.tick(later);
  EXPECT_EQ(pool.key(k).state, KeyState::healthy) << "the deadline ends as usual";
  EXPECT_TRUE(pool.key(k).disabled);
  EXPECT_FALSE(pool.key_usable(k, later));
  EXPECT_NE(first_pick(pool, later), k);
}

TEST(KeyDisable, EnablingAQuarantinedKeyLeavesItQuarantinedUntilItsDeadline) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  KeyRef k{0, 0};
  pool.disable(k, t);
  pool.record(k, classify(test::groq_401(), t), 401, t);  // a call in flight when it was disabled
  pool.enable(k, t + 1s);
  EXPECT_EQ(pool.key(k).state, KeyState::quarantined);
  EXPECT_FALSE(pool.key_usable(k, t + 1s));
  EXPECT_TRUE(pool.key_usable(k, pool.key(k).until));
}

TEST(KeyDisable, AnEnabledKeyIsProbedBeforeTheHerdFollows) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  KeyRef k{0, 0};
  pool.record(k, classify(test::ok_200(), t), 200, t);
  ASSERT_FALSE(pool.uncertain(k, t));
  pool.disable(k, t);
  pool.enable(k, t + 1s);
  EXPECT_TRUE(pool.uncertain(k, t + 1s));
  pool.record(k, classify(test::ok_200(), t + 2s), 200, t + 2s);
  EXPECT_FALSE(pool.uncertain(k, t + 2s));
}

TEST(KeyDisable, ReloadKeepsTheDisableOfAnUnchangedKey) {
  KeyPool old(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  old.disable({0, 1}, t);
  old.disable({1, 0}, t);
  RouterConfig next = test::founding_config();
  next.providers[1].keys[0].secret = "AIza-NEW-XXX";  // rotated: a new key, in rotation
  KeyPool fresh(next);
  fresh.carry_over_from(old);
  EXPECT_TRUE(fresh.key({0, 1}).disabled);
  EXPECT_EQ(fresh.key({0, 1}).disabled_since, t);
  EXPECT_FALSE(fresh.key_usable({0, 1}, t));
  EXPECT_FALSE(fresh.key({1, 0}).disabled) << "the disable follows the secret, not the index";
}

TEST(KeyDisable, ViewShowsItAsOutAndNotUsable) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  pool.disable({2, 0}, t);
  auto v = pool.view();
  const KeyView* k = v->provider("mistral")->key(1);
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->disabled);
  EXPECT_FALSE(k->usable(t));
  EXPECT_TRUE(k->out(t));
  EXPECT_FALSE(v->provider("mistral")->usable(t)) << "its only key is disabled";
}

TEST(KeyDisable, EveryKeyDisabledGivesAVerdictNamingTheOperatorNotAFailure) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  const auto& cfg = pool.config();
  for (size_t p = 0; p < cfg.providers.size(); ++p)
    for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i) pool.disable({p, i}, t);
  EXPECT_EQ(next_attempt(pool, RequestProgress{}, t).kind, NextAttempt::Kind::none);
  Verdict v = make_verdict(pool, RequestProgress{}, t);
  EXPECT_EQ(v.keys_failed(), 0);
  EXPECT_FALSE(v.retry_at) << "only the operator brings a disabled key back";
  EXPECT_NE(v.diagnosis.find("disabled by the operator"), std::string::npos) << v.diagnosis;
  EXPECT_EQ(v.providers[0].disabled, 3);
}

TEST(KeyDisable, TheCauseIsAboutTheKeysStillInRotation) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  pool.disable({0, 2}, t);
  const auto& cfg = pool.config();
  for (size_t p = 0; p < cfg.providers.size(); ++p)
    for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i)
      if (!pool.key({p, i}).disabled) pool.record({p, i}, classify(test::groq_401(), t), 401, t);
  Verdict v = make_verdict(pool, RequestProgress{}, t);
  EXPECT_EQ(v.cause, EmergencyCause::all_authentication_failed);
  EXPECT_EQ(v.providers[0].auth, 2);
  EXPECT_EQ(v.providers[0].disabled, 1);
}

// The router: every key disabled, a request ends at once with the emergency
// verdict (no call, no wait), and enabling one key serves again.
class CountingTransport final : public BlockingTransport {
 public:
  int calls = 0;
  AttemptResult chat_now(const ProviderConfig&, const KeyConfig&, const ChatRequest&, Millis, ChatAnswer* answer,
                         StreamSink*) override {
    ++calls;
    answer->content = "hi";
    return test::ok_200();
  }
  AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis, std::vector<std::string>*) override {
    return test::ok_200();
  }
};

TEST(KeyDisable, RouterWithEveryKeyDisabledAnswersTheEmergencyWithoutCallingAnyone) {
  SimClock clock(at("2025-11-18T08:00:00Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  CountingTransport transport;
  for (const auto& [name, n] : {std::pair{"groq", 3}, {"gemini", 2}, {"mistral", 1}})
    for (int i = 1; i <= n; ++i) EXPECT_EQ(router.set_key_disabled(name, i, true), ChatRouter::KeyToggle::changed);
  ChatRequest req;
  req.messages.push_back({"user", "hello"});
  RouteOutcome out = router.route(req, transport);
  EXPECT_EQ(out.kind, RouteOutcome::Kind::emergency);
  EXPECT_EQ(transport.calls, 0);
  EXPECT_EQ(router.set_key_disabled("gemini", 2, false), ChatRouter::KeyToggle::changed);
  out = router.route(req, transport);
  EXPECT_EQ(out.kind, RouteOutcome::Kind::provider);
  EXPECT_EQ(out.provider, "gemini");
  EXPECT_EQ(out.key_index, 2);
}

TEST(KeyDisable, RouterNamesWhatIsUnknown) {
  SimClock clock(at("2025-11-18T08:00:00Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  EXPECT_EQ(router.set_key_disabled("openrouter", 1, true), ChatRouter::KeyToggle::unknown_provider);
  EXPECT_EQ(router.set_key_disabled("groq", 9, true), ChatRouter::KeyToggle::unknown_key);
  EXPECT_EQ(router.set_key_disabled("groq", 1, false), ChatRouter::KeyToggle::unchanged);
}

TEST(KeyDisable, RouterReloadKeepsTheDisable) {
  SimClock clock(at("2025-11-18T08:00:00Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  CountingTransport transport;
  router.set_key_disabled("groq", 1, true);
  router.reload(test::founding_config());
  ChatRequest req;
  req.messages.push_back({"user", "hello"});
  RouteOutcome out = router.route(req, transport);
  EXPECT_EQ(out.provider, "groq");
  EXPECT_EQ(out.key_index, 2);
  EXPECT_TRUE(router.snapshot().keys[0][0].disabled);
}

}  // namespace
}  // namespace keyward
