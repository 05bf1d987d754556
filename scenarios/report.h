#pragma once
// What a run of many scenarios prints and writes: console verdicts, JUnit XML,
// a JSON journal and an HTML timeline report.
#include <string>
#include <vector>

#include "scenarios/expectations.h"
#include "scenarios/self_check.h"

namespace keyward::scenarios {

struct ScenarioOutcome {
  Scenario scenario;
  RunRecord run;
  std::vector<ExpectationResult> results;
  std::vector<VacuousExpectation> vacuous;  // --self-check: each one fails the scenario
  bool passed() const;   // skipped expectations and skipped scenarios do not fail
  int failures() const;
  int skipped() const;    // expectations not checked (black-box)
};

// One scenario's console block: verdict, and on failure each failed
// expectation (YAML line, expected vs actual), the compact timeline and the
// command that replays it.
std::string console_report(const ScenarioOutcome& o, const std::string& replay_command);
std::string junit_report(const std::vector<ScenarioOutcome>& outcomes);
std::string json_report(const std::vector<ScenarioOutcome>& outcomes);
std::string html_report(const std::vector<ScenarioOutcome>& outcomes);

}  // namespace keyward::scenarios
