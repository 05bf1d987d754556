// Start-up validation: the founding scenario's log lines, quarantine of keys
// that fail, and /readyz.
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

TEST(Validation, AllGoodKeysLogTheRecoveryLines) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, default_key_state: valid}
  - {name: gemini, kind: gemini, default_key_state: valid}
  - {name: mistral, kind: mistral, default_key_state: valid}
)");
  h.start_service(h.options(kFoundingEnv));
  auto logs = h.all_logs();
  EXPECT_NE(logs.find("INFO: Loading secrets from .env\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("INFO: Validating API keys...\n"), std::string::npos);
  EXPECT_NE(logs.find("INFO: ✓ Groq Key 1 credentials validated successfully\n"), std::string::npos);
  EXPECT_NE(logs.find("INFO: ✓ Gemini Key 2 credentials validated successfully\n"), std::string::npos);
  EXPECT_NE(logs.find("INFO: ✓ Mistral Key 1 credentials validated successfully\n"), std::string::npos);
  EXPECT_NE(logs.find("INFO: Available models: 6\n"), std::string::npos);
  EXPECT_NE(logs.find("INFO: ✅ Platform ready - all AI providers operational\n"), std::string::npos);
  EXPECT_LT(logs.find("Validating API keys"), logs.find("Available models"));
  EXPECT_EQ(h.get("/readyz")->status, 200);
  EXPECT_EQ(h.get("/healthz")->status, 200);
}

TEST(Validation, FailedKeysStartQuarantinedAndTheSummarySaysDegraded) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq}
  - {name: gemini, kind: gemini, default_key_state: valid}
  - {name: mistral, kind: mistral, default_key_state: valid}
)");
  h.start_service(h.options(kFoundingEnv));
  auto logs = h.all_logs();
  EXPECT_NE(logs.find("ERROR: ✗ Groq Key 2 credential validation failed: Invalid API Key (auth)\n"), std::string::npos)
      << logs;
  EXPECT_NE(logs.find("INFO: Available models: 3\n"), std::string::npos);
  EXPECT_NE(logs.find("WARN: ⚠ Platform degraded - 3/6 keys operational; Groq: 0/3 (auth)\n"), std::string::npos);
  auto s = body_json(h.get("/api/status"));
  EXPECT_EQ(s["providers"][0]["keys"][1]["state"], "quarantined");
  EXPECT_EQ(s["providers"][1]["keys"][0]["validated"], true);
  // Doubtful keys (one probe at a time) are shown: a failed one is, a freshly
  // validated one is not.
  EXPECT_EQ(s["providers"][0]["keys"][1]["uncertain"], true);
  EXPECT_EQ(s["providers"][1]["keys"][0]["uncertain"], false);
  // A request now goes straight to Gemini: the Groq keys are not called again.
  auto r = h.chat("hello");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_json(r)["provider"], "gemini");
  EXPECT_EQ(h.calls("groq", "sk-proj-EXPIRED-AAA"), 1u);
}

TEST(Validation, ReadyzIs503UntilAKeyValidates) {
  Harness h;
  h.start_world(kThreeProviders);
  h.start_service(h.options(kFoundingEnv));
  EXPECT_EQ(h.get("/readyz")->status, 503);
  EXPECT_TRUE(h.logged("ERROR: ✗ Platform unavailable - 0/6 keys operational"));
  EXPECT_EQ(h.get("/healthz")->status, 200);
}

TEST(Validation, AMissingEnvIsAWarningNotACrash) {
  Harness h;
  h.start_world(kThreeProviders);
  h.start_service(h.options(""));
  EXPECT_TRUE(h.logged("WARN: No API keys configured"));
  EXPECT_EQ(h.get("/readyz")->status, 503);
  auto r = h.chat("hello");
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body_json(r)["error"], "all_providers_failed");
}

}  // namespace
}  // namespace keyward::http::test
