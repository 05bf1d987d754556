// Limits enforced against the fake's clock: the 31st request in a minute, the
// sliding window, the daily quota and its reset at midnight UTC.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(Limits, ThirtyFirstRequestInAMinuteIsRateLimited) {
  auto opts = options_for(ProviderKind::groq);
  opts.limits.requests_per_minute = 30;
  Fake fake(opts);
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(fake.chat(kGoodKey)->status, 200) << i;
    fake.clock.advance(std::chrono::milliseconds(1000));  // 30 requests within 30 s
  }
  auto r = fake.chat(kGoodKey);
  ASSERT_EQ(r->status, 429);
  auto msg = json_of(r)["error"]["message"].get<std::string>();
  EXPECT_NE(msg.find("requests per minute (RPM): Limit 30, Used 30"), std::string::npos) << msg;
  // The oldest request (t=0) leaves the window at t=60 s; now is t=30 s.
  EXPECT_EQ(r->get_header_value("retry-after"), "30");
  EXPECT_NE(msg.find("try again in 30s"), std::string::npos) << msg;
  // Another key has its own window.
  fake.provider->set_key_state("sk-other-good-key-000", KeyState::valid);
  EXPECT_EQ(fake.chat("sk-other-good-key-000")->status, 200);
  // Once the oldest request leaves the window, one more fits.
  fake.clock.advance(std::chrono::seconds(30));
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 429);
}

TEST(Limits, RateLimitShapesPerProvider) {
  for (auto kind : {ProviderKind::gemini, ProviderKind::mistral, ProviderKind::openai}) {
    auto opts = options_for(kind);
    opts.limits.requests_per_minute = 2;
    Fake fake(opts);
    EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
    EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
    auto r = fake.chat(kGoodKey);
    EXPECT_EQ(r->status, 429) << to_string(kind);
    if (kind == ProviderKind::gemini) {
      EXPECT_NE(r->body.find("PerMinute"), std::string::npos);
    }
    if (kind == ProviderKind::openai) {
      EXPECT_EQ(json_of(r)["error"]["code"], "rate_limit_exceeded");
      EXPECT_EQ(r->get_header_value("x-ratelimit-remaining-requests"), "0");
    }
  }
}

TEST(Limits, DailyQuotaResetsAtMidnightUtc) {
  auto opts = options_for(ProviderKind::groq);
  opts.limits.requests_per_day = 3;
  Fake fake(opts);
  fake.clock.set_wall(at("2025-11-18T23:59:00Z"));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(fake.chat(kGoodKey)->status, 200);
  auto r = fake.chat(kGoodKey);
  ASSERT_EQ(r->status, 429);
  EXPECT_NE(r->body.find("requests per day (RPD): Limit 3, Used 3"), std::string::npos) << r->body;
  EXPECT_EQ(r->get_header_value("retry-after"), "60");  // one minute to midnight
  fake.clock.set_wall(at("2025-11-18T23:59:59.999Z"));
  EXPECT_EQ(fake.chat(kGoodKey)->status, 429);
  fake.clock.set_wall(at("2025-11-19T00:00:00Z"));
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
}

TEST(Limits, DailyQuotaIsQuotaExhaustionPerProvider) {
  struct Expect {
    ProviderKind kind;
    const char* needle;
  };
  for (auto e : {Expect{ProviderKind::gemini, "GenerateRequestsPerDayPerProjectPerModel"},
                 Expect{ProviderKind::openai, "insufficient_quota"},
                 Expect{ProviderKind::mistral, "rate limit exceeded"}}) {
    auto opts = options_for(e.kind);
    opts.limits.requests_per_day = 1;
    Fake fake(opts);
    EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
    auto r = fake.chat(kGoodKey);
    EXPECT_EQ(r->status, 429);
    EXPECT_NE(r->body.find(e.needle), std::string::npos) << r->body;
  }
}

TEST(Limits, ModelsPingsAndRejectedKeysDoNotCount) {
  auto opts = options_for(ProviderKind::openai);
  opts.limits.requests_per_minute = 1;
  Fake fake(opts);
  EXPECT_EQ(fake.models(kGoodKey)->status, 200);
  EXPECT_EQ(fake.models(kGoodKey)->status, 200);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 429);
}

}  // namespace
}  // namespace keyward::fakes::testing
