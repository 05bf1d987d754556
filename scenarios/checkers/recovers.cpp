// recovers (liveness): once the world has a usable router key again (and
// keeps one to the end), the last request after that is answered by a
// provider and no incident is open at the end. Passes when the world never
// came back, or no request followed. Liveness: whether the timeline leaves the
// router the time to recover is the scenario's to say, so it runs only when
// an expectation asks for it (`- invariant: recovers`).
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"
#include "scenarios/checkers/world_model.h"

namespace keyward::scenarios {

namespace {

class Recovers final : public Checker {
 public:
  const char* name() const override { return "recovers"; }
  CheckerKind kind() const override { return CheckerKind::liveness; }

  CheckVerdict check(const Scenario& s, const RunRecord& run) const override {
    CheckVerdict v;
    // Back for every kind of request: no fault left that breaks streams either.
    auto usable = usable_keys_before_events(s, true);
    if (usable.back().empty()) {
      v.actual = "the world has no usable router key at the end: nothing to recover";
      return v;
    }
    // The providers came back before event `back` and stayed back.
    size_t back = usable.size() - 1;
    while (back > 0 && !usable[back - 1].empty()) --back;
    const RequestRecord* last = nullptr;
    for (const auto& req : run.requests)
      if (req.event >= back) last = &req;
    if (!last) {
      v.actual = "no request after the providers came back";
      return v;
    }
    std::string src = answer_source(*last);
    bool open = !run.statuses.empty() && !open_incident_id(run.statuses.back().second).empty();
    if (src != "provider" || open) {
      v.passed = false;
      Millis since = back < s.timeline.size() ? s.timeline[back].at : s.end_at;
      v.expected = "once keys were usable again (from " + offset_label(since) +
                   "), the last request answered by a provider and no incident open at the end";
      v.actual = "last request at " + offset_label(last->at) + ": status " + std::to_string(last->status) + " (" +
                 (src.empty() ? "no answer" : src) + ")" + (open ? "; incident still open" : "");
    }
    return v;
  }
};

}  // namespace

const Checker& recovers_checker() {
  static const Recovers c;
  return c;
}

}  // namespace keyward::scenarios
