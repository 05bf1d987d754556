#pragma once
// Executes a scenario and records what happened, on the simulated clock.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/scenario.h"

namespace keyward::scenarios {

struct RequestRecord {
  size_t event = 0;      // index into Scenario::timeline
  Millis at{0};          // simulated offset
  int status = 0;        // 0: no answer
  std::string body;      // response body (SSE text for streams)
  nlohmann::json json;   // parsed body (null when not JSON)
  std::string content;   // the streamed text, for streams
  double wall_ms = 0;    // real latency
};

struct CallRecord {
  size_t event = 0;
  Millis at{0};
  std::string provider;
  std::string key_hash;   // fakes::key_fingerprint of the raw key
  std::string masked_key;
  int key_index = 0;      // N of <PROVIDER>_API_KEY_N in the .env the router ran with; 0 = not a router key
  std::string path;
  int status = 0;
  bool chat = false;      // a chat call (not a /models ping)
};

struct AlertRecord {
  size_t event = 0;
  Millis at{0};
  std::string channel;    // email | telegram | webhook
  std::string subject;    // email subject; first line otherwise
  std::string text;       // body / message text / JSON
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
  double wall_ms = 0;
  Millis simulated{0};
  nlohmann::json journal() const;  // deterministic: no wall-clock figures
};

struct RunOptions {
  std::string work_dir;  // store and journal files go here
};

RunRecord run_scenario(const Scenario& scenario, const RunOptions& options);

// Offset of an event id or an offset string ("+1s" relative to `base`).
bool resolve_time(const Scenario& s, const std::string& ref, Millis base, Millis* out);

}  // namespace keyward::scenarios
