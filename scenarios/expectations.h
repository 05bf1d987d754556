#pragma once
// Checks a scenario's expectations against what the run recorded.
#include <string>
#include <vector>

#include "scenarios/runner.h"

namespace keyward::scenarios {

struct ExpectationResult {
  const Expectation* expectation;
  bool passed = false;
  std::string expected;
  std::string actual;
};

std::vector<ExpectationResult> check_expectations(const Scenario& scenario, const RunRecord& run);

// A dotted path into JSON ("incident.state", "providers.0.keys.1.state").
const nlohmann::json* json_at(const nlohmann::json& j, const std::string& dotted);

}  // namespace keyward::scenarios
