#pragma once
// Faults as data (Toxiproxy style). Each fault kind is one small type in its
// own file (faults/<kind>.cpp) with named, unit-suffixed fields; all it does
// is describe its effect on one answer (FaultEffect). Which requests a fault
// hits — key/path scope, first/every/after limits, probability — is decided
// outside, by FaultGate, so the fault types stay trivial.
//
// JSON/YAML form (the same in the world file and the control API):
//   {kind: status, status: 503,                 # kind-specific fields
//    key: sk-good-1, path: /chat/completions,   # scope (optional)
//    first: 3, every: 2, after: 1,              # limits (optional, 0 = off)
//    probability: 0.5}                          # default 1.0
// Kinds and their fields:
//   latency          latency_ms, jitter_ms  (real time added before answering)
//   hang             hang_ms (0 = until the server stops); then closed unanswered
//   status           status (100..599), message (optional text), headers (optional
//                    map; replaces the provider's own, {} = none, e.g. no Retry-After)
//   connection_reset (none) TCP RST instead of an answer
//   empty_response   (none) connection closed (FIN) without a byte
//   malformed_json   (none) 200 with a broken JSON body (first frame when streaming)
//   truncated_body   keep_percent (default 50): Content-Length of the full body,
//                    then only that share of it and a close
//   stream_stall     after_chunks (default 1), stall_ms (0 = until stop): streams only
//   stream_cut       after_chunks (default 1): streams only, closed mid-stream
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/random.h"

namespace keyward::fakes {

// What the matching faults do to one answer. Several faults may contribute;
// the provider executes the merged effect in one place.
struct FaultEffect {
  enum class Drop { none, reset, empty };
  std::chrono::milliseconds delay{0};     // latency (summed)
  bool hang = false;                      // hang: wait, then close
  std::chrono::milliseconds hang_for{0};  // 0 = until stop
  int status = 0;                         // status: != 0 replaces the answer
  std::string status_message;             // optional text for status
  // status `headers:` given (even empty): the answer carries exactly these
  // instead of the provider's own (an empty map: no Retry-After).
  std::optional<std::vector<std::pair<std::string, std::string>>> status_headers;
  Drop drop = Drop::none;                 // connection_reset / empty_response
  bool malformed_json = false;
  int truncate_percent = -1;               // truncated_body: share of body kept
  int stall_after_chunks = -1;             // stream_stall
  std::chrono::milliseconds stall_for{0};  // 0 = until stop
  int cut_after_chunks = -1;               // stream_cut
  std::string applied;                     // kinds applied, comma separated

  void note(const char* kind) {
    if (!applied.empty()) applied += ",";
    applied += kind;
  }
};

// A bad fault description: `field` names the offending field ("" = the whole).
class FaultSpecError : public std::runtime_error {
 public:
  FaultSpecError(std::string field, const std::string& message)
      : std::runtime_error(field.empty() ? message : field + ": " + message),
        field_(std::move(field)),
        message_(message) {}
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  std::string field_;
  std::string message_;
};

// Reads a fault's JSON object field by field, remembering which fields were
// read so that leftovers (typos) are reported as unknown.
class FaultParams {
 public:
  explicit FaultParams(const nlohmann::json& j);
  bool has(const char* name) const;
  std::uint64_t u64(const char* name, std::uint64_t def, std::uint64_t max = UINT32_MAX);
  double number(const char* name, double def, double min, double max);
  std::string string(const char* name, const std::string& def);
  // A map of header names to values (strings or numbers); nullopt when absent.
  std::optional<std::vector<std::pair<std::string, std::string>>> headers(const char* name);
  // Throws FaultSpecError for the first field never read.
  void reject_unknown() const;

 private:
  const nlohmann::json& j_;
  std::set<std::string> used_;
};

class Fault {
 public:
  virtual ~Fault() = default;
  virtual const char* kind() const = 0;
  // stream_stall / stream_cut only ever match streaming requests.
  virtual bool streaming_only() const { return false; }
  // Whether an answer this fault hits is no usable answer: an error status,
  // no answer at all, or a broken body (true), or only a delayed one (false).
  // Checkers ask this instead of matching kind names; a new kind must say.
  virtual bool fails_answer() const = 0;
  // Adds this fault's part to `effect`; `rng` is the fault's own (jitter).
  virtual void apply(FaultEffect& effect, Random& rng) const = 0;
  // The kind-specific fields, for the control API's listing.
  virtual nlohmann::json params() const = 0;
};

// Which requests a fault applies to, and how often.
struct FaultScope {
  std::string key;           // exact API key; empty = any key (also none)
  std::string path;          // substring of the request path; empty = any
  std::uint64_t first = 0;   // > 0: only the first N candidates
  std::uint64_t every = 0;   // > 0: only every Nth matching request (N, 2N, ...)
  std::uint64_t after = 0;   // skip the first N matching requests
  double probability = 1.0;  // of a candidate, drawn from the fault's seeded RNG
};

struct FaultSpec {
  FaultScope scope;
  std::shared_ptr<const Fault> fault;
  // Same shape as the input; the key is masked (raw keys never leave in answers).
  nlohmann::json to_json() const;
};

// Parses one fault (throws FaultSpecError).
FaultSpec parse_fault(const nlohmann::json& j);

// The per-fault counters behind first/every/after; one per installed fault.
class FaultGate {
 public:
  explicit FaultGate(std::uint64_t seed) : rng_(seed) {}
  // Decides whether the fault fires for this request; advances the counters.
  bool admit(const FaultSpec& spec, const std::string& key, const std::string& path,
             bool streaming);
  Random& rng() { return rng_; }
  std::uint64_t fired() const { return fired_; }

 private:
  Random rng_;
  std::uint64_t matched_ = 0;
  std::uint64_t candidates_ = 0;
  std::uint64_t fired_ = 0;
};

// The registry: one factory per kind, by name.
using FaultFactory = std::shared_ptr<const Fault> (*)(FaultParams&);
struct FaultKind {
  const char* name;
  FaultFactory make;
};
const std::vector<FaultKind>& fault_kinds();

// Factories, each defined in its own file.
std::shared_ptr<const Fault> make_latency_fault(FaultParams& p);
std::shared_ptr<const Fault> make_hang_fault(FaultParams& p);
std::shared_ptr<const Fault> make_status_fault(FaultParams& p);
std::shared_ptr<const Fault> make_connection_reset_fault(FaultParams& p);
std::shared_ptr<const Fault> make_empty_response_fault(FaultParams& p);
std::shared_ptr<const Fault> make_malformed_json_fault(FaultParams& p);
std::shared_ptr<const Fault> make_truncated_body_fault(FaultParams& p);
std::shared_ptr<const Fault> make_stream_stall_fault(FaultParams& p);
std::shared_ptr<const Fault> make_stream_cut_fault(FaultParams& p);

}  // namespace keyward::fakes
