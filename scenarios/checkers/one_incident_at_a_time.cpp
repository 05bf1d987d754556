// one_incident_at_a_time (safety): incidents follow one another. An open
// incident is never replaced by another before it resolved (the later
// snapshot's last_resolved must name it), and a resolved incident never
// shows open again. Judged on the status snapshots, which the runner takes
// after every event (the soak after every request).
#include <set>

#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"
#include "scenarios/expectations.h"

namespace keyward::scenarios {

namespace {

std::string last_resolved_id(const nlohmann::json& status) {
  const auto* id = json_at(status, "incident.last_resolved.id");
  return id && id->is_string() ? id->get<std::string>() : "";
}

class OneIncidentAtATime final : public Checker {
 public:
  const char* name() const override { return "one_incident_at_a_time"; }
  CheckerKind kind() const override { return CheckerKind::safety; }

  CheckVerdict check(const Scenario&, const RunRecord& run) const override {
    Violations v;
    std::string open;  // the incident the previous snapshot showed open
    std::set<std::string> resolved;
    for (const auto& [at, status] : run.statuses) {
      std::string now_open = open_incident_id(status);
      std::string last = last_resolved_id(status);
      if (!open.empty() && now_open != open) {
        // It went away: it resolved, and nothing else did since (one event,
        // or one soak request, resolves at most one incident).
        if (last != open)
          v.add(offset_label(at) + " incident " + (now_open.empty() ? "(none)" : now_open) + " shown where " + open +
                " was open, without " + open + " resolving (last resolved: " + (last.empty() ? "none" : last) + ")");
        resolved.insert(open);
      }
      if (!last.empty()) resolved.insert(last);
      if (!now_open.empty() && now_open != open && resolved.count(now_open))
        v.add(offset_label(at) + " incident " + now_open + " open again after it resolved");
      open = now_open;
    }
    return v.verdict("one incident open at a time: each resolves before the next opens, and stays resolved");
  }
};

}  // namespace

const Checker& one_incident_at_a_time_checker() {
  static const OneIncidentAtATime c;
  return c;
}

}  // namespace keyward::scenarios
