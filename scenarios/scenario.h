#pragma once
// A scenario: a fake world, a router, a timeline of events on a simulated
// clock, and expectations about what the router did. Schema: docs/SCENARIOS.md.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

// The scenario's own vocabulary: times (start_at), durations (offsets) and
// the seed every component's seed derives from (Random::derive).
#include "base/clock.h"
#include "base/durations.h"
#include "base/random.h"
#include "base/utc_time.h"
#include "fakes/world.h"

namespace keyward::scenarios {

struct RequestSpec {
  std::string api = "chat";  // chat (POST /api/ai/chat) | openai (POST /v1/chat/completions)
  std::string message;
  bool stream = false;       // openai only
  int repeat = 1;            // this many requests (or bursts) ...
  Millis every{1000};        // ... this far apart (simulated)
  int concurrent = 1;        // >1: a burst of this many requests in flight at once
  int replica = 0;           // cluster: the replica (1-based) it goes to; 0: the replicas in turn
};

struct Event {
  enum class Kind {
    request,
    key_state,    // a fake provider changes one key's state
    fault,        // add a fault to a fake provider (named by id)
    clear_fault,  // remove a named fault (or all of a provider's)
    sink_fault,   // a fake alert sink goes down / slow / errors
    clear_sink_fault,
    edit_env,     // edit the router's .env (takes effect on reload or restart)
    reload,       // POST /admin/reload
    restart,      // rebuild the router from the edited .env, same store
    health_check, // run the daily health check now
    advance,      // just move the clock here (ticks timers)
    // Cluster scenarios only (router.replicas > 1):
    redis,        // the cluster's redis-server stops (`down: true`) or starts again, empty
    partition,    // one replica loses Redis (its fault proxy closes and refuses connections)
    heal,         // ... and gets it back
  };
  Kind kind = Kind::advance;
  Millis at{0};         // simulated offset from start_at
  std::string id;       // name for expectations ("first", "restart")
  std::string while_burst;  // `while: storm`: lands while that burst (same `at`) is in flight
  int line = 0;         // YAML line, for reports
  RequestSpec request;
  std::string provider;  // key_state / fault / clear_fault
  std::string key;       // key_state: the raw key (as in the world file)
  fakes::KeyState key_state = fakes::KeyState::valid;
  int key_variant = -1;                  // key_state `limit: tpd` (Groq): 1; rpd: 0
  bool until_reset = false;              // key_state `until: reset`: recovers at the provider's reset
  std::optional<Millis> retry_after;     // key_state rate_limited `retry_after: 6m7.2s`: recovers then
  fakes::FaultSpec fault;
  std::string fault_id;
  std::string sink;      // smtp | telegram | webhook
  fakes::SinkFault sink_fault;
  std::map<std::string, std::optional<std::string>> env_edits;  // nullopt: remove the line
  bool validate_on_start = true;  // restart: ping every key, as a production start does
  int replica = 0;       // restart / partition / heal / health_check: which replica (1-based); 0: all / replica 1
  bool redis_down = false;  // redis: down (true) or back (false)
  bool synthetic = false;  // added by the loader for a status/incident `at` (not written back by emit_scenario)
  std::string comment;     // written after the event by emit_scenario (keyward replay's notes); not read back
};

// A time window: [from, to] as event ids or offsets ("first", "+1s", "20s").
struct Window {
  std::string from, to;  // empty: start / end of the run
  bool empty() const { return from.empty() && to.empty(); }
};

struct Matcher {
  std::vector<std::string> equals;    // exact
  std::vector<std::string> contains;  // substrings
  std::vector<std::string> absent;    // must not contain
  bool any() const { return !equals.empty() || !contains.empty() || !absent.empty(); }
};

// An expected count: exactly N (`3`), or a bound (`{min: 1}`, `{max: 3}`,
// `{min: 1, max: 3}`). Implicit from an int: an exact count.
struct Count {
  std::optional<int> min, max;
  Count() = default;
  Count(int exactly) : min(exactly), max(exactly) {}  // NOLINT: `count: 3` means exactly 3
  static Count between(std::optional<int> lo, std::optional<int> hi) {
    Count c;
    c.min = lo;
    c.max = hi;
    return c;
  }
  bool exact() const { return min && max && *min == *max; }
  bool holds(int n) const { return (!min || n >= *min) && (!max || n <= *max); }
  bool operator==(int n) const { return exact() && *min == n; }
  // As written in YAML: "3", "{min: 1}", "{max: 3}", "{min: 1, max: 3}".
  std::string str() const {
    if (exact()) return std::to_string(*min);
    std::string s = "{";
    if (min) s += "min: " + std::to_string(*min);
    if (max) s += std::string(min ? ", " : "") + "max: " + std::to_string(*max);
    return s + "}";
  }
};

// `spread: {provider: groq, keys: [1, 3], max_ratio: 1.2}`: the calls of the
// busiest of these keys over those of the quietest are at most max_ratio.
struct Spread {
  std::string provider;
  std::vector<int> keys;  // key numbers (N of <PROVIDER>_API_KEY_N), at least two
  double max_ratio = 1.0;
};

struct Expectation {
  enum class Kind { response, provider_calls, alerts, status, log, incident, metrics, invariant };
  Kind kind;
  int line = 0;
  std::string source;  // the YAML text, for reports
  // response
  std::string of;                          // event id
  int index = -1;                          // which repeat of a repeated request (-1: every)
  std::optional<int> status;
  std::map<std::string, YAML::Node> json;  // dotted path -> expected scalar
  std::optional<std::string> source_is;    // provider | cache | emergency
  std::optional<Millis> within_wall;       // wall-clock latency bound
  Matcher body;
  // provider_calls
  Window during;
  bool empty_allowed = false;  // `empty: allowed`: the window (during / within) may contain nothing
  std::map<std::string, std::vector<Count>> per_key;  // provider -> calls per key (router key order)
  std::optional<Count> total;
  std::optional<Spread> spread;
  // alerts
  std::string channel;                     // email | telegram | webhook
  Matcher subject, text;
  std::optional<Count> count;  // alerts, log
  Window within;
  // status
  std::optional<Millis> at;
  std::string after;                       // log: after event id
  // incident
  std::optional<std::string> state;        // open | resolved | none
  std::optional<Millis> downtime_min, downtime_max;
  // metrics
  std::map<std::string, double> metric_equals;  // name -> sum over label sets
  // invariant: the name of a checker (scenarios/checkers/checker.h)
  std::string invariant;
  // Cluster: judge this replica (1-based) only: the alerts it delivered, its
  // log lines, its status. 0: the whole cluster (every alert the sinks got,
  // every replica's log; a status or incident must hold on every replica).
  int replica = 0;
  std::string comment;  // written after it by emit_scenario; not read back
};

// `checkers: {skip: {NAME: "why"}}`: a safety checker this scenario opts out
// of, and why. Reports show each opt-out with its reason.
struct CheckerOptOut {
  std::string checker;
  std::string reason;
  int line = 0;  // YAML line of the NAME: "why" field
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  uint64_t seed = 1;            // the world's and its providers' seeds derive from it (Random::derive)
  WallTime start_at{};
  fakes::WorldOptions world;
  std::string env;            // the router's initial .env
  std::string config_yaml;    // the router's keyward.yaml, inline
  bool validate_on_start = true;  // the first start only; restarts say their own
  Millis reminder_interval{60 * 60'000};
  // `router: {replicas: 3}`: a cluster of this many routers sharing a real
  // redis-server (docs/CLUSTER.md, "Scenarios on a cluster"); 1: one router.
  int replicas = 1;
  std::vector<Event> timeline;  // sorted by `at`, requests expanded
  std::vector<Expectation> expectations;
  std::vector<CheckerOptOut> checker_opt_outs;
  // `expected_failure: "reason"`: known to fail until the router is fixed;
  // reported as XFAIL (never as passed), and as XPASS (a failure) once it
  // passes, so that the mark is removed.
  std::string expected_failure;
  Millis end_at{0};             // last event + settle time
  // Comments emit_scenario writes (keyward replay's notes; the loader reads
  // none back): lines above `name:`, and one after a field, by the field's
  // path as schema errors spell it ("router.validate_on_start",
  // "world.sinks", "world.providers[0].keys.KEY",
  // "world.providers[0].rate_limited_retry_s", "expect").
  std::vector<std::string> header_comment;
  std::map<std::string, std::string> comments;
};

// Parses a scenario file; throws SchemaError (file:line: path: message).
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const std::string& yaml_text, const std::string& file);

// Offset of an event id or an offset string ("+1s" relative to `base`).
bool resolve_time(const Scenario& s, const std::string& ref, Millis base, Millis* out);

}  // namespace keyward::scenarios
