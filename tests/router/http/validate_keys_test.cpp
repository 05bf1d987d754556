// validate_keys on the asynchronous interface: pings in flight bounded,
// results in configuration order whatever order they end in, bounded waits.
#include <gtest/gtest.h>

#include "router/core/env_file.h"
#include "router/http/validation.h"
#include "tests/router/http/async_test_transport.h"

namespace keyward::http::test {
namespace {

using namespace std::chrono_literals;

RouterConfig twelve_keys() {
  RouterConfig c = default_config();
  std::string env;
  for (int i = 1; i <= 6; ++i)
    env += "GROQ_API_KEY_" + std::to_string(i) + "=sk-proj-KEY-" + std::to_string(i) + "00\n";
  for (int i = 1; i <= 6; ++i) env += "GEMINI_API_KEY_" + std::to_string(i) + "=AIza-KEY-" + std::to_string(i) + "00\n";
  apply_env(c, parse_env(env, ".env").entries, {});
  return c;
}

TEST(ValidateKeys, ResultsComeInConfigurationOrderWithBoundedPingsInFlight) {
  ThreadedTransport t;
  SimClock clock(WallTime{});
  RouterConfig config = twelve_keys();
  auto results = validate_keys(config, t, clock, 3);
  t.join();
  ASSERT_EQ(results.size(), 12u);
  EXPECT_EQ(t.started.load(), 12);
  EXPECT_LE(t.in_flight_max, 3);
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].provider, i < 6 ? "groq" : "gemini") << i;
    EXPECT_EQ(results[i].key_index, static_cast<int>(i % 6) + 1) << i;
    EXPECT_EQ(results[i].result.status, 200 + results[i].key_index) << "the ping of this very key";
    EXPECT_TRUE(results[i].ok()) << i;
    EXPECT_EQ(results[i].models, 1u);
  }
}

TEST(ValidateKeys, OnlyFilteredKeysArePinged) {
  ThreadedTransport t;
  SimClock clock(WallTime{});
  auto results = validate_keys(twelve_keys(), t, clock, 16, [](const ProviderConfig& p, const KeyConfig& k) {
    return p.name == "gemini" && k.index == 2;
  });
  t.join();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].display_name, "Gemini");
  EXPECT_EQ(t.started.load(), 1);
}

TEST(ValidateKeys, PingsATransportNeverEndsAreTimeoutsAfterABoundedWait) {
  ThreadedTransport t;
  t.never_end = true;
  SimClock clock(WallTime{});
  RouterConfig config = twelve_keys();
  config.timeouts.validation = 50ms;
  auto t0 = std::chrono::steady_clock::now();
  auto results = validate_keys(config, t, clock, 4, nullptr, 50ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  ASSERT_EQ(results.size(), 12u);
  for (const auto& v : results) {
    EXPECT_EQ(v.result.transport, TransportError::timeout);
    EXPECT_EQ(v.classification.cls, ErrorClass::network);
  }
  EXPECT_EQ(t.started.load(), 4) << "no slot ever freed: the rest were never started";
}

}  // namespace
}  // namespace keyward::http::test
