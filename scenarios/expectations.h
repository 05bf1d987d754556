#pragma once
// Checks a scenario's expectations against what the run recorded.
#include <string>
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
  // Not checked (black-box mode cannot see it): neither passed nor failed.
  bool skipped = false;
  std::string skip_reason;
};

// Why an expectation cannot be checked in a black-box run ("" when it can).
std::string black_box_unsupported(const Expectation& x);

std::vector<ExpectationResult> check_expectations(const Scenario& scenario, const RunRecord& run);

// A dotted path into JSON ("incident.state", "providers.0.keys.1.state").
const nlohmann::json* json_at(const nlohmann::json& j, const std::string& dotted);

}  // namespace keyward::scenarios
