// The cluster fields of the scenario schema: `router.replicas`, `replica:` on
// requests, restarts, health checks and expectations, and the `redis`,
// `partition` and `heal` events; each bad value is a file:line + field error,
// and cluster-only fields in a one-router scenario are refused.
#include <gtest/gtest.h>

#include "scenarios/emit.h"
#include "scenarios/scenario.h"
#include "tests/scenarios/scenario_test_support.h"

namespace keyward::scenarios {
namespace {

const char* kWorld =
    "name: cluster\n"
    "world:\n"
    "  providers:\n"
    "    - {name: groq, kind: groq}\n";

std::string with_router(int replicas, const std::string& rest) {
  return std::string(kWorld) + "router:\n  replicas: " + std::to_string(replicas) + "\n" + rest;
}

TEST(ClusterSchema, ReplicasDefaultToOneAndAreReadWithTheClusterEvents) {
  EXPECT_EQ(parse_scenario(kWorld, "s.yaml").replicas, 1);
  auto s = parse_scenario(with_router(3,
                                      "timeline:\n"
                                      "  - {at: 1s, request: {message: hi, replica: 2}}\n"
                                      "  - {at: 2s, redis: {down: true}}\n"
                                      "  - {at: 3s, redis: {down: false}}\n"
                                      "  - {at: 4s, partition: {replica: 3}}\n"
                                      "  - {at: 5s, heal: {replica: 3}}\n"
                                      "  - {at: 6s, restart: {replica: 1, validate_on_start: false}}\n"
                                      "  - {at: 7s, health_check: {replica: 2}}\n"
                                      "expect:\n"
                                      "  - alerts: {channel: email, count: 0, replica: 2}\n"
                                      "  - log: {contains: x, replica: 1}\n"),
                          "s.yaml");
  EXPECT_EQ(s.replicas, 3);
  ASSERT_EQ(s.timeline.size(), 7u);
  EXPECT_EQ(s.timeline[0].request.replica, 2);
  EXPECT_EQ(s.timeline[1].kind, Event::Kind::redis);
  EXPECT_TRUE(s.timeline[1].redis_down);
  EXPECT_FALSE(s.timeline[2].redis_down);
  EXPECT_EQ(s.timeline[3].kind, Event::Kind::partition);
  EXPECT_EQ(s.timeline[3].replica, 3);
  EXPECT_EQ(s.timeline[4].kind, Event::Kind::heal);
  EXPECT_EQ(s.timeline[5].replica, 1);
  EXPECT_FALSE(s.timeline[5].validate_on_start);
  EXPECT_EQ(s.timeline[6].replica, 2);
  EXPECT_EQ(s.expectations[0].replica, 2);
  EXPECT_EQ(s.expectations[1].replica, 1);
}

TEST(ClusterSchema, BadReplicaCountsAndNumbersNameTheirLineAndField) {
  EXPECT_EQ(error_of(with_router(0, "")), "s.yaml:6: router.replicas: must be between 1 and 5");
  EXPECT_EQ(error_of(with_router(6, "")), "s.yaml:6: router.replicas: must be between 1 and 5");
  EXPECT_EQ(error_of(std::string(kWorld) + "router:\n  replicas: three\n"),
            "s.yaml:6: router.replicas: expected an integer, got 'three'");
  EXPECT_EQ(error_of(with_router(3, "timeline:\n  - {at: 1s, request: {message: hi, replica: 4}}\n")),
            "s.yaml:8: timeline[0].request.replica: must be between 1 and 3");
  EXPECT_EQ(error_of(with_router(2, "timeline:\n  - {at: 1s, partition: {}}\n")),
            "s.yaml:8: timeline[0].partition: missing field 'replica' (which replica, from 1 to 2)");
  EXPECT_EQ(error_of(with_router(2, "timeline:\n  - {at: 1s, redis: {up: true}}\n")),
            "s.yaml:8: timeline[0].redis.up: unknown field 'up'");
  EXPECT_EQ(error_of(with_router(2, "expect:\n  - status: {replica: 0}\n")),
            "s.yaml:8: expect[0].status.replica: must be between 1 and 2");
}

TEST(ClusterSchema, ClusterOnlyFieldsAndEventsAreRefusedOnOneRouter) {
  const std::string why = "needs a cluster (router: {replicas: N} with N from 2 to 5)";
  EXPECT_EQ(error_of(std::string(kWorld) + "timeline:\n  - {at: 1s, request: {message: hi, replica: 1}}\n"),
            "s.yaml:6: timeline[0].request.replica: replica " + why + "; this scenario runs one router");
  EXPECT_EQ(error_of(std::string(kWorld) + "timeline:\n  - {at: 1s, redis: {down: true}}\n"),
            "s.yaml:6: timeline[0].redis: " + why);
  EXPECT_EQ(error_of(std::string(kWorld) + "timeline:\n  - {at: 1s, partition: {replica: 1}}\n"),
            "s.yaml:6: timeline[0].partition: " + why);
  EXPECT_EQ(error_of(std::string(kWorld) + "timeline:\n  - {at: 1s, heal: {replica: 1}}\n"),
            "s.yaml:6: timeline[0].heal: " + why);
  EXPECT_EQ(error_of(std::string(kWorld) + "timeline:\n  - {at: 1s, restart: {replica: 1}}\n"),
            "s.yaml:6: timeline[0].restart.replica: replica " + why + "; this scenario runs one router");
  EXPECT_EQ(error_of(std::string(kWorld) + "expect:\n  - log: {contains: x, replica: 1}\n"),
            "s.yaml:6: expect[0].log.replica: replica " + why + "; this scenario runs one router");
  EXPECT_EQ(error_of(with_router(1, "timeline:\n  - {at: 1s, heal: {replica: 1}}\n")),
            "s.yaml:8: timeline[0].heal: " + why);
}

TEST(ClusterSchema, EmittedScenarioReadsBackTheSame) {
  auto s = parse_scenario(with_router(3,
                                      "timeline:\n"
                                      "  - {at: 1s, request: {message: hi, replica: 2}}\n"
                                      "  - {at: 2s, redis: {down: true}}\n"
                                      "  - {at: 4s, partition: {replica: 3}}\n"
                                      "  - {at: 5s, heal: {replica: 3}}\n"
                                      "  - {at: 6s, restart: {replica: 1}}\n"
                                      "  - {at: 7s, health_check: {replica: 2}}\n"),
                          "s.yaml");
  auto again = parse_scenario(emit_scenario(s), "emitted.yaml");
  EXPECT_EQ(again.replicas, 3);
  ASSERT_EQ(again.timeline.size(), s.timeline.size());
  for (size_t i = 0; i < s.timeline.size(); ++i) {
    EXPECT_EQ(again.timeline[i].kind, s.timeline[i].kind) << i;
    EXPECT_EQ(again.timeline[i].replica, s.timeline[i].replica) << i;
    EXPECT_EQ(again.timeline[i].request.replica, s.timeline[i].request.replica) << i;
    EXPECT_EQ(again.timeline[i].redis_down, s.timeline[i].redis_down) << i;
  }
}

}  // namespace
}  // namespace keyward::scenarios
