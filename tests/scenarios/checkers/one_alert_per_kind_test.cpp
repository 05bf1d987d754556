// one_alert_per_kind: the same subject twice on a channel within one
// incident fails; outside incidents a repeat needs the reminder interval;
// each incident may send its own RESOLVED.
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kQuiet = "name: alerts\nworld: {providers: []}\ntimeline:\n  - {at: 2h, advance: true}\n";
const char* kKeyAlert = "❌ Groq Key 2 Authentication Failed";
const char* kResolved = "✅ RESOLVED: All AI Keys Restored";

TEST(OneAlertPerKind, TheSameSubjectTwiceInOneIncidentFails) {
  RunRecord run;
  run.statuses = {{Millis(10'000), status("inc-1")}, {Millis(20'000), status("inc-1")}};
  run.alerts = {alert(Millis(10'000), "email", kKeyAlert), alert(Millis(20'000), "email", kKeyAlert)};
  CheckVerdict v = judge("one_alert_per_kind", scenario(kQuiet), run);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.actual,
            "+00:00:20.000 email \"" + std::string(kKeyAlert) + "\" again in incident inc-1 (first at +00:00:10.000)");
  // Another channel, or another incident, is another alert.
  run.alerts[1].channel = "telegram";
  EXPECT_TRUE(judge("one_alert_per_kind", scenario(kQuiet), run).passed);
  run.alerts[1].channel = "email";
  run.statuses[1].second = status("inc-2", "inc-1");
  EXPECT_TRUE(judge("one_alert_per_kind", scenario(kQuiet), run).passed);
}

TEST(OneAlertPerKind, OutsideIncidentsARepeatWaitsForTheReminderInterval) {
  RunRecord run;
  run.statuses = {{Millis(10'000), status("")}, {Millis(20'000), status("")}, {Millis(80 * 60'000), status("")}};
  run.alerts = {alert(Millis(10'000), "email", kKeyAlert), alert(Millis(20'000), "email", kKeyAlert)};
  CheckVerdict v = judge("one_alert_per_kind", scenario(kQuiet), run);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.actual.find("again outside an incident, 10 seconds after the last one (reminder interval 1 hour)"),
            std::string::npos)
      << v.actual;
  run.alerts[1].at = Millis(80 * 60'000);  // 1 h 20 min later: a new episode
  EXPECT_TRUE(judge("one_alert_per_kind", scenario(kQuiet), run).passed);
}

TEST(OneAlertPerKind, EachIncidentResolvesOnce) {
  RunRecord run;
  run.statuses = {{Millis(10'000), status("", "inc-1")}, {Millis(20'000), status("", "inc-2")}};
  run.alerts = {alert(Millis(10'000), "email", kResolved), alert(Millis(20'000), "email", kResolved)};
  EXPECT_TRUE(judge("one_alert_per_kind", scenario(kQuiet), run).passed);
  run.statuses[1].second = status("", "inc-1");  // the same incident resolved twice
  EXPECT_FALSE(judge("one_alert_per_kind", scenario(kQuiet), run).passed);
}

}  // namespace
}  // namespace keyward::scenarios::testing
