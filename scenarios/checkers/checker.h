#pragma once
// Checkers: properties of a whole run, judged from the recorded run and the
// scenario that describes its world (TigerBeetle's VOPR style: one checker per
// property, one file each, in scenarios/checkers/).
//
//   safety    something bad never happens. Every safety checker runs on every
//             scenario run (library, replayed, shrunk, the soak's records)
//             without being asked; a scenario may opt out of one by name, with
//             a reason (`checkers: {skip: {NAME: "why"}}`, docs/SCENARIOS.md).
//   liveness  something good eventually happens. Runs only when an
//             expectation asks for it (`- invariant: NAME`): whether "eventually"
//             is reachable depends on the scenario's timeline.
//
// A checker is pure: it reads the Scenario and the RunRecord and returns a
// verdict; it never runs anything.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/runner.h"

namespace keyward::scenarios {

enum class CheckerKind { safety, liveness };
const char* to_string(CheckerKind k);

struct CheckVerdict {
  bool passed = true;
  std::string expected;  // the property, as violated (set when !passed)
  std::string actual;    // what the run showed: the violations (bounded), or a remark on a pass
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual const char* name() const = 0;
  virtual CheckerKind kind() const = 0;
  // Why a black-box run (an external router on the wall clock) cannot be
  // judged: "" when it can.
  virtual const char* black_box_gap() const { return ""; }
  virtual CheckVerdict check(const Scenario& s, const RunRecord& run) const = 0;
};

// Every checker, in a fixed order (safety first).
const std::vector<const Checker*>& all_checkers();
const Checker* find_checker(std::string_view name);
// "a|b|c" of the checkers of that kind (all of them without one).
std::string checker_names(std::optional<CheckerKind> kind = std::nullopt);

// The checkers, each defined in its own file.
const Checker& no_call_to_quarantined_key_checker();
const Checker& no_emergency_while_key_valid_checker();
const Checker& one_alert_per_kind_checker();
const Checker& one_incident_at_a_time_checker();
const Checker& well_formed_responses_checker();
const Checker& reports_serving_provider_checker();
const Checker& no_secret_in_output_checker();
const Checker& recovers_checker();

// Collects violations for a verdict: the first few in full, the rest counted,
// so that a storm of them does not flood a report.
class Violations {
 public:
  explicit Violations(size_t shown = 5) : shown_(shown) {}
  void add(const std::string& what);
  size_t count() const { return count_; }
  CheckVerdict verdict(const std::string& property) const;

 private:
  size_t shown_;
  size_t count_ = 0;
  std::string text_;
};

}  // namespace keyward::scenarios
