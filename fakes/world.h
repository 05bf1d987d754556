#pragma once
// The fake outside world: every fake provider and alert sink a world file
// names, started and stopped together. The same schema is the `world:`
// section of a scenario file.
//
// World file schema (unknown fields are errors; every error names file:line
// and the field's path, e.g. "world.yaml:7: providers[0].limits.requests_per_minute: expected
// a non-negative integer"):
//
//   seed: 7                          # optional (default 0); every provider's seed derives from it
//                                    # (Random::derive(seed, name), base/random.h)
//   providers:                       # list; names unique
//     - name: groq                   # optional, default = kind; the listener name
//       kind: groq                   # required: groq | gemini | mistral | openai
//       listen: 127.0.0.1:0          # optional, default 127.0.0.1:0 (port 0 = a free port)
//       tls: false                   # true: HTTPS, self-signed certificate made at start
//       model: llama-3.3-70b-versatile  # optional: reported and listed model (default per kind)
//       latency_ms: 0                # base latency of every answer (real time)
//       default_key_state: invalid   # state of keys not listed (default invalid)
//       keys:                        # key: state, or key: {state: S, variant: 0|1}
//         sk-good-1: valid           # states: valid invalid expired revoked suspended
//         sk-proj-EXPIRED-AAA: expired  #         leaked quota_exhausted rate_limited
//       limits: {requests_per_minute: 30, requests_per_day: 1000}   # per key; 0 = unlimited
//       error_variant: 0             # 0|1: which of two real 401/429 shapes (Mistral)
//       rate_limited_retry_s: 2      # the wait a rate_limited key's 429 quotes
//       seed: 42                     # optional: overrides the derived seed
//       max_threads: 64              # concurrent connections served
//       keep_alive_timeout_s: 5      # idle keep-alive connections are closed after this
//       journal_limit: 10000         # journal ring buffer size
//       max_body_bytes: 1048576      # larger request bodies get 413
//       faults:                      # see fakes/faults/fault.h for kinds and fields
//         - {kind: status, status: 503, probability: 1.0, first: 3}
//   sinks:                           # optional; parsed by parse_sinks() (fakes/sinks/sinks.h)
//     smtp:     {listen: 127.0.0.1:0}
//     telegram: {listen: 127.0.0.1:0, token: "123:ABC"}
//     webhook:  {listen: 127.0.0.1:0}
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/yaml_reader.h"
#include "fakes/provider.h"
#include "fakes/sinks/sinks.h"

namespace keyward::fakes {

struct WorldOptions {
  std::uint64_t seed = 0;
  std::vector<ProviderOptions> providers;  // seeds already derived
  SinksOptions sinks;
};

// Parses a world mapping (throws SchemaError).
WorldOptions parse_world(const YamlField& world);
// Reads and parses a world file (throws SchemaError, also for YAML syntax
// errors and unreadable files).
WorldOptions load_world_file(const std::string& path);
// Parses one fault from YAML (throws SchemaError naming the fault's field).
FaultSpec parse_fault_yaml(const YamlField& fault);

struct Listener {
  std::string name;      // "groq", "smtp", ...
  std::string base_url;  // "http://127.0.0.1:40123/openai/v1", "smtp://127.0.0.1:40126"
};

class World {
 public:
  // `clock` is shared by every fake; `control` lets their control APIs move
  // it (empty: the clock belongs to someone else, e.g. the scenario runner).
  World(WorldOptions options, const Clock& clock, ClockControl control = {});
  ~World();  // stops
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Starts every provider and sink; on failure stops what started and
  // rethrows (std::runtime_error).
  void start();
  void stop();  // idempotent

  // Providers in file order, then sinks. Valid after start().
  std::vector<Listener> listeners() const;
  FakeProvider* provider(const std::string& name);  // nullptr when unknown
  // Every provider back to its start options (journals and counters cleared)
  // and every sink cleared.
  void reset();
  std::vector<FakeProvider*> providers();
  SinkFleet* sinks();  // nullptr when the world has no sinks
  const WorldOptions& options() const { return options_; }

 private:
  WorldOptions options_;
  const Clock& clock_;
  ClockControl control_;
  std::vector<std::unique_ptr<FakeProvider>> providers_;
  std::unique_ptr<SinkFleet> sinks_;
  bool started_ = false;
};

}  // namespace keyward::fakes
