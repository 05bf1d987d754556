// no_call_to_quarantined_key (safety): no chat call reaches a key while the
// router has it out of service — quarantined (auth), exhausted (quota) or
// rate-limited — by its own journal. A key known bad is left alone until its
// deadline, the router's own release of it, or an operator's reload/restart.
//
// On a cluster, "the router" is any replica, once its verdict has reached
// the replica that makes the call: the calling replica's journal holds it
// (observed there, or applied from the cluster: `from_cluster`), or both
// replicas reached Redis when it was recorded (the runner lets the cluster
// settle after every event, so the verdict must have arrived before the next
// one). A call through a partitioned replica is judged by what it knew alone.
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"

namespace keyward::scenarios {

namespace {

// Whether window `w` binds a call that replica `caller` made.
bool binds(const Scenario& s, const OutWindow& w, int caller) {
  if (w.replica == caller) return true;  // its own journal (or the one router's)
  if (w.replica == 0 || caller == 0 || w.from_cluster) return false;
  return reaches_redis_at(s, w.replica, w.from) && reaches_redis_at(s, caller, w.from);
}

class NoCallToQuarantinedKey final : public Checker {
 public:
  const char* name() const override { return "no_call_to_quarantined_key"; }
  CheckerKind kind() const override { return CheckerKind::safety; }
  const char* black_box_gap() const override { return "needs the router's journal on the scenario clock"; }

  CheckVerdict check(const Scenario& s, const RunRecord& run) const override {
    std::vector<OutWindow> windows;
    for (auto& w : out_windows(s, run))
      if (w.key > 0) windows.push_back(std::move(w));
    Violations v;
    for (const auto& c : run.calls) {
      if (!c.chat) continue;
      for (const auto& w : windows) {
        // The call that put the key out has the window's own timestamp: only later ones count.
        if (!covers(w, c.provider, c.key_index, c.at) || c.at <= w.from || !binds(s, w, c.replica)) continue;
        std::string by = c.replica ? " by replica " + std::to_string(c.replica) : "";
        std::string whose = w.replica ? " on replica " + std::to_string(w.replica) : "";
        v.add(offset_label(c.at) + " chat call" + by + " to " + c.provider + " key " + std::to_string(c.key_index) +
              ", " + w.why + whose + " from " + offset_label(w.from) + " until " + offset_label(w.to));
        break;
      }
    }
    return v.verdict("no chat call to a key while the router had it quarantined, exhausted or rate-limited");
  }
};

}  // namespace

const Checker& no_call_to_quarantined_key_checker() {
  static const NoCallToQuarantinedKey c;
  return c;
}

}  // namespace keyward::scenarios
