#pragma once
// The world a scenario describes, replayed without running anything: key
// states, faults, limits and the router's .env (edits take effect on
// reload/restart), event by event. Checkers judge the router against it.
#include <string>
#include <vector>

#include "router/core/config.h"
#include "scenarios/scenario.h"

namespace keyward::scenarios {

// The router's configuration the scenario describes (its router.config, or
// the default one), before any .env is applied.
RouterConfig scenario_router_config(const Scenario& s);

// A router key (N of <PROVIDER>_API_KEY_N in the active .env) the world
// would answer successfully.
struct UsableKey {
  std::string provider;
  int index = 0;
  std::string label() const { return provider + " key " + std::to_string(index); }
};

// The usable router keys before timeline event i runs ([i]), and at the end
// ([timeline.size()]), for plain requests or for streaming ones.
// Conservative: a key is not counted when any fault that fails the answer
// (Fault::fails_answer) may hit such a request, whatever its
// first/every/probability — a streams-only fault hits streams, and may do so
// before the router sent the client a byte —, when its provider has request
// limits, or when the scenario overrides its provider's base URL.
std::vector<std::vector<UsableKey>> usable_keys_before_events(const Scenario& s, bool streaming = false);

}  // namespace keyward::scenarios
