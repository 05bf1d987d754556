// one_alert_per_kind (safety): no alert storm. The router dedups by kind and
// subject per incident (reminders carry their own subjects), and outside
// incidents per episode (router/core/incidents.cpp): the same subject again
// only after the reminder interval, or once the episode ended: its key (or,
// for a provider's alert, any key of the provider) answered successfully, an
// incident opened or resolved, or the router restarted (it forgets episodes).
//
// Which incident an alert belongs to is read from the alert where it says
// (run_facts.h, alert_facts: the webhook's incident_id and created_at, an
// email's "Incident:" and "Time:" fields), so alerts an outbox delivered late,
// after a channel outage, are judged by when they were raised. Telegram
// messages say neither: they are placed by the status snapshot at delivery,
// and not judged once their sink has had a fault (delivery is then no
// guide to when they were raised).
//
// On a cluster the alerts of every replica count together (one alert
// cluster-wide), except that a replica cut off from Redis when it raised an
// alert cannot know the others sent it: its alerts are judged on their own
// (at least once per replica while partitioned, docs/CLUSTER.md).
#include <algorithm>
#include <map>
#include <tuple>

#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"
#include "scenarios/checkers/world_model.h"

namespace keyward::scenarios {

namespace {

// When a sink first had a fault (Millis::max(): never).
Millis first_fault(const Scenario& s, const std::string& sink) {
  const auto& sinks = s.world.sinks;
  if ((sink == "telegram" && sinks.telegram && !sinks.telegram->faults.empty()) ||
      (sink == "smtp" && sinks.smtp && !sinks.smtp->faults.empty()) ||
      (sink == "webhook" && sinks.webhook && !sinks.webhook->faults.empty()))
    return Millis::min();
  for (const auto& e : s.timeline)
    if (e.kind == Event::Kind::sink_fault && e.sink == sink) return e.at;
  return Millis::max();
}

class OneAlertPerKind final : public Checker {
 public:
  const char* name() const override { return "one_alert_per_kind"; }
  CheckerKind kind() const override { return CheckerKind::safety; }

  CheckVerdict check(const Scenario& s, const RunRecord& run) const override {
    auto spans = incident_spans(s, run);
    std::vector<Millis> boundaries;  // incidents opening or resolving, restarts
    for (const auto& sp : spans) {
      boundaries.push_back(sp.opened);
      if (sp.resolved) boundaries.push_back(*sp.resolved);
    }
    for (const auto& e : s.timeline)
      if (e.kind == Event::Kind::restart) boundaries.push_back(e.at);
    auto boundary_between = [&](Millis a, Millis b) {
      for (Millis x : boundaries)
        if (x >= a && x <= b) return true;
      return false;
    };
    const Millis telegram_faulty = first_fault(s, "telegram");
    std::map<std::string, std::string> provider_named;  // display name -> name
    for (const auto& p : scenario_router_config(s).providers) provider_named[p.display_name] = p.name;
    auto answers = key_answers(s, run);
    // Whether the key (0: any key of the provider) answered within [a, b].
    auto answered_between = [&](const AlertFacts& f, Millis a, Millis b) {
      auto p = provider_named.find(f.provider);
      if (p == provider_named.end()) return false;
      for (const auto& x : answers)
        if (x.provider == p->second && (f.key == 0 || x.key == f.key) && x.at >= a && x.at <= b) return true;
      return false;
    };

    // Each alert with when it was raised and its incident, judged in the order they were raised.
    struct Judged {
      const AlertRecord* alert;
      AlertFacts facts;
      Millis raised;
      std::string incident;
    };
    std::vector<Judged> judged;
    for (const auto& a : run.alerts) {
      AlertFacts f = alert_facts(s, a);
      Judged j{&a, f, f.raised.value_or(a.at), f.incident};
      if (j.incident.empty() && f.raised) {
        for (const auto& sp : spans)
          if (sp.contains(j.raised)) j.incident = sp.id;
      } else if (j.incident.empty()) {
        if (a.channel == "telegram" && a.at >= telegram_faulty) continue;
        j.incident = incident_of(run, a);
      }
      judged.push_back(std::move(j));
    }
    std::stable_sort(judged.begin(), judged.end(),
                     [](const Judged& x, const Judged& y) { return x.raised < y.raised; });

    // Keyed by (cut-off replica or 0 for the cluster, channel, [incident,] subject).
    std::map<std::tuple<int, std::string, std::string, std::string>, Millis> in_incident;
    std::map<std::tuple<int, std::string, std::string>, Millis> outside;  // -> last raised
    Violations v;
    for (const auto& [a, facts, raised, incident] : judged) {
      std::string what = offset_label(a->at) + " " + a->channel + " \"" + a->subject + "\"";
      if (raised != a->at) what += " (raised " + offset_label(raised) + ")";
      int alone = !run.replicas.empty() && a->replica > 0 && !reaches_redis_at(s, a->replica, raised) ? a->replica : 0;
      if (a->replica > 0 && !run.replicas.empty()) what += " from replica " + std::to_string(a->replica);
      if (!incident.empty()) {
        auto [it, fresh] = in_incident.try_emplace({alone, a->channel, incident, a->subject}, raised);
        if (!fresh) v.add(what + " again in incident " + incident + " (first raised " + offset_label(it->second) + ")");
        continue;
      }
      auto [it, fresh] = outside.try_emplace({alone, a->channel, a->subject}, raised);
      if (!fresh && raised - it->second < s.reminder_interval && !boundary_between(it->second, raised) &&
          !answered_between(facts, it->second, raised))
        v.add(what + " again outside an incident, " + human_duration(raised - it->second) +
              " after the last one (reminder interval " + human_duration(s.reminder_interval) + ")");
      it->second = raised;
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
