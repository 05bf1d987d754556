// Every key state against every provider kind: status, body shape, headers.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

struct Case {
  ProviderKind kind;
  KeyState state;
  int status;
  const char* pointer;   // JSON pointer into the body
  const char* expected;  // its value, or a substring for strings
  const char* header;    // a header that must be present ("" = none)
};

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  return std::string(to_string(info.param.kind)) + "_" + to_string(info.param.state);
}

class KeyStates : public ::testing::TestWithParam<Case> {};

TEST_P(KeyStates, AnswersWithTheProvidersOwnError) {
  const Case& c = GetParam();
  auto opts = options_for(c.kind);
  opts.keys["sk-proj-UNDER-TEST-AAA"] = KeySpec{c.state, -1, std::nullopt};
  Fake fake(opts);
  auto r = fake.chat("sk-proj-UNDER-TEST-AAA");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, c.status) << r->body;
  auto j = json_of(r);
  ASSERT_FALSE(j.is_discarded()) << r->body;
  auto v = j.value(nlohmann::json::json_pointer(c.pointer), nlohmann::json());
  if (v.is_string()) {
    EXPECT_NE(v.get<std::string>().find(c.expected), std::string::npos) << r->body;
  } else {
    EXPECT_EQ(v.dump(), c.expected) << r->body;
  }
  if (*c.header) {
    EXPECT_TRUE(r->has_header(c.header)) << c.header;
  }
  // Raw keys never appear in an answer.
  EXPECT_EQ(r->body.find("sk-proj-UNDER-TEST-AAA"), std::string::npos);
}

const Case kCases[] = {
    // Groq
    {ProviderKind::groq, KeyState::invalid, 401, "/error/code", "invalid_api_key",
     "x-ratelimit-limit-requests"},
    {ProviderKind::groq, KeyState::expired, 401, "/error/message", "Invalid API Key", ""},
    {ProviderKind::groq, KeyState::revoked, 401, "/error/code", "invalid_api_key", ""},
    {ProviderKind::groq, KeyState::leaked, 401, "/error/code", "invalid_api_key", ""},
    {ProviderKind::groq, KeyState::suspended, 400, "/error/code", "organization_restricted", ""},
    {ProviderKind::groq, KeyState::quota_exhausted, 429, "/error/message", "requests per day (RPD)",
     "retry-after"},
    {ProviderKind::groq, KeyState::rate_limited, 429, "/error/message", "requests per minute (RPM)",
     "retry-after"},
    // Gemini
    {ProviderKind::gemini, KeyState::invalid, 400, "/error/details/0/reason", "API_KEY_INVALID",
     ""},
    {ProviderKind::gemini, KeyState::revoked, 400, "/error/status", "INVALID_ARGUMENT", ""},
    {ProviderKind::gemini, KeyState::expired, 400, "/error/message",
     "API key expired. Please renew the API key.", ""},
    {ProviderKind::gemini, KeyState::leaked, 403, "/error/message", "reported as leaked", ""},
    {ProviderKind::gemini, KeyState::suspended, 403, "/error/status", "PERMISSION_DENIED", ""},
    {ProviderKind::gemini, KeyState::quota_exhausted, 429, "/error/details/0/violations/0/quotaId",
     "PerDay", ""},
    {ProviderKind::gemini, KeyState::rate_limited, 429, "/error/details/0/violations/0/quotaId",
     "PerMinute", ""},
    // Mistral (variant 0 shapes)
    {ProviderKind::mistral, KeyState::invalid, 401, "/detail", "Unauthorized",
     "x-ratelimit-limit-req-minute"},
    {ProviderKind::mistral, KeyState::expired, 401, "/detail", "Unauthorized", ""},
    {ProviderKind::mistral, KeyState::revoked, 401, "/detail", "Unauthorized", ""},
    {ProviderKind::mistral, KeyState::leaked, 401, "/detail", "Unauthorized", ""},
    {ProviderKind::mistral, KeyState::suspended, 401, "/detail", "Unauthorized", ""},
    {ProviderKind::mistral, KeyState::quota_exhausted, 429, "/message",
     "Requests rate limit exceeded", ""},
    {ProviderKind::mistral, KeyState::rate_limited, 429, "/message", "Requests rate limit exceeded",
     ""},
    // OpenAI
    {ProviderKind::openai, KeyState::invalid, 401, "/error/code", "invalid_api_key",
     "x-ratelimit-limit-requests"},
    {ProviderKind::openai, KeyState::expired, 401, "/error/message",
     "Incorrect API key provided: sk-proj-...AAA", ""},
    {ProviderKind::openai, KeyState::revoked, 401, "/error/code", "invalid_api_key", ""},
    {ProviderKind::openai, KeyState::leaked, 401, "/error/code", "invalid_api_key", ""},
    {ProviderKind::openai, KeyState::suspended, 401, "/error/code", "account_deactivated", ""},
    {ProviderKind::openai, KeyState::quota_exhausted, 429, "/error/code", "insufficient_quota", ""},
    {ProviderKind::openai, KeyState::rate_limited, 429, "/error/code", "rate_limit_exceeded",
     "retry-after"},
};

INSTANTIATE_TEST_SUITE_P(AllKinds, KeyStates, ::testing::ValuesIn(kCases), name_of);

class ValidKey : public ::testing::TestWithParam<ProviderKind> {};

TEST_P(ValidKey, ChatAndModelsSucceed) {
  Fake fake(GetParam());
  auto r = fake.chat(kGoodKey);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  auto m = fake.models(kGoodKey);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200) << m->body;
}

TEST_P(ValidKey, UnlistedKeysGetTheDefaultState) {
  Fake fake(GetParam());
  auto r = fake.chat("some-unknown-key-1234567");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, GetParam() == ProviderKind::gemini ? 400 : 401);
  fake.provider->set_default_key_state(KeyState::valid);
  EXPECT_EQ(fake.chat("some-unknown-key-1234567")->status, 200);
}

TEST_P(ValidKey, ModelsPingFailsForBadKeysButNotForExhaustedOnes) {
  auto opts = options_for(GetParam());
  opts.keys["exhausted-key-0123456789"] = KeySpec{KeyState::quota_exhausted, -1, std::nullopt};
  Fake fake(opts);
  EXPECT_EQ(fake.models("exhausted-key-0123456789")->status, 200);
  EXPECT_NE(fake.models("bad-key-0123456789abcdef")->status, 200);
}

TEST_P(ValidKey, MissingKeyIsRejected) {
  Fake fake(GetParam());
  auto r = fake.chat("");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, GetParam() == ProviderKind::gemini ? 403 : 401) << r->body;
}

INSTANTIATE_TEST_SUITE_P(AllKinds, ValidKey,
                         ::testing::Values(ProviderKind::groq, ProviderKind::gemini,
                                           ProviderKind::mistral, ProviderKind::openai),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace keyward::fakes::testing
