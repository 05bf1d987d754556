#pragma once
// One fake LLM provider: an HTTP(S) server speaking Groq's, Gemini's,
// Mistral's or OpenAI's real wire format under the real path prefix, with
// per-key states, real per-minute / per-day limits against the fake's clock,
// scriptable faults, a request journal and counters — controllable in-process
// (the methods below) and over HTTP under /_fake/ (control_api.h).
//
// Thread safety: every public method may be called from any thread while the
// server runs.
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "fakes/faults/fault.h"
#include "fakes/key_state.h"

namespace keyward::fakes {

struct KeySpec {
  KeyState state = KeyState::valid;
  // Which of two real error shapes: Mistral's 401/429; Groq's quota_exhausted
  // 429 (0: requests per day, RPD; 1: tokens per day, TPD). -1 = the provider's.
  int variant = -1;
  // The state ends on its own then (on the fake's clock) and the key answers
  // as valid again: a daily quota resets, a rate limit lifts after its wait.
  // A rate_limited key quotes the time left until then.
  std::optional<WallTime> until;
};

struct LimitsOptions {
  std::uint32_t requests_per_minute = 0;  // per key, sliding 60 s window; 0 = unlimited
  std::uint32_t requests_per_day = 0;     // per key, resets at midnight UTC; 0 = unlimited
};

struct ProviderOptions {
  std::string name;  // listener name ("groq", "groq-eu", ...)
  ProviderKind kind = ProviderKind::openai;
  std::string host = "127.0.0.1";
  int port = 0;                                    // 0 = a free port
  bool tls = false;                                // HTTPS with a self-signed certificate
  std::string model;                               // reported/listed model; "" = the kind's default
  std::uint32_t latency_ms = 0;                    // base latency of every answer (real time)
  KeyState default_key_state = KeyState::invalid;  // keys not listed in `keys`
  std::map<std::string, KeySpec> keys;
  LimitsOptions limits;
  std::vector<FaultSpec> faults;
  int error_variant = 0;                   // 0|1: Mistral's first or second 401/429 shape
  std::uint32_t rate_limited_retry_s = 2;  // wait quoted by the rate_limited key state
  std::chrono::milliseconds rate_limited_retry{0};  // when set, replaces rate_limited_retry_s (6m7.2s)
  std::uint64_t seed = 0;                  // answers, request ids, fault RNGs
  std::uint32_t max_threads = 64;          // concurrent connections served
  std::uint32_t keep_alive_timeout_s = 5;  // idle keep-alive connections are closed after this
  std::size_t journal_limit = 10000;       // ring buffer entries
  std::size_t max_body_bytes = 1 << 20;    // larger request bodies: 413
};

// One answered request. Keys appear masked, with a fingerprint to tell apart
// keys whose masks collide.
struct JournalEntry {
  std::uint64_t seq = 0;  // 1, 2, ... per provider (survives ring wrap-around)
  // The fake's request number (its request id), given on arrival: 1, 2, ...
  // seq follows the order answers finish; this, the order requests came in.
  std::uint64_t request_no = 0;
  WallTime time;          // fake clock, when the request arrived
  std::string method;
  std::string path;
  std::string key;              // masked ("sk-proj-...AAA"); "" when none was sent
  std::string key_hash;         // key_fingerprint(raw key); "" when none
  int status = 0;               // 0 = no answer (reset, empty, hang)
  std::int64_t latency_us = 0;  // real time from arrival to the answer being handed over
  std::string fault;            // faults applied, comma separated; "" = none
  bool stream = false;
  nlohmann::json to_json() const;
};

struct Counters {
  struct PerKey {
    std::string key;  // masked
    std::string key_hash;
    std::uint64_t requests = 0;
    std::map<int, std::uint64_t> per_status;
  };
  std::uint64_t requests = 0;
  std::map<int, std::uint64_t> per_status;
  std::vector<PerKey> per_key;
  nlohmann::json to_json() const;
};

// Lets a fake move its clock (control API), when it owns an adjustable one.
struct ClockControl {
  std::function<void(std::chrono::milliseconds)> advance;
  std::function<void(WallTime)> set;
  explicit operator bool() const { return advance && set; }
};
// For SimClock / OffsetClock (or anything with advance()/set_wall()).
template <typename C>
ClockControl clock_control(C& clock) {
  return {[&clock](std::chrono::milliseconds d) { clock.advance(d); },
          [&clock](WallTime t) { clock.set_wall(t); }};
}

class FakeProvider {
 public:
  // `clock` decides every time question (windows, midnight UTC, journal);
  // `control` is empty when the fake must not move the clock.
  FakeProvider(ProviderOptions options, const Clock& clock, ClockControl control = {});
  ~FakeProvider();  // stops
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  // Binds and serves on a background thread; returns once it accepts
  // connections. Throws std::runtime_error (bind failure, TLS setup).
  void start();
  // Wakes every hanging/stalled answer, closes the listener, joins. Idempotent.
  void stop();

  const std::string& name() const;
  ProviderKind kind() const;
  int port() const;
  // "http://127.0.0.1:40123/openai/v1" — what a client configures.
  std::string base_url() const;
  // "http://127.0.0.1:40123" — the control API lives under /_fake/.
  std::string root_url() const;
  const ProviderOptions& options() const;

  // Bounds on what the control API can install.
  static constexpr std::size_t kMaxKeys = 100000;
  static constexpr std::size_t kMaxFaults = 1000;

  // --- key states
  // False when kMaxKeys keys are listed already (and `key` is not one).
  // `until`: the state ends then (KeySpec::until); see next_reset() for a quota's.
  bool set_key_state(const std::string& key, KeyState state, int variant = -1,
                     std::optional<WallTime> until = std::nullopt);
  // When a quota_exhausted key recovers: every fake kind resets its daily
  // quota at the next midnight UTC after `now` (Groq's and Gemini's per-day
  // limits; Mistral's and OpenAI's monthly/billing ones reset the same way here).
  static WallTime next_reset(WallTime now);
  void remove_key(const std::string& key);  // falls back to the default state
  void set_default_key_state(KeyState state);
  KeyState key_state(const std::string& key) const;
  void set_error_variant(int variant);

  // --- faults
  int add_fault(FaultSpec spec);  // returns its id (1, 2, ...); 0 when kMaxFaults are installed
  bool remove_fault(int id);
  void clear_faults();
  std::vector<std::pair<int, FaultSpec>> faults() const;
  // How many times fault `id` fired (0 if unknown).
  std::uint64_t fault_fired(int id) const;

  // --- clock (false when this fake has no ClockControl)
  bool clock_adjustable() const;
  bool advance_clock(std::chrono::milliseconds d);
  bool set_clock(WallTime t);
  WallTime now() const;

  // Back to the options it started with: keys, default state, faults; clears
  // limit windows, journal and counters.
  void reset();

  // --- observation
  std::vector<JournalEntry> journal(
      std::uint64_t after_seq = 0,
      std::size_t limit = std::numeric_limits<std::size_t>::max()) const;
  Counters counters() const;
  std::uint64_t requests_for_key(const std::string& raw_key) const;
  // Requests whose handler is running now (a hang or latency fault holds one).
  int in_flight() const;
  // How many requests have arrived so far (the last request_no given): a
  // request_no at most this arrived before the call.
  std::uint64_t arrivals() const;
  // Summary for GET /_fake/state.
  nlohmann::json state_json() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::fakes
