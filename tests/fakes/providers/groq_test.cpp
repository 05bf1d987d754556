// Groq: success shape, SSE framing with [DONE], x-ratelimit-* headers, routes.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(Groq, ChatCompletionHasTheOpenAiShapePlusXGroq) {
  Fake fake(ProviderKind::groq);
  auto r = fake.chat(kGoodKey, "Help me fix this bug");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  auto j = json_of(r);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_NE(j["choices"][0]["message"]["content"].get<std::string>().find("\"Help me fix\""),
            std::string::npos);
  EXPECT_TRUE(j["usage"]["total_tokens"].is_number());
  EXPECT_TRUE(j["x_groq"]["id"].is_string());
  EXPECT_EQ(j["created"], unix_seconds(at("2025-11-18T08:00:00Z")));
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
}

TEST(Groq, RateLimitHeadersOnEveryAnswer) {
  auto opts = options_for(ProviderKind::groq);
  opts.limits.requests_per_day = 1000;
  Fake fake(opts);
  for (auto* key : {kGoodKey, "sk-bad-key-000000000"}) {
    auto r = fake.chat(key);
    ASSERT_TRUE(r);
    for (auto* h : {"x-ratelimit-limit-requests", "x-ratelimit-limit-tokens",
                    "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens",
                    "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"}) {
      EXPECT_TRUE(r->has_header(h)) << key << " " << h;
    }
  }
  auto r = fake.chat(kGoodKey);
  EXPECT_EQ(r->get_header_value("x-ratelimit-limit-requests"), "1000");
  EXPECT_EQ(r->get_header_value("x-ratelimit-remaining-requests"), "998");
  EXPECT_FALSE(r->has_header("retry-after"));
}

TEST(Groq, StreamingEndsWithDone) {
  Fake fake(ProviderKind::groq);
  auto r = fake.chat(kGoodKey, "Stream me a reply please", true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_EQ(r->body.find("\r\n"), std::string::npos);  // OpenAI framing: LF only
  auto frames = sse_data(r->body);
  ASSERT_GE(frames.size(), 4u);
  EXPECT_EQ(frames.back(), "[DONE]");
  std::string content;
  nlohmann::json last;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    auto j = nlohmann::json::parse(frames[i]);
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    content += j["choices"][0]["delta"].value("content", "");
    last = j;
  }
  EXPECT_EQ(last["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(last["x_groq"]["usage"]["total_tokens"].is_number());
  // The streamed content equals the non-streamed answer.
  auto whole = json_of(fake.chat(kGoodKey, "Stream me a reply please"));
  EXPECT_EQ(content, whole["choices"][0]["message"]["content"]);
}

TEST(Groq, ModelsListsTheConfiguredModel) {
  auto opts = options_for(ProviderKind::groq);
  opts.model = "llama-3.1-8b-instant";
  Fake fake(opts);
  auto j = json_of(fake.models(kGoodKey));
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["data"][0]["id"], "llama-3.1-8b-instant");
  EXPECT_EQ(j["data"][0]["owned_by"], "Meta");
}

TEST(Groq, BadRequestsGetGroqs400) {
  Fake fake(ProviderKind::groq);
  auto h = auth_headers(ProviderKind::groq, kGoodKey);
  auto r = fake.client->Post("/openai/v1/chat/completions", h, "{not json", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json_of(r)["error"]["type"], "invalid_request_error");
  r = fake.client->Post("/openai/v1/chat/completions", h, R"({"model":"x"})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(json_of(r)["error"]["message"].get<std::string>().find("messages"), std::string::npos);
}

TEST(Groq, UnknownPathsAre404s) {
  Fake fake(ProviderKind::groq);
  auto r = fake.client->Get("/openai/v1/nope", auth_headers(ProviderKind::groq, kGoodKey));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json_of(r)["error"]["code"], "unknown_url");
  // The real prefix only: /v1/chat/completions is not Groq's.
  EXPECT_EQ(fake.client
                ->Post("/v1/chat/completions", auth_headers(ProviderKind::groq, kGoodKey),
                       chat_body(ProviderKind::groq, "hi", false), "application/json")
                ->status,
            404);
}

}  // namespace
}  // namespace keyward::fakes::testing
