// SinkFleet starts what the world names and prints one listener line each.
#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>

#include "fakes/sinks/sinks.h"
#include "tests/fakes/sinks/sink_test_util.h"

namespace keyward::fakes {
namespace {

TEST(SinkFleet, ListenersAndAccessors) {
  auto root = YAML::Load(
      "sinks:\n"
      "  smtp: {listen: 127.0.0.1:0}\n"
      "  telegram: {listen: 127.0.0.1:0, token: \"123:ABC\"}\n"
      "  webhook: {listen: 127.0.0.1:0}\n");
  SimClock clock{test::at(test::kScenarioMs)};
  SinkFleet fleet(parse_sinks(YamlField{root["sinks"], "world.yaml", "sinks"}), clock, 7);
  fleet.start();
  auto l = fleet.listeners();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].first, "smtp");
  EXPECT_TRUE(std::regex_match(l[0].second, std::regex(R"(smtp://127\.0\.0\.1:\d+)"))) << l[0].second;
  EXPECT_EQ(l[1].first, "telegram");
  EXPECT_TRUE(std::regex_match(l[1].second, std::regex(R"(http://127\.0\.0\.1:\d+)"))) << l[1].second;
  EXPECT_EQ(l[2].first, "webhook");
  EXPECT_TRUE(std::regex_match(l[2].second, std::regex(R"(http://127\.0\.0\.1:\d+/hook)"))) << l[2].second;
  ASSERT_NE(fleet.smtp(), nullptr);
  EXPECT_EQ(l[0].second, fleet.smtp()->url());

  // The telegram base URL is what a client configures: <base>/bot<token>/sendMessage.
  httplib::Client cli(l[1].second);
  auto res = cli.Post("/bot123:ABC/sendMessage", R"({"chat_id":1,"text":"3/3"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(fleet.telegram()->wait_for_messages(1, std::chrono::seconds(5)));
  fleet.stop();
  fleet.stop();  // idempotent
}

TEST(SinkFleet, OnlyConfiguredSinksExist) {
  SinksOptions o;
  o.webhook = WebhookSinkOptions{};
  SimClock clock{test::at(0)};
  SinkFleet fleet(o, clock, 1);
  fleet.start();
  EXPECT_EQ(fleet.smtp(), nullptr);
  EXPECT_EQ(fleet.telegram(), nullptr);
  ASSERT_EQ(fleet.listeners().size(), 1u);
  EXPECT_EQ(fleet.listeners()[0].first, "webhook");
}

}  // namespace
}  // namespace keyward::fakes
