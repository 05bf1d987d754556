#pragma once
// Health of every key and provider: a state machine whose transitions take
// `now`. Transitions are collected as PoolEvents (take_events()); the owner
// hands them to listeners after releasing its lock. Not thread-safe; the owner
// serialises.
//
// Besides the health states, the pool knows how *certain* it is that a key
// works, and how many calls to each key are in flight, so that a key nobody
// has recent evidence for is called by one request at a time (a probe) while
// the others wait for its verdict (see uncertain() and routing.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "router/core/classifier.h"
#include "router/core/config.h"
#include "router/core/events.h"

namespace keyward {

struct KeyRef {
  size_t provider = 0;  // index into RouterConfig::providers
  size_t key = 0;       // index into ProviderConfig::keys
  bool operator==(const KeyRef&) const = default;
};

struct KeyHealth {
  KeyState state = KeyState::healthy;
  WallTime until{};           // when state != healthy
  int strikes = 0;            // auth offences, for the growing quarantine
  std::optional<WallTime> last_auth_failure;
  std::optional<WallTime> last_failure;
  std::optional<WallTime> last_success;
  ErrorClass last_class = ErrorClass::ok;
  int last_status = 0;
  std::string last_error;     // provider's text, bounded
  const char* last_signal = "";  // the classifier row of the last failure ("" when unknown)
  WallTime since{};              // when `state` last changed (epoch: never)
  // Taken out of rotation by hand (POST /admin/keys/<provider>/<id>/disable):
  // never picked until enabled again, whatever its health state does.
  bool disabled = false;
  WallTime disabled_since{};
  bool validated = false;     // a ping or a call has proven it works
  uint64_t attempts = 0;
  uint64_t failures = 0;
  // Evidence order (the pool's transition counter, not time: two transitions
  // in one millisecond stay ordered). 0 = never.
  uint64_t success_seq = 0;   // last success (call or ping)
  uint64_t failure_seq = 0;   // last failure of this key (call or ping)
  uint64_t released_seq = 0;  // last time a deadline of this key ended
  int in_flight = 0;          // calls handed out and not yet recorded
  int64_t rr_current = 0;     // smooth weighted round-robin
  // The facts replicas share (cluster mode): every local transition is
  // recorded here too, and facts from other replicas merge into it.
  SharedKeyState shared;
};

struct ProviderHealth {
  bool ejected = false;
  WallTime ejected_until{};
  int consecutive_failures = 0;
  int ejections = 0;          // grows the ejection time
  ErrorClass last_class = ErrorClass::ok;
  std::string last_error;
  // The last sibling-wide alarm: a key of this provider failed authentication,
  // the provider failed, or its ejection ended. Evidence older than it no
  // longer counts for any of its keys.
  uint64_t alarm_seq = 0;
  SharedProviderState shared;  // cluster mode, as SharedKeyState
};

class KeyPool {
 public:
  explicit KeyPool(RouterConfig config);

  const RouterConfig& config() const { return config_; }
  const KeyHealth& key(KeyRef k) const;
  const ProviderHealth& provider(size_t p) const;
  const KeyConfig& key_config(KeyRef k) const;

  // Usable now: not disabled, healthy or its deadline has passed, and the
  // provider is not ejected.
  bool key_usable(KeyRef k, WallTime now) const;
  bool provider_usable(size_t p, WallTime now) const;
  // When the key could next be tried (now if usable). A disabled key has no
  // such moment: this is then the moment its health would allow it.
  WallTime usable_at(KeyRef k, WallTime now) const;

  // No recent evidence that the key works: never proven since start (or a
  // reload that brought it), its last call failed, a deadline of it ended, a
  // sibling failed authentication or the provider failed after its last
  // success, or that success is older than routing.probe_fresh_for.
  bool uncertain(KeyRef k, WallTime now) const;
  // May a request call it now? Certain keys: always (full concurrency).
  // Uncertain keys: only when no call to it is in flight (one probe at a time).
  bool admits_call(KeyRef k, WallTime now) const;

  // A call was handed out / its result is known (pair them; record() alone
  // is for results that did not go through begin_call, e.g. tests).
  void begin_call(KeyRef k);
  void end_call(KeyRef k);

  // Applies the outcome of one call to the key and its provider.
  void record(KeyRef k, const Classification& c, int status, WallTime now, const std::string& request_id = "");
  // Start-up, reload and health-check pings. A failed ping quarantines (auth)
  // or marks the key like a failed call would; a good one clears any state.
  void record_validation(KeyRef k, const Classification& c, int status, WallTime now);
  // Emits key_released / provider_restored for deadlines that have passed.
  // A disabled key's deadline still ends (its health is known), but the key
  // stays disabled.
  void tick(WallTime now);

  // The operator takes a key out of rotation / puts it back. False (and no
  // event) when it already was. Enabling makes the key uncertain: it has
  // had no traffic, so one request probes it before the herd follows.
  bool disable(KeyRef k, WallTime now);
  bool enable(KeyRef k, WallTime now);

  // Smooth weighted round-robin (nginx) over the keys of `provider` that
  // `eligible` accepts: each pick adds every eligible key's weight to its
  // current value, takes the largest, and subtracts the eligible total from
  // it. Keys that are out take no turns, so they hand theirs to nobody in
  // particular: the eligible keys share the traffic by weight.
  template <typename Eligible>
  std::optional<size_t> pick_round_robin(size_t provider, Eligible eligible);

  // Facts from another replica (cluster mode): merged monotonically (a
  // deadline is never shortened, a strike never forgotten); when they put the
  // key out for longer, or show a success newer than its failure, the key's
  // state follows and an event with `remote` set says so. A remote auth
  // failure makes the siblings uncertain here too (the herd rule holds
  // cluster-wide: each replica probes them once instead of sending its whole
  // traffic to keys that were likely regenerated together).
  void merge_shared(KeyRef k, const SharedKeyState& facts, WallTime now);
  void merge_shared_provider(size_t p, const SharedProviderState& facts, WallTime now);

  // After a reload: keep the history of keys whose secret did not change
  // (a manual disable too: it follows the secret, not the index).
  void carry_over_from(const KeyPool& old);

  // The transitions since the last call, each carrying the pool's view after
  // them. The owner delivers them to listeners.
  std::vector<PoolEvent> take_events();
  // A snapshot of every provider and key (shared, immutable; rebuilt only
  // after a transition).
  std::shared_ptr<const PoolView> view();

 private:
  KeyHealth& key_mut(KeyRef k);
  void emit(PoolEventKind kind, KeyRef k, WallTime now, const Classification* c, int status,
            std::optional<WallTime> until = std::nullopt);
  void emit_provider(PoolEventKind kind, size_t p, WallTime now, std::optional<WallTime> until);
  void apply_failure_state(KeyRef k, const Classification& c, int status, WallTime now);
  void raise_alarm(size_t p) { providers_[p].alarm_seq = ++seq_; }
  void note_success(KeyHealth& kh, WallTime now);
  int weight(KeyRef k) const;

  RouterConfig config_;
  std::vector<std::vector<KeyHealth>> keys_;
  std::vector<ProviderHealth> providers_;
  uint64_t seq_ = 0;  // transition counter (evidence order)
  std::vector<PoolEvent> events_;
  std::string event_request_id_;  // stamped on events of the call being recorded
  std::shared_ptr<const PoolView> view_;  // null: rebuild on next use
};

template <typename Eligible>
std::optional<size_t> KeyPool::pick_round_robin(size_t provider, Eligible eligible) {
  auto& keys = keys_[provider];
  int64_t total = 0;
  std::optional<size_t> best;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!eligible(i)) continue;
    int w = weight({provider, i});
    keys[i].rr_current += w;
    total += w;
    if (!best || keys[i].rr_current > keys[*best].rr_current) best = i;
  }
  if (best) keys[*best].rr_current -= total;
  return best;
}

}  // namespace keyward
