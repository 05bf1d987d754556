#pragma once
// The routing policy: which key to try next for one request, and when nothing
// is left, a verdict that says why, per provider, and when to come back.
#include <optional>
#include <string>
#include <vector>

#include "router/core/key_pool.h"

namespace keyward {

// What one request has done so far.
struct RequestProgress {
  struct Attempt {
    KeyRef key;
    ErrorClass cls;
    int status;
    std::string message;
  };
  std::vector<Attempt> attempts;
  std::vector<size_t> providers_given_up;  // outage/network: move on

  bool tried(KeyRef k) const;
  bool gave_up(size_t provider) const;
};

// The next key to call, or nullopt when nothing usable is left. Providers by
// priority; keys in order or round-robin among usable keys (config).
std::optional<KeyRef> next_attempt(KeyPool& pool, const RequestProgress& progress, WallTime now);

enum class EmergencyCause {
  all_authentication_failed,
  all_quota_exhausted,
  all_providers_unavailable,  // outage, network, rate limits: the providers' side
  all_providers_failed,       // mixed; see the per-provider breakdown
};
const char* to_string(EmergencyCause c);

struct ProviderVerdict {
  std::string name;
  std::string display_name;
  int keys_total = 0;
  int auth = 0, quota = 0, rate_limited = 0, outage = 0, network = 0;
  bool ejected = false;
  ErrorClass cause = ErrorClass::ok;  // dominant class for this provider
  std::string last_error;             // provider's text
  std::string diagnosis;              // e.g. correlated auth failure
  int failed() const { return auth + quota + rate_limited + outage + network; }
};

struct Verdict {
  EmergencyCause cause = EmergencyCause::all_providers_failed;
  std::vector<ProviderVerdict> providers;
  std::optional<WallTime> retry_at;  // first moment a key becomes usable
  std::string diagnosis;             // one sentence for people
  int keys_total() const;
  int keys_failed() const;
};

Verdict make_verdict(const KeyPool& pool, const RequestProgress& progress, WallTime now);

}  // namespace keyward
