// Key and provider states as gauges on /metrics, read from the pool at each scrape.
#include "router/http/key_state_metrics.h"

#include "tests/router/http/harness.h"
#include "tests/router/http/metrics_text.h"

namespace keyward::http::test {
namespace {

TEST(KeyStateMetrics, AllKeysOfAProviderOutShowsAsZeroAvailable) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq}
  - {name: gemini, kind: gemini, keys: {AIza-GOOD-0123456789: valid}}
)");
  auto o = h.options(
      "GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\nGROQ_API_KEY_2=sk-proj-EXPIRED-BBB\n"
      "GEMINI_API_KEY_1=AIza-GOOD-0123456789\n");
  o.validate_on_start = false;
  h.start_service(std::move(o));
  std::string t = h.get("/metrics")->body;
  EXPECT_EQ(sample(t, "keyward_provider_keys_available{provider=\"groq\"}"), 2) << t;
  EXPECT_EQ(sample(t, "keyward_keys{provider=\"groq\",state=\"healthy\"}"), 2);
  EXPECT_EQ(sample(t, "keyward_keys{provider=\"groq\",state=\"quarantined\"}"), 0);

  ASSERT_EQ(h.chat("hello")->status, 200);  // both Groq keys fail authentication, Gemini answers
  t = h.get("/metrics")->body;
  EXPECT_EQ(sample(t, "keyward_provider_keys_available{provider=\"groq\"}"), 0) << t;
  EXPECT_EQ(sample(t, "keyward_keys{provider=\"groq\",state=\"quarantined\"}"), 2);
  EXPECT_EQ(sample(t, "keyward_provider_keys_available{provider=\"gemini\"}"), 1);
  EXPECT_EQ(sample(t, "keyward_provider_ejected{provider=\"groq\"}"), 0);

  // Past the quarantine the keys count as available again, before any tick.
  h.clock.advance(Millis(6 * 60'000));
  t = h.get("/metrics")->body;
  EXPECT_EQ(sample(t, "keyward_provider_keys_available{provider=\"groq\"}"), 2) << t;
}

TEST(KeyStateMetrics, AKeyDisabledByHandIsNotAvailable) {
  ChatRouter::Snapshot snap;
  ProviderConfig groq;
  groq.name = "groq";
  groq.keys.resize(2);
  snap.config.providers = {groq};
  KeyHealth off;
  off.disabled = true;  // healthy, but out of rotation
  snap.keys = {{KeyHealth{}, off}};
  snap.providers = {ProviderHealth{}};
  std::string t = key_state_prometheus(snap);
  EXPECT_EQ(sample(t, "keyward_provider_keys_available{provider=\"groq\"}"), 1) << t;
  EXPECT_EQ(sample(t, "keyward_keys_disabled{provider=\"groq\"}"), 1) << t;
  EXPECT_EQ(sample(t, "keyward_keys{provider=\"groq\",state=\"healthy\"}"), 2) << t;
}

TEST(KeyStateMetrics, ProvidersWithoutKeysAreLeftOut) {
  ChatRouter::Snapshot snap;
  ProviderConfig with;
  with.name = "groq";
  with.keys.resize(1);
  ProviderConfig without;
  without.name = "mistral";
  snap.config.providers = {with, without};
  snap.keys = {{KeyHealth{}}, {}};
  snap.providers = {ProviderHealth{}, ProviderHealth{}};
  std::string t = key_state_prometheus(snap);
  EXPECT_EQ(sample(t, "keyward_provider_keys_available{provider=\"groq\"}"), 1);
  EXPECT_EQ(t.find("mistral"), std::string::npos) << t;
}

}  // namespace
}  // namespace keyward::http::test
