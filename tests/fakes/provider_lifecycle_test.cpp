// Start/stop behaviour: ports, restart, prompt stop with idle keep-alive clients.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(Lifecycle, StopIsPromptWithAnIdleKeepAliveClient) {
  auto opts = options_for(ProviderKind::openai);
  opts.keep_alive_timeout_s = 30;
  SimClock clock(at("2025-11-18T08:00:00Z"));
  FakeProvider p(opts, clock);
  p.start();
  httplib::Client cli(p.root_url());
  cli.set_keep_alive(true);
  auto r = cli.Get("/v1/models", auth_headers(ProviderKind::openai, kGoodKey));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto t0 = std::chrono::steady_clock::now();
  p.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
}

TEST(Lifecycle, KeepAliveServesManyRequestsOnOneConnection) {
  auto opts = options_for(ProviderKind::groq);
  SimClock clock(at("2025-11-18T08:00:00Z"));
  FakeProvider p(opts, clock);
  p.start();
  {
    httplib::Client cli(p.root_url());
    cli.set_keep_alive(true);
    cli.set_tcp_nodelay(true);  // else Nagle on the client side costs ~40 ms per request
    for (int i = 0; i < 50; ++i) {
      auto r = cli.Post("/openai/v1/chat/completions", auth_headers(ProviderKind::groq, kGoodKey),
                        chat_body(ProviderKind::groq, "again", false), "application/json");
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200);
    }
  }
  EXPECT_EQ(p.counters().requests, 50u);
  p.stop();
}

TEST(Lifecycle, TwoFakesGetDistinctFreePortsAndRestart) {
  SimClock clock(at("2025-11-18T08:00:00Z"));
  FakeProvider a(options_for(ProviderKind::openai), clock),
      b(options_for(ProviderKind::openai), clock);
  a.start();
  b.start();
  EXPECT_NE(a.port(), b.port());
  EXPECT_GT(a.port(), 0);
  a.stop();
  a.start();
  httplib::Client cli(a.root_url());
  EXPECT_EQ(cli.Get("/v1/models", auth_headers(ProviderKind::openai, kGoodKey))->status, 200);
}

TEST(Lifecycle, BindFailureThrows) {
  SimClock clock(at("2025-11-18T08:00:00Z"));
  FakeProvider a(options_for(ProviderKind::openai), clock);
  a.start();
  auto opts = options_for(ProviderKind::openai);
  opts.port = a.port();
  FakeProvider b(opts, clock);
  EXPECT_THROW(b.start(), std::runtime_error);
}

TEST(Lifecycle, OversizedBodyIs413) {
  auto opts = options_for(ProviderKind::openai);
  opts.max_body_bytes = 1024;
  Fake fake(opts);
  auto r = fake.chat(kGoodKey, std::string(4096, 'x'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST(Lifecycle, JournalIsARingBuffer) {
  auto opts = options_for(ProviderKind::openai);
  opts.journal_limit = 5;
  Fake fake(opts);
  for (int i = 0; i < 8; ++i) fake.models(kGoodKey);
  auto j = fake.provider->journal();
  ASSERT_EQ(j.size(), 5u);
  EXPECT_EQ(j.front().seq, 4u);
  EXPECT_EQ(j.back().seq, 8u);
  EXPECT_EQ(fake.provider->journal(6).size(), 2u);
  EXPECT_EQ(fake.provider->counters().requests, 8u);
}

}  // namespace
}  // namespace keyward::fakes::testing
