#pragma once
// Executes a scenario and records what happened: in-process on the simulated
// clock, or black-box against an external `keyward serve` on the wall clock.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/scenario.h"

namespace keyward::scenarios {

// "+00:15:00": a scenario offset to the second, in timelines and comments.
std::string clock_label(Millis offset);

struct RequestRecord {
  size_t event = 0;      // index into Scenario::timeline
  Millis at{0};          // simulated offset
  int status = 0;        // 0: no answer
  std::string body;      // response body (SSE text for streams)
  nlohmann::json json;   // parsed body (null when not JSON)
  std::string content;   // the streamed text, for streams
  double wall_ms = 0;    // real latency
  int replica = 0;       // cluster: the replica (1-based) that answered; 0: the one router
};

struct CallRecord {
  size_t event = 0;
  Millis at{0};
  std::string provider;
  std::string key_hash;   // key_fingerprint of the raw key
  std::string masked_key;
  int key_index = 0;      // N of <PROVIDER>_API_KEY_N in the .env the router ran with; 0 = not a router key
  std::string path;
  int status = 0;
  bool chat = false;      // a chat call (not a /models ping)
  uint64_t request_no = 0;  // the fake's request number (arrival order per provider); not in the journal
  int replica = 0;          // cluster: the replica whose request made the call; 0: the one router, or unknown
};

struct AlertRecord {
  size_t event = 0;
  Millis at{0};
  std::string channel;    // email | telegram | webhook
  std::string subject;    // email subject; first line otherwise
  std::string text;       // body / message text / JSON
  int replica = 0;        // cluster: the replica that delivered it; 0: the one router
};

// Cluster runs: what one replica showed (RunRecord keeps the whole cluster's).
struct ReplicaRecord {
  std::vector<std::pair<Millis, std::string>> logs;
  std::vector<std::pair<Millis, nlohmann::json>> statuses;  // after each event
  std::string metrics;                                      // at the end
  std::vector<nlohmann::json> router_journal;
};

struct RunRecord {
  std::vector<RequestRecord> requests;
  std::vector<CallRecord> calls;
  std::vector<AlertRecord> alerts;
  std::vector<std::pair<Millis, std::string>> logs;
  std::vector<std::pair<Millis, nlohmann::json>> statuses;  // after each event
  std::vector<std::string> timeline;                        // compact human-readable lines
  std::string metrics;                                      // at the end
  std::string setup_error;                                  // non-empty: the run could not start
  // The router's own JSONL journal (what `keyward replay` reads), parsed, in
  // file order; bounded. Invariants read key quarantines from it.
  std::vector<nlohmann::json> router_journal;
  // Cluster runs (router.replicas > 1): replica n's record at n - 1; empty
  // otherwise. Then `logs` holds every replica's lines, `statuses` replica
  // 1's, `metrics` every replica's (a metric's sum is the cluster's) and
  // `router_journal` every replica's lines, each with "replica": n.
  std::vector<ReplicaRecord> replicas;
  double wall_ms = 0;
  Millis simulated{0};
  // Black-box mode (RunOptions::router_url): what ran, and why not.
  bool black_box = false;
  std::string skipped;  // non-empty: the scenario was not run, for this reason
  nlohmann::json journal() const;  // deterministic: no wall-clock figures
};

// Black-box mode: the fakes are up; what the external router must be given.
struct BlackBoxSetup {
  std::string env_path;     // the router's .env (keys + fake base URLs + sinks), written
  std::string config_path;  // the router's keyward.yaml, written; "" when the scenario has none
  std::vector<std::pair<std::string, std::string>> listeners;  // name -> address of each fake
  std::string wiring;       // the .env lines that point the router at the fakes
  std::string serve_command;  // `keyward serve ...` for the files above
  std::string text;         // all of the above, as printed for the user
};

struct RunOptions {
  RunOptions() = default;
  explicit RunOptions(std::string dir) : work_dir(std::move(dir)) {}
  std::string work_dir;  // store and journal files go here
  // Black-box: non-empty runs the scenario against the external router at
  // this URL ("http://127.0.0.1:5000") on the wall clock.
  std::string router_url;
  std::string admin_token;  // bearer token for POST /admin/reload
  std::string env_file;     // the .env the external router reads: edit_env + reload write it
  int fake_port_base = 0;   // >0: fakes without a fixed `listen` port get base, base+1, ...
  Millis max_wall{60'000};  // longer timelines are skipped
  Millis wait_router{60'000};  // how long to wait for the router's GET /healthz
  // Called once the fakes listen and the router's files are written, before
  // the runner waits for the router: prints the setup, or (tests) starts the
  // router and sets the URL it listens on.
  std::function<void(const BlackBoxSetup&, std::string* router_url)> on_setup;
};

// Why a scenario cannot run black-box ("" when it can).
std::string black_box_skip_reason(const Scenario& scenario, const RunOptions& options);

RunRecord run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace keyward::scenarios
