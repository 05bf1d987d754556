#pragma once
// `keyward serve` as a library: the router core, the provider transports, the
// public HTTP API, start-up validation, the journal, stats and reload, in one
// object that the CLI runs in production and the scenario runner runs
// in-process with a SimClock. Alerts plug in through extra_observers and the
// incident/channels/dashboard hooks; this module knows none of them.
#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "router/core/chat_router.h"
#include "router/core/env_file.h"
#include "router/http/genai_metrics.h"
#include "router/http/journal.h"
#include "router/http/outcome_minutes.h"
#include "router/http/stats.h"
#include "router/http/validation.h"

namespace keyward::net {
class EventLoop;
class HttpServer;
class WorkerPool;
}  // namespace keyward::net

namespace keyward::http {

class WireTransport;
class BlockingOverAsync;

// The public listener's settings: keyward.yaml's `server:` section (parsed by
// router/main/serve_settings.cpp; documented in docs/RELIABILITY.md).
struct ServerSettings {
  size_t loop_threads = 1;            // event loops (connections are spread over them)
  size_t handler_threads = 32;        // threads that run routes which block (routing, validation, reload)
  size_t handler_queue = 1024;        // requests waiting for one; beyond: 503 overloaded at once
  size_t max_streams = 16;            // streaming answers at once (each holds a handler thread); beyond: 503
  size_t max_connections = 10'000;    // open at once; beyond: closed at accept, logged, counted
  size_t body_limit = 1 << 20;        // request body bytes (Content-Length, chunked): 413
  size_t max_headers = 100;           // header fields: 431
  size_t max_head_bytes = 16 << 10;   // request line + headers: 431
  Millis head_timeout{10'000};        // the whole head, from its first byte: 408
  Millis body_timeout{30'000};        // the whole body, from the end of the head: 408
  Millis idle_timeout{60'000};        // a connection with no request under way: closed
  Millis write_timeout{30'000};       // a client that does not take an answer's bytes: closed
  size_t max_unsent_bytes = 1 << 20;  // a streamed answer this far ahead of its client: it waits, then is cut off
  // After a refusal (413, 400 mid-body) the listener reads and discards this
  // much for this long, so that the client sees the answer, not a reset.
  size_t linger_bytes = 4 << 20;
  Millis linger_timeout{2'000};
};

struct ServiceOptions {
  // Providers, policies, base URLs. Keys come from `env` (applied at start when
  // not empty) or are already in the config.
  RouterConfig config = default_config();
  // Secrets: .env merged with the process environment (process wins; see merge_env).
  EnvMap env;
  std::string env_source = ".env";                     // named in "INFO: Loading secrets from .env"
  const Clock* clock = nullptr;                        // required; all time (deadlines, journal stamps) comes from it
  std::string listen = "127.0.0.1:5000";               // host:port; port 0 picks a free port
  std::string journal_path = "keyward-journal.jsonl";  // "" = in memory only
  size_t journal_max_bytes = 64 << 20;                 // rotate to <path>.1 beyond this
  std::string admin_token;  // "" disables /admin/* and /api/journal; set_admin_token() swaps it
  // false: the journal keeps no prompt text at all (journal.record_messages
  // in keyward.yaml): request lines carry each message's role and length only.
  bool journal_record_messages = true;
  ServerSettings server;                            // the public listener's limits and threads
  bool validate_on_start = true;                    // ping every key before serving
  bool tls_verify = true;                           // off only for tests against a self-signed fake
  size_t validation_parallelism = 16;               // key pings at once
  size_t log_lines = 2000;                          // kept in memory (log_lines())
  size_t max_provider_body_bytes = 8 << 20;         // provider answers above it: body_too_large
  std::vector<RouterObserver*> extra_observers;     // alerts, scenario probes; called on request threads
  std::function<nlohmann::json()> incident_status;  // "incident" in /api/status; default {"state":"none"}
  std::function<nlohmann::json()> channels_status;  // "channels" in /api/status; default {}
  std::function<nlohmann::json()> store_status;     // "store" in /api/status (state ok|degraded, reason); default none
  std::function<nlohmann::json()> status_extras;    // more top-level members of /api/status (cluster mode); default none
  std::function<std::string(const nlohmann::json&)> render_dashboard;  // /dashboard; default: JSON in <pre>
  std::function<void(const std::string&)> log;                         // every log line; default: stdout
  // Where SIGHUP and POST /admin/reload get a fresh configuration with keys
  // applied (serve: re-read keyward.yaml and .env). Unset: re-validate the
  // current configuration.
  std::function<bool(RouterConfig* out, std::string* error)> load_config;
  // Every validation pass (start-up, reload, keys test) is bracketed, so the
  // alerts can hold a "resolved" until the pass ends and list every key.
  std::function<void()> validation_started;
  std::function<void()> validation_finished;
  // After a reload swapped in a new key set, before its keys are recorded.
  std::function<void(const RouterConfig&)> reloaded;
  // Once start() has built the router, before start-up validation and before
  // serving (cluster mode attaches its link and learns the cluster's state
  // here). Returns the keys the start-up validation still pings (null: all).
  std::function<KeyFilter(ChatRouter&)> router_built;
  // Replaces the HTTP transports (benchmarks, tests); not owned.
  ProviderTransport* transport = nullptr;
};

class Service {
 public:
  explicit Service(ServiceOptions options);
  ~Service();  // stops
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Applies the env, opens the journal, binds, validates keys (when enabled),
  // then serves on a background thread. False with a message on failure.
  bool start(std::string* error);
  // Stops accepting, finishes in-flight requests and streams. Idempotent.
  void stop();

  int port() const { return port_; }
  std::string base_url() const;  // http://host:port
  // At least one key validated (or validation is off and keys are configured).
  bool ready() const;

  ChatRouter& router() { return *router_; }
  Stats& stats() { return stats_; }
  GenAiMetrics& genai_metrics() { return genai_; }
  Journal& journal() { return journal_; }
  // The loops the listener runs on (valid between start() and stop()):
  // asynchronous work of a request belongs on its connection's loop.
  net::EventLoop& event_loop() { return *loop_; }

  // Validates keys that are new or not healthy, swaps atomically (in-flight
  // requests finish on the old set), then records the results: keys that
  // validate leave quarantine at once. `summary` is one line for people.
  bool reload(const RouterConfig& config, std::string* summary);
  // The SIGHUP / POST /admin/reload path: load_config, then reload().
  bool reload_from_source(std::string* summary);
  // Validates every key now and records the results (POST /admin/keys/test).
  std::vector<KeyValidation> test_keys();
  // POST /admin/keys/<provider>/<id>/disable|enable: takes the key out of
  // rotation by hand or puts it back (journaled as a key_disabled /
  // key_enabled event, logged). Runs under the reload lock, so a reload
  // running at the same time carries it over instead of dropping it.
  ChatRouter::KeyToggle set_key_disabled(const std::string& provider, int key_index, bool disabled);
  // Requests per minute by outcome over the last hour (the dashboard's chart).
  const OutcomeMinutes& outcome_minutes() const { return outcome_minutes_; }

  // The admin bearer token from now on ("" turns the admin API off). Reload
  // calls it with the new .env's KEYWARD_ADMIN_TOKEN in the same step as the
  // key swap: from then on the old token is refused.
  void set_admin_token(std::string token);
  bool admin_token_matches(const std::string& presented) const;
  bool admin_enabled() const;

  nlohmann::json status_json();
  std::vector<std::string> log_lines() const;
  void log(const std::string& line);

 private:
  class Fanout;
  struct Routes;
  void record_validations(const std::vector<KeyValidation>& results);
  void add_samplers();
  bool any_key_validated() const;

  ServiceOptions options_;
  const Clock* clock_ = nullptr;
  Stats stats_;
  OutcomeMinutes outcome_minutes_;  // fed where outcomes are counted (Routes::record_outcome)
  GenAiMetrics genai_;  // OpenTelemetry GenAI metrics, beside stats_ on /metrics
  Journal journal_;
  std::unique_ptr<StatsObserver> stats_observer_;
  std::unique_ptr<JournalObserver> journal_observer_;
  std::unique_ptr<Fanout> fanout_;
  std::unique_ptr<ChatRouter> router_;
  // Declared in this order so that they are destroyed in the reverse one:
  // handlers (which hold responders) before the server, the server before the
  // provider client, and the loops that the connections of both live on last.
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<WireTransport> owned_transport_;
  ProviderTransport* transport_ = nullptr;
  // transport_ made synchronous for the routes that run on a handler thread
  // (streams, key tests): calls still run on the loops, where the pools stay warm.
  std::unique_ptr<BlockingOverAsync> blocking_;
  std::unique_ptr<Routes> routes_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::WorkerPool> handlers_;
  std::string host_;
  int port_ = 0;
  std::atomic<bool> started_{false};
  std::mutex reload_mu_;  // one reload at a time

  mutable std::mutex admin_mu_;
  std::string admin_token_;  // guarded by admin_mu_

  mutable std::mutex log_mu_;
  std::deque<std::string> log_;

  std::atomic<size_t> active_streams_{0};  // bounded by ServerSettings::max_streams
};

// "127.0.0.1:5000" -> host, port; false on anything else.
bool parse_listen(const std::string& listen, std::string* host, int* port);

}  // namespace keyward::http
