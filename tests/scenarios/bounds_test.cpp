// Bounds ({min, max}) wherever a count is expected, and `spread` with
// max_ratio, judged against a recorded run built by hand.
#include <gtest/gtest.h>

#include "scenarios/expectations.h"

namespace keyward::scenarios {
namespace {

const char* kScenario =
    "name: bounds\n"
    "world:\n"
    "  providers:\n"
    "    - {name: groq, kind: groq}\n"
    "timeline:\n"
    "  - {at: 1s, id: burst, request: {message: hi}}\n"
    "expect:\n";

// Calls per groq key (key N gets calls[N-1]), all during `burst`.
RunRecord calls_per_key(const std::vector<int>& per_key) {
  RunRecord r;
  r.requests.push_back({});
  for (size_t k = 0; k < per_key.size(); ++k)
    for (int n = 0; n < per_key[k]; ++n) {
      CallRecord c;
      c.provider = "groq";
      c.key_index = static_cast<int>(k) + 1;
      c.chat = true;
      c.at = Millis(1000);
      r.calls.push_back(c);
    }
  return r;
}

ExpectationResult judge(const std::string& expectation, const RunRecord& run) {
  static std::vector<Scenario> keep;  // results point into the scenario
  keep.push_back(parse_scenario(std::string(kScenario) + "  - " + expectation + "\n", "s.yaml"));
  return check_expectations(keep.back(), run).front();
}

TEST(Bounds, TotalAcceptsExactMinMaxAndBoth) {
  auto run = calls_per_key({2, 1, 0});
  EXPECT_TRUE(judge("provider_calls: {during: [burst], total: 3}", run).passed);
  EXPECT_TRUE(judge("provider_calls: {during: [burst], total: {min: 3}}", run).passed);
  EXPECT_TRUE(judge("provider_calls: {during: [burst], total: {max: 3}}", run).passed);
  EXPECT_TRUE(judge("provider_calls: {during: [burst], total: {min: 1, max: 5}}", run).passed);
  auto r = judge("provider_calls: {during: [burst], total: {max: 2}}", run);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "{max: 2} provider calls");
  EXPECT_EQ(r.actual.rfind("3 calls", 0), 0u) << r.actual;
  EXPECT_FALSE(judge("provider_calls: {during: [burst], total: {min: 4}}", run).passed);
}

TEST(Bounds, EachElementOfPerKeyMayBeABound) {
  auto run = calls_per_key({3, 1, 2});
  EXPECT_TRUE(judge("provider_calls: {during: [burst], per_key: {groq: [{max: 3}, 1, {min: 1, max: 2}]}}", run).passed);
  auto r = judge("provider_calls: {during: [burst], per_key: {groq: [{max: 2}, 1, 2]}}", run);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "groq calls per key [{max: 2}, 1, 2]");
  EXPECT_EQ(r.actual, "groq calls per key [3, 1, 2]");
  // A call to a key the list does not name is not allowed silently.
  EXPECT_FALSE(judge("provider_calls: {during: [burst], per_key: {groq: [{max: 3}, 1]}}", run).passed);
}

TEST(Bounds, AlertAndLogCountsTakeBounds) {
  RunRecord run = calls_per_key({1});
  run.alerts.push_back({0, Millis(1000), "email", "Quota", "x"});
  run.alerts.push_back({0, Millis(1000), "email", "Quota", "x"});
  run.logs.push_back({Millis(1000), "WARN: quota"});
  EXPECT_TRUE(judge("alerts: {channel: email, count: {max: 2}}", run).passed);
  auto r = judge("alerts: {channel: email, count: {max: 1}}", run);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.expected.rfind("{max: 1} email alert(s)", 0), 0u) << r.expected;
  EXPECT_EQ(r.actual.rfind("2 matching", 0), 0u) << r.actual;
  EXPECT_TRUE(judge("log: {contains: quota, count: {min: 1}}", run).passed);
  EXPECT_FALSE(judge("log: {contains: quota, count: {min: 2}}", run).passed);
}

TEST(Bounds, BadBoundsAreSchemaErrors) {
  auto error_of = [](const std::string& x) {
    try {
      parse_scenario(std::string(kScenario) + "  - " + x + "\n", "s.yaml");
    } catch (const SchemaError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error_of("provider_calls: {during: [burst], total: {min: 3, max: 1}}"),
            "s.yaml:8: expect[0].provider_calls.total: min 3 is above max 1");
  EXPECT_EQ(error_of("provider_calls: {during: [burst], total: {}}"),
            "s.yaml:8: expect[0].provider_calls.total: a bound needs min, max or both");
  EXPECT_EQ(error_of("provider_calls: {during: [burst], total: {mx: 1}}"),
            "s.yaml:8: expect[0].provider_calls.total.mx: unknown field 'mx'");
  EXPECT_EQ(error_of("provider_calls: {during: [burst], spread: {provider: groq, keys: [1], max_ratio: 1.2}}"),
            "s.yaml:8: expect[0].provider_calls.spread.keys: a spread compares at least two keys");
  EXPECT_EQ(error_of("provider_calls: {during: [burst], spread: {provider: groq, keys: [1, 2], max_ratio: 0.5}}"),
            "s.yaml:8: expect[0].provider_calls.spread.max_ratio: expected a ratio of at least 1");
}

TEST(Spread, TheBusiestKeyOverTheQuietestIsAtMostMaxRatio) {
  EXPECT_TRUE(judge("provider_calls: {during: [burst], spread: {provider: groq, keys: [1, 3], max_ratio: 1.2}}",
                    calls_per_key({10, 0, 11}))
                  .passed);
  auto r = judge("provider_calls: {during: [burst], spread: {provider: groq, keys: [1, 3], max_ratio: 1.2}}",
                 calls_per_key({10, 0, 13}));
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.actual, "groq calls of keys 1:10 3:13, ratio 1.3");
  // A key with no calls next to a busy one is an infinite ratio; no calls at all is nothing to compare.
  EXPECT_FALSE(judge("provider_calls: {during: [burst], spread: {provider: groq, keys: [1, 2], max_ratio: 5}}",
                     calls_per_key({4, 0}))
                   .passed);
  auto none = judge("provider_calls: {during: [burst], spread: {provider: groq, keys: [1, 2], max_ratio: 5}}",
                    calls_per_key({0, 0}));
  EXPECT_FALSE(none.passed);
  EXPECT_NE(none.actual.find("no calls to compare"), std::string::npos);
}

}  // namespace
}  // namespace keyward::scenarios
