// Replay, stage "world": the keys each slot held (invented stand-ins), their
// states as first observed, provider failures as faults.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "base/fnv1a.h"
#include "router/core/config.h"
#include "scenarios/replay_stages.h"

namespace keyward::scenarios::replay {

namespace {

using nlohmann::json;

bool looks_masked(const std::string& m) { return m.size() <= 24 && m.find("...") != std::string::npos; }

uint32_t fnv32(const std::string& s) {
  uint64_t h = fnv1a64(s);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

std::optional<fakes::KeyState> state_of_class(const std::string& cls, int status, const std::string& message) {
  if (cls == "ok") return fakes::KeyState::valid;
  if (cls == "quota_exhausted") return fakes::KeyState::quota_exhausted;
  if (cls == "rate_limited") return fakes::KeyState::rate_limited;
  if (cls == "auth") {
    std::string m;
    for (char c : message) m += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (m.find("leak") != std::string::npos) return fakes::KeyState::leaked;
    if (m.find("expired") != std::string::npos) return fakes::KeyState::expired;
    if (m.find("revoked") != std::string::npos) return fakes::KeyState::revoked;
    if (status == 403 || m.find("suspend") != std::string::npos) return fakes::KeyState::suspended;
    return fakes::KeyState::invalid;
  }
  return std::nullopt;  // outage, network, request errors say nothing about the key
}

// What a record says about its key's state in the world.
std::optional<fakes::KeyState> key_observation(const JournalRecord& r) {
  switch (r.type) {
    case RecordType::attempt:
    case RecordType::validation:
    case RecordType::key_validation_failed:
      return state_of_class(r.error_class, r.status, r.message);
    case RecordType::key_quarantined:
      return state_of_class(r.error_class.empty() ? "auth" : r.error_class, r.status, r.message);
    case RecordType::key_validated:
    case RecordType::key_recovered:
      return fakes::KeyState::valid;
    case RecordType::key_exhausted:
      return fakes::KeyState::quota_exhausted;
    case RecordType::key_rate_limited:
      return fakes::KeyState::rate_limited;
    default:
      return std::nullopt;
  }
}

// A provider-level observation: it answered (clears a fault), or it failed
// (a fault spec, and what to say about it).
struct FaultObs {
  bool answered = false;
  json spec;
  std::string what;
};

std::optional<FaultObs> provider_observation(const JournalRecord& r, Millis hang_ms) {
  bool ok_line = r.type == RecordType::key_validated || r.type == RecordType::key_recovered;
  if (r.type != RecordType::attempt && r.type != RecordType::validation &&
      r.type != RecordType::key_validation_failed && !ok_line)
    return std::nullopt;
  std::string cls = ok_line ? "ok" : r.error_class;
  FaultObs o;
  if (cls == "provider_outage") {
    int s = r.status >= 400 && r.status <= 599 ? r.status : 503;
    o.spec = {{"kind", "status"}, {"status", s}};
    o.what = "outage: status " + std::to_string(s);
    return o;
  }
  if (cls == "network") {
    // The transport error is in the message: "transport error: timeout".
    auto has = [&](const char* w) { return r.message.find(w) != std::string::npos; };
    if (has("timeout")) {
      o.spec = {{"kind", "hang"}, {"hang_ms", hang_ms.count()}};
      o.what = "timeout";
    } else if (has("malformed")) {
      o.spec = {{"kind", "malformed_json"}};
      o.what = "malformed body";
    } else if (has("truncated")) {
      o.spec = {{"kind", "truncated_body"}};
      o.what = "truncated body";
    } else if (has("read_failed")) {
      o.spec = {{"kind", "empty_response"}};
      o.what = "connection closed without an answer";
    } else {
      o.spec = {{"kind", "connection_reset"}};
      o.what = "connection failure (" + (r.message.empty() ? std::string("network") : r.message.substr(0, 60)) + ")";
    }
    return o;
  }
  // A refused request or a caller that hung up says nothing about the provider.
  if (cls.empty() || cls == "request_error" || cls == "cancelled") return std::nullopt;
  o.answered = true;
  return o;
}

Event world_event(Event::Kind kind, Millis at, const std::string& provider, const std::string& comment) {
  Event e;
  e.kind = kind;
  e.at = at;
  e.provider = provider;
  e.comment = comment;
  return e;
}

Event fault_event(Millis at, const std::string& provider, const json& spec, const std::string& comment) {
  Event e = world_event(Event::Kind::fault, at, provider, comment);
  e.fault_id = "replay-" + provider;
  e.fault = fakes::parse_fault(spec);
  return e;
}

// One generation per distinct mask of a slot, in order of appearance; and
// which generation each epoch's .env held.
void find_generations(const std::vector<JournalRecord>& records, const Epochs& epochs, ReplayWorld& w) {
  w.env_of.assign(epochs.list.size(), {});
  for (size_t ei = 0; ei < epochs.list.size(); ++ei) {
    if (ei > 0) w.env_of[ei] = w.env_of[ei - 1];
    for (size_t k = epochs.list[ei].first; k < records.size() && epochs.epoch_of[k] == ei; ++k) {
      const auto& r = records[k];
      if (!r.names_key()) continue;
      KeySlot slot{r.provider, r.key_id};
      auto& list = w.keys[slot];
      size_t g = 0;
      while (g < list.size() && list[g].mask != *r.masked_key) ++g;
      if (g == list.size()) {
        KeyGeneration n;
        n.provider = r.provider;
        n.id = r.key_id;
        n.mask = *r.masked_key;
        n.mask_ok = looks_masked(n.mask);
        n.gen = static_cast<int>(g + 1);
        list.push_back(n);
      }
      w.env_of[ei][slot] = g;
    }
  }
  // Keys the verdicts count but no line names (quarantined before the
  // journal starts, say): assumed in the state the verdict blames.
  for (const auto& r : records) {
    for (const auto& pv : r.verdict) {
      for (int id = 1; id <= std::min(pv.total, 100); ++id) {
        KeySlot slot{pv.name, id};
        if (w.keys.count(slot)) continue;
        KeyGeneration n;
        n.provider = pv.name;
        n.id = id;
        n.assumed = state_of_class(pv.cause, 0, "").value_or(fakes::KeyState::valid);
        w.keys[slot].push_back(n);
        for (auto& env : w.env_of) env[slot] = 0;
      }
    }
  }
}

}  // namespace

std::string env_prefix(const std::string& provider) {
  for (const auto& p : default_config().providers)
    if (p.name == provider) return p.env_prefix;
  return "";
}

ReplayWorld build_world(const std::vector<JournalRecord>& records, const Epochs& epochs, const ReplayWindow& window,
                        const ReplayOptions& o, Warnings& warn) {
  ReplayWorld w;
  find_generations(records, epochs, w);
  // Providers the replayed router knows (its default configuration).
  std::set<std::string> skipped;
  for (auto it = w.keys.begin(); it != w.keys.end();) {
    if (env_prefix(it->first.first).empty()) {
      skipped.insert(it->first.first);
      for (auto& env : w.env_of) env.erase(it->first);
      it = w.keys.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& p : skipped)
    warn.add("provider '" + p +
             "' is not one the router knows without a keyward.yaml (groq, gemini, mistral); "
             "its keys are left out");
  for (auto& [slot, list] : w.keys) {
    for (auto& g : list) {
      std::string tag = g.provider + "-key-" + std::to_string(g.id) + (g.gen > 1 ? "-g" + std::to_string(g.gen) : "");
      char hex[16];
      std::snprintf(hex, sizeof hex, "%08x", fnv32(tag + "|" + g.mask));
      g.raw = "replay-" + tag + "-" + hex;
      ++w.stand_ins;
    }
  }

  // A hang lasts as long as the router waited; the journal's latency says how
  // long that was (0 on a simulated clock: then half a second).
  Millis timeout{0};
  for (const auto& r : records)
    if (r.type == RecordType::attempt && r.error_class == "network" && r.message.find("timeout") != std::string::npos)
      timeout = std::max(timeout, Millis(r.latency_us / 1000));
  w.router_timeout = timeout > Millis(0) ? std::min(timeout, Millis(2000)) : Millis(500);
  Millis hang_ms = w.router_timeout + Millis(500);

  // Observations, in journal order: key states, the longest rate-limit wait,
  // provider faults (set on a failure, cleared on the next answer).
  std::map<std::string, std::optional<json>> fault_now, fault_at_start;  // provider -> active spec
  auto generation_of = [&](const JournalRecord& r) -> KeyGeneration* {
    if (!r.names_key()) return nullptr;
    auto it = w.keys.find({r.provider, r.key_id});
    if (it == w.keys.end()) return nullptr;
    for (auto& g : it->second)
      if (g.mask == *r.masked_key) return &g;
    return nullptr;
  };
  for (const auto& r : records) {
    if (o.to && r.at > *o.to) break;
    if (auto* g = generation_of(r)) {
      if (auto st = key_observation(r)) {
        g->seen.push_back({r.at, *st});
        g->seen_line.push_back(r.line);
      }
      if (r.type == RecordType::key_rate_limited && r.until && *r.until > r.at) {
        auto s = static_cast<uint32_t>((std::chrono::duration_cast<Millis>(*r.until - r.at).count() + 999) / 1000);
        w.retry_s[g->provider] = std::max(w.retry_s[g->provider], std::min<uint32_t>(s, 86'400));
      }
    }
    if (env_prefix(r.provider).empty()) continue;
    auto obs = provider_observation(r, hang_ms);
    if (!obs) continue;
    std::optional<json> next = obs->answered ? std::nullopt : std::optional<json>(obs->spec);
    auto& cur = fault_now[r.provider];
    if (cur == next) continue;
    if (next && (*next)["kind"] == "hang") w.hangs = true;
    if (r.at <= window.start) {
      fault_at_start[r.provider] = next;
    } else {
      std::string line = " (journal line " + std::to_string(r.line) + ")";
      if (cur)
        w.events.push_back({world_event(Event::Kind::clear_fault, window.offset(r.at), r.provider,
                                        "the provider answered again" + line),
                            r.line});
      if (next) w.events.push_back({fault_event(window.offset(r.at), r.provider, *next, obs->what + line), r.line});
    }
    cur = next;
  }
  for (const auto& [provider, spec] : fault_at_start)
    if (spec) w.events.push_back({fault_event(Millis(0), provider, *spec, "failing when the window starts"), 0});
  // Key states: the one in force at the window's start (or the first one
  // seen), then each change when the journal first shows it.
  for (auto& [slot, list] : w.keys) {
    for (auto& g : list) {
      fakes::KeyState st = g.assumed.value_or(fakes::KeyState::valid);
      size_t k = 0;
      if (!g.seen.empty()) st = g.seen.front().second;
      for (; k < g.seen.size() && g.seen[k].first <= window.start; ++k) st = g.seen[k].second;
      w.initial[g.raw] = st;
      for (; k < g.seen.size(); ++k) {
        if (g.seen[k].second == st) continue;
        st = g.seen[k].second;
        Event e = world_event(
            Event::Kind::key_state, window.offset(g.seen[k].first), g.provider,
            g.provider + " key " + std::to_string(g.id) + " (journal line " + std::to_string(g.seen_line[k]) + ")");
        e.key = g.raw;
        e.key_state = st;
        w.events.push_back({std::move(e), g.seen_line[k]});
      }
    }
  }
  // World events keep journal order at equal times (faults at the window's start first).
  std::stable_sort(w.events.begin(), w.events.end(),
                   [](const TimedEvent& a, const TimedEvent& b) { return a.journal_line < b.journal_line; });
  return w;
}

Millis ReplayWindow::offset(WallTime t) const {
  double ms = static_cast<double>(std::chrono::duration_cast<Millis>(t - start).count()) / compress;
  return Millis(static_cast<int64_t>(std::llround(std::max(0.0, ms))));
}

}  // namespace keyward::scenarios::replay
