// OpenAI: insufficient_quota vs rate_limit_exceeded, include_usage, 400s.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(OpenAi, IncludeUsageAddsAUsageChunkBeforeDone) {
  Fake fake(ProviderKind::openai);
  auto body = nlohmann::json{{"model", "gpt-4o-mini"},
                             {"messages", {{{"role", "user"}, {"content", "count to three"}}}},
                             {"stream", true},
                             {"stream_options", {{"include_usage", true}}}};
  auto r = fake.client->Post("/v1/chat/completions", auth_headers(ProviderKind::openai, kGoodKey),
                             body.dump(), "application/json");
  ASSERT_EQ(r->status, 200);
  auto frames = sse_data(r->body);
  ASSERT_GE(frames.size(), 3u);
  EXPECT_EQ(frames.back(), "[DONE]");
  auto usage = nlohmann::json::parse(frames[frames.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_TRUE(usage["usage"]["total_tokens"].is_number());
  auto last = nlohmann::json::parse(frames[frames.size() - 3]);
  EXPECT_EQ(last["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(last["model"], "gpt-4o-mini");
}

TEST(OpenAi, MalformedJsonAndMissingMessages) {
  Fake fake(ProviderKind::openai);
  auto h = auth_headers(ProviderKind::openai, kGoodKey);
  auto r = fake.client->Post("/v1/chat/completions", h, "[1,", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(json_of(r)["error"]["message"].get<std::string>().find("could not parse the JSON"),
            std::string::npos);
  r = fake.client->Post("/v1/chat/completions", h, R"({"messages":[]})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json_of(r)["error"]["param"], "messages");
}

TEST(OpenAi, ContentPartsArePrompts) {
  Fake fake(ProviderKind::openai);
  auto body = nlohmann::json{
      {"messages",
       {{{"role", "system"}, {"content", "be brief"}},
        {{"role", "user"}, {"content", {{{"type", "text"}, {"text", "Parts work too"}}}}}}}};
  auto r = fake.client->Post("/v1/chat/completions", auth_headers(ProviderKind::openai, kGoodKey),
                             body.dump(), "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("Parts work too"), std::string::npos);
}

}  // namespace
}  // namespace keyward::fakes::testing
