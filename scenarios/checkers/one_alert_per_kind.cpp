// one_alert_per_kind (safety): no alert storm. Within one incident a channel
// gets each subject at most once (the router dedups by kind and subject per
// incident; reminders carry their own subjects). Outside incidents the router
// alerts per episode: the same subject again only after the reminder interval.
// Which incident an alert belongs to comes from the status snapshot taken
// when it was delivered (run_facts.h, incident_of).
#include <map>
#include <tuple>

#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"

namespace keyward::scenarios {

namespace {

class OneAlertPerKind final : public Checker {
 public:
  const char* name() const override { return "one_alert_per_kind"; }
  CheckerKind kind() const override { return CheckerKind::safety; }

  CheckVerdict check(const Scenario& s, const RunRecord& run) const override {
    struct Seen {
      int count = 0;
      Millis first{0};
    };
    std::map<std::tuple<std::string, std::string, std::string>, Seen> in_incident;  // channel, incident, subject
    std::map<std::pair<std::string, std::string>, Millis> outside;                  // channel, subject -> last
    Violations v;
    for (const auto& a : run.alerts) {
      std::string incident = incident_of(run, a);
      if (!incident.empty()) {
        auto& seen = in_incident[{a.channel, incident, a.subject}];
        if (++seen.count == 1)
          seen.first = a.at;
        else
          v.add(offset_label(a.at) + " " + a.channel + " \"" + a.subject + "\" again in incident " + incident +
                " (first at " + offset_label(seen.first) + ")");
        continue;
      }
      auto [it, fresh] = outside.try_emplace({a.channel, a.subject}, a.at);
      if (!fresh && a.at - it->second < s.reminder_interval)
        v.add(offset_label(a.at) + " " + a.channel + " \"" + a.subject + "\" again outside an incident, " +
              human_duration(a.at - it->second) + " after the last one (reminder interval " +
              human_duration(s.reminder_interval) + ")");
      it->second = a.at;
    }
    return v.verdict(
        "each alert subject at most once per channel per incident, and outside incidents at most once "
        "per reminder interval");
  }
};

}  // namespace

const Checker& one_alert_per_kind_checker() {
  static const OneAlertPerKind c;
  return c;
}

}  // namespace keyward::scenarios
