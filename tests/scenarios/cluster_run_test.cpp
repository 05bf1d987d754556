// Cluster scenarios end to end: three in-process replicas on one simulated
// clock, a private redis-server and a fault proxy per replica.
#include <gtest/gtest.h>

#include "tests/scenarios/scenario_test_support.h"

namespace keyward::scenarios {
namespace {

size_t journal_lines(const ReplicaRecord& r, const std::string& type, bool from_cluster) {
  size_t n = 0;
  for (const auto& j : r.router_journal)
    n += j.value("type", "") == type && j.value("from_cluster", false) == from_cluster ? 1 : 0;
  return n;
}

TEST(ClusterRun, TheSameSeedGivesAByteIdenticalJournal) {
  Scenario s = load_scenario(library("cluster_all_keys_auth_failed.yaml"));
  auto a = run(s, "cluster-det-a");
  auto b = run(s, "cluster-det-b");
  ASSERT_TRUE(a.passed()) << console_report(a, "");
  EXPECT_EQ(a.run.journal().dump(), b.run.journal().dump());
  ASSERT_EQ(a.run.replicas.size(), 3u);
  // Each replica's own record: its statuses after every event, its journal.
  for (const auto& r : a.run.replicas) {
    EXPECT_EQ(r.statuses.size(), a.run.statuses.size());
    EXPECT_FALSE(r.router_journal.empty());
  }
}

TEST(ClusterRun, AReplicaJournalsTheQuarantinesItLearntFromTheCluster) {
  auto o = run(load_scenario(library("cluster_quarantine_shared.yaml")), "cluster-learnt");
  ASSERT_TRUE(o.passed()) << console_report(o, "");
  EXPECT_EQ(journal_lines(o.run.replicas[0], "key_quarantined", false), 1u);
  EXPECT_EQ(journal_lines(o.run.replicas[0], "key_quarantined", true), 0u);
  for (size_t n : {1u, 2u}) {
    EXPECT_EQ(journal_lines(o.run.replicas[n], "key_quarantined", true), 1u) << "replica " << n + 1;
    EXPECT_EQ(journal_lines(o.run.replicas[n], "key_quarantined", false), 0u) << "replica " << n + 1;
  }
  // Requests went where they were sent, and their calls are theirs.
  for (const auto& c : o.run.calls) {
    if (!c.chat) continue;
    int sent_to = c.at < Millis(20'000) ? 1 : c.at < Millis(30'000) ? 2 : 3;
    EXPECT_EQ(c.replica, sent_to) << c.at.count() << " ms";
  }
}

const char* kPartitioned = R"(
name: partitioned replica learns nothing until healed
seed: 3
world:
  providers:
    - {name: groq, kind: groq, keys: {gsk-part-key-00001: valid, gsk-part-key-00002: valid}}
router:
  env: "GROQ_API_KEY_1=gsk-part-key-00001\nGROQ_API_KEY_2=gsk-part-key-00002\n"
  validate_on_start: false
  replicas: 3
timeline:
  - {at: 5s, partition: {replica: 3}}
  - {at: 10s, key_state: {provider: groq, key: gsk-part-key-00001, state: revoked}}
  - {at: 15s, id: learn, request: {message: one, replica: 1}}
  - {at: 20s, id: cut_off, request: {message: two, replica: 3}}
  - {at: 25s, heal: {replica: 3}}
  - {at: 30s, id: healed, request: {message: three, replica: 3}}
  - {at: 35s, id: turns, request: {message: four, repeat: 4, every: 1s}}
  - {at: 40s, restart: {replica: 2, validate_on_start: false}}
  - {at: 45s, id: restarted, request: {message: five, replica: 2}}
expect:
  - provider_calls: {during: [cut_off], per_key: {groq: [1, 1]}}
  - provider_calls: {during: [healed], per_key: {groq: [0, 1]}}
  - status: {at: 22s, replica: 3, json: {cluster.state: degraded}}
  - status: {at: 26s, json: {cluster.state: connected}}
  # Restarted on its store, replica 2 learns the quarantine again from Redis.
  - provider_calls: {during: [restarted], per_key: {groq: [0, 1]}}
  - status: {at: 41s, replica: 2, json: {providers.0.keys.0.state: quarantined}}
)";

TEST(ClusterRun, APartitionedReplicaLearnsNothingUntilHealedAndARestartedOneRelearns) {
  auto o = run(parse_scenario(kPartitioned, "partitioned.yaml"), "cluster-partition");
  ASSERT_TRUE(o.passed()) << console_report(o, "");
  // Requests without `replica` go to the replicas in turn.
  std::vector<int> turns;
  for (const auto& r : o.run.requests)
    if (r.at >= Millis(35'000) && r.at < Millis(40'000)) turns.push_back(r.replica);
  EXPECT_EQ(turns, (std::vector<int>{1, 2, 3, 1}));
}

TEST(ClusterRun, RedisDownInTheMiddleOfAnIncidentEveryRequestIsAnswered) {
  auto o = run(load_scenario(library("cluster_redis_down.yaml")), "cluster-redis-down");
  ASSERT_TRUE(o.passed()) << console_report(o, "");
  for (const auto& r : o.run.requests) EXPECT_NE(r.status, 0) << "every request answered";
}

}  // namespace
}  // namespace keyward::scenarios
