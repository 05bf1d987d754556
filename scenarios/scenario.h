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
  int repeat = 1;            // this many requests ...
  Millis every{1000};        // ... this far apart (simulated)
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
  };
  Kind kind = Kind::advance;
  Millis at{0};         // simulated offset from start_at
  std::string id;       // name for expectations ("first", "restart")
  int line = 0;         // YAML line, for reports
  RequestSpec request;
  std::string provider;  // key_state / fault / clear_fault
  std::string key;       // key_state: the raw key (as in the world file)
  fakes::KeyState key_state = fakes::KeyState::valid;
  fakes::FaultSpec fault;
  std::string fault_id;
  std::string sink;      // smtp | telegram | webhook
  fakes::SinkFault sink_fault;
  std::map<std::string, std::optional<std::string>> env_edits;  // nullopt: remove the line
  bool validate_on_start = true;  // restart: ping every key, as a production start does
  bool synthetic = false;  // added by the loader for a status/incident `at` (not written back by emit_scenario)
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
  std::map<std::string, std::vector<int>> per_key;  // provider -> calls per key (router key order)
  std::optional<int> total;
  // alerts
  std::string channel;                     // email | telegram | webhook
  Matcher subject, text;
  std::optional<int> count;
  Window within;
  // status
  std::optional<Millis> at;
  std::string after;                       // log: after event id
  // incident
  std::optional<std::string> state;        // open | resolved | none
  std::optional<Millis> downtime_min, downtime_max;
  // metrics
  std::map<std::string, double> metric_equals;  // name -> sum over label sets
  // invariant: one of kInvariantNames (scenarios/invariants.h)
  std::string invariant;
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
  std::vector<Event> timeline;  // sorted by `at`, requests expanded
  std::vector<Expectation> expectations;
  Millis end_at{0};             // last event + settle time
};

// Parses a scenario file; throws SchemaError (file:line: path: message).
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const std::string& yaml_text, const std::string& file);

// Offset of an event id or an offset string ("+1s" relative to `base`).
bool resolve_time(const Scenario& s, const std::string& ref, Millis base, Millis* out);

}  // namespace keyward::scenarios
