#pragma once
// Checks a scenario's expectations against what the run recorded, and runs
// every safety checker (scenarios/checkers/checker.h) the scenario does not
// opt out of.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/runner.h"

namespace keyward::scenarios {

struct ExpectationResult {
  ExpectationResult(const Expectation* x = nullptr, bool ok = false, std::string want = {}, std::string got = {})
      : expectation(x), passed(ok), expected(std::move(want)), actual(std::move(got)) {}
  const Expectation* expectation;
  bool passed = false;
  std::string expected;
  std::string actual;
  // Not checked (black-box mode cannot see it, or the scenario opted out of
  // the checker): neither passed nor failed.
  bool skipped = false;
  std::string skip_reason;
  // A safety checker the scenario did not ask for, or its opt-out, has no
  // Expectation in the scenario: the result owns the one it points at.
  std::shared_ptr<const Expectation> owned;
};

// Why an expectation cannot be checked in a black-box run ("" when it can).
std::string black_box_unsupported(const Expectation& x);

// The scenario's expectations in file order, then one result per safety
// checker it does not ask for by name: the verdict, or, for an opt-out, a
// skipped result with the reason (line: the opt-out's).
std::vector<ExpectationResult> check_expectations(const Scenario& scenario, const RunRecord& run);

// One expectation of the scenario's kinds (not black-box aware): the
// self-check (self_check.h) re-judges mutated copies with it.
ExpectationResult check_expectation(const Scenario& scenario, const RunRecord& run, const Expectation& x);

// Whether checker `name` judges runs of this scenario: asked for by an
// expectation, or a safety checker it does not opt out of.
bool checker_applies(const Scenario& scenario, std::string_view name);

// A dotted path into JSON ("incident.state", "providers.0.keys.1.state").
const nlohmann::json* json_at(const nlohmann::json& j, const std::string& dotted);

}  // namespace keyward::scenarios
