#pragma once
// What replicas of one cluster tell each other about a key and a provider
// (cluster mode: router/cluster carries it through Redis). Facts, stamped with
// the router's wall clock, each kept as "the latest seen": merging takes the
// maximum of every field, so a merge never shortens a deadline or forgets a
// strike, and replicas that merge the same facts in any order agree.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "router/core/classifier.h"
#include "router/core/key_state.h"

namespace keyward {

// One way a key can be out, with its latest episode: since when and until when.
struct OutFact {
  WallTime since{};  // epoch: never
  WallTime until{};
  bool merge(const OutFact& o);  // true when it changed
  bool operator==(const OutFact&) const = default;
};

struct SharedKeyState {
  OutFact quarantined;   // authentication failed
  OutFact exhausted;     // quota used up until its reset
  OutFact rate_limited;  // a short advertised wait
  int strikes = 0;       // auth offences (the quarantine's growth)
  WallTime last_success{};  // a call or ping that worked, anywhere
  WallTime validated_at{};  // the last successful validation ping, anywhere
  // Why it went out most recently (display only: not merged by time of
  // arrival but with the latest `since` of the three facts).
  ErrorClass last_class = ErrorClass::ok;
  int last_status = 0;
  std::string last_error;

  bool merge(const SharedKeyState& o);  // true when it changed
  // Out at `now`: a fact whose deadline is still ahead and that is newer than
  // the last success. The latest deadline wins when several are.
  std::optional<std::pair<KeyState, WallTime>> out_at(WallTime now) const;
  bool operator==(const SharedKeyState&) const = default;

  nlohmann::json to_json() const;
  // Null on a malformed document (a replica of another version, a bad write).
  static std::optional<SharedKeyState> from_json(const nlohmann::json& j);
};

struct SharedProviderState {
  OutFact ejected;
  int ejections = 0;
  bool merge(const SharedProviderState& o);
  bool operator==(const SharedProviderState&) const = default;
  nlohmann::json to_json() const;
  static std::optional<SharedProviderState> from_json(const nlohmann::json& j);
};

}  // namespace keyward
