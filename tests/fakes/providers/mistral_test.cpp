// Mistral: both real 401 shapes and both real 429 shapes, selectable.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(Mistral, SecondShapesPerKeyVariant) {
  auto opts = options_for(ProviderKind::mistral);
  opts.keys["msk-BAD-variant-one-0"] = KeySpec{KeyState::invalid, 1, std::nullopt};
  opts.keys["msk-LIMIT-variant-one"] = KeySpec{KeyState::rate_limited, 1, std::nullopt};
  Fake fake(opts);
  auto j = json_of(fake.chat("msk-BAD-variant-one-0"));
  EXPECT_EQ(j["message"], "Unauthorized");
  EXPECT_TRUE(j["request_id"].is_string());
  EXPECT_EQ(j["request_id"].get<std::string>().size(), 32u);
  auto r = fake.chat("msk-LIMIT-variant-one");
  EXPECT_EQ(r->status, 429);
  j = json_of(r);
  EXPECT_EQ(j["object"], "error");
  EXPECT_EQ(j["type"], "rate_limited");
  EXPECT_EQ(j["code"], "1300");
}

TEST(Mistral, ProviderWideVariantAndControl) {
  Fake fake(ProviderKind::mistral);
  EXPECT_EQ(json_of(fake.chat("msk-unknown-000000000"))["detail"], "Unauthorized");
  fake.provider->set_error_variant(1);
  EXPECT_EQ(json_of(fake.chat("msk-unknown-000000000"))["message"], "Unauthorized");
  auto r = fake.client->Post("/_fake/error_variant", R"({"variant":0})", "application/json");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json_of(fake.chat("msk-unknown-000000000"))["detail"], "Unauthorized");
  EXPECT_EQ(
      fake.client->Post("/_fake/error_variant", R"({"variant":2})", "application/json")->status,
      400);
}

TEST(Mistral, SuccessAndHeaders) {
  Fake fake(ProviderKind::mistral);
  auto r = fake.chat(kGoodKey);
  ASSERT_EQ(r->status, 200);
  auto j = json_of(r);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_TRUE(r->has_header("x-ratelimit-remaining-req-minute"));
  EXPECT_TRUE(r->has_header("x-ratelimit-limit-tokens-minute"));
  auto s = fake.chat(kGoodKey, "stream this", true);
  EXPECT_EQ(sse_data(s->body).back(), "[DONE]");
}

TEST(Mistral, ModelCardsCarryTheirType) {
  Fake fake(ProviderKind::mistral);
  auto j = json_of(fake.models(kGoodKey));
  EXPECT_EQ(j["data"][0]["id"], "mistral-small-latest");
  EXPECT_EQ(j["data"][0]["type"], "base");  // Mistral's SDKs need it to parse the card
}

TEST(Mistral, MissingMessagesIs422) {
  Fake fake(ProviderKind::mistral);
  auto r = fake.client->Post("/v1/chat/completions", auth_headers(ProviderKind::mistral, kGoodKey),
                             R"({"model":"mistral-small-latest"})", "application/json");
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(json_of(r)["message"]["detail"][0]["loc"][1], "messages");
}

}  // namespace
}  // namespace keyward::fakes::testing
