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
  EXPECT_EQ(v.actual, "+00:00:20.000 email \"" + std::string(kKeyAlert) +
                          "\" again in incident inc-1 (first raised +00:00:10.000)");
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

// An email as the router writes it: "Name: value" fields in the text.
AlertRecord email(Millis delivered, const std::string& subject, const std::string& fields) {
  return AlertRecord{0, delivered, "email", subject, "API Key Authentication Failure\n\n" + fields};
}

TEST(OneAlertPerKind, AlertsAreJudgedByWhenTheyWereRaisedNotDelivered) {
  // Two incidents' emergencies, delivered together after the channel came back.
  RunRecord run;
  run.statuses = {{Millis(60'000), status("", "inc-2")}};
  nlohmann::json one = {{"subject", "🚨 EMERGENCY"}, {"incident_id", "inc-1"}, {"created_at", "2025-11-18T08:00:10Z"}};
  nlohmann::json two = {{"subject", "🚨 EMERGENCY"}, {"incident_id", "inc-2"}, {"created_at", "2025-11-18T08:00:40Z"}};
  run.alerts = {{0, Millis(60'000), "webhook", "🚨 EMERGENCY", one.dump()},
                {0, Millis(60'000), "webhook", "🚨 EMERGENCY", two.dump()}};
  Scenario s = scenario(std::string(kQuiet) + "start_at: 2025-11-18T08:00:00Z\n");
  EXPECT_TRUE(judge("one_alert_per_kind", s, run).passed);
  two["incident_id"] = "inc-1";  // the same incident twice: a storm, however late
  run.alerts[1].text = two.dump();
  CheckVerdict v = judge("one_alert_per_kind", s, run);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.actual.find("(raised +00:00:40.000) again in incident inc-1 (first raised +00:00:10.000)"),
            std::string::npos)
      << v.actual;
  // An email names its incident in its text.
  run.alerts = {email(Millis(60'000), "🚨 EMERGENCY", "Time: 2025-11-18T08:00:10Z\nIncident: inc-1\n"),
                email(Millis(60'000), "🚨 EMERGENCY", "Time: 2025-11-18T08:00:40Z\nIncident: inc-2\n")};
  EXPECT_TRUE(judge("one_alert_per_kind", s, run).passed);
}

TEST(OneAlertPerKind, AKeyThatAnsweredInBetweenStartsANewEpisode) {
  Scenario s = scenario(std::string(kQuiet) + "start_at: 2025-11-18T08:00:00Z\n");
  RunRecord run;
  run.statuses = {{Millis(0), status("")}};
  std::string key2 = "Provider: Groq\nKey ID: Groq Key 2 (gsk-...002, GROQ_API_KEY_2)\n";
  run.alerts = {email(Millis(10'000), kKeyAlert, key2 + "Time: 2025-11-18T08:00:10Z\n"),
                email(Millis(50'000), kKeyAlert, key2 + "Time: 2025-11-18T08:00:50Z\n")};
  EXPECT_FALSE(judge("one_alert_per_kind", s, run).passed);
  run.calls = {chat_call(0, Millis(30'000), "groq", 1, 200)};  // another key's answer: the same episode
  EXPECT_FALSE(judge("one_alert_per_kind", s, run).passed);
  run.calls.push_back(chat_call(0, Millis(30'000), "groq", 2, 200));
  EXPECT_TRUE(judge("one_alert_per_kind", s, run).passed);
  run.calls.clear();  // the router's own journal says so too
  run.router_journal = {{{"time", "2025-11-18T08:00:30.000Z"},
                         {"type", "attempt"},
                         {"class", "ok"},
                         {"provider", "groq"},
                         {"key_id", 2}}};
  EXPECT_TRUE(judge("one_alert_per_kind", s, run).passed);
}

TEST(OneAlertPerKind, TelegramIsNotJudgedOnceItsSinkHadAFault) {
  // Telegram messages name no incident and no time: placed by delivery,
  // which says nothing once the channel was down.
  std::string yaml = std::string(kQuiet) + "  - {at: 5s, sink_fault: {sink: telegram, status: 502}}\n";
  RunRecord run;
  run.statuses = {{Millis(60'000), status("inc-1")}};
  run.alerts = {alert(Millis(60'000), "telegram", "🚨 EMERGENCY ALERT"),
                alert(Millis(60'000), "telegram", "🚨 EMERGENCY ALERT")};
  EXPECT_FALSE(judge("one_alert_per_kind", scenario(kQuiet), run).passed);
  EXPECT_TRUE(judge("one_alert_per_kind", scenario(yaml), run).passed);
}

}  // namespace
}  // namespace keyward::scenarios::testing
