// Fault parsing and the limits wrapper: key/path scope, first/every/after,
// seeded probability.
#include <gtest/gtest.h>

#include "fakes/faults/fault.h"
#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

std::vector<bool> decisions(const nlohmann::json& j, int n, std::uint64_t seed = 1,
                            const std::string& key = "k",
                            const std::string& path = "/v1/chat/completions") {
  auto spec = parse_fault(j);
  FaultGate gate(seed);
  std::vector<bool> out;
  for (int i = 0; i < n; ++i) out.push_back(gate.admit(spec, key, path, false));
  return out;
}

TEST(FaultGate, FirstEveryAfter) {
  using V = std::vector<bool>;
  EXPECT_EQ(decisions({{"kind", "status"}, {"status", 503}, {"first", 2}}, 4), (V{1, 1, 0, 0}));
  EXPECT_EQ(decisions({{"kind", "status"}, {"status", 503}, {"every", 3}}, 6),
            (V{0, 0, 1, 0, 0, 1}));
  EXPECT_EQ(decisions({{"kind", "status"}, {"status", 503}, {"after", 2}}, 4), (V{0, 0, 1, 1}));
  EXPECT_EQ(
      decisions({{"kind", "status"}, {"status", 503}, {"after", 1}, {"every", 2}, {"first", 2}}, 8),
      (V{0, 0, 1, 0, 1, 0, 0, 0}));
}

TEST(FaultGate, KeyAndPathScope) {
  nlohmann::json j{{"kind", "status"}, {"status", 503}, {"key", "k1"}, {"path", "/models"}};
  EXPECT_EQ(decisions(j, 1, 1, "k1", "/v1/models"), std::vector<bool>{true});
  EXPECT_EQ(decisions(j, 1, 1, "k2", "/v1/models"), std::vector<bool>{false});
  EXPECT_EQ(decisions(j, 1, 1, "k1", "/v1/chat/completions"), std::vector<bool>{false});
}

TEST(FaultGate, StreamFaultsOnlyMatchStreams) {
  auto spec = parse_fault({{"kind", "stream_cut"}});
  FaultGate gate(1);
  EXPECT_FALSE(gate.admit(spec, "k", "/p", false));
  EXPECT_TRUE(gate.admit(spec, "k", "/p", true));
}

TEST(FaultGate, ProbabilityIsDeterministicPerSeed) {
  nlohmann::json j{{"kind", "status"}, {"status", 500}, {"probability", 0.3}};
  auto a = decisions(j, 200, 42), b = decisions(j, 200, 42), c = decisions(j, 200, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto fired = std::count(a.begin(), a.end(), true);
  EXPECT_GT(fired, 35);
  EXPECT_LT(fired, 85);
  auto never = decisions({{"kind", "status"}, {"status", 500}, {"probability", 0.0}}, 50);
  EXPECT_EQ(std::count(never.begin(), never.end(), true), 0);
}

TEST(FaultParse, ErrorsNameTheField) {
  auto error_field = [](const nlohmann::json& j) {
    try {
      parse_fault(j);
    } catch (const FaultSpecError& e) {
      return e.field();
    }
    return std::string("<no error>");
  };
  EXPECT_EQ(error_field({{"status", 503}}), "kind");
  EXPECT_EQ(error_field({{"kind", "explode"}}), "kind");
  EXPECT_EQ(error_field({{"kind", "status"}}), "status");
  EXPECT_EQ(error_field({{"kind", "status"}, {"status", 700}}), "status");
  EXPECT_EQ(error_field({{"kind", "status"}, {"status", 503}, {"probabilty", 0.5}}), "probabilty");
  EXPECT_EQ(error_field({{"kind", "latency"}, {"latency_ms", -5}}), "latency_ms");
  EXPECT_EQ(error_field({{"kind", "latency"}, {"probability", 1.5}}), "probability");
  EXPECT_EQ(error_field({{"kind", "hang"}, {"hang_ms", "long"}}), "hang_ms");
  EXPECT_EQ(error_field({{"kind", "connection_reset"}, {"latency_ms", 5}}), "latency_ms");
}

TEST(FaultParse, ListingMasksTheKey) {
  auto spec = parse_fault({{"kind", "status"}, {"status", 503}, {"key", "sk-proj-SECRET-KEY-AAA"}});
  auto j = spec.to_json();
  EXPECT_EQ(j["key"], "sk-proj-...AAA");
  EXPECT_EQ(j["status"], 503);
}

TEST(FaultGate, ProviderDecisionsRepeatWithTheSameSeed) {
  auto run = [](std::uint64_t seed) {
    auto opts = options_for(ProviderKind::openai);
    opts.seed = seed;
    opts.faults.push_back(parse_fault({{"kind", "status"}, {"status", 503}, {"probability", 0.5}}));
    Fake fake(opts);
    std::string statuses;
    for (int i = 0; i < 24; ++i) statuses += fake.chat(kGoodKey)->status == 503 ? 'x' : '.';
    return statuses;
  };
  auto a = run(7);
  EXPECT_EQ(a, run(7));
  EXPECT_NE(a, run(8));
  EXPECT_NE(a.find('x'), std::string::npos);
  EXPECT_NE(a.find('.'), std::string::npos);
}

}  // namespace
}  // namespace keyward::fakes::testing
