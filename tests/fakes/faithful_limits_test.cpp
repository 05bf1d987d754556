// Limits as faithful as the providers' (issue 15, item 5): a status fault's
// own text and headers, Groq's tokens-per-day 429, waits with fractions, and
// key states that end on their own on the fake's clock.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(FaithfulLimits, ARateLimitedKeyQuotesTheTimeLeftAndLiftsOnItsOwn) {
  Fake fake(options_for(ProviderKind::groq));
  auto wait = std::chrono::milliseconds(6 * 60'000 + 7'200);  // 6m7.2s
  fake.provider->set_key_state(kGoodKey, KeyState::rate_limited, -1, fake.clock.wall() + wait);
  auto r = fake.chat(kGoodKey);
  ASSERT_EQ(r->status, 429);
  auto msg = json_of(r)["error"]["message"].get<std::string>();
  EXPECT_NE(msg.find("Please try again in 6m7.2s."), std::string::npos) << msg;
  EXPECT_EQ(r->get_header_value("retry-after"), "368");  // whole seconds, rounded up
  fake.clock.advance(std::chrono::minutes(6));
  msg = json_of(fake.chat(kGoodKey))["error"]["message"].get<std::string>();
  EXPECT_NE(msg.find("Please try again in 7.2s."), std::string::npos) << msg;
  fake.clock.advance(std::chrono::milliseconds(7'200));
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  EXPECT_EQ(fake.provider->key_state(kGoodKey), KeyState::valid);
}

TEST(FaithfulLimits, GroqsTokensPerDayQuotaResetsAtMidnightUtc) {
  Fake fake(options_for(ProviderKind::groq));
  fake.clock.set_wall(at("2025-11-18T23:50:00Z"));
  fake.provider->set_key_state(kGoodKey, KeyState::quota_exhausted, 1, FakeProvider::next_reset(fake.clock.wall()));
  auto r = fake.chat(kGoodKey);
  ASSERT_EQ(r->status, 429);
  auto j = json_of(r);
  auto msg = j["error"]["message"].get<std::string>();
  EXPECT_NE(msg.find("on tokens per day (TPD): Limit 100000, Used 99858, Requested 1149. Please try again in 10m0s."),
            std::string::npos)
      << msg;
  EXPECT_EQ(j["error"]["type"], "tokens");
  EXPECT_EQ(j["error"]["code"], "rate_limit_exceeded");
  // The requests-per-day variant is the default.
  fake.provider->set_key_state("sk-rpd-key-0000000001", KeyState::quota_exhausted);
  msg = json_of(fake.chat("sk-rpd-key-0000000001"))["error"]["message"].get<std::string>();
  EXPECT_NE(msg.find("on requests per day (RPD)"), std::string::npos) << msg;
  fake.clock.set_wall(at("2025-11-19T00:00:00Z"));
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  EXPECT_EQ(fake.chat("sk-rpd-key-0000000001")->status, 429);  // no end given: exhausted for good
}

TEST(FaithfulLimits, AStatusFaultCarriesItsOwnMessageAndHeaders) {
  auto opts = options_for(ProviderKind::groq);
  const std::string text = "Rate limit reached. Please try again in 6m7.2s.";
  opts.faults.push_back(parse_fault(
      {{"kind", "status"}, {"status", 429}, {"message", text}, {"headers", nlohmann::json::object()}, {"first", 1}}));
  opts.faults.push_back(parse_fault({{"kind", "status"},
                                     {"status", 429},
                                     {"message", text},
                                     {"headers", {{"retry-after", "9"}}},
                                     {"after", 1},
                                     {"first", 1}}));
  Fake fake(opts);
  auto r = fake.chat(kGoodKey);
  ASSERT_EQ(r->status, 429);
  EXPECT_EQ(json_of(r)["error"]["message"], text);
  EXPECT_FALSE(r->has_header("retry-after"));  // headers: {} -> none
  r = fake.chat(kGoodKey);
  ASSERT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("retry-after"), "9");
  EXPECT_THROW(parse_fault({{"kind", "status"}, {"status", 429}, {"headers", {{"bad header", "x"}}}}), FaultSpecError);
  EXPECT_THROW(parse_fault({{"kind", "status"}, {"status", 429}, {"headers", "retry-after: 2"}}), FaultSpecError);
}

}  // namespace
}  // namespace keyward::fakes::testing
