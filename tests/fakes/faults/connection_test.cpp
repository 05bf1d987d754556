// connection_reset and empty_response: no HTTP answer at all.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(ConnectionFaults, ResetSendsRst) {
  auto opts = options_for(ProviderKind::openai);
  opts.faults.push_back(parse_fault({{"kind", "connection_reset"}, {"first", 1}}));
  Fake fake(opts);
  auto r = raw_exchange(fake.provider->port(), fake.raw_chat(kGoodKey));
  EXPECT_TRUE(r.reset);
  EXPECT_TRUE(r.data.empty());
  // The fake keeps serving.
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  // The reset request is journaled when its handler unwinds, which may be
  // after the second request's entry: wait (bounded) for both, in any order.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (fake.provider->journal().size() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto j = fake.provider->journal();
  ASSERT_EQ(j.size(), 2u);
  const auto& reset = j[0].fault == "connection_reset" ? j[0] : j[1];
  EXPECT_EQ(reset.fault, "connection_reset");
  EXPECT_EQ(reset.status, 0);
}

TEST(ConnectionFaults, EmptyResponseClosesCleanly) {
  auto opts = options_for(ProviderKind::mistral);
  opts.faults.push_back(parse_fault({{"kind", "empty_response"}, {"first", 1}}));
  Fake fake(opts);
  auto r = raw_exchange(fake.provider->port(), fake.raw_chat(kGoodKey));
  EXPECT_TRUE(r.eof);
  EXPECT_FALSE(r.reset);
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
}

TEST(ConnectionFaults, HttplibClientSeesAnError) {
  auto opts = options_for(ProviderKind::groq);
  opts.faults.push_back(parse_fault({{"kind", "connection_reset"}}));
  Fake fake(opts);
  auto r = fake.chat(kGoodKey);
  EXPECT_FALSE(r);
}

}  // namespace
}  // namespace keyward::fakes::testing
