// status: any code in the provider's own envelope, limited and scoped.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(StatusFault, FirstThreeAre503InEachEnvelope) {
  for (auto kind :
       {ProviderKind::groq, ProviderKind::gemini, ProviderKind::mistral, ProviderKind::openai}) {
    auto opts = options_for(kind);
    opts.faults.push_back(parse_fault({{"kind", "status"}, {"status", 503}, {"first", 3}}));
    Fake fake(opts);
    for (int i = 0; i < 3; ++i) {
      auto r = fake.chat(kGoodKey);
      ASSERT_EQ(r->status, 503) << to_string(kind);
      auto j = json_of(r);
      if (kind == ProviderKind::gemini) {
        EXPECT_EQ(j["error"]["status"], "UNAVAILABLE");
        EXPECT_EQ(j["error"]["message"], "The model is overloaded. Please try again later.");
      } else if (kind == ProviderKind::mistral) {
        EXPECT_EQ(j["object"], "error");
      } else {
        EXPECT_TRUE(j["error"]["message"].is_string()) << r->body;
      }
    }
    EXPECT_EQ(fake.chat(kGoodKey)->status, 200) << to_string(kind);
    auto journal = fake.provider->journal();
    ASSERT_EQ(journal.size(), 4u);
    EXPECT_EQ(journal[0].fault, "status");
    EXPECT_EQ(journal[3].fault, "");
  }
}

TEST(StatusFault, GroqCapacityAnd429Shapes) {
  auto opts = options_for(ProviderKind::groq);
  opts.faults.push_back(parse_fault({{"kind", "status"}, {"status", 498}, {"first", 1}}));
  opts.faults.push_back(
      parse_fault({{"kind", "status"}, {"status", 429}, {"after", 1}, {"first", 1}}));
  Fake fake(opts);
  auto r = fake.chat(kGoodKey);
  EXPECT_EQ(r->status, 498);
  EXPECT_EQ(json_of(r)["error"]["code"], "capacity_exceeded");
  r = fake.chat(kGoodKey);
  EXPECT_EQ(r->status, 429);
  EXPECT_TRUE(r->has_header("retry-after"));
}

TEST(StatusFault, ScopedToAKey) {
  auto opts = options_for(ProviderKind::openai);
  opts.keys["sk-second-good-key-0"] = KeySpec{KeyState::valid, -1, std::nullopt};
  opts.faults.push_back(
      parse_fault({{"kind", "status"}, {"status", 500}, {"key", "sk-second-good-key-0"}}));
  Fake fake(opts);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  EXPECT_EQ(fake.chat("sk-second-good-key-0")->status, 500);
}

TEST(StatusFault, CustomMessage) {
  auto opts = options_for(ProviderKind::gemini);
  opts.faults.push_back(
      parse_fault({{"kind", "status"}, {"status", 504}, {"message", "slow down"}}));
  Fake fake(opts);
  auto j = json_of(fake.chat(kGoodKey));
  EXPECT_EQ(j["error"]["status"], "DEADLINE_EXCEEDED");
  EXPECT_EQ(j["error"]["message"], "slow down");
}

}  // namespace
}  // namespace keyward::fakes::testing
