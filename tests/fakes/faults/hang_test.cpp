// hang: no answer until hang_ms or stop; stopping must not wait for it.
#include <gtest/gtest.h>

#include <future>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

void wait_in_flight(FakeProvider& p) {
  // Bounded spin: the handler starts within microseconds of the connect.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (p.in_flight() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
}

TEST(HangFault, HangsUntilStopAndStopIsPrompt) {
  auto opts = options_for(ProviderKind::groq);
  opts.faults.push_back(parse_fault({{"kind", "hang"}}));
  Fake fake(opts);
  auto port = fake.provider->port();
  auto req = fake.raw_chat(kGoodKey);
  auto client = std::async(std::launch::async,
                           [&] { return raw_exchange(port, req, std::chrono::seconds(10)); });
  wait_in_flight(*fake.provider);
  ASSERT_EQ(fake.provider->in_flight(), 1);
  auto t0 = std::chrono::steady_clock::now();
  fake.provider->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  auto r = client.get();
  EXPECT_TRUE(r.data.empty());
  EXPECT_FALSE(r.timed_out);
  auto j = fake.provider->journal();
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].status, 0);
  EXPECT_EQ(j[0].fault, "hang");
}

TEST(HangFault, HangMsThenClosesUnanswered) {
  auto opts = options_for(ProviderKind::gemini);
  opts.faults.push_back(parse_fault({{"kind", "hang"}, {"hang_ms", 20}, {"first", 1}}));
  Fake fake(opts);
  auto r = raw_exchange(fake.provider->port(), fake.raw_chat(kGoodKey));
  EXPECT_TRUE(r.eof);
  EXPECT_TRUE(r.data.empty());
  // A client with a timeout sees a failure, then the next request works.
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
}

}  // namespace
}  // namespace keyward::fakes::testing
