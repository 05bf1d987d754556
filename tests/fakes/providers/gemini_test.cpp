// Gemini: generateContent shape, SSE without [DONE] and with CRLF framing,
// key in header or ?key=, google.rpc errors.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(Gemini, GenerateContentShape) {
  Fake fake(ProviderKind::gemini);
  auto r = fake.chat(kGoodKey, "Explain quantum tunnelling");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = json_of(r);
  EXPECT_EQ(j["candidates"][0]["content"]["role"], "model");
  EXPECT_EQ(j["candidates"][0]["finishReason"], "STOP");
  EXPECT_NE(j["candidates"][0]["content"]["parts"][0]["text"].get<std::string>().find(
                "Explain quantum tunnelling"),
            std::string::npos);
  EXPECT_TRUE(j["usageMetadata"]["totalTokenCount"].is_number());
  EXPECT_EQ(j["modelVersion"], "gemini-1.5-flash");
  EXPECT_FALSE(r->has_header("x-ratelimit-limit-requests"));
}

TEST(Gemini, KeyInQueryParameterIsAccepted) {
  Fake fake(ProviderKind::gemini);
  auto r = fake.client->Post(
      (std::string("/v1beta/models/gemini-1.5-flash:generateContent?key=") + kGoodKey).c_str(),
      chat_body(ProviderKind::gemini, "hi", false), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // The journal never holds the raw key, even when it came in the URL.
  auto j = fake.provider->journal();
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].key, mask_key(kGoodKey));
  EXPECT_EQ(j[0].path.find(kGoodKey), std::string::npos);
}

TEST(Gemini, SseStreamHasNoDoneAndEndsWithFinishReason) {
  Fake fake(ProviderKind::gemini);
  auto r = fake.chat(kGoodKey, "Stream me a reply please", true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_EQ(r->body.find("[DONE]"), std::string::npos);
  EXPECT_NE(r->body.find("\r\n\r\n"), std::string::npos);
  auto frames = sse_data(r->body);
  ASSERT_GE(frames.size(), 2u);
  std::string text;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto j = nlohmann::json::parse(frames[i]);
    text += j["candidates"][0]["content"]["parts"][0]["text"].get<std::string>();
    EXPECT_EQ(j["candidates"][0].contains("finishReason"), i + 1 == frames.size());
  }
  auto whole = json_of(fake.chat(kGoodKey, "Stream me a reply please"));
  EXPECT_EQ(text, whole["candidates"][0]["content"]["parts"][0]["text"]);
}

TEST(Gemini, StreamWithoutAltSseIsAJsonArray) {
  Fake fake(ProviderKind::gemini);
  auto r = fake.client->Post("/v1beta/models/gemini-1.5-flash:streamGenerateContent",
                             auth_headers(ProviderKind::gemini, kGoodKey),
                             chat_body(ProviderKind::gemini, "one two three four five", false),
                             "application/json");
  ASSERT_TRUE(r);
  auto j = json_of(r);
  ASSERT_TRUE(j.is_array()) << r->body;
  EXPECT_EQ(j.back()["candidates"][0]["finishReason"], "STOP");
}

TEST(Gemini, ModelsListIsTheValidationPing) {
  Fake fake(ProviderKind::gemini);
  auto j = json_of(fake.models(kGoodKey));
  EXPECT_EQ(j["models"][0]["name"], "models/gemini-1.5-flash");
  EXPECT_EQ(j["models"][0]["supportedGenerationMethods"][0], "generateContent");
  EXPECT_FALSE(j.contains("nextPageToken"));
}

TEST(Gemini, BadRequestsGetInvalidArgument) {
  Fake fake(ProviderKind::gemini);
  auto h = auth_headers(ProviderKind::gemini, kGoodKey);
  auto path = "/v1beta/models/gemini-1.5-flash:generateContent";
  auto r = fake.client->Post(path, h, "{oops", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json_of(r)["error"]["status"], "INVALID_ARGUMENT");
  r = fake.client->Post(path, h, R"({"generationConfig":{}})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(json_of(r)["error"]["message"].get<std::string>().find("contents"), std::string::npos);
}

TEST(Gemini, QuotaErrorCarriesRetryInfo) {
  auto opts = options_for(ProviderKind::gemini);
  opts.keys["AIza-EXHAUSTED-0000000"] = KeySpec{KeyState::quota_exhausted, -1, std::nullopt};
  Fake fake(opts);
  auto j = json_of(fake.chat("AIza-EXHAUSTED-0000000"));
  EXPECT_EQ(j["error"]["status"], "RESOURCE_EXHAUSTED");
  bool retry = false;
  for (auto& d : j["error"]["details"]) {
    if (d["@type"] == "type.googleapis.com/google.rpc.RetryInfo") {
      retry = true;
      // 08:00 UTC: 16 hours to midnight.
      EXPECT_EQ(d["retryDelay"], "57600s");
    }
  }
  EXPECT_TRUE(retry);
}

}  // namespace
}  // namespace keyward::fakes::testing
