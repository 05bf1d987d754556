// OpenTelemetry GenAI metrics: the histograms' buckets, counts and sums, the
// labels (provider names, bounded models, error_type on failures only), and
// the router's own time, first on recorded outcomes, then through a Service
// against the fake providers.
#include "router/http/genai_metrics.h"

#include "tests/router/http/harness.h"
#include "tests/router/http/metrics_text.h"

namespace keyward::http::test {
namespace {

using std::chrono::milliseconds;

AttemptRecord call(const std::string& provider, WireKind wire, const std::string& model, ErrorClass cls,
                   milliseconds latency) {
  AttemptRecord a;
  a.provider = provider;
  a.wire = wire;
  a.model = model;
  a.key_index = 1;
  a.cls = cls;
  a.latency = latency;
  return a;
}

size_t words(const std::string& s) {
  std::istringstream in(s);
  std::string w;
  size_t n = 0;
  while (in >> w) ++n;
  return n;
}

constexpr const char* kGroqModel = "llama-3.3-70b-versatile";
const std::vector<std::string> kGroqOk{"chat", "groq", kGroqModel, ""};

TEST(GenAiMetrics, ProviderNamesAreTheSemanticConventionsValues) {
  EXPECT_STREQ(genai_provider_name("groq", WireKind::openai), "groq");
  EXPECT_STREQ(genai_provider_name("gemini", WireKind::gemini), "gcp.gemini");
  EXPECT_STREQ(genai_provider_name("mistral", WireKind::openai), "mistral_ai");
  EXPECT_STREQ(genai_provider_name("together", WireKind::openai), "openai");
  EXPECT_STREQ(genai_provider_name("vertex-proxy", WireKind::gemini), "gcp.gemini");
}

TEST(GenAiMetrics, BucketsAreTheSpecsBoundaries) {
  EXPECT_EQ(kGenAiDurationBuckets.front(), 0.01);
  EXPECT_EQ(kGenAiDurationBuckets.back(), 81.92);
  for (size_t i = 1; i < kGenAiDurationBuckets.size(); ++i)
    EXPECT_DOUBLE_EQ(kGenAiDurationBuckets[i], kGenAiDurationBuckets[i - 1] * 2);
  EXPECT_EQ(kGenAiTokenBuckets.front(), 1);
  EXPECT_EQ(kGenAiTokenBuckets.back(), 67108864);
  for (size_t i = 1; i < kGenAiTokenBuckets.size(); ++i)
    EXPECT_DOUBLE_EQ(kGenAiTokenBuckets[i], kGenAiTokenBuckets[i - 1] * 4);
}

TEST(GenAiMetrics, EachCallIsOneDurationObservationWithErrorTypeOnlyOnFailures) {
  GenAiMetrics m;
  RouteOutcome out;
  out.kind = RouteOutcome::Kind::provider;
  out.attempts = {call("groq", WireKind::openai, kGroqModel, ErrorClass::auth, milliseconds(15)),
                  call("groq", WireKind::openai, kGroqModel, ErrorClass::ok, milliseconds(300))};
  m.record("chat", out, milliseconds(400));

  const auto* failed = m.find("gen_ai_client_operation_duration_seconds", {"chat", "groq", kGroqModel, "auth"});
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->count, 1u);
  EXPECT_DOUBLE_EQ(failed->sum, 0.015);
  EXPECT_EQ(failed->buckets[1], 1u);  // 0.015 s is in (0.01, 0.02]
  const auto* ok = m.find("gen_ai_client_operation_duration_seconds", kGroqOk);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->count, 1u);
  EXPECT_EQ(ok->buckets[5], 1u);  // 0.3 s is in (0.16, 0.32]

  std::string text = m.prometheus();
  EXPECT_EQ(sample(text,
                   "gen_ai_client_operation_duration_seconds_bucket{gen_ai_operation_name=\"chat\","
                   "gen_ai_provider_name=\"groq\",gen_ai_request_model=\"llama-3.3-70b-versatile\","
                   "error_type=\"auth\",le=\"0.01\"}"),
            0);
  EXPECT_EQ(sample(text,
                   "gen_ai_client_operation_duration_seconds_bucket{gen_ai_operation_name=\"chat\","
                   "gen_ai_provider_name=\"groq\",gen_ai_request_model=\"llama-3.3-70b-versatile\","
                   "error_type=\"auth\",le=\"0.02\"}"),
            1);
  // The success carries no error_type label at all.
  EXPECT_EQ(sample(text,
                   "gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name=\"chat\","
                   "gen_ai_provider_name=\"groq\",gen_ai_request_model=\"llama-3.3-70b-versatile\"}"),
            1);
  EXPECT_EQ(sample(text,
                   "gen_ai_client_operation_duration_seconds_bucket{gen_ai_operation_name=\"chat\","
                   "gen_ai_provider_name=\"groq\",gen_ai_request_model=\"llama-3.3-70b-versatile\","
                   "le=\"+Inf\"}"),
            1);
  EXPECT_EQ(text.find("error_type=\"\""), std::string::npos);

  // The router's own time: 400 ms minus 315 ms of calls.
  const auto* overhead = m.find("keyward_overhead_seconds", {"chat"});
  ASSERT_NE(overhead, nullptr);
  EXPECT_NEAR(overhead->sum, 0.085, 1e-12);
}

TEST(GenAiMetrics, TokenUsageOnlyWhenTheProviderReportedIt) {
  GenAiMetrics m;
  RouteOutcome out;
  out.kind = RouteOutcome::Kind::provider;
  out.attempts = {call("gemini", WireKind::gemini, "gemini-1.5-flash", ErrorClass::ok, milliseconds(50))};
  out.answer.prompt_tokens = 5;
  out.answer.completion_tokens = 300;
  m.record("openai", out, milliseconds(50));
  const auto* in = m.find("gen_ai_client_token_usage", {"chat", "gcp.gemini", "gemini-1.5-flash", "input"});
  const auto* outp = m.find("gen_ai_client_token_usage", {"chat", "gcp.gemini", "gemini-1.5-flash", "output"});
  ASSERT_TRUE(in && outp);
  EXPECT_EQ(in->sum, 5);
  EXPECT_EQ(in->buckets[2], 1u);  // (4, 16]
  EXPECT_EQ(outp->sum, 300);
  EXPECT_EQ(outp->buckets[5], 1u);  // (256, 1024]

  RouteOutcome silent = out;  // no usage fields in the answer
  silent.answer.prompt_tokens = silent.answer.completion_tokens = 0;
  m.record("openai", silent, milliseconds(50));
  EXPECT_EQ(m.find("gen_ai_client_token_usage", {"chat", "gcp.gemini", "gemini-1.5-flash", "input"})->count, 1u);
  // An emergency answer used no tokens, even with a stale answer around.
  RouteOutcome emergency;
  emergency.kind = RouteOutcome::Kind::cache;
  emergency.answer.prompt_tokens = 9;
  emergency.attempts = {
      call("gemini", WireKind::gemini, "gemini-1.5-flash", ErrorClass::provider_outage, milliseconds(10))};
  m.record("openai", emergency, milliseconds(20));
  EXPECT_EQ(m.find("gen_ai_client_token_usage", {"chat", "gcp.gemini", "gemini-1.5-flash", "input"})->count, 1u);
}

TEST(GenAiMetrics, ModelLabelsAreCappedAndTheRestFoldIntoOther) {
  GenAiMetrics m;
  for (size_t i = 0; i < GenAiMetrics::kMaxModels + 5; ++i) {
    RouteOutcome out;
    out.kind = RouteOutcome::Kind::provider;
    out.attempts = {call("together", WireKind::openai, "model-" + std::to_string(i), ErrorClass::ok, milliseconds(1))};
    m.record("chat", out, milliseconds(1));
  }
  EXPECT_NE(m.find("gen_ai_client_operation_duration_seconds", {"chat", "openai", "model-0", ""}), nullptr);
  std::string last_kept = "model-" + std::to_string(GenAiMetrics::kMaxModels - 1);
  EXPECT_NE(m.find("gen_ai_client_operation_duration_seconds", {"chat", "openai", last_kept, ""}), nullptr);
  std::string first_folded = "model-" + std::to_string(GenAiMetrics::kMaxModels);
  EXPECT_EQ(m.find("gen_ai_client_operation_duration_seconds", {"chat", "openai", first_folded, ""}), nullptr);
  const auto* other = m.find("gen_ai_client_operation_duration_seconds", {"chat", "openai", "other", ""});
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->count, 5u);
}

TEST(GenAiMetrics, OverheadIsNeverNegative) {
  RouteOutcome out;
  out.attempts = {call("groq", WireKind::openai, kGroqModel, ErrorClass::ok, milliseconds(30))};
  EXPECT_EQ(router_overhead(out, milliseconds(20)), MonoTime{0});
  EXPECT_EQ(router_overhead(out, milliseconds(45)), milliseconds(15));
}

// Through the Service, against the fakes.

TEST(GenAiMetricsService, ScrapeHasTheHistogramsAndTheFakesUsage) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
  - {name: gemini, kind: gemini, keys: {AIza-GOOD-0123456789: valid}}
)");
  auto o = h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\nGEMINI_API_KEY_1=AIza-GOOD-0123456789\n");
  o.validate_on_start = false;
  h.start_service(std::move(o));
  // Before any request the names are there (HELP and TYPE).
  std::string before = h.get("/metrics")->body;
  for (const char* name :
       {"gen_ai_client_operation_duration_seconds", "gen_ai_client_token_usage", "keyward_overhead_seconds"})
    EXPECT_NE(before.find(std::string("# TYPE ") + name + " histogram\n"), std::string::npos) << name;

  auto r = h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"one two three four"}]})");
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_json(r);
  std::string content = j["choices"][0]["message"]["content"];
  // The fake Groq counts words: 4 of the message + 3 for its framing; the answer's words.
  const double input = 7, output = static_cast<double>(words(content));
  ASSERT_GT(output, 0);
  EXPECT_EQ(j["usage"]["prompt_tokens"], input);

  std::string t = h.get("/metrics")->body;
  const std::string groq =
      "{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"groq\","
      "gen_ai_request_model=\"llama-3.3-70b-versatile\"";
  EXPECT_EQ(sample(t, "gen_ai_client_operation_duration_seconds_count" + groq + "}"), 1) << t;
  EXPECT_EQ(sample(t, "gen_ai_client_operation_duration_seconds_bucket" + groq + ",le=\"+Inf\"}"), 1);
  EXPECT_GE(sample(t, "gen_ai_client_operation_duration_seconds_sum" + groq + "}").value_or(-1), 0);
  EXPECT_EQ(sample(t, "gen_ai_client_token_usage_count" + groq + ",gen_ai_token_type=\"input\"}"), 1);
  EXPECT_EQ(sample(t, "gen_ai_client_token_usage_sum" + groq + ",gen_ai_token_type=\"input\"}"), input);
  EXPECT_EQ(sample(t, "gen_ai_client_token_usage_bucket" + groq + ",gen_ai_token_type=\"input\",le=\"4\"}"), 0);
  EXPECT_EQ(sample(t, "gen_ai_client_token_usage_bucket" + groq + ",gen_ai_token_type=\"input\",le=\"16\"}"), 1);
  EXPECT_EQ(sample(t, "gen_ai_client_token_usage_sum" + groq + ",gen_ai_token_type=\"output\"}"), output);
  EXPECT_EQ(sample(t, "keyward_overhead_seconds_count{route=\"openai\"}"), 1);

  // Gemini's usageMetadata: no framing tokens in the fake's count.
  h.world->provider("groq")->set_key_state("sk-proj-GOOD-AAA-0123", fakes::KeyState::revoked);
  r = h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"five six seven"}]})");
  ASSERT_EQ(r->status, 200) << r->body;
  content = body_json(r)["choices"][0]["message"]["content"];
  t = h.get("/metrics")->body;
  const std::string gemini =
      "{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"gcp.gemini\","
      "gen_ai_request_model=\"gemini-1.5-flash\"";
  EXPECT_EQ(sample(t, "gen_ai_client_token_usage_sum" + gemini + ",gen_ai_token_type=\"input\"}"), 3) << t;
  EXPECT_EQ(sample(t, "gen_ai_client_token_usage_sum" + gemini + ",gen_ai_token_type=\"output\"}"),
            static_cast<double>(words(content)));
  // The revoked Groq key's call is a failure with its class.
  EXPECT_EQ(sample(t, "gen_ai_client_operation_duration_seconds_count" + groq + ",error_type=\"auth\"}"), 1) << t;
  EXPECT_EQ(sample(t, "gen_ai_client_operation_duration_seconds_count" + groq + "}"), 1);
}

TEST(GenAiMetricsService, StreamedGroqUsageComesFromXGroq) {
  Harness h;
  h.start_one_good_groq();
  auto r = h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"stream me two"}],"stream":true})");
  ASSERT_EQ(r->status, 200) << r->body;
  std::string t = h.get("/metrics")->body;
  const std::string groq =
      "{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"groq\","
      "gen_ai_request_model=\"llama-3.3-70b-versatile\"";
  EXPECT_EQ(sample(t, "gen_ai_client_token_usage_sum" + groq + ",gen_ai_token_type=\"input\"}"), 6) << t;
  EXPECT_GT(sample(t, "gen_ai_client_token_usage_sum" + groq + ",gen_ai_token_type=\"output\"}").value_or(0), 0);
  EXPECT_EQ(sample(t, "keyward_overhead_seconds_count{route=\"openai_stream\"}"), 1);
}

}  // namespace
}  // namespace keyward::http::test
