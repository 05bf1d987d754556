#pragma once
// `keyward run --shrink`: the smallest scenario that still fails the same way.
//
// The target is the first failing expectation (by its YAML source text, which
// survives re-emission, and its "expected" text, so that a removal that makes
// it fail for another reason — the request it names is gone — does not count).
// Candidates are parsed Scenarios written back with emit_scenario and loaded
// again, so what is run is exactly what would be written. Steps, each kept
// only while the target still fails: other expectations; timeline events
// (delta debugging, then one by one); initial faults; keys and providers the
// router never called (a key it called is part of the story even when removing
// it would keep the failure: "no keys at all" is a different bug); sinks;
// then gaps between events (shorter durations).
#include <functional>
#include <string>
#include <vector>

#include "base/flags.h"
#include "scenarios/scenario.h"

namespace keyward::scenarios {

// Where the search stands, after each attempt (for a progress line).
struct ShrinkProgress {
  int attempts = 0, max_attempts = 0;
  size_t events = 0, providers = 0;  // the smallest failing scenario so far
};

struct ShrinkOptions {
  Millis budget{60'000};  // wall time for the whole search
  int max_attempts = 500; // scenario runs
  std::string work_dir = "build/scenario-runs/shrink";
  std::function<void(const ShrinkProgress&)> on_attempt;  // optional
};

struct ShrinkResult {
  bool failing = false;      // the input failed (else there is nothing to shrink)
  std::string setup_error;   // the input could not even start
  std::string target_source; // the expectation kept failing
  int target_line = 0;
  std::string target_expected, target_actual;
  Scenario minimal;
  std::string yaml;                  // emit_scenario(minimal)
  std::vector<std::string> removed;  // what went, one line each
  int attempts = 0;
  bool out_of_budget = false;
  double wall_s = 0;
};

ShrinkResult shrink_scenario(const Scenario& input, const ShrinkOptions& options);

// keyward run --shrink FILE -o OUT.yaml [--shrink-seconds N] [--shrink-attempts N] [--seed N] [--work-dir D]
// 0: a smaller failing scenario was written; 1: the scenario passes or does
// not start; 2: usage or schema error.
int shrink_main(int argc, char** argv);
// Its flags and help (`keyward run --shrink --help`).
extern const CommandHelp kShrinkCommand;

}  // namespace keyward::scenarios
