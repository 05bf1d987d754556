// no_call_to_quarantined_key on a cluster: a call through a replica after a
// quarantine had reached it fails — recorded in its own journal (observed, or
// applied from the cluster), or recorded by another replica while both
// reached Redis; a replica cut off from Redis is judged by what it knew.
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kThreeReplicas = R"(
name: three replicas
start_at: 2025-11-18T08:00:00Z
world:
  providers:
    - {name: groq, kind: groq, keys: {gsk-test-key-one-0001: valid, gsk-test-key-two-0002: valid}}
router:
  env: "GROQ_API_KEY_1=gsk-test-key-one-0001\nGROQ_API_KEY_2=gsk-test-key-two-0002\n"
  replicas: 3
timeline:
  - {at: 5s, id: cut, partition: {replica: 3}}
  - {at: 10s, request: {message: hi, replica: 1}}
  - {at: 30s, request: {message: hi, replica: 2}}
  - {at: 40s, request: {message: hi, replica: 3}}
)";

nlohmann::json quarantine(int replica, bool from_cluster) {
  nlohmann::json j = {
      {"time", "2025-11-18T08:00:10.000Z"},  {"type", "key_quarantined"}, {"provider", "groq"}, {"key_id", 1},
      {"until", "2025-11-18T08:05:10.000Z"}, {"replica", replica}};
  if (from_cluster) j["from_cluster"] = true;
  return j;
}

CallRecord call_by(int replica, size_t event, Millis at, int key) {
  CallRecord c = chat_call(event, at, "groq", key, key == 1 ? 401 : 200);
  c.replica = replica;
  return c;
}

// Replica 1 quarantined key 1 at 10 s (the call that did it is not judged).
RunRecord learnt_on_replica_1() {
  RunRecord run;
  run.replicas.resize(3);
  run.router_journal.push_back(quarantine(1, false));
  run.calls.push_back(call_by(1, 1, Millis(10'000), 1));
  run.calls.push_back(call_by(1, 1, Millis(10'000), 2));
  return run;
}

TEST(NoCallOnACluster, ACallAfterTheQuarantineReachedTheCallerFails) {
  Scenario s = scenario(kThreeReplicas);
  RunRecord run = learnt_on_replica_1();
  run.router_journal.push_back(quarantine(2, true));  // applied on replica 2 from the cluster
  run.calls.push_back(call_by(2, 2, Millis(30'000), 1));
  CheckVerdict v = judge("no_call_to_quarantined_key", s, run);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.actual,
            "+00:00:30.000 chat call by replica 2 to groq key 1, quarantined on replica 1 from +00:00:10.000 until "
            "+00:05:10.000");
}

TEST(NoCallOnACluster, AVerdictThatShouldHaveReachedAConnectedReplicaBindsItEvenUnjournaled) {
  // Propagation broken: replica 2 never journaled it, yet both reached Redis
  // when replica 1 recorded it, so it had to arrive before the next event.
  Scenario s = scenario(kThreeReplicas);
  RunRecord run = learnt_on_replica_1();
  run.calls.push_back(call_by(2, 2, Millis(30'000), 1));
  EXPECT_FALSE(judge("no_call_to_quarantined_key", s, run).passed);
}

TEST(NoCallOnACluster, APartitionedReplicaIsJudgedByWhatItKnewAlone) {
  Scenario s = scenario(kThreeReplicas);
  RunRecord run = learnt_on_replica_1();
  run.calls.push_back(call_by(3, 3, Millis(40'000), 1));  // replica 3 is cut off since 5 s
  EXPECT_TRUE(judge("no_call_to_quarantined_key", s, run).passed);
  // ... unless it observed the quarantine itself.
  nlohmann::json own = quarantine(3, false);
  own["time"] = "2025-11-18T08:00:20.000Z";
  run.router_journal.push_back(own);
  EXPECT_FALSE(judge("no_call_to_quarantined_key", s, run).passed);
}

TEST(NoCallOnACluster, AReleaseOnOneReplicaEndsOnlyItsOwnWindow) {
  Scenario s = scenario(kThreeReplicas);
  RunRecord run = learnt_on_replica_1();
  run.router_journal.push_back(quarantine(2, true));
  // Replica 1 releases it at 20 s: replica 2's window goes on.
  run.router_journal.push_back({{"time", "2025-11-18T08:00:20.000Z"},
                                {"type", "key_released"},
                                {"provider", "groq"},
                                {"key_id", 1},
                                {"replica", 1}});
  run.calls.push_back(call_by(1, 2, Millis(25'000), 1));
  run.calls.push_back(call_by(2, 2, Millis(30'000), 1));
  CheckVerdict v = judge("no_call_to_quarantined_key", s, run);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.actual.find("chat call by replica 2"), std::string::npos) << v.actual;
  EXPECT_EQ(v.actual.find("chat call by replica 1"), std::string::npos) << v.actual;
}

}  // namespace
}  // namespace keyward::scenarios::testing
