#pragma once
// Every state transition of the key pool is an event. Alerts, metrics and the
// journal consume them; the pool knows none of them.
#include <optional>
#include <string>

#include "router/core/classifier.h"
#include "router/core/clock.h"

namespace keyward {

enum class PoolEventKind {
  attempt_ok,          // a call succeeded (key_index set)
  attempt_failed,      // a call failed (any class), before the state change below
  key_quarantined,     // auth: out until `until`
  key_exhausted,       // quota: out until `until` (the reset)
  key_rate_limited,    // short wait: out until `until`
  key_released,        // a deadline passed; eligible again (not yet proven healthy)
  key_recovered,       // first success after a failure state
  key_validated,       // start-up / reload / health-check ping succeeded
  key_validation_failed,
  provider_ejected,    // consecutive outage/network failures
  provider_restored,   // ejection ended or a success came through
};
const char* to_string(PoolEventKind k);

struct PoolEvent {
  PoolEventKind kind;
  WallTime at;
  std::string provider;      // "groq"
  int key_index = 0;         // 0 for provider-level events
  std::string masked_key;    // never the secret
  ErrorClass cls = ErrorClass::ok;
  int status = 0;            // HTTP status, 0 for transport failures
  std::string message;       // provider's error text (untrusted)
  std::optional<WallTime> until;
  int strikes = 0;           // auth offences counted for the quarantine length
};

class PoolListener {
 public:
  virtual ~PoolListener() = default;
  virtual void on_pool_event(const PoolEvent& event) = 0;
};

}  // namespace keyward
