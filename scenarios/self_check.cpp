// The self-check: mutate each passed expectation's expected value and judge
// it again against the same recorded run (self_check.h).
#include "scenarios/self_check.h"

#include <functional>

namespace keyward::scenarios {

namespace {

// A text no router, fake or sink writes.
const char* kAbsent = "\x01keyward-self-check\x01";

struct Mutation {
  std::string what;
  Expectation x;
};

// A count the actual value cannot satisfy if this one did: exactly N -> N+1,
// a bound -> just past it. nullopt (with `why`) when the count holds for any
// value ({min: 0}).
std::optional<Count> mutated(const Count& c, std::string* why) {
  if (c.exact()) return Count(*c.min + 1);
  if (c.max) return Count::between(*c.max + 1, std::nullopt);
  if (c.min && *c.min > 0) return Count::between(std::nullopt, *c.min - 1);
  *why = "count " + c.str() + " holds for any count";
  return std::nullopt;
}

bool excludes_zero(const Count& c) { return !c.holds(0); }

// Every mutation of x worth trying; `always` collects expectations that are
// vacuous as written (a bound that holds for anything).
std::vector<Mutation> mutations(const Scenario& s, const Expectation& x, std::string* always) {
  std::vector<Mutation> out;
  auto add = [&](std::string what, const std::function<void(Expectation&)>& change) {
    Mutation m{std::move(what), x};
    change(m.x);
    out.push_back(std::move(m));
  };
  auto count_mutation = [&](const std::string& field, const Count& c,
                            const std::function<void(Expectation&, Count)>& set) {
    std::string why;
    if (auto m = mutated(c, &why))
      add(field + " " + c.str() + " -> " + m->str(), [&](Expectation& y) { set(y, *m); });
    else if (always->empty())
      *always = field + ": " + why;
  };
  auto matcher_mutation = [&](const std::string& field, const Matcher& m, Matcher Expectation::*member) {
    if (!m.any()) return;
    add(field + " also contains a text that is not there",
        [&](Expectation& y) { (y.*member).contains.push_back(kAbsent); });
  };
  auto json_mutations = [&]() {
    for (const auto& [path, want] : x.json) {
      std::string p = path;
      add("json " + p + " -> another value", [p](Expectation& y) { y.json[p] = YAML::Node(std::string(kAbsent)); });
    }
  };
  // A window moved past the end of the run: it then holds nothing, so an
  // expectation that needs something there must fail.
  auto past_the_end = [&](Window Expectation::*member) {
    std::string after = std::to_string((s.end_at + Millis(3'600'000)).count()) + "ms";
    add("window moved past the end", [&](Expectation& y) { y.*member = Window{after, ""}; });
  };
  switch (x.kind) {
    case Expectation::Kind::response:
      if (x.status)
        add("status " + std::to_string(*x.status) + " -> " + std::to_string(*x.status == 200 ? 503 : 200),
            [](Expectation& y) { y.status = *y.status == 200 ? 503 : 200; });
      if (x.source_is)
        add("source " + *x.source_is + " -> another",
            [](Expectation& y) { y.source_is = *y.source_is == "provider" ? "emergency" : "provider"; });
      json_mutations();
      matcher_mutation("body", x.body, &Expectation::body);
      break;
    case Expectation::Kind::provider_calls: {
      bool needs_calls = false;
      if (x.total) {
        count_mutation("total", *x.total, [](Expectation& y, Count c) { y.total = c; });
        needs_calls = needs_calls || excludes_zero(*x.total);
      }
      for (const auto& [provider, counts] : x.per_key)
        for (size_t i = 0; i < counts.size(); ++i) {
          std::string p = provider;
          count_mutation("per_key." + p + "[" + std::to_string(i) + "]", counts[i],
                         [p, i](Expectation& y, Count c) { y.per_key[p][i] = c; });
          needs_calls = needs_calls || excludes_zero(counts[i]);
        }
      if (x.spread) needs_calls = true;  // no calls: nothing to compare
      if (needs_calls) past_the_end(&Expectation::during);
      break;
    }
    case Expectation::Kind::alerts:
      if (x.count) count_mutation("count", *x.count, [](Expectation& y, Count c) { y.count = c; });
      // A filter narrows what is counted: informative only when the count needs something.
      if (!x.count || excludes_zero(*x.count)) {
        matcher_mutation("subject", x.subject, &Expectation::subject);
        matcher_mutation("text", x.text, &Expectation::text);
        past_the_end(&Expectation::within);
      }
      break;
    case Expectation::Kind::status:
      json_mutations();
      matcher_mutation("body", x.body, &Expectation::body);
      break;
    case Expectation::Kind::log:
      if (x.count) count_mutation("count", *x.count, [](Expectation& y, Count c) { y.count = c; });
      if (x.body.any() && (!x.count || excludes_zero(*x.count)))
        add("contains also a text that is not there", [](Expectation& y) { y.body.contains.push_back(kAbsent); });
      break;
    case Expectation::Kind::incident:
      if (x.state)
        add("state " + *x.state + " -> another",
            [](Expectation& y) { y.state = *y.state == "open" ? "none" : "open"; });
      if (x.downtime_min)
        add("downtime_min -> beyond any downtime", [](Expectation& y) { y.downtime_min = Millis::max(); });
      if (x.downtime_max)
        add("downtime_max -> below any downtime", [](Expectation& y) { y.downtime_max = Millis(-1); });
      break;
    case Expectation::Kind::metrics:
      for (const auto& [name, value] : x.metric_equals) {
        std::string n = name;
        add("metric " + n + " -> another value", [n](Expectation& y) { y.metric_equals[n] += 1; });
      }
      break;
    case Expectation::Kind::invariant:
      break;  // a checker: judged by its own tests
  }
  return out;
}

}  // namespace

std::vector<VacuousExpectation> self_check(const Scenario& s, const RunRecord& run,
                                           const std::vector<ExpectationResult>& results) {
  std::vector<VacuousExpectation> found;
  for (const auto& r : results) {
    // Only the scenario's own expectations that passed (a failure is reported anyway).
    if (!r.passed || r.skipped || r.owned || !r.expectation) continue;
    const Expectation& x = *r.expectation;
    std::string always;
    for (const auto& m : mutations(s, x, &always)) {
      if (check_expectation(s, run, m.x).passed) {
        found.push_back({&x, x.line, m.what + " still passes"});
        always.clear();
        break;
      }
    }
    if (!always.empty()) found.push_back({&x, x.line, always});
  }
  return found;
}

std::string describe_vacuous(const Scenario& s, const std::vector<VacuousExpectation>& found) {
  std::string out;
  for (const auto& v : found)
    out += s.file + ":" + std::to_string(v.line) + ": vacuous expectation (" + v.mutation +
           "): " + (v.expectation ? v.expectation->source : "") + "\n";
  return out;
}

}  // namespace keyward::scenarios
