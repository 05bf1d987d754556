#pragma once
// What the soak did and saw, recorded as a scenario (its world as the soak
// switches it, its requests) and that scenario's run record (answers, provider
// calls, alerts, log lines, status snapshots, the router's journal), so that
// the safety checkers of scenarios/checkers/ judge the soak exactly as they
// judge a scenario run.
//
// Memory stays flat over a long soak: the record is judged and dropped in
// chunks (checkpoint()). What a later chunk's verdicts need from an earlier
// one is carried over: the journal lines of windows still open, the last
// status snapshot, and, within two reminder intervals (an alert may be
// delivered long after it was raised, when its channel was down), the
// incidents that resolved, each key's successful answers (one per second)
// and the last email and webhook alert of each subject. A carried item alone
// never makes a violation, so none is reported twice.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "scenarios/runner.h"

namespace keyward::soak {

class SoakRecord {
 public:
  // `world` as the soak starts it; `env` the router's key lines (what a
  // scenario's router.env would hold); `journal_path` the router's journal file.
  SoakRecord(fakes::WorldOptions world, std::string env, std::string journal_path, WallTime start);

  // World changes the soak makes (events of the chunk's timeline).
  void key_state(WallTime at, const std::string& provider, const std::string& key, fakes::KeyState state);
  void fault(WallTime at, const std::string& provider, const fakes::FaultSpec& fault);
  void clear_faults(WallTime at, const std::string& provider);
  void sink_fault(WallTime at, const std::string& sink, const fakes::SinkFault& fault);
  void clear_sink_faults(WallTime at);

  // One request and its answer; then the fakes' chat and validation calls it caused.
  void request(WallTime at, const std::string& api, bool stream, const std::string& message, int status,
               const std::string& body);
  void call(const fakes::JournalEntry& entry, const std::string& provider);
  void alert(WallTime at, const std::string& channel, const std::string& subject, const std::string& text);
  void log(WallTime at, const std::string& line);  // any thread
  // A GET /api/status snapshot: kept when its incident differs from the last
  // kept one, or when `always` (right after alerts were delivered: the
  // checkers place alerts in incidents by the snapshot taken then).
  void status(WallTime at, const nlohmann::json& status, bool always);

  // Judges the chunk with every safety checker: one line per failed checker
  // ("checker: what it saw"). A failing chunk is written to the journal's
  // folder as it was judged (chunk-N.yaml: its scenario, by the scenario
  // emitter; chunk-N.json: its run record), to read what led to it. Then
  // starts the next chunk at `now`.
  std::vector<std::string> checkpoint(WallTime now, std::string metrics = "");

  size_t requests_judged() const { return judged_; }

 private:
  Millis offset(WallTime t) const { return std::chrono::duration_cast<Millis>(t - scenario_.start_at); }
  scenarios::Event& event(scenarios::Event::Kind kind, WallTime at);
  void read_journal();
  void start_chunk(WallTime now);

  fakes::WorldOptions world_;  // as of now: the next chunk's starting world
  std::string journal_path_;
  uint64_t journal_offset_ = 0;
  std::map<std::pair<std::string, std::string>, int> key_index_;  // (provider, fingerprint) -> N
  scenarios::Scenario scenario_;
  scenarios::RunRecord run_;
  std::mutex log_mu_;
  std::vector<std::pair<Millis, std::string>> logs_;  // written by the router's threads
  nlohmann::json last_incident_;
  std::set<std::string> faulted_sinks_;
  size_t judged_ = 0;
  size_t chunks_ = 0;
};

}  // namespace keyward::soak
