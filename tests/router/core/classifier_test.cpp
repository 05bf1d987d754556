#include "router/core/classifier.h"

#include <gtest/gtest.h>

#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using test::at;
using test::http;

struct Row {
  const char* name;
  AttemptResult result;
  ErrorClass expected;
  const char* message;    // substring of the extracted provider text ("" = skip)
  int64_t wait_ms;        // expected usable_at - now; -1 = none, -2 = next midnight
};

AttemptResult transport(TransportError e) {
  AttemptResult r;
  r.transport = e;
  return r;
}

const char* kGroq429Rpm =
    R"J({"error":{"message":"Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_1` service tier `on_demand` on requests per minute (RPM): Limit 30, Used 30, Requested 1. Please try again in 2s. Visit https://console.groq.com/docs/rate-limits","type":"requests","code":"rate_limit_exceeded"}})J";
const char* kGroq429Rpd =
    R"J({"error":{"message":"Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_1` service tier `on_demand` on requests per day (RPD): Limit 1000, Used 1000, Requested 1. Please try again in 6m7.2s.","type":"requests","code":"rate_limit_exceeded"}})J";
const char* kGroq429Tpd =
    R"J({"error":{"message":"Rate limit reached ... on tokens per day (TPD): Limit 500000, Used 499990, Requested 120. Please try again in 1m2s.","type":"tokens","code":"rate_limit_exceeded"}})J";
const char* kGeminiQuotaDay =
    R"J({"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaValue":"25"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"5s"}]}})J";
const char* kGeminiQuotaMinute =
    R"J({"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}})J";

const Row kRows[] = {
    // auth
    {"groq_401", test::groq_401(), ErrorClass::auth, "Invalid API Key", -1},
    {"mistral_401_detail", http(401, R"J({"detail":"Unauthorized"})J"), ErrorClass::auth, "Unauthorized", -1},
    {"mistral_401_message", test::mistral_401(), ErrorClass::auth, "Unauthorized", -1},
    {"openai_401_invalid_api_key", http(401, R"J({"error":{"message":"Incorrect API key provided: sk-...","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})J"),
     ErrorClass::auth, "Incorrect API key", -1},
    {"openai_account_deactivated", http(403, R"J({"error":{"message":"This key is associated with a deactivated account.","type":"invalid_request_error","code":"account_deactivated"}})J"),
     ErrorClass::auth, "deactivated", -1},
    {"gemini_400_api_key_invalid", test::gemini_400_invalid(), ErrorClass::auth,
     "API key not valid. Please pass a valid API key.", -1},
    {"gemini_400_expired", http(400, R"J({"error":{"code":400,"message":"API key expired. Please renew the API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}})J"),
     ErrorClass::auth, "API key expired", -1},
    {"gemini_403_leaked", http(403, R"J({"error":{"code":403,"message":"Your API key was reported as leaked. Please use another API key.","status":"PERMISSION_DENIED"}})J"),
     ErrorClass::auth, "leaked", -1},
    {"gemini_403_suspended", http(403, R"J({"error":{"code":403,"message":"Permission denied: Consumer 'api_key:AIza...' has been suspended.","status":"PERMISSION_DENIED"}})J"),
     ErrorClass::auth, "suspended", -1},
    {"gemini_403_unregistered", http(403, R"J({"error":{"code":403,"message":"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.","status":"PERMISSION_DENIED"}})J"),
     ErrorClass::auth, "unregistered callers", -1},
    {"groq_400_organization_restricted", http(400, R"J({"error":{"message":"Organization has been restricted. Please reach out to support if you believe this was in error.","type":"invalid_request_error","code":"organization_restricted"}})J"),
     ErrorClass::auth, "restricted", -1},
    {"401_non_json", http(401, "<html>401 Authorization Required</html>"), ErrorClass::auth, "HTTP 401", -1},
    // quota
    {"openai_insufficient_quota", http(429, R"J({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})J"),
     ErrorClass::quota_exhausted, "exceeded your current quota", -2},
    {"groq_429_rpd", http(429, kGroq429Rpd, {{"retry-after", "368"}}), ErrorClass::quota_exhausted, "(RPD)", -2},
    {"groq_429_tpd", http(429, kGroq429Tpd), ErrorClass::quota_exhausted, "(TPD)", -2},
    {"gemini_429_per_day", http(429, kGeminiQuotaDay), ErrorClass::quota_exhausted, "exceeded your current quota", -2},
    // rate limits, with the advertised wait
    {"groq_429_rpm_retry_after", http(429, kGroq429Rpm, {{"retry-after", "2"}}), ErrorClass::rate_limited, "(RPM)", 2000},
    {"groq_429_rpm_message_wait", http(429, kGroq429Rpm), ErrorClass::rate_limited, "(RPM)", 2000},
    {"groq_try_again_go_duration", http(429, R"J({"error":{"message":"Rate limit reached on tokens per minute (TPM): Please try again in 6m7.2s.","type":"tokens","code":"rate_limit_exceeded"}})J"),
     ErrorClass::rate_limited, "TPM", 367200},
    {"gemini_429_per_minute_retry_delay", http(429, kGeminiQuotaMinute), ErrorClass::rate_limited, "exhausted", 37000},
    {"mistral_429_plain", http(429, R"J({"message":"Requests rate limit exceeded"})J"), ErrorClass::rate_limited, "rate limit", -1},
    {"mistral_429_object", http(429, R"J({"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300"})J"),
     ErrorClass::rate_limited, "Rate limit exceeded", -1},
    {"openai_429_rate_limit_exceeded", http(429, R"J({"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}})J", {{"retry-after", "0.5"}}),
     ErrorClass::rate_limited, "Rate limit reached", 500},
    // provider outage
    {"groq_498_capacity", http(498, R"J({"error":{"message":"Flex tier capacity exceeded","type":"capacity_exceeded","code":"capacity_exceeded"}})J"),
     ErrorClass::provider_outage, "capacity", -1},
    {"groq_500", http(500, R"J({"error":{"message":"Internal Server Error","type":"internal_server_error"}})J"), ErrorClass::provider_outage, "Internal", -1},
    {"groq_502_html", http(502, "<html>Bad Gateway</html>"), ErrorClass::provider_outage, "HTTP 502", -1},
    {"openai_503", test::outage_503(), ErrorClass::provider_outage, "Unavailable", -1},
    {"gemini_503_unavailable", http(503, R"J({"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}})J"),
     ErrorClass::provider_outage, "overloaded", -1},
    {"gemini_500_internal", http(500, R"J({"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}})J"),
     ErrorClass::provider_outage, "internal error", -1},
    {"gemini_504_deadline", http(504, R"J({"error":{"code":504,"message":"Deadline exceeded","status":"DEADLINE_EXCEEDED"}})J"),
     ErrorClass::provider_outage, "Deadline", -1},
    // network
    {"connect_refused", transport(TransportError::connect_failed), ErrorClass::network, "connect_failed", -1},
    {"connection_reset", transport(TransportError::connection_reset), ErrorClass::network, "", -1},
    {"timeout", transport(TransportError::timeout), ErrorClass::network, "timeout", -1},
    {"tls_failure", transport(TransportError::tls), ErrorClass::network, "", -1},
    {"truncated_body", transport(TransportError::truncated_body), ErrorClass::network, "", -1},
    {"malformed_body", transport(TransportError::malformed_body), ErrorClass::network, "", -1},
    // request errors: neither the key nor the provider
    {"groq_413_too_large", http(413, R"J({"error":{"message":"Request too large for model on tokens per minute (TPM)","type":"tokens","code":"rate_limit_exceeded"}})J"),
     ErrorClass::request_error, "too large", -1},
    {"openai_404_model", http(404, R"J({"error":{"message":"The model `gpt-5` does not exist","type":"invalid_request_error","code":"model_not_found"}})J"),
     ErrorClass::request_error, "does not exist", -1},
    {"gemini_400_bad_request", http(400, R"J({"error":{"code":400,"message":"* GenerateContentRequest.contents: contents is not specified","status":"INVALID_ARGUMENT"}})J"),
     ErrorClass::request_error, "contents is not specified", -1},
    {"mistral_422", http(422, R"J({"object":"error","message":"Invalid model","type":"invalid_model","code":"1500"})J"),
     ErrorClass::request_error, "Invalid model", -1},
    // success
    {"ok_200", test::ok_200(), ErrorClass::ok, "", -1},
};

class ClassifierTable : public ::testing::TestWithParam<Row> {};

TEST_P(ClassifierTable, ClassifiesEveryDocumentedSignal) {
  const Row& row = GetParam();
  WallTime now = at("2025-11-18T08:00:15Z");
  auto c = classify(row.result, now);
  EXPECT_EQ(to_string(c.cls), std::string(to_string(row.expected))) << "signal " << c.signal;
  if (*row.message) {
    EXPECT_NE(c.message.find(row.message), std::string::npos) << c.message;
  }
  if (row.wait_ms == -1) {
    if (row.expected != ErrorClass::rate_limited) {
      EXPECT_FALSE(c.usable_at.has_value());
    }
  } else if (row.wait_ms == -2) {
    ASSERT_TRUE(c.usable_at.has_value());
    EXPECT_EQ(format_iso8601(*c.usable_at), "2025-11-19T00:00:00Z");
  } else {
    ASSERT_TRUE(c.usable_at.has_value());
    EXPECT_EQ((*c.usable_at - now).count(), row.wait_ms);
  }
}

INSTANTIATE_TEST_SUITE_P(WireFormats, ClassifierTable, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Classifier, ActionTableMatchesTheErrorPolicy) {
  EXPECT_EQ(policy_for(ErrorClass::auth).key, KeyAction::quarantine);
  EXPECT_FALSE(policy_for(ErrorClass::auth).next_provider);  // the provider's other keys are next
  EXPECT_EQ(policy_for(ErrorClass::quota_exhausted).key, KeyAction::exhaust_until_reset);
  EXPECT_EQ(policy_for(ErrorClass::provider_outage).key, KeyAction::none);  // never blame the key
  EXPECT_TRUE(policy_for(ErrorClass::provider_outage).next_provider);
  EXPECT_EQ(policy_for(ErrorClass::network).provider, ProviderAction::record_failure);
  EXPECT_TRUE(policy_for(ErrorClass::request_error).return_to_caller);
  EXPECT_EQ(policy_for(ErrorClass::request_error).key, KeyAction::none);
}

TEST(Classifier, ProviderTextIsBounded) {
  std::string big(100000, 'x');
  auto c = classify(http(401, R"J({"error":{"message":")" + big + R"J("}})J"), at("2025-01-01"));
  EXPECT_LE(c.message.size(), 503u);
}

}  // namespace
}  // namespace keyward
