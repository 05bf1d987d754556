// Safety checkers run on every scenario without being asked: a run that
// violates one fails the scenario, and says which checker and what it saw. A
// scenario may opt out of one by name with a reason; every report shows the
// opt-out and its reason. Unknown names and missing reasons are schema errors
// with file:line.
#include <fstream>
#include <sstream>

#include "scenarios/report.h"
#include "tests/scenarios/checkers/checker_support.h"
#include "tests/scenarios/test_dir.h"

namespace keyward::scenarios::testing {
namespace {

std::string library_text(const std::string& name) {
  std::ifstream in(std::string(KEYWARD_SOURCE_DIR) + "/scenarios/library/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int lines_of(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

std::string schema_error(const std::string& yaml) {
  try {
    scenario(yaml);
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kMinimal = "name: x\nworld: {providers: []}\n";

TEST(CheckerOptOut, IsReadWithItsReasonAndLine) {
  Scenario s =
      scenario(std::string(kMinimal) +
               "checkers:\n  skip:\n    one_alert_per_kind: \"the reminder test sends the same subject hourly\"\n");
  ASSERT_EQ(s.checker_opt_outs.size(), 1u);
  EXPECT_EQ(s.checker_opt_outs[0].checker, "one_alert_per_kind");
  EXPECT_EQ(s.checker_opt_outs[0].reason, "the reminder test sends the same subject hourly");
  EXPECT_EQ(s.checker_opt_outs[0].line, 5);
  EXPECT_FALSE(checker_applies(s, "one_alert_per_kind"));
  EXPECT_TRUE(checker_applies(s, "no_call_to_quarantined_key"));
  EXPECT_FALSE(checker_applies(s, "recovers"));  // liveness: only when asked
}

TEST(CheckerOptOut, UnknownNamesAndMissingReasonsAreSchemaErrors) {
  EXPECT_EQ(schema_error(std::string(kMinimal) + "checkers:\n  skip:\n    one_alert_per_knid: \"typo\"\n")
                .rfind("inline.yaml:5: checkers.skip.one_alert_per_knid: unknown checker 'one_alert_per_knid' (safety "
                       "checkers: no_call_to_quarantined_key|",
                       0),
            0u);
  EXPECT_EQ(schema_error(std::string(kMinimal) + "checkers:\n  skip:\n    one_alert_per_kind:\n"),
            "inline.yaml:5: checkers.skip.one_alert_per_kind: a reason is required: say why this scenario may violate "
            "'one_alert_per_kind' (one_alert_per_kind: \"...\")");
  EXPECT_EQ(schema_error(std::string(kMinimal) + "checkers:\n  skip:\n    one_alert_per_kind: \"  \"\n")
                .rfind("inline.yaml:5: checkers.skip.one_alert_per_kind: a reason is required", 0),
            0u);
  EXPECT_EQ(schema_error(std::string(kMinimal) + "checkers:\n  skip: [one_alert_per_kind]\n")
                .rfind("inline.yaml:4: checkers.skip: expected a mapping of checker name to the reason", 0),
            0u);
  EXPECT_EQ(schema_error(std::string(kMinimal) + "checkers:\n  skip:\n    recovers: \"slow\"\n")
                .rfind("inline.yaml:5: checkers.skip.recovers: 'recovers' is a liveness checker", 0),
            0u);
  EXPECT_EQ(schema_error(std::string(kMinimal) + "checkers:\n  sikp: {}\n"),
            "inline.yaml:4: checkers.sikp: unknown field 'sikp'");
  EXPECT_EQ(
      schema_error(std::string(kMinimal) +
                   "expect:\n  - invariant: one_alert_per_kind\ncheckers:\n  skip:\n    one_alert_per_kind: \"x\"\n"),
      "inline.yaml:7: checkers.skip.one_alert_per_kind: skipped here, but the expectation at line 4 asks for it");
}

// A real run of a library scenario, with its first alert also delivered
// twice by webhook: the router never did that, so the record is altered
// after the run (on a channel no expectation of the scenario counts).
ScenarioOutcome run_with_a_duplicate_alert(const std::string& yaml, const std::string& dir) {
  ScenarioOutcome o{scenario(yaml), {}, {}, {}};
  o.run = run_scenario(o.scenario, RunOptions{test_dir() + "/" + dir});
  EXPECT_TRUE(o.run.setup_error.empty()) << o.run.setup_error;
  EXPECT_FALSE(o.run.alerts.empty());
  if (!o.run.alerts.empty()) {
    AlertRecord twice = o.run.alerts.front();
    twice.channel = "webhook";
    o.run.alerts.push_back(twice);
    o.run.alerts.push_back(twice);
  }
  o.results = check_expectations(o.scenario, o.run);
  return o;
}

TEST(CheckerOptOut, AViolatedSafetyCheckerFailsTheScenarioUnasked) {
  std::string yaml = library_text("one_key_expired.yaml");
  ScenarioOutcome o = run_with_a_duplicate_alert(yaml, "optout-violated");
  ASSERT_FALSE(o.passed());
  ASSERT_EQ(o.failures(), 1);
  const ExpectationResult* failed = nullptr;
  for (const auto& r : o.results)
    if (!r.passed && !r.skipped) failed = &r;
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->expectation->invariant, "one_alert_per_kind");
  EXPECT_NE(failed->actual.find("webhook \"❌ Groq Key 1 Authentication Failed\" again"), std::string::npos)
      << failed->actual;
  std::string console = console_report(o, "keyward run one_key_expired.yaml");
  EXPECT_NE(console.find("  ✗ inline.yaml: {checker: one_alert_per_kind}  (safety, always on)\n"
                         "      expected: each alert subject at most once per channel per incident"),
            std::string::npos)
      << console;
  EXPECT_NE(junit_report({o}).find("name=\"invariant one_alert_per_kind (always on)\">\n      <failure"),
            std::string::npos);
}

TEST(CheckerOptOut, AnOptedOutCheckerIsSkippedAndEveryReportSaysWhy) {
  std::string yaml = library_text("one_key_expired.yaml");
  int line = lines_of(yaml) + 3;
  yaml += "checkers:\n  skip:\n    one_alert_per_kind: \"this test replays one alert twice\"\n";
  ScenarioOutcome o = run_with_a_duplicate_alert(yaml, "optout-skipped");
  EXPECT_TRUE(o.passed()) << console_report(o, "");
  EXPECT_EQ(o.skipped(), 1);
  std::string reason = "opted out of safety checker one_alert_per_kind: this test replays one alert twice";
  std::string console = console_report(o, "");
  EXPECT_NE(
      console.find("  - inline.yaml:" + std::to_string(line) + ": checkers.skip.one_alert_per_kind\n      " + reason),
      std::string::npos)
      << console;
  EXPECT_NE(junit_report({o}).find("<skipped message=\"" + reason + "\"/>"), std::string::npos);
  std::string json = json_report({o});
  EXPECT_NE(json.find("\"skip_reason\": \"" + reason + "\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"checker\": \"one_alert_per_kind\""), std::string::npos);
  EXPECT_NE(html_report({o}).find("skip\">" + reason), std::string::npos);
}

}  // namespace
}  // namespace keyward::scenarios::testing
