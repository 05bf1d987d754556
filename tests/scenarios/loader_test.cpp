#include <gtest/gtest.h>

#include <filesystem>

#include "scenarios/scenario.h"
#include "tests/scenarios/scenario_test_support.h"

namespace keyward::scenarios {
namespace {

const char* kMinimal =
    "name: minimal\n"
    "world:\n"
    "  providers:\n"
    "    - {name: groq, kind: groq}\n";

TEST(ScenarioLoader, ExpandsRepeatedRequestsAndSortsTheTimeline) {
  auto s = parse_scenario(std::string(kMinimal) +
                              "timeline:\n"
                              "  - {at: 20s, id: storm, request: {message: x, repeat: 3, every: 2s}}\n"
                              "  - {at: 15s, id: first, request: {message: y}}\n",
                          "s.yaml");
  ASSERT_EQ(s.timeline.size(), 4u);
  EXPECT_EQ(s.timeline[0].id, "first");
  EXPECT_EQ(s.timeline[1].at, std::chrono::seconds(20));
  EXPECT_EQ(s.timeline[3].at, std::chrono::seconds(24));
  EXPECT_EQ(s.timeline[3].id, "storm");
  EXPECT_EQ(s.timeline[0].line, 7);
}

TEST(ScenarioLoader, SchemaErrorsNameFileLineAndFieldPath) {
  EXPECT_EQ(error_of(std::string(kMinimal) + "colour: red\n"), "s.yaml:5: colour: unknown field 'colour'");
  EXPECT_EQ(error_of(std::string(kMinimal) + "timeline:\n  - {at: -5s, advance: true}\n"),
            "s.yaml:6: timeline[0].at: negative time '-5s' (offsets count from start_at)");
  EXPECT_EQ(error_of(std::string(kMinimal) + "timeline:\n  - {at: 5s, request: {mesage: hi}}\n"),
            "s.yaml:6: timeline[0].request.mesage: unknown field 'mesage'");
  EXPECT_EQ(error_of(std::string(kMinimal) + "timeline:\n  - {at: 5s}\n").find("s.yaml:6: timeline[0]: an event needs exactly one of"),
            0u);
  EXPECT_EQ(error_of(std::string(kMinimal) + "expect:\n  - response: {of: nowhere, status: 200}\n"),
            "s.yaml:6: expect[0].response.of: no event 'nowhere'");
  EXPECT_EQ(error_of(std::string(kMinimal) + "expect:\n  - alerts: {channel: pager}\n"),
            "s.yaml:6: expect[0].alerts.channel: expected email, telegram or webhook");
  EXPECT_EQ(error_of("name: x\nworld:\n  providers:\n    - {name: groq, kind: grok}\n").rfind("s.yaml:4: world.providers[0].kind", 0),
            0u);
  EXPECT_EQ(error_of(std::string(kMinimal) + "router:\n  config:\n    timeouts: {request: soon}\n"),
            "s.yaml:7: router.config.timeouts.request: expected a duration such as 250ms, 10s, 5m or 1h");
}

TEST(ScenarioLoader, StatusExpectationsAtATimeGetASnapshotThen) {
  auto s = parse_scenario(std::string(kMinimal) + "expect:\n  - status: {at: 1m, json: {incident.state: open}}\n",
                          "s.yaml");
  ASSERT_EQ(s.timeline.size(), 1u);
  EXPECT_EQ(s.timeline[0].kind, Event::Kind::advance);
  EXPECT_EQ(s.timeline[0].at, std::chrono::minutes(1));
}

TEST(ScenarioLoader, EveryLibraryScenarioLoads) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(KEYWARD_SOURCE_DIR) + "/scenarios/library")) {
    if (e.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_scenario(e.path().string())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 16);
}

}  // namespace
}  // namespace keyward::scenarios
