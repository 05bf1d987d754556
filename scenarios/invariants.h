#pragma once
// Invariants: expectations that need no numbers, only the run and the world
// the scenario describes. `keyward replay` writes them into every replayed
// incident (docs/SCENARIOS.md, "invariant"):
//
//   no_emergency_while_key_valid  no emergency answer while a key of the
//                                 router's .env was usable in the world
//   no_call_to_quarantined_key    no chat call reached a key inside a window
//                                 the router had put it out (quarantined,
//                                 quota-exhausted or rate-limited)
//   one_alert_per_kind            no channel got the same alert subject twice
//                                 within one incident
//   recovers                      once the world has a usable key again (and
//                                 keeps it to the end), the last request is
//                                 answered by a provider and no incident is open
#include <string>
#include <vector>

#include "scenarios/expectations.h"

namespace keyward::scenarios {

bool is_invariant_name(const std::string& name);
std::string invariant_names();  // "a|b|c", for error messages

// "provider key N" of every router key the world would answer successfully
// before timeline event i runs ([i]), and at the end ([timeline.size()]).
// Conservative: a key under any failing fault, on a provider with
// request limits, or on a provider whose base URL the scenario overrides
// is not counted as usable.
std::vector<std::vector<std::string>> usable_keys_before_events(const Scenario& s);

// "provider" | "cache" | "emergency" | "" (no answer) for one response.
std::string answer_source(const RequestRecord& r);

ExpectationResult check_invariant(const Scenario& s, const RunRecord& run, const Expectation& x);

}  // namespace keyward::scenarios
