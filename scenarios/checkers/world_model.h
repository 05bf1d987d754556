#pragma once
// The world a scenario describes, replayed without running anything: key
// states, faults, limits and the router's .env (edits take effect on
// reload/restart), event by event. Checkers judge the router against it.
#include <string>
#include <vector>

#include "scenarios/scenario.h"

namespace keyward::scenarios {

// A router key (N of <PROVIDER>_API_KEY_N in the active .env) the world
// would answer successfully.
struct UsableKey {
  std::string provider;
  int index = 0;
  std::string label() const { return provider + " key " + std::to_string(index); }
};

// The usable router keys before timeline event i runs ([i]), and at the end
// ([timeline.size()]). Conservative: a key is not counted when any fault that
// fails plain answers (Fault::fails_answer, not a streams-only one) may hit it,
// whatever its first/every/probability, when its provider has request
// limits, or when the scenario overrides its provider's base URL.
std::vector<std::vector<UsableKey>> usable_keys_before_events(const Scenario& s);

}  // namespace keyward::scenarios
