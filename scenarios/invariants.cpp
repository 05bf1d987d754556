// Invariant checks. The world model here is static: it replays the
// scenario's world and timeline events (key states, faults, .env edits taking
// effect on reload/restart) without running anything, so the checks judge
// the router against what the scenario says the world was.
#include "scenarios/invariants.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "router/core/env_file.h"

namespace keyward::scenarios {

namespace {

const char* const kNames[] = {"no_emergency_while_key_valid", "no_call_to_quarantined_key", "one_alert_per_kind",
                              "recovers"};

std::string label(Millis offset) {
  auto s = offset.count() / 1000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "+%02lld:%02lld:%02lld.%03lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60),
                static_cast<long long>(offset.count() % 1000));
  return buf;
}

// Faults that make an answer fail. latency and the stream-only kinds do not
// (a latency below the timeout still answers; streams are a separate path).
bool failing_fault(const fakes::FaultSpec& f) {
  if (!f.fault) return false;
  std::string kind = f.fault->kind();
  if (kind == "status") {
    auto p = f.fault->params();
    return p.value("status", 0) >= 400;
  }
  return kind == "hang" || kind == "connection_reset" || kind == "empty_response" || kind == "malformed_json" ||
         kind == "truncated_body";
}

struct WorldProvider {
  fakes::KeyState default_state = fakes::KeyState::invalid;
  std::map<std::string, fakes::KeyState> keys;
  std::vector<fakes::FaultSpec> faults;
  bool limited = false;  // requests_per_minute/day: a 429 the model cannot predict

  fakes::KeyState state(const std::string& key) const {
    auto it = keys.find(key);
    return it == keys.end() ? default_state : it->second;
  }
  bool usable(const std::string& key) const {
    if (limited || state(key) != fakes::KeyState::valid) return false;
    for (const auto& f : faults)
      if (failing_fault(f) && (f.scope.key.empty() || f.scope.key == key)) return false;
    return true;
  }
};

RouterConfig base_config(const Scenario& s) {
  if (s.config_yaml.empty()) return default_config();
  try {
    return load_config_yaml(s.config_yaml, "router.config");
  } catch (const SchemaError&) {
    return default_config();  // the loader reported it already
  }
}

std::vector<std::string> usable_now(const RouterConfig& base, const EnvMap& env,
                                    const std::map<std::string, WorldProvider>& world) {
  RouterConfig cfg = base;
  apply_env(cfg, env, {});
  std::vector<std::string> out;
  for (const auto& p : cfg.providers) {
    if (!p.enabled) continue;
    auto w = world.find(p.name);
    // No fake of that name: the router would call the real internet (or nothing).
    if (w == world.end() || env.count(p.env_prefix + "_BASE_URL")) continue;
    for (const auto& k : p.keys)
      if (w->second.usable(k.secret)) out.push_back(p.name + " key " + std::to_string(k.index));
  }
  return out;
}

bool parse_time(const nlohmann::json& j, const char* field, const Scenario& s, Millis* out) {
  if (!j.contains(field) || !j[field].is_string()) return false;
  WallTime t;
  if (!parse_iso8601(j[field].get<std::string>(), &t)) return false;
  *out = std::chrono::duration_cast<Millis>(t - s.start_at);
  return true;
}

ExpectationResult no_emergency_while_key_valid(const Scenario& s, const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, true, {}, {}};
  auto usable = usable_keys_before_events(s);
  int bad = 0;
  for (const auto& req : run.requests) {
    if (answer_source(req) != "emergency" || req.event >= usable.size() || usable[req.event].empty()) continue;
    if (++bad <= 5) {
      const auto& keys = usable[req.event];
      r.actual += (bad > 1 ? "\n        " : "") + label(req.at) + " emergency answer (status " +
                  std::to_string(req.status) + ", YAML line " + std::to_string(s.timeline[req.event].line) +
                  ") while usable: " + keys.front() + (keys.size() > 1 ? " and " + std::to_string(keys.size() - 1) + " more" : "");
    }
  }
  if (bad > 0) {
    r.passed = false;
    r.expected = "no emergency answer while any router key was usable in the world";
    if (bad > 5) r.actual += "\n        ... " + std::to_string(bad - 5) + " more";
  }
  return r;
}

ExpectationResult no_call_to_quarantined_key(const Scenario& s, const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, true, {}, {}};
  // A reload or restart ends every window: the operator may have replaced the key.
  std::vector<Millis> operator_actions;
  for (const auto& e : s.timeline)
    if (e.kind == Event::Kind::reload || e.kind == Event::Kind::restart) operator_actions.push_back(e.at);
  struct Window {
    std::string provider;
    int key = 0;
    Millis from{0}, to{0};
    std::string why;
  };
  std::vector<Window> windows;
  const auto& journal = run.router_journal;
  for (size_t i = 0; i < journal.size(); ++i) {
    const auto& j = journal[i];
    std::string type = j.value("type", "");
    if (type != "key_quarantined" && type != "key_exhausted" && type != "key_rate_limited") continue;
    Window w;
    w.provider = j.value("provider", "");
    w.key = j.value("key_id", 0);
    w.why = type.substr(4);
    if (w.key < 1 || !parse_time(j, "time", s, &w.from) || !parse_time(j, "until", s, &w.to)) continue;
    for (Millis op : operator_actions)
      if (op >= w.from && op < w.to) w.to = op;
    // The router may learn that the key is fine again (a health check): the window ends there.
    for (size_t k = i + 1; k < journal.size(); ++k) {
      const auto& n = journal[k];
      std::string t = n.value("type", "");
      Millis at;
      if ((t == "key_released" || t == "key_recovered" || t == "key_validated") && n.value("provider", "") == w.provider &&
          n.value("key_id", 0) == w.key && parse_time(n, "time", s, &at)) {
        if (at < w.to) w.to = at;
        break;
      }
    }
    windows.push_back(w);
  }
  int bad = 0;
  for (const auto& c : run.calls) {
    if (!c.chat) continue;
    for (const auto& w : windows) {
      // The call that put the key out has the window's own timestamp: only later ones count.
      if (c.provider != w.provider || c.key_index != w.key || c.at <= w.from || c.at >= w.to) continue;
      if (++bad <= 5)
        r.actual += (bad > 1 ? "\n        " : "") + label(c.at) + " chat call to " + c.provider + " key " +
                    std::to_string(c.key_index) + ", " + w.why + " from " + label(w.from) + " until " + label(w.to);
      break;
    }
  }
  if (bad > 0) {
    r.passed = false;
    r.expected = "no chat call to a key while the router had it quarantined, exhausted or rate-limited";
    if (bad > 5) r.actual += "\n        ... " + std::to_string(bad - 5) + " more";
  }
  return r;
}

ExpectationResult one_alert_per_kind(const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, true, {}, {}};
  // Incidents end when one resolves: a RESOLVED alert on any channel, or the
  // status showing an open incident closed.
  std::vector<Millis> ends;
  for (const auto& a : run.alerts)
    if (a.subject.find("RESOLVED") != std::string::npos) ends.push_back(a.at);
  bool open = false;
  for (const auto& [t, st] : run.statuses) {
    const auto* inc = json_at(st, "incident.state");
    bool now_open = inc && inc->is_string() && inc->get<std::string>() == "open";
    if (open && !now_open) ends.push_back(t);
    open = now_open;
  }
  std::sort(ends.begin(), ends.end());
  auto incident_of = [&](Millis at) { return std::lower_bound(ends.begin(), ends.end(), at) - ends.begin(); };
  std::map<std::tuple<std::string, long, std::string>, int> seen;
  for (const auto& a : run.alerts) seen[{a.channel, static_cast<long>(incident_of(a.at)), a.subject}] += 1;
  int bad = 0;
  for (const auto& [k, n] : seen) {
    if (n < 2) continue;
    if (++bad <= 5)
      r.actual += (bad > 1 ? "\n        " : "") + std::get<0>(k) + " \"" + std::get<2>(k) + "\" x" + std::to_string(n) +
                  " in incident #" + std::to_string(std::get<1>(k) + 1);
  }
  if (bad > 0) {
    r.passed = false;
    r.expected = "each alert subject at most once per channel per incident";
  }
  return r;
}

ExpectationResult recovers(const Scenario& s, const RunRecord& run, const Expectation& x) {
  ExpectationResult r{&x, true, {}, {}};
  auto usable = usable_keys_before_events(s);
  if (usable.back().empty()) {
    r.actual = "the world has no usable router key at the end: nothing to recover";
    return r;
  }
  // The providers came back before event `back` and stayed back.
  size_t back = usable.size() - 1;
  while (back > 0 && !usable[back - 1].empty()) --back;
  const RequestRecord* last = nullptr;
  for (const auto& req : run.requests)
    if (req.event >= back) last = &req;
  if (!last) {
    r.actual = "no request after the providers came back";
    return r;
  }
  std::string src = answer_source(*last);
  const nlohmann::json* state = run.statuses.empty() ? nullptr : json_at(run.statuses.back().second, "incident.state");
  bool open = state && state->is_string() && state->get<std::string>() == "open";
  if (src != "provider" || open) {
    r.passed = false;
    Millis since = back < s.timeline.size() ? s.timeline[back].at : s.end_at;
    r.expected = "once keys were usable again (from " + label(since) +
                 "), the last request answered by a provider and no incident open at the end";
    r.actual = "last request at " + label(last->at) + ": status " + std::to_string(last->status) + " (" +
               (src.empty() ? "no answer" : src) + ")" + (open ? "; incident still open" : "");
  }
  return r;
}

}  // namespace

bool is_invariant_name(const std::string& name) {
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::string invariant_names() {
  std::string out;
  for (const char* n : kNames) out += (out.empty() ? "" : "|") + std::string(n);
  return out;
}

std::string answer_source(const RequestRecord& r) {
  if (r.status == 0) return "";
  if (r.json.is_object()) {
    const auto& j = r.json;
    if (j.contains("source") && j["source"].is_string()) return j["source"].get<std::string>();
    if (j.value("model", "") == "emergency/fallback" || j.contains("error")) return "emergency";
  } else if (r.body.find("emergency/fallback") != std::string::npos) {
    return "emergency";  // a stream that carried the emergency text
  }
  return r.status == 200 ? "provider" : "emergency";
}

std::vector<std::vector<std::string>> usable_keys_before_events(const Scenario& s) {
  RouterConfig base = base_config(s);
  std::map<std::string, WorldProvider> world;
  for (const auto& p : s.world.providers) {
    WorldProvider w;
    w.default_state = p.default_key_state;
    for (const auto& [k, spec] : p.keys) w.keys[k] = spec.state;
    w.faults = p.faults;
    w.limited = p.limits.requests_per_minute > 0 || p.limits.requests_per_day > 0;
    world[p.name] = std::move(w);
  }
  EnvMap active = parse_env(s.env, ".env").entries;
  EnvMap pending = active;
  std::vector<std::vector<std::string>> out;
  out.reserve(s.timeline.size() + 1);
  for (const auto& e : s.timeline) {
    out.push_back(usable_now(base, active, world));
    auto w = world.find(e.provider);
    switch (e.kind) {
      case Event::Kind::key_state:
        if (w != world.end()) w->second.keys[e.key] = e.key_state;
        break;
      case Event::Kind::fault:
        if (w != world.end()) w->second.faults.push_back(e.fault);
        break;
      case Event::Kind::clear_fault:  // the runner clears every fault of the provider
        if (w != world.end()) w->second.faults.clear();
        break;
      case Event::Kind::edit_env:
        for (const auto& [name, value] : e.env_edits) {
          if (value) pending[name] = EnvEntry{*value, ".env", 0};
          else pending.erase(name);
        }
        break;
      case Event::Kind::reload:
      case Event::Kind::restart:
        active = pending;
        break;
      default:
        break;
    }
  }
  out.push_back(usable_now(base, active, world));
  return out;
}

ExpectationResult check_invariant(const Scenario& s, const RunRecord& run, const Expectation& x) {
  if (x.invariant == "no_emergency_while_key_valid") return no_emergency_while_key_valid(s, run, x);
  if (x.invariant == "no_call_to_quarantined_key") return no_call_to_quarantined_key(s, run, x);
  if (x.invariant == "one_alert_per_kind") return one_alert_per_kind(run, x);
  if (x.invariant == "recovers") return recovers(s, run, x);
  return ExpectationResult{&x, false, "a known invariant", "unknown invariant '" + x.invariant + "'"};
}

}  // namespace keyward::scenarios
