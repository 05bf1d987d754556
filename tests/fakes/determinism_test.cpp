// Answers are a function of (provider name, seed, prompt): a scenario can
// assert on content, and two runs give the same bytes.
#include <gtest/gtest.h>

#include "fakes/providers/wire.h"
#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(Determinism, SameSeedSameAnswerAcrossRuns) {
  std::string first, second;
  {
    Fake fake(ProviderKind::openai);
    first = fake.chat(kGoodKey, "What is the capital of France?")->body;
  }
  {
    Fake fake(ProviderKind::openai);
    second = fake.chat(kGoodKey, "What is the capital of France?")->body;
  }
  EXPECT_EQ(first, second);  // ids and timestamps included (SimClock, seed)
}

TEST(Determinism, ContentIsThePublishedFunction) {
  Fake fake(ProviderKind::groq);
  auto j = json_of(fake.chat(kGoodKey, "Help me fix this bug"));
  EXPECT_EQ(j["choices"][0]["message"]["content"], answer_text("groq", 7, "Help me fix this bug"));
  EXPECT_NE(answer_text("groq", 7, "a b c"), answer_text("groq", 8, "a b c"));
  EXPECT_NE(answer_text("groq", 7, "a b c"), answer_text("gemini", 7, "a b c"));
  EXPECT_NE(answer_text("groq", 7, "Help me fix"), answer_text("groq", 7, "Help me fix it"));
  EXPECT_NE(answer_text("groq", 7, "Help me fix this bug").find("\"Help me fix\""),
            std::string::npos);
}

}  // namespace
}  // namespace keyward::fakes::testing
