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
  // The request waited for other requests' probes until its deadline: keys
  // still being probed are passed over instead of waited for.
  bool stop_waiting = false;

  bool tried(KeyRef k) const;
  bool gave_up(size_t provider) const;
};

// What the request does next.
struct NextAttempt {
  enum class Kind {
    call,  // call `key` (the pool has counted the call in flight: pair with end_call)
    wait,  // the key this request would call is being probed by another request
    none,  // nothing usable is left: the verdict
  };
  Kind kind = Kind::none;
  KeyRef key;
};

// Providers by priority; within a provider, keys in order or by smooth
// weighted round-robin among the keys that are usable (config). A key with
// recent evidence that it works is called at once by any number of requests.
// An uncertain one (KeyPool::uncertain) is called by one request at a time:
// a request that would pick it while another probes it takes a certain key
// of the same provider if there is one (round-robin: also a free uncertain
// one), and otherwise waits for the probe's verdict instead of moving on to
// a lower-priority provider. Ordered keys are probed one after another, so a
// herd walks a dead provider's keys with one call each.
NextAttempt next_attempt(KeyPool& pool, const RequestProgress& progress, WallTime now);

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
  int disabled = 0;  // taken out by the operator: not failures, and no retry moment
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
  std::string request_id;            // the request it was made for
  int keys_total() const;
  int keys_failed() const;
};

Verdict make_verdict(const KeyPool& pool, const RequestProgress& progress, WallTime now);

}  // namespace keyward
