#pragma once
// Every state transition of the key pool is an event. Alerts, metrics and the
// journal consume them; the pool knows none of them. The pool collects its
// events and the router hands them to listeners after releasing the pool's
// lock, in the order the pool produced them (ChatRouter).
//
// Events carry the state they lead to: the key's new state and deadline, and
// a snapshot of the whole pool (PoolView) as it stood once the transition was
// done. Listeners read state from there and keep no copy of their own.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "router/core/classifier.h"
#include "base/clock.h"
#include "router/core/key_state.h"
#include "router/core/shared_state.h"

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
  key_disabled,        // the operator took the key out of rotation
  key_enabled,         // the operator put it back (uncertain until a call proves it)
};
const char* to_string(PoolEventKind k);

// One key as the pool sees it (never the secret).
struct KeyView {
  int index = 0;  // N of <PROVIDER>_API_KEY_N
  std::string masked;
  KeyState state = KeyState::healthy;
  WallTime until{};  // when state != healthy
  ErrorClass last_class = ErrorClass::ok;  // of the last failure
  int last_status = 0;
  std::string last_error;  // provider's text (untrusted)
  bool proven = false;     // the last call or ping of this key succeeded
  SharedKeyState shared;   // what replicas share about it (cluster mode)
  bool disabled = false;   // taken out of rotation by the operator

  // Out of rotation for a reason that needs the operator or a reset (not a
  // short rate limit).
  bool out(WallTime now) const {
    return disabled || ((state == KeyState::quarantined || state == KeyState::exhausted) && now < until);
  }
  bool usable(WallTime now) const { return !disabled && (state == KeyState::healthy || now >= until); }
};

struct ProviderView {
  std::string name;
  std::string display_name;
  bool enabled = true;
  bool ejected = false;
  WallTime ejected_until{};
  SharedProviderState shared;  // cluster mode
  std::vector<KeyView> keys;

  bool ejected_at(WallTime now) const { return ejected && now < ejected_until; }
  // Not ejected and one of its keys could be tried.
  bool usable(WallTime now) const;
  bool all_keys_out(WallTime now) const;
  const KeyView* key(int index) const;
};

// The pool after a transition: providers in priority order.
struct PoolView {
  std::vector<ProviderView> providers;

  const ProviderView* provider(const std::string& name) const;
  // Display name of the first usable provider other than `name` ("" if none):
  // where traffic goes when `name` fails.
  std::string fallback_after(const std::string& name, WallTime now) const;
  // Another key of the same provider, or another provider, can take the traffic.
  bool any_backup(const std::string& name, int key_index, WallTime now) const;
};

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
  KeyState state = KeyState::healthy;  // the key's state after the event
  std::string request_id;    // the request whose call caused it; "" for timers and validation
  bool remote = false;       // learnt from another replica (cluster mode), not observed here
  std::shared_ptr<const PoolView> view;  // the whole pool after the event's batch
};

class PoolListener {
 public:
  virtual ~PoolListener() = default;
  virtual void on_pool_event(const PoolEvent& event) = 0;
};

}  // namespace keyward
