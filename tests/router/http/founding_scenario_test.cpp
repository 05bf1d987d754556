// The founding scenario end to end: six expired keys, one call per key, the
// emergency answer, then zero provider calls while the keys are quarantined.
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

TEST(FoundingScenario, SixExpiredKeysGiveOneCallEachThenTheEmergencyAnswer) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options(kFoundingEnv);
  o.validate_on_start = false;  // the keys die after start, as in the story
  h.start_service(std::move(o));

  auto r = h.chat("Help me fix this bug");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->get_header_value("Retry-After"), "300");
  auto j = body_json(r);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["model"], "emergency/fallback");
  EXPECT_EQ(j["error"], "all_authentication_failed");
  EXPECT_EQ(j["retryable"], true);
  EXPECT_EQ(j["retry_after"], "5 minutes");
  EXPECT_EQ(j["retry_after_seconds"], 300);
  EXPECT_EQ(j["support_url"], "https://platform.example.com/support");
  std::string content = j["content"];
  EXPECT_NE(content.find("AI Service Temporarily Unavailable"), std::string::npos);
  EXPECT_NE(content.find("Error: Authentication failure on all AI keys"), std::string::npos);
  EXPECT_NE(content.find("What you can do: wait a few minutes and try again; check back later; contact support if urgent"),
            std::string::npos);
  EXPECT_EQ(j["providers"]["groq"]["failed"], 3);
  EXPECT_EQ(j["providers"]["groq"]["total"], 3);
  EXPECT_EQ(j["providers"]["groq"]["cause"], "auth");
  EXPECT_EQ(j["providers"]["gemini"]["failed"], 2);
  EXPECT_EQ(j["providers"]["mistral"]["total"], 1);

  // Exactly one call per key: quarantined after the first failure, no retries.
  for (const char* k : {"sk-proj-EXPIRED-AAA", "sk-proj-EXPIRED-BBB", "sk-proj-EXPIRED-CCC"})
    EXPECT_EQ(h.calls("groq", k), 1u) << k;
  for (const char* k : {"AIza-EXPIRED-XXX", "AIza-EXPIRED-YYY"}) EXPECT_EQ(h.calls("gemini", k), 1u) << k;
  EXPECT_EQ(h.calls("mistral", "msk-EXPIRED-ZZZ"), 1u);
  EXPECT_EQ(h.total_calls(), 6u);

  // Second request a second later: every key is quarantined, zero provider calls.
  h.clock.advance(Millis(1000));
  auto r2 = h.chat("Help me fix this bug please");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 503);
  EXPECT_EQ(body_json(r2)["error"], "all_authentication_failed");
  EXPECT_EQ(r2->get_header_value("Retry-After"), "299");
  EXPECT_EQ(h.total_calls(), 6u);

  EXPECT_EQ(h.service->stats().value(Stat::requests, {"chat", "emergency"}), 2u);
  EXPECT_EQ(h.service->stats().value(Stat::quarantines, {"groq"}), 3u);
  EXPECT_EQ(h.service->stats().value(Stat::attempts, {"gemini", "1", "auth"}), 1u);
}

TEST(FoundingScenario, StatusShowsEveryKeyQuarantinedWithADiagnosis) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options(kFoundingEnv);
  o.validate_on_start = false;
  h.start_service(std::move(o));
  ASSERT_EQ(h.chat("Help me fix this bug")->status, 503);

  auto s = body_json(h.get("/api/status"));
  ASSERT_EQ(s["providers"].size(), 3u);
  const auto& groq = s["providers"][0];
  EXPECT_EQ(groq["name"], "groq");
  EXPECT_EQ(groq["dashboard_url"], "https://console.groq.com/keys");
  EXPECT_NE(groq["diagnosis"].get<std::string>().find("console.groq.com/keys"), std::string::npos);
  ASSERT_EQ(groq["keys"].size(), 3u);
  EXPECT_EQ(groq["keys"][0]["masked"], "sk-proj-...AAA");
  EXPECT_EQ(groq["keys"][0]["state"], "quarantined");
  EXPECT_EQ(groq["keys"][0]["until"], "2025-11-18T08:05:00Z");
  EXPECT_EQ(groq["keys"][0]["last_class"], "auth");
  EXPECT_EQ(groq["keys"][0]["attempts"], 1);
  EXPECT_EQ(s["incident"]["state"], "none");

  // Five simulated minutes later the quarantine has run out.
  h.clock.advance(Millis(5 * 60'000));
  auto later = body_json(h.get("/api/status"));
  EXPECT_EQ(later["providers"][0]["keys"][0]["state"], "healthy");
}

}  // namespace
}  // namespace keyward::http::test
