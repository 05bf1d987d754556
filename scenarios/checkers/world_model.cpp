#include "scenarios/checkers/world_model.h"

#include <map>

#include "router/core/config.h"
#include "router/core/env_file.h"

namespace keyward::scenarios {

namespace {

struct WorldProvider {
  fakes::KeyState default_state = fakes::KeyState::invalid;
  std::map<std::string, fakes::KeyState> keys;
  std::vector<fakes::FaultSpec> faults;
  bool limited = false;  // requests_per_minute/day: a 429 this model cannot predict

  fakes::KeyState state(const std::string& key) const {
    auto it = keys.find(key);
    return it == keys.end() ? default_state : it->second;
  }
  bool usable(const std::string& key, bool streaming) const {
    if (limited || state(key) != fakes::KeyState::valid) return false;
    for (const auto& f : faults) {
      bool hits = f.fault && f.fault->fails_answer() && (streaming || !f.fault->streaming_only());
      if (hits && (f.scope.key.empty() || f.scope.key == key)) return false;
    }
    return true;
  }
};

std::vector<UsableKey> usable_now(const RouterConfig& base, const EnvMap& env,
                                  const std::map<std::string, WorldProvider>& world, bool streaming) {
  RouterConfig cfg = base;
  apply_env(cfg, env, {});
  std::vector<UsableKey> out;
  for (const auto& p : cfg.providers) {
    if (!p.enabled) continue;
    auto w = world.find(p.name);
    // No fake of that name: the router would call the real internet (or nothing).
    if (w == world.end() || env.count(p.env_prefix + "_BASE_URL")) continue;
    for (const auto& k : p.keys)
      if (w->second.usable(k.secret, streaming)) out.push_back({p.name, k.index});
  }
  return out;
}

}  // namespace

RouterConfig scenario_router_config(const Scenario& s) {
  if (s.config_yaml.empty()) return default_config();
  try {
    return load_config_yaml(s.config_yaml, "router.config");
  } catch (const SchemaError&) {
    return default_config();  // the loader reported it already
  }
}

std::vector<std::vector<UsableKey>> usable_keys_before_events(const Scenario& s, bool streaming) {
  RouterConfig base = scenario_router_config(s);
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
  std::vector<std::vector<UsableKey>> out;
  out.reserve(s.timeline.size() + 1);
  for (const auto& e : s.timeline) {
    out.push_back(usable_now(base, active, world, streaming));
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
          if (value)
            pending[name] = EnvEntry{*value, ".env", 0};
          else
            pending.erase(name);
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
  out.push_back(usable_now(base, active, world, streaming));
  return out;
}

}  // namespace keyward::scenarios
