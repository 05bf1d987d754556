#pragma once
// Key validation: every key pinged with its provider's cheapest authenticated
// call (GET /models), asynchronously with a bounded number in flight, each
// with the validation timeout. Used at start-up, on reload, by POST /admin/keys/test and
// by `keyward keys check`, and reported in the founding scenario's words.
#include <functional>
#include <string>
#include <vector>

#include "router/core/classifier.h"
#include "base/clock.h"
#include "router/core/config.h"
#include "router/core/transport.h"

namespace keyward::http {

struct KeyValidation {
  std::string provider;      // "groq"
  std::string display_name;  // "Groq"
  int key_index = 0;
  std::string masked_key;
  AttemptResult result;      // what the ping returned (body scrubbed of the key)
  Classification classification;
  MonoTime latency{};        // injected clock
  size_t models = 0;         // models the key can see
  bool ok() const { return classification.cls == ErrorClass::ok; }
};

// Which keys to ping; null = all.
using KeyFilter = std::function<bool(const ProviderConfig&, const KeyConfig&)>;

// Results in configuration order (priority, then key order). At most
// `max_parallel` pings are in flight at once; the calling thread waits for
// them (each bounded by the validation timeout plus `grace`: a ping the
// transport never ends counts as a timeout).
std::vector<KeyValidation> validate_keys(const RouterConfig& config, ProviderTransport& transport, const Clock& clock,
                                         size_t max_parallel = 16, const KeyFilter& filter = nullptr,
                                         Millis grace = Millis(2'000));

// "INFO: ✓ Groq Key 1 credentials validated successfully" /
// "ERROR: ✗ Groq Key 2 credential validation failed: <provider text> (<class>)".
std::string validation_log_line(const KeyValidation& v);

// "Available models: N" counts the keys that validated: each is a usable
// provider model route (the founding scenario: six good keys -> 6). Then
// "✅ Platform ready - all AI providers operational", or
// "⚠ Platform degraded - 4/6 keys operational; Groq: 0/3 (auth)", or, when no
// key works, "✗ Platform unavailable - 0/6 keys operational; ...".
std::vector<std::string> validation_summary_lines(const RouterConfig& config, const std::vector<KeyValidation>& results);

size_t count_ok(const std::vector<KeyValidation>& results);

}  // namespace keyward::http
