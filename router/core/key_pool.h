#pragma once
// Health of every key and provider: a state machine whose transitions take
// `now` and are emitted as PoolEvents. Not thread-safe; the owner serialises.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "router/core/classifier.h"
#include "router/core/config.h"
#include "router/core/events.h"

namespace keyward {

enum class KeyState { healthy, quarantined, exhausted, rate_limited };
const char* to_string(KeyState s);

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
  bool validated = false;     // a ping or a call has proven it works
  uint64_t attempts = 0;
  uint64_t failures = 0;
};

struct ProviderHealth {
  bool ejected = false;
  WallTime ejected_until{};
  int consecutive_failures = 0;
  int ejections = 0;          // grows the ejection time
  ErrorClass last_class = ErrorClass::ok;
  std::string last_error;
};

class KeyPool {
 public:
  explicit KeyPool(RouterConfig config, PoolListener* listener = nullptr);

  const RouterConfig& config() const { return config_; }
  const KeyHealth& key(KeyRef k) const { return keys_[k.provider][k.key]; }
  const ProviderHealth& provider(size_t p) const { return providers_[p]; }
  const KeyConfig& key_config(KeyRef k) const { return config_.providers[k.provider].keys[k.key]; }

  // Usable now: healthy or its deadline has passed, and the provider is not ejected.
  bool key_usable(KeyRef k, WallTime now) const;
  bool provider_usable(size_t p, WallTime now) const;
  // When the key could next be tried (now if usable).
  WallTime usable_at(KeyRef k, WallTime now) const;

  // Applies the outcome of one call to the key and its provider.
  void record(KeyRef k, const Classification& c, int status, WallTime now);
  // Start-up, reload and health-check pings. A failed ping quarantines (auth)
  // or marks the key like a failed call would; a good one clears any state.
  void record_validation(KeyRef k, const Classification& c, int status, WallTime now);
  // Emits key_released / provider_restored for deadlines that have passed.
  void tick(WallTime now);

  // Round-robin cursor per provider (routing policy state).
  size_t next_rr_start(size_t provider);

  // After a reload: keep the history of keys whose secret did not change.
  void carry_over_from(const KeyPool& old);

  void set_listener(PoolListener* listener) { listener_ = listener; }

 private:
  void emit(PoolEventKind kind, KeyRef k, WallTime now, const Classification* c, int status,
            std::optional<WallTime> until = std::nullopt);
  void emit_provider(PoolEventKind kind, size_t p, WallTime now, std::optional<WallTime> until);
  void apply_failure_state(KeyRef k, const Classification& c, int status, WallTime now);

  RouterConfig config_;
  PoolListener* listener_;
  std::vector<std::vector<KeyHealth>> keys_;
  std::vector<ProviderHealth> providers_;
  std::vector<size_t> rr_cursor_;
};

}  // namespace keyward
