#pragma once
// The self-check (`keyward run --self-check`): after a scenario ran, each of
// its expectations that passed is judged again against the recorded run with
// its expected value mutated — a count +1 (a bound moved past the actual
// value), another status, another source, a `contains` text that is not
// there, another JSON value, another incident state, a window moved past the
// end. An expectation that still passes under a mutation checks nothing
// there: it is reported as vacuous, with its YAML line. No re-run: the
// recorded run is judged again.
#include <string>
#include <vector>

#include "scenarios/expectations.h"

namespace keyward::scenarios {

struct VacuousExpectation {
  const Expectation* expectation = nullptr;
  int line = 0;
  std::string mutation;  // what was changed and still passed ("status 200 -> 500")
};

// The scenario's own expectations (not the always-on checkers) that passed
// in `results` and still pass with a mutated expected value.
std::vector<VacuousExpectation> self_check(const Scenario& scenario, const RunRecord& run,
                                           const std::vector<ExpectationResult>& results);

// "file:line: vacuous expectation: <mutation> still passes: <source>" lines.
std::string describe_vacuous(const Scenario& scenario, const std::vector<VacuousExpectation>& found);

}  // namespace keyward::scenarios
