// docs/RELIABILITY.md, "Bad-input matrix": the rows that reach router/core —
// a .env full of garbage, hostile YAML (deep nesting, self-referencing
// anchors, alias bombs), provider bodies nested 100k deep.
#include <gtest/gtest.h>

#include <algorithm>

#include "router/core/classifier.h"
#include "router/core/config.h"
#include "router/core/env_file.h"
#include "router/core/json_limits.h"
#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

TEST(BadInputMatrix, EnvFullOfGarbageGivesOneDiagnosticPerLineAndNoKeys) {
  std::string garbage;
  for (int line = 0; line < 5000; ++line) {
    for (int i = 0; i < 60; ++i) garbage.push_back(static_cast<char>((line * 131 + i * 7919) % 256));
    garbage += line % 3 ? "\n" : "=\"unterminated\n";
  }
  garbage += std::string(1 << 20, 'x');  // one 1 MiB line at the end
  auto r = parse_env(garbage, ".env");
  size_t lines = std::count(garbage.begin(), garbage.end(), '\n') + 1;
  EXPECT_LE(r.diagnostics.size(), lines) << "bounded by the line count";
  EXPECT_GT(r.diagnostics.size(), 1000u);
  for (const auto& d : r.diagnostics) EXPECT_LT(d.to_string().size(), 200u) << "a diagnostic never echoes a whole line";
  RouterConfig c = default_config();
  apply_env(c, r.entries, {});
  EXPECT_EQ(c.key_count(), 0u);
}

TEST(BadInputMatrix, EnvWithNulBytesAndBinaryValuesStaysUsable) {
  std::string text = std::string("GROQ_API_KEY_1=sk-good\0tail\n", 28) + "\x01\x02=\x03\n" + "GEMINI_API_KEY_1=AIza-ok\n";
  auto r = parse_env(text, ".env");
  RouterConfig c = default_config();
  apply_env(c, r.entries, {});
  EXPECT_EQ(c.find("gemini")->keys.size(), 1u);
}

TEST(BadInputMatrix, DeeplyNestedYamlConfigIsAConfigErrorNotAStackOverflow) {
  std::string deep = "providers: " + std::string(100'000, '[') + std::string(100'000, ']') + "\n";
  EXPECT_THROW(load_config_yaml(deep, "keyward.yaml"), SchemaError);
  std::string block;
  for (int i = 0; i < 5000; ++i) block += std::string(i, ' ') + "- \n";
  EXPECT_THROW(load_config_yaml("providers:\n" + block, "keyward.yaml"), SchemaError);
}

TEST(BadInputMatrix, SelfReferencingAnchorsAndAliasBombsAreRejectedQuickly) {
  EXPECT_THROW(load_config_yaml("providers: &a [*a]\n", "keyward.yaml"), SchemaError);
  EXPECT_THROW(load_config_yaml("a: &a {b: *a}\nproviders: *a\n", "keyward.yaml"), SchemaError);
  // Billion laughs: nine levels of ten aliases each would be 10^9 nodes if expanded.
  std::string bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += std::string(j ? ", " : "") + "*l" + std::to_string(i - 1);
    bomb += "]\n";
  }
  EXPECT_THROW(load_config_yaml(bomb + "providers: *l8\n", "keyward.yaml"), SchemaError);
}

// Found by fuzz_config_yaml ("?\n: :l"): a non-string key escaped as
// YAML::TypedBadConversion instead of a SchemaError.
TEST(BadInputMatrix, ANonStringFieldNameIsAConfigErrorWithTheLine) {
  for (const char* yaml : {"?\n: :l", "? [a, b]\n: 1\n", "timeouts:\n  {request: 1}: 2\n"}) {
    try {
      load_config_yaml(yaml, "keyward.yaml");
      ADD_FAILURE() << yaml;
    } catch (const SchemaError& e) {
      EXPECT_EQ(e.message(), "a field name must be a plain string") << yaml;
    }
  }
}

TEST(BadInputMatrix, AProviderBodyNestedHundredThousandDeepIsClassifiedByStatus) {
  std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  auto c = classify(test::http(503, deep), test::at("2025-11-18T08:00:00Z"));
  EXPECT_EQ(c.cls, ErrorClass::provider_outage);
  auto g = classify(test::http(400, R"({"error":)" + deep + "}"), test::at("2025-11-18T08:00:00Z"));
  EXPECT_EQ(g.cls, ErrorClass::provider_outage) << "an unreadable 4xx says nothing about our request";
}

// Found by the soak (seed 7): a Gemini 400 whose JSON was garbled (the fakes'
// malformed_json fault) was a request_error, returned to the caller as a 400
// instead of failing over.
TEST(BadInputMatrix, AFourHundredWhoseBodyIsNotJsonFailsOverInsteadOfBlamingTheCaller) {
  auto now = test::at("2025-11-18T08:00:00Z");
  auto g = classify(test::http(400, R"({"error":{"code":400,"message":"API key not valid)"), now);
  EXPECT_EQ(g.cls, ErrorClass::provider_outage);
  EXPECT_STREQ(g.signal, "unreadable_client_error");
  auto j = classify(test::http(400, R"({"error":{"message":"bad model","type":"invalid_request_error"}})"), now);
  EXPECT_EQ(j.cls, ErrorClass::request_error) << "a readable 400 is still the caller's";
}

TEST(BadInputMatrix, HtmlInsteadOfJsonIsClassifiedByStatus) {
  auto c = classify(test::http(502, "<html><title>502 Bad Gateway</title></html>"),
                    test::at("2025-11-18T08:00:00Z"));
  EXPECT_EQ(c.cls, ErrorClass::provider_outage);
}

TEST(JsonLimits, CountsBracketsOutsideStringsOnly) {
  EXPECT_FALSE(json_nesting_exceeds(R"({"a":[1,{"b":[]}]})", 4));
  EXPECT_TRUE(json_nesting_exceeds(R"({"a":[1,{"b":[]}]})", 3));
  EXPECT_FALSE(json_nesting_exceeds(R"({"a":"[[[[[[[[\"[[[["})", 1));
  EXPECT_TRUE(json_nesting_exceeds(std::string(65, '['), 64));
  EXPECT_FALSE(json_nesting_exceeds(std::string(64, '['), 64));
}

}  // namespace
}  // namespace keyward
