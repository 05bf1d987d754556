// Failover key by key and provider by provider, and the cache fallback.
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

TEST(Failover, AGoodKeyAfterBadOnesAnswersWithItsProviderAndKeyId) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-CCC-0123: valid}}
  - {name: gemini, kind: gemini}
)");
  h.start_service(h.options("GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\nGROQ_API_KEY_2=sk-proj-EXPIRED-BBB\n"
                            "GROQ_API_KEY_3=sk-proj-GOOD-CCC-0123\nGEMINI_API_KEY_1=AIza-EXPIRED-XXX\n"));
  auto r = h.chat("Help me fix this bug");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_json(r);
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["provider"], "groq");
  EXPECT_EQ(j["key_id"], 3);
  EXPECT_EQ(j["model"], "groq/llama-3.3-70b-versatile");
  EXPECT_EQ(j["source"], "provider");
  EXPECT_FALSE(j["content"].get<std::string>().empty());
  // Start-up validation pinged every key once and quarantined the bad ones,
  // so the request went straight to key 3.
  EXPECT_EQ(h.calls("groq", "sk-proj-EXPIRED-AAA"), 1u);
  EXPECT_EQ(h.calls("groq", "sk-proj-GOOD-CCC-0123"), 2u);  // ping + chat
}

TEST(Failover, FallsBackToGeminiWhenEveryGroqKeyFails) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq}
  - {name: gemini, kind: gemini, keys: {AIza-GOOD-0123456789: valid}}
)");
  auto o = h.options("GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\nGEMINI_API_KEY_1=AIza-GOOD-0123456789\n");
  o.validate_on_start = false;
  h.start_service(std::move(o));
  auto r = h.chat("Explain failover");
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_json(r);
  EXPECT_EQ(j["provider"], "gemini");
  EXPECT_EQ(j["key_id"], 1);
  EXPECT_EQ(j["model"], "gemini/gemini-1.5-flash");
  EXPECT_EQ(h.service->stats().value(Stat::failovers, {"groq"}), 1u);
}

TEST(Failover, ServesTheCachedAnswerWhenEverythingFailsLater) {
  Harness h;
  h.start_one_good_groq();
  auto first = h.chat("Help me fix this bug");
  ASSERT_EQ(first->status, 200);
  std::string content = body_json(first)["content"];

  h.world->provider("groq")->set_key_state("sk-proj-GOOD-AAA-0123", fakes::KeyState::revoked);
  h.clock.advance(Millis(1000));
  auto r = h.chat("Help me  fix this bug ");  // same question, other whitespace
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_json(r);
  EXPECT_EQ(j["source"], "cache");
  EXPECT_EQ(j["warning"], "All AI providers failed - using cached result");
  EXPECT_EQ(j["stale"], false);
  EXPECT_EQ(j["content"], content);
  EXPECT_EQ(j["provider"], "groq");

  auto other = h.chat("A question never asked");
  EXPECT_EQ(other->status, 503);
  EXPECT_EQ(h.service->stats().value(Stat::cache_hits, {"false"}), 1u);
}

TEST(Failover, AnOutageDoesNotQuarantineKeys) {
  Harness h;
  h.start_world(R"(
providers:
  - name: groq
    kind: groq
    keys: {sk-proj-GOOD-AAA-0123: valid, sk-proj-GOOD-BBB-0123: valid}
    faults: [{kind: status, status: 503, path: /chat/completions}]
)");
  auto o = h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\nGROQ_API_KEY_2=sk-proj-GOOD-BBB-0123\n");
  h.start_service(std::move(o));
  auto r = h.chat("hello");
  ASSERT_EQ(r->status, 503);
  auto j = body_json(r);
  EXPECT_EQ(j["error"], "all_providers_unavailable");
  // One call: an outage is the provider's fault, so the request moves on
  // instead of burning the second key.
  EXPECT_EQ(h.calls("groq", "sk-proj-GOOD-AAA-0123"), 2u);  // ping + chat
  EXPECT_EQ(h.calls("groq", "sk-proj-GOOD-BBB-0123"), 1u);  // ping only
  auto s = body_json(h.get("/api/status"));
  for (const auto& k : s["providers"][0]["keys"]) EXPECT_EQ(k["state"], "healthy") << k.dump();
}

}  // namespace
}  // namespace keyward::http::test
