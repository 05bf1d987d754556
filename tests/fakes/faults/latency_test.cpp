// latency: real time added before the answer (this one waits, by nature).
#include <gtest/gtest.h>

#include <future>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(LatencyFault, DelaysTheAnswer) {
  auto opts = options_for(ProviderKind::openai);
  opts.faults.push_back(
      parse_fault({{"kind", "latency"}, {"latency_ms", 30}, {"jitter_ms", 10}, {"first", 1}}));
  Fake fake(opts);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, std::chrono::milliseconds(30));
  auto j = fake.provider->journal();
  ASSERT_EQ(j.size(), 1u);
  EXPECT_GE(j[0].latency_us, 30'000);
  EXPECT_LE(j[0].latency_us, 1'000'000);
  EXPECT_EQ(j[0].fault, "latency");
}

TEST(LatencyFault, StopInterruptsALongDelay) {
  auto opts = options_for(ProviderKind::openai);
  opts.faults.push_back(parse_fault({{"kind", "latency"}, {"latency_ms", 60'000}}));
  Fake fake(opts);
  auto port = fake.provider->port();
  auto req = fake.raw_chat(kGoodKey);
  auto client = std::async(std::launch::async,
                           [&] { return raw_exchange(port, req, std::chrono::seconds(10)); });
  for (int i = 0; i < 5000 && fake.provider->in_flight() == 0; ++i) std::this_thread::yield();
  auto t0 = std::chrono::steady_clock::now();
  fake.provider->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  auto r = client.get();
  EXPECT_TRUE(r.data.empty());
}

}  // namespace
}  // namespace keyward::fakes::testing
