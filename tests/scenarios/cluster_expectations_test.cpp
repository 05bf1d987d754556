// Expectations on a cluster run: without `replica` they judge the whole
// cluster (every alert, every replica's log; a status or incident must hold
// on every replica), with `replica: N` only what replica N showed. Each fails
// on a run that breaks it.
#include <gtest/gtest.h>

#include "scenarios/expectations.h"

namespace keyward::scenarios {
namespace {

const char* kCluster = R"(
name: two replicas
world:
  providers:
    - {name: groq, kind: groq}
router:
  replicas: 2
timeline:
  - {at: 10s, request: {message: hi}}
expect:
  - alerts: {channel: email, subject: {contains: Failed}, count: 2}
  - alerts: {channel: email, subject: {contains: Failed}, count: 1, replica: 2}
  - log: {contains: unreachable, count: 2}
  - log: {contains: unreachable, count: 1, replica: 1}
  - status: {at: 10s, json: {incident.state: open}}
  - status: {at: 10s, replica: 2, json: {incident.state: open}}
  - incident: {state: open}
)";

nlohmann::json incident(const std::string& state) { return {{"incident", {{"state", state}, {"id", "inc-1"}}}}; }

// Both replicas alerted once, logged once, and show the incident open.
RunRecord healthy_run() {
  RunRecord run;
  run.replicas.resize(2);
  for (int n = 1; n <= 2; ++n) {
    run.alerts.push_back({0, Millis(10'000), "email", "Groq Key 1 Authentication Failed", "text", n});
    std::pair<Millis, std::string> line{Millis(10'000), "WARN: cluster: Redis is unreachable"};
    run.logs.push_back(line);
    run.replicas[static_cast<size_t>(n - 1)].logs.push_back(line);
    run.replicas[static_cast<size_t>(n - 1)].statuses.push_back({Millis(10'000), incident("open")});
  }
  run.statuses = run.replicas[0].statuses;
  return run;
}

std::vector<bool> verdicts(const Scenario& s, const RunRecord& run) {
  std::vector<bool> out;
  for (const auto& x : s.expectations) out.push_back(check_expectation(s, run, x).passed);
  return out;
}

TEST(ClusterExpectations, AHealthyRunPassesEveryOne) {
  Scenario s = parse_scenario(kCluster, "c.yaml");
  EXPECT_EQ(verdicts(s, healthy_run()), std::vector<bool>(7, true));
}

TEST(ClusterExpectations, AlertsCountTheClusterOrTheReplicaThatDeliveredThem) {
  Scenario s = parse_scenario(kCluster, "c.yaml");
  RunRecord run = healthy_run();
  run.alerts[1].replica = 1;  // both from replica 1: the cluster still got two
  EXPECT_EQ(verdicts(s, run), (std::vector<bool>{true, false, true, true, true, true, true}));
  auto r = check_expectation(s, run, s.expectations[1]);
  EXPECT_EQ(r.actual.rfind("replica 2: 0 matching", 0), 0u) << r.actual;
  run.alerts.pop_back();
  EXPECT_FALSE(check_expectation(s, run, s.expectations[0]).passed);
}

TEST(ClusterExpectations, LogsCountEveryReplicaOrOne) {
  Scenario s = parse_scenario(kCluster, "c.yaml");
  RunRecord run = healthy_run();
  run.replicas[0].logs.clear();  // replica 1 never said it
  run.logs.pop_back();
  EXPECT_EQ(verdicts(s, run), (std::vector<bool>{true, true, false, false, true, true, true}));
}

TEST(ClusterExpectations, AStatusOrIncidentMustHoldOnEveryReplica) {
  Scenario s = parse_scenario(kCluster, "c.yaml");
  RunRecord run = healthy_run();
  run.replicas[1].statuses.back().second = incident("none");  // replica 2 never heard of it
  EXPECT_EQ(verdicts(s, run), (std::vector<bool>{true, true, true, true, false, false, false}));
  auto r = check_expectation(s, run, s.expectations[4]);
  EXPECT_EQ(r.actual.rfind("replica 2: ", 0), 0u) << r.actual;
}

}  // namespace
}  // namespace keyward::scenarios
