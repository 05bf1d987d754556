// one_incident_at_a_time: an open incident replaced by another before it
// resolved fails, and so does a resolved one opening again.
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kQuiet = "name: incidents\nworld: {providers: []}\n";

TEST(OneIncidentAtATime, IncidentsThatFollowOneAnotherPass) {
  RunRecord run;
  run.statuses = {{Millis(1000), status("")},
                  {Millis(2000), status("inc-1")},
                  {Millis(3000), status("", "inc-1")},
                  {Millis(4000), status("inc-2", "inc-1")},
                  {Millis(5000), status("inc-3", "inc-2")}};
  EXPECT_TRUE(judge("one_incident_at_a_time", scenario(kQuiet), run).passed);
}

TEST(OneIncidentAtATime, ASecondIncidentBeforeTheFirstResolvedFails) {
  RunRecord run;
  run.statuses = {{Millis(1000), status("inc-1")}, {Millis(2000), status("inc-2")}};
  CheckVerdict v = judge("one_incident_at_a_time", scenario(kQuiet), run);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.actual,
            "+00:00:02.000 incident inc-2 shown where inc-1 was open, without inc-1 resolving (last resolved: none)");
  // An incident that vanishes without resolving fails too.
  run.statuses[1].second = status("");
  EXPECT_FALSE(judge("one_incident_at_a_time", scenario(kQuiet), run).passed);
}

TEST(OneIncidentAtATime, AResolvedIncidentOpenAgainFails) {
  RunRecord run;
  run.statuses = {
      {Millis(1000), status("inc-1")}, {Millis(2000), status("", "inc-1")}, {Millis(3000), status("inc-1", "inc-1")}};
  CheckVerdict v = judge("one_incident_at_a_time", scenario(kQuiet), run);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.actual, "+00:00:03.000 incident inc-1 open again after it resolved");
}

}  // namespace
}  // namespace keyward::scenarios::testing
