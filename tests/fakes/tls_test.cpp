// tls: true serves HTTPS with a certificate made at start.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(Tls, AnswersOverHttps) {
  auto opts = options_for(ProviderKind::openai);
  opts.tls = true;
  SimClock clock(at("2025-11-18T08:00:00Z"));
  FakeProvider p(opts, clock);
  p.start();
  EXPECT_EQ(p.base_url().rfind("https://127.0.0.1:", 0), 0u);
  {
    httplib::SSLClient cli("127.0.0.1", p.port());
    cli.enable_server_certificate_verification(false);
    auto r = cli.Post("/v1/chat/completions", auth_headers(ProviderKind::openai, kGoodKey),
                      chat_body(ProviderKind::openai, "secure hello", false), "application/json");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("secure hello"), std::string::npos);
    // Verification on: the self-signed certificate is refused.
    httplib::SSLClient strict("127.0.0.1", p.port());
    strict.enable_server_certificate_verification(true);
    EXPECT_FALSE(strict.Get("/v1/models"));
  }
  p.stop();
}

TEST(Tls, ConnectionFaultsWorkOverTls) {
  auto opts = options_for(ProviderKind::groq);
  opts.tls = true;
  opts.faults.push_back(parse_fault({{"kind", "connection_reset"}, {"first", 1}}));
  SimClock clock(at("2025-11-18T08:00:00Z"));
  FakeProvider p(opts, clock);
  p.start();
  {
    httplib::SSLClient cli("127.0.0.1", p.port());
    cli.enable_server_certificate_verification(false);
    auto path = "/openai/v1/chat/completions";
    auto body = chat_body(ProviderKind::groq, "x", false);
    EXPECT_FALSE(
        cli.Post(path, auth_headers(ProviderKind::groq, kGoodKey), body, "application/json"));
    auto r = cli.Post(path, auth_headers(ProviderKind::groq, kGoodKey), body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  p.stop();
}

}  // namespace
}  // namespace keyward::fakes::testing
