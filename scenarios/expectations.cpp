// One check per expectation kind; invariants and the always-on safety
// checkers are in scenarios/checkers/.
#include "scenarios/expectations.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>
#include <type_traits>
#include <sstream>

#include "scenarios/checkers/checker.h"

namespace keyward::scenarios {

const nlohmann::json* json_at(const nlohmann::json& j, const std::string& dotted) {
  const nlohmann::json* cur = &j;
  std::stringstream ss(dotted);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
      size_t i = std::stoul(part);
      if (i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
    } else {
      return nullptr;
    }
  }
  return cur;
}

namespace {

// Compares a JSON value with a YAML scalar (or {contains: ...}).
bool json_matches(const nlohmann::json* actual, const YAML::Node& expected, std::string* shown) {
  *shown = actual ? actual->dump() : "(missing)";
  if (expected.IsMap() && expected["contains"]) {
    if (!actual) return false;
    std::string hay = actual->is_string() ? actual->get<std::string>() : actual->dump();
    return hay.find(expected["contains"].as<std::string>()) != std::string::npos;
  }
  if (expected.IsNull()) return !actual || actual->is_null();
  if (!actual) return false;
  std::string want = expected.Scalar();
  if (actual->is_string()) return actual->get<std::string>() == want;
  if (actual->is_boolean()) return (want == "true") == actual->get<bool>() && (want == "true" || want == "false");
  if (actual->is_number()) {
    try {
      return std::stod(want) == actual->get<double>();
    } catch (...) {
      return false;
    }
  }
  return actual->dump() == want;
}

bool text_matches(const Matcher& m, const std::string& text) {
  for (const auto& e : m.equals)
    if (text != e) return false;
  for (const auto& c : m.contains)
    if (text.find(c) == std::string::npos) return false;
  for (const auto& a : m.absent)
    if (text.find(a) != std::string::npos) return false;
  return true;
}

std::string describe(const Matcher& m) {
  std::string s;
  for (const auto& e : m.equals) s += "equals \"" + e + "\" ";
  for (const auto& c : m.contains) s += "contains \"" + c + "\" ";
  for (const auto& a : m.absent) s += "lacks \"" + a + "\" ";
  return s;
}

struct Span {
  Millis from{0}, to{Millis::max()};
  std::set<size_t> events;  // a single event id: exactly its calls
};

Span span_of(const Scenario& s, const Window& w) {
  Span sp;
  if (w.empty()) return sp;
  resolve_time(s, w.from, Millis(0), &sp.from);
  if (w.to.empty()) {
    // [id]: just what that event (all its repeats) caused.
    bool named = false;
    for (size_t i = 0; i < s.timeline.size(); ++i) {
      if (s.timeline[i].id == w.from) {
        sp.events.insert(i);
        named = true;
      }
    }
    if (!named) sp.to = sp.from;
  } else {
    resolve_time(s, w.to, sp.from, &sp.to);
  }
  return sp;
}

bool in_span(const Span& sp, size_t event, Millis at) {
  if (!sp.events.empty()) return sp.events.count(event) > 0;
  return at >= sp.from && at <= sp.to;
}

ExpectationResult check_response(const Scenario& s, const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, false, {}, {}};
  std::vector<const RequestRecord*> matched;
  for (const auto& req : run.requests)
    if (s.timeline[req.event].id == x.of) matched.push_back(&req);
  if (matched.empty()) {
    r.expected = "a response to '" + x.of + "'";
    r.actual = "no request ran";
    return r;
  }
  if (x.index >= 0) {
    if (static_cast<size_t>(x.index) >= matched.size()) {
      r.expected = "repeat #" + std::to_string(x.index);
      r.actual = std::to_string(matched.size()) + " requests";
      return r;
    }
    matched = {matched[static_cast<size_t>(x.index)]};
  }
  for (size_t n = 0; n < matched.size(); ++n) {
    const auto& req = *matched[n];
    std::string where = matched.size() > 1 ? " (request #" + std::to_string(n) + ")" : "";
    if (x.status && req.status != *x.status) {
      r.expected = "status " + std::to_string(*x.status);
      r.actual = "status " + std::to_string(req.status) + where + ": " + req.body.substr(0, 300);
      return r;
    }
    if (x.source_is) {
      std::string src = req.json.is_object() ? req.json.value("source", "") : "";
      if (src.empty() && req.json.is_object() && req.json.value("model", "") == "emergency/fallback") src = "emergency";
      if (src.empty() && req.json.is_object() && req.json.contains("error")) src = "emergency";
      if (src != *x.source_is) {
        r.expected = "source " + *x.source_is;
        r.actual = "source " + src + where;
        return r;
      }
    }
    for (const auto& [path, want] : x.json) {
      std::string shown;
      if (!json_matches(json_at(req.json, path), want, &shown)) {
        r.expected = path + " = " + (want.IsScalar() ? want.Scalar() : "(matcher)");
        r.actual = path + " = " + shown + where;
        return r;
      }
    }
    if (x.body.any()) {
      // The raw body, plus the reassembled text of a stream.
      std::string text = req.content.empty() ? req.body : req.body + "\n" + req.content;
      if (!text_matches(x.body, text)) {
        r.expected = "body " + describe(x.body);
        r.actual = text.substr(0, 400) + where;
        return r;
      }
    }
    if (x.within_wall && req.wall_ms > static_cast<double>(x.within_wall->count())) {
      r.expected = "answered within " + std::to_string(x.within_wall->count()) + " ms (wall)";
      r.actual = std::to_string(req.wall_ms) + " ms" + where;
      return r;
    }
  }
  r.passed = true;
  return r;
}

ExpectationResult check_calls(const Scenario& s, const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, false, {}, {}};
  Span sp = span_of(s, x.during);
  std::vector<const CallRecord*> calls;
  for (const auto& c : run.calls)
    if (c.chat && in_span(sp, c.event, c.at)) calls.push_back(&c);
  if (x.total && !x.total->holds(static_cast<int>(calls.size()))) {
    r.expected = x.total->str() + " provider calls";
    r.actual = std::to_string(calls.size()) + " calls";
    for (size_t i = 0; i < calls.size() && i < 8; ++i)
      r.actual += (i ? ", " : ": ") + calls[i]->provider + " " + calls[i]->masked_key;
    return r;
  }
  // Calls per key of a provider: index N-1 holds key N's (keys are numbered from 1 in .env).
  auto per_key_of = [&](const std::string& provider, size_t at_least) {
    std::vector<int> got(at_least, 0);
    for (const auto* c : calls) {
      if (c->provider != provider || c->key_index < 1) continue;
      if (static_cast<size_t>(c->key_index) > got.size()) got.resize(static_cast<size_t>(c->key_index), 0);
      got[static_cast<size_t>(c->key_index) - 1] += 1;
    }
    return got;
  };
  auto show = [](const auto& v) {
    std::string t = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      t += i ? ", " : "";
      if constexpr (std::is_same_v<std::decay_t<decltype(v[i])>, Count>) t += v[i].str();
      else t += std::to_string(v[i]);
    }
    return t + "]";
  };
  for (const auto& [provider, want] : x.per_key) {
    std::vector<int> got = per_key_of(provider, want.size());
    bool ok = true;
    for (size_t i = 0; i < got.size(); ++i) ok = ok && (i < want.size() ? want[i].holds(got[i]) : got[i] == 0);
    if (!ok) {
      r.expected = provider + " calls per key " + show(want);
      r.actual = provider + " calls per key " + show(got);
      return r;
    }
  }
  if (x.spread) {
    const Spread& sp = *x.spread;
    std::vector<int> got = per_key_of(sp.provider, 0);
    int most = 0, least = -1;
    std::string shown = sp.provider + " calls of keys";
    for (int k : sp.keys) {
      int n = static_cast<size_t>(k) <= got.size() ? got[static_cast<size_t>(k) - 1] : 0;
      most = std::max(most, n);
      least = least < 0 ? n : std::min(least, n);
      shown += " " + std::to_string(k) + ":" + std::to_string(n);
    }
    char want[64];
    std::snprintf(want, sizeof want, "%.3g", sp.max_ratio);
    r.expected = sp.provider + " calls spread over keys " + show(sp.keys) + " with busiest/quietest <= " + want;
    if (most == 0) {
      r.actual = shown + " (no calls to compare)";
      return r;
    }
    double ratio = least == 0 ? std::numeric_limits<double>::infinity() : static_cast<double>(most) / least;
    if (!(ratio <= sp.max_ratio)) {
      char got_ratio[64];
      std::snprintf(got_ratio, sizeof got_ratio, "%.3g", ratio);
      r.actual = shown + ", ratio " + got_ratio;
      return r;
    }
  }
  r.expected.clear();
  r.passed = true;
  return r;
}

ExpectationResult check_alerts(const Scenario& s, const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, false, {}, {}};
  Span sp = span_of(s, x.within);
  if (!x.within.empty() && x.within.to.empty()) {
    // [id]: alerts caused by that event, at its simulated time.
    sp.to = sp.from;
    sp.events.clear();
  }
  int n = 0;
  std::vector<std::string> seen;
  for (const auto& a : run.alerts) {
    if (a.channel != x.channel) continue;
    seen.push_back(a.subject);
    if (!in_span(sp, a.event, a.at)) continue;
    if (x.subject.any() && !text_matches(x.subject, a.subject)) continue;
    if (x.text.any() && !text_matches(x.text, a.text)) continue;
    ++n;
  }
  bool ok = x.count ? x.count->holds(n) : n > 0;
  r.passed = ok;
  if (!ok) {
    r.expected = (x.count ? x.count->str() : std::string("at least 1")) + " " + x.channel + " alert(s) " +
                 describe(x.subject) + (x.text.any() ? "with text " + describe(x.text) : "");
    r.actual = std::to_string(n) + " matching; " + x.channel + " alerts seen:";
    for (size_t i = 0; i < seen.size() && i < 12; ++i) r.actual += "\n        - " + seen[i];
  }
  return r;
}

const nlohmann::json* status_at(const RunRecord& run, std::optional<Millis> at) {
  const nlohmann::json* found = nullptr;
  for (const auto& [t, st] : run.statuses)
    if (!at || t <= *at) found = &st;
  return found;
}

ExpectationResult check_status(const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, false, {}, {}};
  const auto* st = status_at(run, x.at);
  if (!st) {
    r.expected = "a status snapshot";
    r.actual = "none (no event before that time)";
    return r;
  }
  for (const auto& [path, want] : x.json) {
    std::string shown;
    if (!json_matches(json_at(*st, path), want, &shown)) {
      r.expected = path + " = " + (want.IsScalar() ? want.Scalar() : "(matcher)");
      r.actual = path + " = " + shown;
      return r;
    }
  }
  if (x.body.any() && !text_matches(x.body, st->dump())) {
    r.expected = "status " + describe(x.body);
    r.actual = st->dump().substr(0, 400);
    return r;
  }
  r.passed = true;
  return r;
}

ExpectationResult check_log(const Scenario& s, const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, false, {}, {}};
  Millis from{0};
  if (!x.after.empty()) resolve_time(s, x.after, Millis(0), &from);
  std::string text;
  int matching = 0;
  for (const auto& [t, line] : run.logs) {
    if (t < from) continue;
    text += line + "\n";
    bool all = true;
    for (const auto& c : x.body.contains) all = all && line.find(c) != std::string::npos;
    matching += all && !x.body.contains.empty();
  }
  bool ok = text_matches(x.body, text) && (!x.count || x.count->holds(matching));
  r.passed = ok;
  if (!ok) {
    r.expected = "log " + describe(x.body) + (x.count ? " on " + x.count->str() + " line(s)" : "");
    r.actual = std::to_string(matching) + " matching line(s); last lines:\n" +
               text.substr(text.size() > 600 ? text.size() - 600 : 0);
  }
  return r;
}

ExpectationResult check_incident(const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, false, {}, {}};
  const auto* st = status_at(run, x.at);
  const nlohmann::json* inc = st ? json_at(*st, "incident") : nullptr;
  std::string state = inc && inc->is_object() ? inc->value("state", "none") : "none";
  if (x.state && state != *x.state) {
    // "resolved": the last incident resolved, none open now.
    bool resolved = state == "none" && inc && inc->contains("last_resolved") && !(*inc)["last_resolved"].is_null();
    if (!(*x.state == "resolved" && resolved)) {
      r.expected = "incident " + *x.state;
      r.actual = "incident " + state;
      return r;
    }
  }
  if (x.downtime_min || x.downtime_max) {
    const nlohmann::json* d = inc ? json_at(*inc, "last_resolved.downtime_ms") : nullptr;
    if (!d || !d->is_number()) {
      r.expected = "a resolved incident with its downtime";
      r.actual = inc ? inc->dump() : "no incident";
      return r;
    }
    Millis dt(d->get<int64_t>());
    if ((x.downtime_min && dt < *x.downtime_min) || (x.downtime_max && dt > *x.downtime_max)) {
      r.expected = "downtime between " + human_duration(x.downtime_min.value_or(Millis(0))) + " and " +
                   human_duration(x.downtime_max.value_or(Millis(0)));
      r.actual = "downtime " + human_duration(dt);
      return r;
    }
  }
  r.passed = true;
  return r;
}

// Prometheus text: sum of every sample of a metric name (all label sets).
double metric_sum(const std::string& text, const std::string& name) {
  double sum = 0;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto name_end = line.find_first_of("{ ");
    if (line.substr(0, name_end) != name) continue;
    auto sp = line.rfind(' ');
    try {
      sum += std::stod(line.substr(sp + 1));
    } catch (...) {
    }
  }
  return sum;
}

ExpectationResult check_metrics(const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, false, {}, {}};
  for (const auto& [name, want] : x.metric_equals) {
    double got = metric_sum(run.metrics, name);
    if (got != want) {
      r.expected = name + " = " + std::to_string(want);
      r.actual = name + " = " + std::to_string(got);
      return r;
    }
  }
  r.passed = true;
  return r;
}

ExpectationResult check_invariant(const Scenario& s, const RunRecord& run, const Expectation& x) {
  const Checker* c = find_checker(x.invariant);
  if (!c) return ExpectationResult{&x, false, "a known checker", "unknown checker '" + x.invariant + "'"};
  CheckVerdict v = c->check(s, run);
  return ExpectationResult{&x, v.passed, v.expected, v.actual};
}

const CheckerOptOut* opt_out_of(const Scenario& s, std::string_view name) {
  for (const auto& o : s.checker_opt_outs)
    if (o.checker == name) return &o;
  return nullptr;
}

bool asked_for(const Scenario& s, std::string_view name) {
  return std::any_of(s.expectations.begin(), s.expectations.end(), [&](const Expectation& x) {
    return x.kind == Expectation::Kind::invariant && x.invariant == name;
  });
}

// The Expectation a result of an unasked-for safety checker points at.
std::shared_ptr<const Expectation> checker_expectation(const Checker& c, const CheckerOptOut* opt_out) {
  auto x = std::make_shared<Expectation>();
  x->kind = Expectation::Kind::invariant;
  x->invariant = c.name();
  if (opt_out) {
    x->line = opt_out->line;
    x->source = "checkers.skip." + std::string(c.name());  // the reason is the result's skip_reason
  } else {
    x->source = "{checker: " + std::string(c.name()) + "}  (safety, always on)";
  }
  return x;
}

}  // namespace

bool checker_applies(const Scenario& s, std::string_view name) {
  const Checker* c = find_checker(name);
  if (!c) return false;
  return asked_for(s, name) || (c->kind() == CheckerKind::safety && !opt_out_of(s, name));
}

std::string black_box_unsupported(const Expectation& x) {
  switch (x.kind) {
    case Expectation::Kind::log: return "the router's log lines are not visible black-box";
    case Expectation::Kind::alerts:
      if (!x.within.empty())
        return "alert time windows are simulated-time; an external router delivers alerts asynchronously";
      return "";
    case Expectation::Kind::invariant: {
      const Checker* c = find_checker(x.invariant);
      return c ? c->black_box_gap() : "";
    }
    default: return "";
  }
}

namespace {

ExpectationResult check_one(const Scenario& s, const RunRecord& run, const Expectation& x) {
  switch (x.kind) {
    case Expectation::Kind::response: return check_response(s, run, x);
    case Expectation::Kind::provider_calls: return check_calls(s, run, x);
    case Expectation::Kind::alerts: return check_alerts(s, run, x);
    case Expectation::Kind::status: return check_status(run, x);
    case Expectation::Kind::log: return check_log(s, run, x);
    case Expectation::Kind::incident: return check_incident(run, x);
    case Expectation::Kind::metrics: return check_metrics(run, x);
    case Expectation::Kind::invariant: return check_invariant(s, run, x);
  }
  return ExpectationResult{&x, false, "a known expectation kind", "unknown"};
}

// A cluster run as replica n (1-based) saw it: its log lines, status
// snapshots, metrics and journal, and the alerts it delivered.
RunRecord replica_view(const RunRecord& run, int n) {
  const ReplicaRecord& mine = run.replicas[static_cast<size_t>(n - 1)];
  RunRecord view;
  view.requests = run.requests;
  view.calls = run.calls;
  for (const auto& a : run.alerts)
    if (a.replica == n) view.alerts.push_back(a);
  view.logs = mine.logs;
  view.statuses = mine.statuses;
  view.metrics = mine.metrics;
  view.router_journal = mine.router_journal;
  view.timeline = run.timeline;
  view.simulated = run.simulated;
  return view;
}

}  // namespace

ExpectationResult check_expectation(const Scenario& s, const RunRecord& run, const Expectation& x) {
  if (run.replicas.empty()) return check_one(s, run, x);
  auto on_replica = [&](int n) {
    ExpectationResult r = check_one(s, replica_view(run, n), x);
    if (!r.passed) r.actual = "replica " + std::to_string(n) + ": " + r.actual;
    return r;
  };
  if (x.replica > 0 && static_cast<size_t>(x.replica) <= run.replicas.size()) return on_replica(x.replica);
  // A cluster's status and incident: what every replica shows.
  if (x.kind == Expectation::Kind::status || x.kind == Expectation::Kind::incident) {
    ExpectationResult r{&x, true, {}, {}};
    for (size_t n = 1; n <= run.replicas.size() && r.passed; ++n) r = on_replica(static_cast<int>(n));
    return r;
  }
  return check_one(s, run, x);
}

std::vector<ExpectationResult> check_expectations(const Scenario& s, const RunRecord& run) {
  std::vector<ExpectationResult> out;
  if (!run.skipped.empty()) return out;  // the scenario did not run
  for (const auto& x : s.expectations) {
    if (run.black_box) {
      if (auto why = black_box_unsupported(x); !why.empty()) {
        ExpectationResult r{&x, false, {}, {}};
        r.skipped = true;
        r.skip_reason = "skipped (black-box): " + why;
        out.push_back(std::move(r));
        continue;
      }
    }
    out.push_back(check_expectation(s, run, x));
  }
  // Safety checkers run without being asked; one asked for by name was judged above, at its line.
  for (const Checker* c : all_checkers()) {
    if (c->kind() != CheckerKind::safety || asked_for(s, c->name())) continue;
    const CheckerOptOut* opt_out = opt_out_of(s, c->name());
    auto x = checker_expectation(*c, opt_out);
    ExpectationResult r{x.get(), false, {}, {}};
    r.owned = x;
    if (opt_out) {
      r.skipped = true;
      r.skip_reason = "opted out of safety checker " + std::string(c->name()) + ": " + opt_out->reason;
    } else if (run.black_box && *c->black_box_gap()) {
      r.skipped = true;
      r.skip_reason = "skipped (black-box): " + std::string(c->black_box_gap());
    } else {
      CheckVerdict v = c->check(s, run);
      r.passed = v.passed;
      r.expected = v.expected;
      r.actual = v.actual;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace keyward::scenarios
