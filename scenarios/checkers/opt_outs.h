#pragma once
// The scenario field `checkers: {skip: {NAME: "why"}}` (docs/SCENARIOS.md).
#include <vector>

#include "base/yaml_reader.h"
#include "scenarios/scenario.h"

namespace keyward::scenarios {

// Reads `checkers`; throws SchemaError (file:line: checkers.skip.NAME:
// message) for an unknown checker, a liveness checker (it only runs when
// asked, there is nothing to skip), a missing or empty reason, or a checker
// the scenario both skips and asks for (`- invariant: NAME`).
std::vector<CheckerOptOut> parse_checker_opt_outs(const YamlField& checkers,
                                                  const std::vector<Expectation>& expectations);

}  // namespace keyward::scenarios
