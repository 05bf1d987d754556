#include "router/core/key_pool.h"

#include <gtest/gtest.h>

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

TEST(KeyPool, PerDayQuotaSkipsTheKeyUntilMidnightUtcWithoutQuarantine) {
  KeyPool pool(test::founding_config());
  KeyRef k{0, 1};
  WallTime t = at("2025-11-18T15:30:00Z");
  auto r = test::http(429, R"({"error":{"message":"Rate limit reached on requests per day (RPD): Limit 1000, Used 1000","type":"requests","code":"rate_limit_exceeded"}})");
  pool.record(k, classify(r, t), 429, t);
  EXPECT_EQ(pool.key(k).state, KeyState::exhausted);
  EXPECT_EQ(pool.key(k).strikes, 0) << "quota is not an offence";
  EXPECT_FALSE(pool.key_usable(k, at("2025-11-18T23:59:59Z")));
  EXPECT_TRUE(pool.key_usable(k, at("2025-11-19T00:00:00Z")));
  pool.tick(at("2025-11-19T00:00:00Z"));
  EXPECT_EQ(pool.key(k).state, KeyState::healthy);
  EXPECT_EQ(kinds(pool.take_events()), (std::vector<std::string>{"attempt_failed", "key_exhausted", "key_released"}));
}

TEST(KeyPool, RateLimitedKeyHonoursTheAdvertisedWait) {
  KeyPool pool(test::founding_config());
  KeyRef k{0, 0};
  WallTime t = at("2025-11-18T08:00:00Z");
  auto r = test::http(429, "{\"error\":{\"message\":\"Rate limit reached on requests per minute (RPM)\",\"code\":\"rate_limit_exceeded\"}}",
                      {{"retry-after", "7"}});
  pool.record(k, classify(r, t), 429, t);
  EXPECT_EQ(pool.key(k).state, KeyState::rate_limited);
  EXPECT_FALSE(pool.key_usable(k, t + 6999ms));
  EXPECT_TRUE(pool.key_usable(k, t + 7s));
}

TEST(KeyPool, OutageQuarantinesNoKeyAndEjectsTheProviderWithBackoff) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:00Z");
  auto c = classify(test::outage_503(), t);
  for (size_t i = 0; i < 3; ++i) pool.record({0, i}, c, 503, t);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(pool.key({0, i}).state, KeyState::healthy) << "never blame keys for a 503";
  EXPECT_TRUE(pool.provider(0).ejected);
  EXPECT_FALSE(pool.provider_usable(0, t + 29s));
  EXPECT_TRUE(pool.provider_usable(0, t + 30s));
  EXPECT_FALSE(pool.key_usable({0, 0}, t + 10s)) << "an ejected provider's keys are not tried";
  // Ejected again: the ejection grows (30 s, then 60 s).
  t += 30s;
  for (size_t i = 0; i < 3; ++i) pool.record({0, i}, c, 503, t);
  EXPECT_EQ(pool.provider(0).ejected_until - t, 60s);
  // A success restores the provider at once.
  pool.record({0, 0}, classify(test::ok_200(), t + 61s), 200, t + 61s);
  EXPECT_FALSE(pool.provider(0).ejected);
  int ejected = 0, restored = 0;
  for (const auto& e : pool.take_events()) {
    ejected += e.kind == PoolEventKind::provider_ejected;
    restored += e.kind == PoolEventKind::provider_restored;
    EXPECT_NE(e.kind, PoolEventKind::key_quarantined);
  }
  EXPECT_EQ(ejected, 2);
  EXPECT_EQ(restored, 1);
}

TEST(KeyPool, EventsCarryMaskedKeysNeverSecrets) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:15Z");
  pool.record({0, 0}, classify(test::groq_401(), t), 401, t);
  auto events = pool.take_events();
  ASSERT_EQ(events.size(), 2u);
  const auto& q = events[1];
  EXPECT_EQ(q.kind, PoolEventKind::key_quarantined);
  EXPECT_EQ(q.provider, "groq");
  EXPECT_EQ(q.key_index, 1);
  EXPECT_EQ(q.masked_key, "sk-proj-...AAA");
  EXPECT_EQ(q.message, "Invalid API Key");
  EXPECT_EQ(*q.until - t, 5min);
}

TEST(KeyPool, ValidationSuccessLeavesQuarantineAtOnce) {
  KeyPool pool(test::founding_config());
  WallTime t = at("2025-11-18T08:00:15Z");
  pool.record({0, 0}, classify(test::groq_401(), t), 401, t);
  EXPECT_FALSE(pool.key_usable({0, 0}, t + 1min));
  pool.record_validation({0, 0}, classify(test::ok_200(), t + 1min), 200, t + 1min);
  EXPECT_TRUE(pool.key_usable({0, 0}, t + 1min));
  EXPECT_TRUE(pool.key({0, 0}).validated);
}

TEST(KeyPool, ReloadCarriesOverStateOfUnchangedKeysOnly) {
  KeyPool old(test::founding_config());
  WallTime t = at("2025-11-18T08:00:15Z");
  old.record({0, 0}, classify(test::groq_401(), t), 401, t);
  old.record({0, 1}, classify(test::groq_401(), t), 401, t);
  RouterConfig cfg = test::founding_config();
  cfg.providers[0].keys[0].secret = "sk-proj-NEW-AAA";  // operator replaced key 1
  KeyPool fresh(cfg);
  fresh.carry_over_from(old);
  EXPECT_EQ(fresh.key({0, 0}).state, KeyState::healthy);
  EXPECT_EQ(fresh.key({0, 1}).state, KeyState::quarantined);
}

// A KeyRef names a key of the pool's configuration; anything else is a bug
// in the caller, and the pool stops the process rather than read past a vector.
TEST(KeyPoolDeathTest, AKeyRefOutsideTheConfigurationAborts) {
  KeyPool pool(test::founding_config());  // groq has keys 0..2
  EXPECT_EQ(pool.key({0, 2}).state, KeyState::healthy);
  EXPECT_DEATH(pool.key({0, 3}),
               R"(key_pool\.cpp:[0-9]+: KEYWARD_ASSERT\(k\.provider < keys_\.size\(\) && k\.key < keys_\[k\.provider\]\.size\(\)\) failed)");
  EXPECT_DEATH(pool.key_config({7, 0}), "key_pool\\.cpp:[0-9]+: KEYWARD_ASSERT");
  EXPECT_DEATH(pool.provider(3), "KEYWARD_ASSERT\\(p < providers_\\.size\\(\\)\\) failed");
  EXPECT_DEATH(pool.end_call({0, 0}), "KEYWARD_ASSERT\\(kh\\.in_flight > 0\\) failed");
}

TEST(Secret, MaskKeepsKeysApartButUnusable) {
  EXPECT_EQ((KeyConfig{1, "X", "sk-proj-EXPIRED-AAA", {}}).masked(), "sk-proj-...AAA");
  EXPECT_EQ((KeyConfig{1, "X", "AIza-EXPIRED-XXX", {}}).masked(), "AIza-EXP...XXX");
  EXPECT_EQ((KeyConfig{1, "X", "msk-12345", {}}).masked(), "ms...45");
  EXPECT_EQ((KeyConfig{1, "X", "abc", {}}).masked(), "***");
}

}  // namespace
}  // namespace keyward
