#pragma once
// Facts several checkers read off a recorded run: what an answer was, when
// the router had a key or a provider out of service (its journal says so),
// which incident a status snapshot or an alert belongs to, and the raw
// secrets a scenario hands out.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenarios/runner.h"

namespace keyward::scenarios {

// "+00:15:00.250": a scenario offset as the checkers print it.
std::string offset_label(Millis offset);

// "provider" | "cache" | "emergency" | "" (no answer) for one response.
std::string answer_source(const RequestRecord& r);

// A journal line's ISO-8601 `field` as an offset from the scenario's start.
bool journal_offset(const nlohmann::json& line, const char* field, const Scenario& s, Millis* out);

// A span in which the router had a key, or a whole provider, out of service.
struct OutWindow {
  std::string provider;
  int key = 0;               // N of <PROVIDER>_API_KEY_N; 0: the whole provider (ejected)
  Millis from{0}, to{0};     // [from, to)
  std::string why;           // quarantined | exhausted | rate_limited | ejected
  size_t journal_index = 0;  // the router_journal line that opened it
  int replica = 0;           // cluster: whose journal says so (1-based); 0: the one router
  bool from_cluster = false;  // learnt from another replica through Redis, not observed by this one
};

// From the router's journal: key_quarantined / key_exhausted /
// key_rate_limited / provider_ejected lines, each until its `until`, the
// next reload or restart of the scenario (the operator may have replaced the
// key), or the router's own release line (key_released / key_recovered /
// key_validated for the key, provider_restored for the provider), whichever
// comes first. A cluster run's windows are per replica: each replica's
// journal ends only its own windows.
std::vector<OutWindow> out_windows(const Scenario& s, const RunRecord& run);

// Cluster runs: whether replica n (1-based) could reach Redis at offset t, by
// the scenario's redis / partition / heal events at or before t.
bool reaches_redis_at(const Scenario& s, int replica, Millis t);

// Whether the window covers `key` of `provider` at `at` (a provider window
// covers all its keys).
bool covers(const OutWindow& w, const std::string& provider, int key, Millis at);

// The status snapshot showing the incident state an alert was sent in: the
// last snapshot taken at its time (the runner and the soak take one right
// after delivering alerts), else the first one after it; nullptr when none.
const nlohmann::json* snapshot_for(const RunRecord& run, Millis at);

// The incident an alert belongs to: the id of the incident its snapshot
// shows open, or for a RESOLVED alert the incident it resolved; "" outside
// any incident.
std::string incident_of(const RunRecord& run, const AlertRecord& a);

// "open" id of a status snapshot ("" when none is open).
std::string open_incident_id(const nlohmann::json& status);

// An incident as the status snapshots show it (`incident` while open,
// `incident.last_resolved` after): when it opened and, if it did, resolved.
// Second precision, as the status reports them.
struct IncidentSpan {
  std::string id;
  Millis opened{0};
  std::optional<Millis> resolved;
  bool contains(Millis t) const { return t >= opened && (!resolved || t < *resolved); }
};
// Every incident any snapshot shows, by opening time.
std::vector<IncidentSpan> incident_spans(const Scenario& s, const RunRecord& run);

// What an alert says about itself: when it was raised and the incident it
// belongs to. The webhook's JSON has created_at and incident_id; an email's
// text has "Time:" and "Incident:" fields; Telegram messages say neither.
// Raised may be long before delivery: an outbox retries while a channel is down.
struct AlertFacts {
  std::optional<Millis> raised;  // second precision
  std::string incident;          // "" when the alert names none
  std::string provider;          // the "Provider:" field: a display name ("Groq"); "" when none
  int key = 0;                   // N of the "Key ID: Groq Key N" field; 0 when none
};
AlertFacts alert_facts(const Scenario& s, const AlertRecord& a);

// When a key answered successfully: by the router's journal (an ok attempt
// or validation, key_validated, key_recovered) and by the fakes (a 200).
struct KeyAnswer {
  std::string provider;
  int key = 0;  // N of <PROVIDER>_API_KEY_N
  Millis at{0};
};
std::vector<KeyAnswer> key_answers(const Scenario& s, const RunRecord& run);

// Every raw secret the scenario hands to the router or the fakes: the values
// of its .env's key, token and password variables (also those its timeline
// edits in), and every key of its world. Strings under 8 bytes are left out:
// they would match ordinary words and are no realistic secret.
std::set<std::string> raw_secrets(const Scenario& s);

}  // namespace keyward::scenarios
