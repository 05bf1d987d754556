#pragma once
// Error policy: one table from what a provider call returned to what it means
// and what the router does about it. The rules encode the signals each
// provider really sends (status codes, error codes, Gemini's ErrorInfo reasons
// and QuotaFailure ids, Groq's RPD/TPD texts) as collected in the team's
// provider notes, ../shared/docs/PROVIDER_WIRE_FORMATS.md (outside this
// repository), section "Classification the router must get right".
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "router/core/config.h"

namespace keyward {

// `cancelled`: the caller went away before the answer was complete; the call
// says nothing about the key or the provider (see TransportError::client_gone).
enum class ErrorClass { ok, auth, quota_exhausted, rate_limited, provider_outage, network, request_error, cancelled };
const char* to_string(ErrorClass c);
bool parse_error_class(const std::string& s, ErrorClass* out);

// Local-origin failures, kept apart from upstream answers (Envoy).
enum class TransportError {
  none,
  connect_failed,
  connection_reset,
  timeout,
  tls,
  read_failed,
  truncated_body,
  malformed_body,
  body_too_large,
  // Not the provider's failure: the caller hung up, or read a stream too
  // slowly, and the call was abandoned on its behalf. A hang-up counted as the
  // provider's network failure would let three impatient clients eject a
  // healthy provider.
  client_gone,
};
const char* to_string(TransportError e);

using Headers = std::vector<std::pair<std::string, std::string>>;  // names lower-case

// What one provider call returned, as seen by the transport.
struct AttemptResult {
  TransportError transport = TransportError::none;
  int status = 0;
  Headers headers;
  std::string body;  // bounded by the transport
};

// What the router does to the key and the provider.
enum class KeyAction { none, mark_healthy, quarantine, exhaust_until_reset, rate_limit_until };
enum class ProviderAction { none, record_success, record_failure };

struct ClassPolicy {
  ErrorClass cls;
  KeyAction key;
  ProviderAction provider;
  bool next_provider;     // give up on this provider for this request
  bool return_to_caller;  // the request itself is wrong: stop, answer the caller
};
// The action table, one row per class.
const ClassPolicy& policy_for(ErrorClass c);

struct Classification {
  ErrorClass cls = ErrorClass::ok;
  const char* signal = "";  // the table row that matched, e.g. "gemini_api_key_invalid"
  std::string message;      // the provider's own error text (untrusted, bounded)
  std::optional<WallTime> usable_at;  // rate limit: now + wait; quota: next midnight UTC
};

// The one classification function. `now` turns waits into deadlines. The
// rules read the body's shape, not the provider's wire kind: every provider's
// errors are told apart by their own signals.
Classification classify(const AttemptResult& result, WallTime now);
// The wait a response advertises: retry-after header, Gemini RetryInfo.retryDelay,
// or "try again in X" in the message.
std::optional<Millis> advertised_wait(const AttemptResult& result, const std::string& message);

}  // namespace keyward
