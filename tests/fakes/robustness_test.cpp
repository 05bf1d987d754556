// Hostile input never crashes a fake or breaks its JSON: odd types, invalid
// UTF-8 in paths and keys, unknown routes — each answered in the provider's shape.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

class Robustness : public ::testing::TestWithParam<ProviderKind> {};

TEST_P(Robustness, OddBodiesGetJsonAnswers) {
  Fake fake(GetParam());
  const char* bodies[] = {
      "",
      "null",
      "42",
      "[]",
      R"({"messages":"hi"})",
      R"({"messages":[1,2,3]})",
      R"({"messages":[{"role":5,"content":{"x":1}}],"stream":"yes","stream_options":{"include_usage":"no"}})",
      R"({"contents":"hi"})",
      R"({"contents":[{"role":7,"parts":"x"}]})",
      R"({"contents":[{"parts":[{"text":9}]}]})",
  };
  for (const char* body : bodies) {
    auto r = fake.client->Post(chat_path(*fake.provider, false).c_str(),
                               auth_headers(GetParam(), kGoodKey), body, "application/json");
    ASSERT_TRUE(r) << body;
    EXPECT_TRUE(r->status == 200 || (r->status >= 400 && r->status < 500))
        << body << " " << r->status;
    EXPECT_FALSE(json_of(r).is_discarded()) << body << " -> " << r->body;
  }
}

TEST_P(Robustness, InvalidUtf8InPathAndKey) {
  Fake fake(GetParam());
  std::string bad_key = "sk-\xff\xfe-bad-key-with-bytes-\xc3";
  std::string req =
      "POST " + chat_path(*fake.provider, false) + "%FF%FE HTTP/1.1\r\nHost: x\r\n" +
      (GetParam() == ProviderKind::gemini ? "x-goog-api-key: " : "Authorization: Bearer ") +
      bad_key + "\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}";
  auto r = raw_exchange(fake.provider->port(), req);
  auto body_at = r.data.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos) << r.data;
  EXPECT_NE(r.data.find(" 404 "), std::string::npos) << r.data;
  // The key reaches the answer path for a real route too.
  auto r2 = fake.chat(bad_key);
  ASSERT_TRUE(r2);
  EXPECT_FALSE(json_of(r2).is_discarded()) << r2->body;
  auto journal = fake.client->Get("/_fake/journal");
  ASSERT_TRUE(journal);
  EXPECT_EQ(journal->status, 200);
  EXPECT_FALSE(json_of(journal).is_discarded());
  EXPECT_EQ(fake.client->Get("/_fake/\xff")->status, 404);
}

INSTANTIATE_TEST_SUITE_P(AllKinds, Robustness,
                         ::testing::Values(ProviderKind::groq, ProviderKind::gemini,
                                           ProviderKind::mistral, ProviderKind::openai),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace keyward::fakes::testing
