#pragma once
// The router's configuration model: built-in defaults that serve with no file
// at all, overridden by keyward.yaml, with keys (secrets) from .env and the
// process environment.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/durations.h"
#include "base/schema_error.h"

namespace YAML {
class Node;
}

namespace keyward {

// Wire protocol a provider speaks. Groq, Mistral and generic providers speak
// the OpenAI dialect; Gemini its own.
enum class WireKind { openai, gemini };
const char* to_string(WireKind k);

struct KeyConfig {
  int index = 0;         // the N of GROQ_API_KEY_N: "Groq Key N" in logs and alerts
  std::string env_name;  // GROQ_API_KEY_1
  std::string secret;    // never printed; use masked()
  std::optional<WallTime> expires;
  int weight = 1;        // share of round-robin traffic (routing.key_weights)
  std::string masked() const;
};

struct ProviderConfig {
  std::string name;          // "groq": id in metrics, routes, model prefix
  std::string display_name;  // "Groq": in logs and alerts
  WireKind wire = WireKind::openai;
  std::string base_url;       // https://api.groq.com/openai/v1
  std::string model;          // llama-3.3-70b-versatile
  std::string dashboard_url;  // where an operator makes new keys
  std::string env_prefix;     // GROQ: GROQ_API_KEY_N, GROQ_BASE_URL, GROQ_MODEL
  int priority = 0;           // lower first
  bool enabled = true;
  std::vector<KeyConfig> keys;

  std::string qualified_model() const { return name + "/" + model; }
};

enum class KeyOrder { ordered, round_robin };

struct TimeoutPolicy {
  Millis request{10'000};    // one provider call, founding scenario: 10 s
  Millis connect{2'000};
  Millis validation{5'000};  // one start-up key ping
};

// Auth quarantine grows on repeat offences and decays when the key stays
// healthy (Envoy's outlier ejection): min(base * strikes, max).
struct QuarantinePolicy {
  Millis auth_base{5 * 60'000};
  Millis auth_max{60 * 60'000};
  Millis strike_decay{60 * 60'000};   // one strike forgiven per interval without auth failure
  Millis rate_limit_default{10'000};  // a 429 that advertises no wait
};

// A provider is ejected after consecutive outage/network failures, for
// min(base * ejections, max); never its keys.
struct EjectionPolicy {
  int consecutive_failures = 3;
  Millis base{30'000};
  Millis max{5 * 60'000};
};

struct CachePolicy {
  bool enabled = true;
  size_t max_entries = 1000;
  size_t max_bytes = 8 << 20;
  Millis ttl{60 * 60'000};
};

struct RoutingPolicy {
  KeyOrder key_order = KeyOrder::ordered;
  int max_attempts = 32;             // bound on attempts for one request
  Millis correlated_window{60'000};  // "all N keys rejected at once" window
  // A key whose last success is older than this is uncertain: one request
  // probes it while the others wait for the verdict (0: successes never age).
  Millis probe_fresh_for{30'000};
  // Round-robin weight per provider and key index (N of <PROVIDER>_API_KEY_N);
  // unlisted keys weigh 1. Applied to the keys when .env is applied.
  std::map<std::string, std::map<int, int>> key_weights;
};

struct RouterConfig {
  std::vector<ProviderConfig> providers;  // sorted by priority
  TimeoutPolicy timeouts;
  QuarantinePolicy quarantine;
  EjectionPolicy ejection;
  CachePolicy cache;
  RoutingPolicy routing;
  std::string support_url = "https://platform.example.com/support";

  const ProviderConfig* find(const std::string& name) const;
  size_t key_count() const;
};

// Groq, Gemini, Mistral with their real base URLs, models and dashboards.
RouterConfig default_config();

// A problem in an input file; loading goes on where it can.
struct Diagnostic {
  std::string source;  // file name, ".env", "environment"
  int line = 0;        // 1-based, 0 when not tied to a line
  std::string message;
  std::string to_string() const;
};

// Overrides defaults with a keyward.yaml. Unknown fields and wrong types throw
// SchemaError (base/schema_error.h) naming file:line and the field's path; only
// while loading configuration, never on the request path.
RouterConfig load_config_yaml(const std::string& yaml_text, const std::string& file_name,
                              RouterConfig base = default_config());
RouterConfig load_config_file(const std::string& path, RouterConfig base = default_config());
// The same from a node inside a larger document (a scenario's router.config):
// errors name the outer file's lines and `path` as the field prefix.
RouterConfig load_config_node(const YAML::Node& node, const std::string& file, const std::string& path,
                              RouterConfig base = default_config());

}  // namespace keyward
