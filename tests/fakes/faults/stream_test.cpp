// stream_stall and stream_cut: a stream that starts and never finishes.
#include <gtest/gtest.h>

#include <future>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

int count_frames(const std::string& data) {
  int n = 0;
  for (std::size_t pos = 0; (pos = data.find("data: ", pos)) != std::string::npos; ++pos) ++n;
  return n;
}

TEST(StreamFaults, CutAfterTwoChunksClosesWithoutTerminator) {
  for (auto kind : {ProviderKind::groq, ProviderKind::gemini}) {
    auto opts = options_for(kind);
    opts.faults.push_back(parse_fault({{"kind", "stream_cut"}, {"after_chunks", 2}}));
    Fake fake(opts);
    auto r = raw_exchange(fake.provider->port(),
                          fake.raw_chat(kGoodKey, "a long prompt to stream", true));
    EXPECT_TRUE(r.eof || r.reset);
    EXPECT_EQ(count_frames(r.data), 2) << r.data;
    EXPECT_EQ(r.data.find("[DONE]"), std::string::npos);
    EXPECT_EQ(r.data.find("\r\n0\r\n\r\n"), std::string::npos);  // no last chunk
    // Non-streaming requests are not affected.
    EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  }
}

TEST(StreamFaults, StallForStallMsThenClose) {
  auto opts = options_for(ProviderKind::openai);
  opts.faults.push_back(
      parse_fault({{"kind", "stream_stall"}, {"after_chunks", 1}, {"stall_ms", 30}}));
  Fake fake(opts);
  auto t0 = std::chrono::steady_clock::now();
  auto r = raw_exchange(fake.provider->port(), fake.raw_chat(kGoodKey, "stall me", true));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(30));
  EXPECT_TRUE(r.eof || r.reset);
  EXPECT_EQ(count_frames(r.data), 1);
}

TEST(StreamFaults, StallUntilStopDoesNotBlockStop) {
  auto opts = options_for(ProviderKind::mistral);
  opts.faults.push_back(parse_fault({{"kind", "stream_stall"}, {"after_chunks", 2}}));
  Fake fake(opts);
  auto port = fake.provider->port();
  auto req = fake.raw_chat(kGoodKey, "stall until stop", true);
  auto client = std::async(std::launch::async,
                           [&] { return raw_exchange(port, req, std::chrono::seconds(10)); });
  // The journal entry appears once the handler hands the stream over.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (fake.provider->journal().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  auto t0 = std::chrono::steady_clock::now();
  fake.provider->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  auto r = client.get();
  EXPECT_FALSE(r.timed_out);
  EXPECT_LE(count_frames(r.data), 2);
  EXPECT_EQ(r.data.find("[DONE]"), std::string::npos);
}

}  // namespace
}  // namespace keyward::fakes::testing
