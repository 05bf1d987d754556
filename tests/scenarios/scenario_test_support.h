#pragma once
// What the scenario tests share: a library scenario's path, one run with its
// expectations checked, and the loader's error for a YAML text.
#include <string>

#include "scenarios/report.h"
#include "scenarios/scenario.h"
#include "tests/scenarios/test_dir.h"

namespace keyward::scenarios {

inline std::string library(const std::string& name) {
  return std::string(KEYWARD_SOURCE_DIR) + "/scenarios/library/" + name;
}

// Runs `s` in a work dir of its own under test_dir() and checks its expectations.
inline ScenarioOutcome run(Scenario s, const std::string& dir) {
  ScenarioOutcome o{std::move(s), {}, {}, {}};
  o.run = run_scenario(o.scenario, RunOptions{test_dir() + "/" + dir});
  o.results = check_expectations(o.scenario, o.run);
  return o;
}

// The loader's error for `yaml` (read as s.yaml), or "(no error)".
inline std::string error_of(const std::string& yaml) {
  try {
    parse_scenario(yaml, "s.yaml");
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace keyward::scenarios
