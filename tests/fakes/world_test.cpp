// The world file: parsing (errors name file:line and the field path) and a
// whole world started on port 0.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "fakes/world.h"
#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

WorldOptions parse_text(const std::string& yaml) {
  return parse_world(YamlField{YAML::Load(yaml), "world.yaml", ""});
}

std::string error_of(const std::string& yaml) {
  try {
    parse_text(yaml);
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "<no error>";
}

constexpr const char* kWorld = R"(seed: 7
providers:
  - name: groq
    kind: groq
    listen: 127.0.0.1:0
    model: llama-3.3-70b-versatile
    default_key_state: invalid
    keys:
      sk-good-1-abcdefghijkl: valid
      sk-proj-EXPIRED-AAA: expired
      msk-variant: {state: invalid, variant: 1}
    limits: {requests_per_minute: 30, requests_per_day: 1000}
    faults:
      - {kind: status, status: 503, probability: 1.0, first: 3}
  - {name: gemini, kind: gemini, default_key_state: valid}
  - {kind: mistral}
)";

TEST(WorldParse, TheSketchParses) {
  auto w = parse_text(kWorld);
  EXPECT_EQ(w.seed, 7u);
  ASSERT_EQ(w.providers.size(), 3u);
  const auto& g = w.providers[0];
  EXPECT_EQ(g.kind, ProviderKind::groq);
  EXPECT_EQ(g.keys.at("sk-proj-EXPIRED-AAA").state, KeyState::expired);
  EXPECT_EQ(g.keys.at("msk-variant").variant, 1);
  EXPECT_EQ(g.limits.requests_per_minute, 30u);
  ASSERT_EQ(g.faults.size(), 1u);
  EXPECT_EQ(g.faults[0].scope.first, 3u);
  EXPECT_EQ(w.providers[2].name, "mistral");
  EXPECT_EQ(w.providers[1].default_key_state, KeyState::valid);
  // Seeds derive from the world seed and differ per provider.
  EXPECT_EQ(g.seed, Random::derive(7, "groq"));
  EXPECT_NE(g.seed, w.providers[1].seed);
}

TEST(WorldParse, ErrorsNameFileLineAndPath) {
  EXPECT_EQ(error_of("providers:\n  - kind: groq\n    latncy_ms: 5\n"),
            "world.yaml:3: providers[0].latncy_ms: unknown field 'latncy_ms'");
  EXPECT_EQ(
      error_of("providers:\n  - kind: groq\n    limits: {requests_per_minute: lots}\n"),
      "world.yaml:3: providers[0].limits.requests_per_minute: expected a non-negative integer");
  EXPECT_EQ(error_of("providers:\n  - kind: grok\n"),
            "world.yaml:2: providers[0].kind: unknown provider kind 'grok' (expected "
            "groq|gemini|mistral|openai)");
  EXPECT_EQ(error_of("providers:\n  - kind: groq\n    keys:\n      sk-1: dead\n"),
            "world.yaml:4: providers[0].keys.sk-1: unknown key state 'dead' (expected "
            "valid|invalid|expired|revoked|suspended|leaked|quota_exhausted|rate_limited)");
  EXPECT_EQ(error_of("providers:\n  - kind: groq\n    faults:\n      - {kind: status, status: 503, "
                     "firts: 2}\n"),
            "world.yaml:4: providers[0].faults[0].firts: unknown field 'firts'");
  EXPECT_EQ(
      error_of(
          "providers:\n  - kind: groq\n    faults:\n      - kind: status\n        status: 900\n"),
      "world.yaml:5: providers[0].faults[0].status: must be at most 599");
  EXPECT_EQ(error_of("providers:\n  - kind: groq\n    listen: localhost\n"),
            "world.yaml:3: providers[0].listen: expected host:port, e.g. 127.0.0.1:0");
  EXPECT_EQ(error_of("providers:\n  - kind: groq\n    tls: maybe\n"),
            "world.yaml:3: providers[0].tls: expected true or false, got 'maybe'");
  EXPECT_EQ(error_of("providers:\n  - kind: groq\n  - kind: groq\n"),
            "world.yaml:3: providers[1]: duplicate provider name 'groq'");
  EXPECT_EQ(error_of("providers: {kind: groq}\n"), "world.yaml:1: providers: expected a list");
  EXPECT_EQ(error_of("sed: 7\n"), "world.yaml:1: sed: unknown field 'sed'");
  EXPECT_EQ(error_of("providers:\n  - name: x\n"),
            "world.yaml:2: providers[0]: missing field 'kind' (groq|gemini|mistral|openai)");
}

TEST(WorldFile, LoadReportsSyntaxErrorsAndMissingFiles) {
  std::string path = ::testing::TempDir() + "/keyward_world_syntax.yaml";
  { std::ofstream(path) << "providers:\n  - kind: groq\n    keys: {a: valid\n"; }
  try {
    load_world_file(path);
    FAIL() << "no error";
  } catch (const SchemaError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_GT(e.line(), 0);
  }
  std::remove(path.c_str());
  EXPECT_THROW(load_world_file("/nonexistent/world.yaml"), SchemaError);
}

TEST(World, StartsEveryProviderOnFreePorts) {
  SimClock clock(at("2025-11-18T08:00:00Z"));
  World world(parse_text(kWorld), clock, clock_control(clock));
  world.start();
  auto ls = world.listeners();
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0].name, "groq");
  EXPECT_EQ(ls[0].base_url,
            "http://127.0.0.1:" + std::to_string(world.provider("groq")->port()) + "/openai/v1");
  EXPECT_NE(ls[1].base_url.find("/v1beta"), std::string::npos);
  EXPECT_EQ(ls[2].base_url.substr(ls[2].base_url.size() - 3), "/v1");
  EXPECT_EQ(world.provider("nope"), nullptr);
  {
    httplib::Client c(world.provider("groq")->root_url());
    auto r = c.Post("/openai/v1/chat/completions", auth_headers(ProviderKind::groq, kGoodKey),
                    chat_body(ProviderKind::groq, "hi", false), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);  // the first three are faulted
    r = c.Post("/openai/v1/chat/completions",
               auth_headers(ProviderKind::groq, "sk-proj-EXPIRED-AAA"),
               chat_body(ProviderKind::groq, "hi", false), "application/json");
    EXPECT_EQ(r->status, 503);
  }
  world.stop();
  world.stop();  // idempotent
}

TEST(World, SinksAreListedAfterProviders) {
  SimClock clock(at("2025-11-18T08:00:00Z"));
  auto opts = parse_text("providers:\n  - kind: openai\nsinks:\n  smtp: {listen: 127.0.0.1:0}\n");
  World world(std::move(opts), clock);
  world.start();
  auto ls = world.listeners();
  ASSERT_EQ(ls.size(), 2u);
  EXPECT_EQ(ls[1].name, "smtp");
  EXPECT_EQ(ls[1].base_url.rfind("smtp://127.0.0.1:", 0), 0u);
  ASSERT_NE(world.sinks(), nullptr);
  world.stop();
}

}  // namespace
}  // namespace keyward::fakes::testing
