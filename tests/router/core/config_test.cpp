#include "router/core/config.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(Config, BuiltInDefaultsServeWithNoFile) {
  auto c = default_config();
  ASSERT_EQ(c.providers.size(), 3u);
  EXPECT_EQ(c.providers[0].name, "groq");
  EXPECT_EQ(c.providers[0].base_url, "https://api.groq.com/openai/v1");
  EXPECT_EQ(c.providers[0].qualified_model(), "groq/llama-3.3-70b-versatile");
  EXPECT_EQ(c.providers[0].dashboard_url, "https://console.groq.com/keys");
  EXPECT_EQ(c.providers[1].name, "gemini");
  EXPECT_EQ(c.providers[1].wire, WireKind::gemini);
  EXPECT_EQ(c.providers[1].dashboard_url, "https://aistudio.google.com/app/apikey");
  EXPECT_EQ(c.providers[2].dashboard_url, "https://console.mistral.ai/api-keys");
  EXPECT_EQ(c.timeouts.request, std::chrono::seconds(10));
  EXPECT_EQ(c.quarantine.auth_base, std::chrono::minutes(5));
}

TEST(Config, YamlOverridesDefaults) {
  auto c = load_config_yaml(
      "providers:\n"
      "  - name: mistral\n"
      "  - name: groq\n"
      "    base_url: http://127.0.0.1:9101/openai/v1\n"
      "  - name: local\n"
      "    wire: openai\n"
      "    base_url: http://127.0.0.1:9200/v1\n"
      "    model: qwen\n"
      "timeouts: {request: 250ms}\n"
      "quarantine: {auth_base: 2m, auth_max: 1h}\n"
      "routing: {key_order: round_robin}\n"
      "cache: {max_entries: 10, ttl: 30s}\n",
      "keyward.yaml");
  ASSERT_EQ(c.providers.size(), 3u);
  EXPECT_EQ(c.providers[0].name, "mistral");
  EXPECT_EQ(c.providers[1].base_url, "http://127.0.0.1:9101/openai/v1");
  EXPECT_EQ(c.providers[1].dashboard_url, "https://console.groq.com/keys");  // kept from defaults
  EXPECT_EQ(c.providers[2].env_prefix, "LOCAL");
  EXPECT_EQ(c.timeouts.request, std::chrono::milliseconds(250));
  EXPECT_EQ(c.quarantine.auth_base, std::chrono::minutes(2));
  EXPECT_EQ(c.routing.key_order, KeyOrder::round_robin);
  EXPECT_EQ(c.cache.max_entries, 10u);
}

void expect_error(const std::string& yaml, const std::string& expected) {
  try {
    load_config_yaml(yaml, "keyward.yaml");
    ADD_FAILURE() << "no error for:\n" << yaml;
  } catch (const SchemaError& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

TEST(Config, BadYamlNamesFileLineAndField) {
  expect_error("timeouts:\n  request: 10s\n  reqest: 5s\n", "keyward.yaml:3: timeouts.reqest: unknown field 'reqest'");
  expect_error("timeouts:\n  request: soon\n",
               "keyward.yaml:2: timeouts.request: expected a duration such as 250ms, 10s, 5m or 1h");
  expect_error("ejection: {consecutive_failures: many}\n",
               "keyward.yaml:1: ejection.consecutive_failures: expected an integer, got 'many'");
  expect_error("providers:\n  - name: groq\n    wire: grpc\n",
               "keyward.yaml:3: providers[0].wire: expected openai or gemini, got 'grpc'");
  expect_error("providers:\n  - name: newco\n", "keyward.yaml:2: providers[0]: provider 'newco' needs a base_url");
  expect_error("cache: [1, 2]\n", "keyward.yaml:1: cache: expected a mapping");
  expect_error("routing: {key_order: random}\n",
               "keyward.yaml:1: routing.key_order: expected ordered or round_robin, got 'random'");
}

TEST(Config, SyntaxErrorsNameTheLine) {
  try {
    load_config_yaml("timeouts:\n  request: [10s\n", "k.yaml");
    FAIL();
  } catch (const SchemaError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("k.yaml:", 0), 0u) << e.what();
  }
}

TEST(Config, ParsesDurations) {
  Millis d;
  ASSERT_TRUE(parse_duration("1h30m", &d));
  EXPECT_EQ(d, std::chrono::minutes(90));
  ASSERT_TRUE(parse_duration("250ms", &d));
  EXPECT_EQ(d.count(), 250);
  EXPECT_FALSE(parse_duration("10", &d));
  EXPECT_FALSE(parse_duration("-5s", &d));
  EXPECT_FALSE(parse_duration("5 minutes", &d));
}

}  // namespace
}  // namespace keyward
