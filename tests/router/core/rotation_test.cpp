// Smooth weighted round-robin: keys that are out hand their turns to nobody
// in particular, so the usable keys share the traffic evenly (or by weight).
#include <gtest/gtest.h>

#include <map>

#include "router/core/chat_router.h"
#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

// Key 2 of Groq is dead; every other key answers.
class OneDeadKey final : public BlockingTransport {
 public:
  std::map<int, int> calls;  // Groq key index -> calls
  AttemptResult chat_now(const ProviderConfig& p, const KeyConfig& k, const ChatRequest&, Millis, ChatAnswer* answer,
                     StreamSink*) override {
    if (p.name == "groq") calls[k.index]++;
    if (p.name == "groq" && k.index == 2) return test::groq_401();
    answer->content = "hi";
    return test::ok_200();
  }
  AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis, std::vector<std::string>*) override {
    return test::ok_200();
  }
};

ChatRequest ask(int i) { return ChatRequest{{{"user", "q" + std::to_string(i)}}, {}, {}, false, ""}; }

TEST(Rotation, OneDeadKeyOfThreeLeavesTheOtherTwoAnEvenShare) {
  RouterConfig cfg = test::founding_config();
  cfg.routing.key_order = KeyOrder::round_robin;
  SimClock clock(test::at("2025-11-18T08:00:00Z"));
  ChatRouter router(cfg, clock, nullptr);
  OneDeadKey t;
  for (int i = 0; i < 300; ++i) ASSERT_EQ(router.route(ask(i), t).kind, RouteOutcome::Kind::provider);
  EXPECT_EQ(t.calls[2], 1) << "called once, then quarantined";
  EXPECT_EQ(t.calls[1] + t.calls[3], 300);
  EXPECT_LE(std::abs(t.calls[1] - t.calls[3]), 1) << "not [100, 0, 200]: the dead key's turn goes to nobody in particular";
}

TEST(Rotation, WeightsSetTheShares) {
  RouterConfig cfg = default_config();
  cfg.routing.key_order = KeyOrder::round_robin;
  cfg.routing.key_weights["groq"] = {{1, 3}, {3, 2}};
  apply_env(cfg, parse_env(test::kFoundingEnv, ".env").entries, {});
  EXPECT_EQ(cfg.providers[0].keys[0].weight, 3);
  EXPECT_EQ(cfg.providers[0].keys[1].weight, 1);
  SimClock clock(test::at("2025-11-18T08:00:00Z"));
  ChatRouter router(cfg, clock, nullptr);
  OneDeadKey t;
  for (int i = 0; i < 500; ++i) router.route(ask(i), t);
  // Key 2 (weight 1) died at its first turn; keys 1 and 3 share 3:2.
  EXPECT_EQ(t.calls[2], 1);
  EXPECT_NEAR(t.calls[1], 300, 2);
  EXPECT_NEAR(t.calls[3], 200, 2);
}

TEST(Rotation, WeightsAreReadFromKeywardYaml) {
  RouterConfig cfg = load_config_yaml("routing: {key_order: round_robin, key_weights: {groq: {1: 3, 2: 1}}}", "k.yaml");
  EXPECT_EQ(cfg.routing.key_weights["groq"][1], 3);
  EXPECT_THROW(load_config_yaml("routing: {key_weights: {groq: {first: 3}}}", "k.yaml"), SchemaError);
  EXPECT_THROW(load_config_yaml("routing: {key_weights: {groq: {1: 0}}}", "k.yaml"), SchemaError);
}

}  // namespace
}  // namespace keyward
