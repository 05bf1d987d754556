#pragma once
// The stages of `keyward replay` (scenarios/replay.h), each a function from
// the previous stage's values, together building a Scenario that the one
// scenario emitter (scenarios/emit.h) writes out:
//
//   read      journal text -> typed records, time-ordered (replay_read.cpp)
//   epochs    records -> router processes: start, restarts, reloads (replay_epochs.cpp)
//   world     records + epochs -> the keys each slot held (invented stand-ins),
//             their states, provider faults, as initial world + world events
//             (replay_world.cpp)
//   timeline  world events + epochs + request records -> the timeline: .env
//             edits and restarts/reloads, requests folded into repeats, each
//             with its recorded outcome as a comment (replay_timeline.cpp)
//
// Internal to the replay: only replay*.cpp include it.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/replay.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace keyward::scenarios::replay {

// Warnings are bounded: the first `max` are kept, the rest counted.
struct Warnings {
  std::vector<std::string>& out;
  size_t max;
  size_t dropped = 0;
  void add(const std::string& w) {
    if (out.size() < max)
      out.push_back(w);
    else
      ++dropped;
  }
};

// ---------------------------------------------------------------- read ----

enum class RecordType {
  request,
  outcome,
  attempt,
  emergency,
  validation,
  reload,
  key_quarantined,
  key_exhausted,
  key_rate_limited,
  key_released,
  key_recovered,
  key_validated,
  key_validation_failed,
  provider_ejected,
  provider_restored,
};

// One journal line, its fields read once (a field of the wrong type reads as absent).
struct JournalRecord {
  size_t line = 0;  // 1-based line number in the file
  WallTime at{};
  RecordType type = RecordType::request;
  // The key a line names (attempts, validations, key_* lines).
  std::string provider;                   // also on provider_* lines
  int key_id = 0;                         // N of <PROVIDER>_API_KEY_N; 0 = none named
  std::optional<std::string> masked_key;  // as journaled (may not look masked: never copied then)
  std::string error_class;                // "class": ok | auth | quota_exhausted | ...; "" = absent
  int status = 0;
  std::string message;
  std::optional<WallTime> until;  // key_* and provider_ejected deadlines
  int64_t latency_us = 0;
  // request
  std::string request_id;
  std::string route = "chat";  // chat | openai | openai_stream
  bool stream = false;
  std::string last_message;  // the last message's content ("" = none)
  // outcome
  int http_status = 0;
  std::string outcome_kind = "?";  // provider | cache | emergency | ...
  std::optional<std::string> outcome_provider, cause;
  // emergency: per provider, how many keys its verdict counts and what it blames
  struct VerdictProvider {
    std::string name;
    int total = 0;
    std::string cause;
  };
  std::vector<VerdictProvider> verdict;

  bool names_key() const { return !provider.empty() && key_id >= 1 && masked_key.has_value(); }
  bool is_validation() const {
    return type == RecordType::validation || type == RecordType::key_validated ||
           type == RecordType::key_validation_failed;
  }
};

// Reads the journal (bounded by the options), time-ordered (stably: a request
// still precedes its attempts). Sets *error when nothing usable was read.
std::vector<JournalRecord> read_journal(std::istream& in, const ReplayOptions& o, Warnings& warn, std::string* error,
                                        size_t* lines_read);

// -------------------------------------------------------------- epochs ----

using KeySlot = std::pair<std::string, int>;  // provider, key id (N of _API_KEY_N)

// One router process (or one reload) and the keys it ran with.
struct Epoch {
  size_t first = 0;  // index of its first record
  WallTime at{};
  enum class How { start, restart, reload } how = How::start;
  bool validated = false;                // validation lines before its first request
  std::map<KeySlot, std::string> masks;  // keys seen in it
};

struct Epochs {
  std::vector<Epoch> list;
  std::vector<size_t> epoch_of;  // record index -> epoch index
};

// A reload line, a request id counting from 1 again, or a key slot showing a
// new masked key start a new epoch (restart: the validation block right
// before belongs to the new process).
Epochs split_epochs(const std::vector<JournalRecord>& records);

// ------------------------------------------------------------- window ----

struct ReplayWindow {
  WallTime start{}, end{};
  double compress = 1.0;
  size_t start_epoch = 0;  // the epoch in force at `start`
  bool contains(WallTime t) const { return t >= start && t <= end; }
  Millis offset(WallTime t) const;  // scenario offset of journal time t
};

// --------------------------------------------------------------- world ----

// One key a slot held: a new mask is a new key.
struct KeyGeneration {
  std::string provider;
  int id = 0;
  std::string mask;     // as journaled; "" when only counted in a verdict
  bool mask_ok = true;  // false: the journal's "masked" key did not look masked
  int gen = 1;
  std::string raw;                                         // the invented stand-in
  std::vector<std::pair<WallTime, fakes::KeyState>> seen;  // observed states, in time order
  std::vector<size_t> seen_line;
  std::optional<fakes::KeyState> assumed;  // for keys only counted in a verdict
};

// A timeline event with where it came from, for ordering.
struct TimedEvent {
  Event event;
  size_t journal_line = 0;  // 0: not from one line
};

struct ReplayWorld {
  std::map<KeySlot, std::vector<KeyGeneration>> keys;
  std::vector<std::map<KeySlot, size_t>> env_of;   // epoch -> slot -> generation index
  std::map<std::string, fakes::KeyState> initial;  // stand-in -> state at the window's start
  std::map<std::string, uint32_t> retry_s;         // provider -> longest rate-limit wait seen
  std::vector<TimedEvent> events;                  // key_state / fault / clear_fault, journal order
  bool hangs = false;                              // a timeout became a hang fault
  Millis router_timeout{500};                      // what the replayed router waits for a hang
  size_t stand_ins = 0;
};

// Only the providers the router knows without a keyward.yaml are replayed;
// the others are warned about and left out.
ReplayWorld build_world(const std::vector<JournalRecord>& records, const Epochs& epochs, const ReplayWindow& window,
                        const ReplayOptions& o, Warnings& warn);

// <PREFIX> of a provider the default configuration knows ("" otherwise).
std::string env_prefix(const std::string& provider);

// ------------------------------------------------------------ timeline ----

struct ReplayTimeline {
  std::vector<Event> events;  // sorted: at equal times world, operator, requests
  size_t requests = 0, restarts = 0;
};

ReplayTimeline build_timeline(const std::vector<JournalRecord>& records, const Epochs& epochs, const ReplayWorld& world,
                              const ReplayWindow& window, const ReplayOptions& o, Warnings& warn);

}  // namespace keyward::scenarios::replay
