// no_emergency_while_key_valid (safety): the router never gives up (the
// emergency answer) while a key of its active .env was usable in the world
// and it had no reason to skip it: the key was not out of service and its
// provider not ejected, by the router's own journal. A key the world fixed
// while the router still had it quarantined is the router's knowledge lagging
// the world, by design, not a violation.
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"
#include "scenarios/checkers/world_model.h"

namespace keyward::scenarios {

namespace {

class NoEmergencyWhileKeyValid final : public Checker {
 public:
  const char* name() const override { return "no_emergency_while_key_valid"; }
  CheckerKind kind() const override { return CheckerKind::safety; }
  const char* black_box_gap() const override {
    return "needs the router's journal on the scenario clock (which keys it had out)";
  }

  CheckVerdict check(const Scenario& s, const RunRecord& run) const override {
    auto usable = usable_keys_before_events(s, false);
    auto usable_for_streams = usable_keys_before_events(s, true);
    auto windows = out_windows(s, run);
    Violations v;
    for (const auto& req : run.requests) {
      if (answer_source(req) != "emergency" || req.event >= s.timeline.size()) continue;
      bool stream = s.timeline[req.event].request.stream;
      std::vector<std::string> skipped;
      for (const auto& k : (stream ? usable_for_streams : usable)[req.event]) {
        bool out = false;
        for (const auto& w : windows) out = out || covers(w, k.provider, k.index, req.at);
        if (!out) skipped.push_back(k.label());
      }
      if (skipped.empty()) continue;
      int yaml_line = s.timeline[req.event].line;
      std::string line = yaml_line > 0 ? ", YAML line " + std::to_string(yaml_line) : "";
      v.add(offset_label(req.at) + " emergency answer (status " + std::to_string(req.status) + line +
            ") while usable and not out of service: " + skipped.front() +
            (skipped.size() > 1 ? " and " + std::to_string(skipped.size() - 1) + " more" : ""));
    }
    return v.verdict("no emergency answer while a router key was usable in the world and not out of service");
  }
};

}  // namespace

const Checker& no_emergency_while_key_valid_checker() {
  static const NoEmergencyWhileKeyValid c;
  return c;
}

}  // namespace keyward::scenarios
