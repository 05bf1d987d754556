// one_alert_per_kind on a cluster: the replicas' alerts count together (one
// alert cluster-wide), except those a replica raised while cut off from
// Redis, which are judged per replica (at least once per replica).
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kCluster = R"(
name: three replicas
world: {providers: []}
router:
  replicas: 3
timeline:
  - {at: 5s, partition: {replica: 3}}
  - {at: 30s, heal: {replica: 3}}
  - {at: 2h, advance: true}
)";
const char* kEmergency = "🚨 EMERGENCY: All AI Keys Failed!";

AlertRecord from(int replica, Millis at) {
  AlertRecord a = alert(at, "email", kEmergency);
  a.replica = replica;
  return a;
}

RunRecord in_incident(std::vector<AlertRecord> alerts) {
  RunRecord run;
  run.replicas.resize(3);
  run.statuses = {{Millis(10'000), status("inc-1")}, {Millis(40'000), status("inc-1")}};
  run.alerts = std::move(alerts);
  return run;
}

TEST(OneAlertOnACluster, TwoConnectedReplicasSendingTheSameAlertFail) {
  CheckVerdict v =
      judge("one_alert_per_kind", scenario(kCluster), in_incident({from(1, Millis(10'000)), from(2, Millis(20'000))}));
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.actual, "+00:00:20.000 email \"" + std::string(kEmergency) +
                          "\" from replica 2 again in incident inc-1 (first raised +00:00:10.000)");
}

TEST(OneAlertOnACluster, AReplicaCutOffFromRedisMayRepeatItOnce) {
  EXPECT_TRUE(
      judge("one_alert_per_kind", scenario(kCluster), in_incident({from(1, Millis(10'000)), from(3, Millis(20'000))}))
          .passed);
  // ... but only once, and not after the partition healed.
  EXPECT_FALSE(judge("one_alert_per_kind", scenario(kCluster),
                     in_incident({from(1, Millis(10'000)), from(3, Millis(20'000)), from(3, Millis(25'000))}))
                   .passed);
  EXPECT_FALSE(
      judge("one_alert_per_kind", scenario(kCluster), in_incident({from(1, Millis(10'000)), from(3, Millis(40'000))}))
          .passed);
}

}  // namespace
}  // namespace keyward::scenarios::testing
