#include "scenarios/replay.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/yaml_reader.h"
#include "router/core/config.h"
#include "scenarios/emit.h"
#include "scenarios/scenario.h"

namespace keyward::scenarios {

namespace {

using nlohmann::json;

struct Line {
  size_t no = 0;  // 1-based line number in the file
  WallTime at{};
  std::string type;
  json j;
};

// Warnings are bounded: the first max_warnings are kept, the rest counted.
struct Warnings {
  std::vector<std::string>& out;
  size_t max;
  size_t dropped = 0;
  void add(const std::string& w) {
    if (out.size() < max) out.push_back(w);
    else ++dropped;
  }
};

const std::set<std::string>& known_types() {
  static const std::set<std::string> t = {
      "request", "outcome", "attempt", "emergency", "validation", "reload", "key_quarantined", "key_exhausted",
      "key_rate_limited", "key_released", "key_recovered", "key_validated", "key_validation_failed",
      "provider_ejected", "provider_restored"};
  return t;
}

bool is_validation(const std::string& type) {
  return type == "validation" || type == "key_validated" || type == "key_validation_failed";
}

std::string offset_label(Millis offset) {
  auto s = offset.count() / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "+%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

std::string iso_ms(WallTime t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  std::string s = format_iso8601(secs);
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(std::chrono::duration_cast<Millis>(t - secs).count()));
  if (!s.empty() && s.back() == 'Z') s.insert(s.size() - 1, buf);
  return s;
}

// A masked key is short and has the "..." in it; anything else might be a raw
// key written by mistake, and is never copied.
bool looks_masked(const std::string& m) { return m.size() <= 24 && m.find("...") != std::string::npos; }

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// ------------------------------------------------------------- reading ----

// Reads lines with a bound on each line and on their number, so a huge or
// hostile file cannot exhaust memory. A last line without '\n' is reported as
// truncated when it does not parse.
std::vector<Line> read_lines(std::istream& in, const ReplayOptions& o, Warnings& warn, std::string* error,
                             size_t* lines_read) {
  std::vector<Line> out;
  std::string cur;
  bool overlong = false;
  size_t no = 0, nonempty = 0, bad_json = 0, bad_shape = 0;
  std::map<std::string, size_t> unknown;
  bool stopped = false;
  auto finish_line = [&](bool terminated) {
    ++no;
    std::string text;
    text.swap(cur);
    bool was_overlong = overlong;
    overlong = false;
    if (text.find_first_not_of(" \t\r") == std::string::npos && !was_overlong) return;
    ++nonempty;
    if (was_overlong) {
      warn.add("line " + std::to_string(no) + ": longer than " + std::to_string(o.max_line_bytes) + " bytes; skipped");
      return;
    }
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      if (!terminated) warn.add("line " + std::to_string(no) + ": truncated last line (the writer stopped mid-line); ignored");
      else if (++bad_json <= 5) warn.add("line " + std::to_string(no) + ": not JSON; skipped");
      return;
    }
    WallTime at;
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("time") ||
        !j["time"].is_string() || !parse_iso8601(j["time"].get<std::string>(), &at)) {
      if (++bad_shape <= 5) warn.add("line " + std::to_string(no) + ": not a journal event (needs \"time\" and \"type\"); skipped");
      return;
    }
    std::string type = j["type"].get<std::string>();
    if (!known_types().count(type)) {
      if (unknown[type]++ == 0) warn.add("line " + std::to_string(no) + ": unknown event type '" + type + "'; ignored");
      return;
    }
    out.push_back(Line{no, at, type, std::move(j)});
  };
  char buf[65536];
  while (!stopped && in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    for (std::streamsize i = 0; i < n; ++i) {
      char c = buf[i];
      if (c == '\n') {
        finish_line(true);
        if (no >= o.max_lines) {
          warn.add("stopped after " + std::to_string(o.max_lines) + " lines (bound); use --to to replay a part");
          stopped = true;
          break;
        }
      } else if (!overlong) {
        if (cur.size() >= o.max_line_bytes) {
          overlong = true;
          cur.clear();
        } else {
          cur += c;
        }
      }
    }
    // A file that is no text at all (a binary, an image) is not a journal: stop early.
    if (no == 0 && out.empty() && cur.size() >= o.max_line_bytes) break;
  }
  if (!stopped && (!cur.empty() || overlong)) finish_line(false);
  *lines_read = no;
  if (bad_json > 5) warn.add(std::to_string(bad_json - 5) + " more lines that are not JSON were skipped");
  if (bad_shape > 5) warn.add(std::to_string(bad_shape - 5) + " more lines without time/type were skipped");
  for (const auto& [type, count] : unknown)
    if (count > 1) warn.add("event type '" + type + "': " + std::to_string(count) + " lines ignored in all");
  if (out.empty()) {
    *error = nonempty == 0 ? "empty: no journal lines"
                           : "not a keyward journal: no line is a JSON object with \"time\" and \"type\" "
                             "(expected the JSONL file `keyward serve --journal` writes)";
  } else if (out.size() * 2 < nonempty && out.size() < 3) {
    // A few accidental matches in a file that is mostly something else.
    *error = "not a keyward journal: only " + std::to_string(out.size()) + " of " + std::to_string(nonempty) +
             " lines are journal events";
  }
  return out;
}

// ------------------------------------------------------------- the model ----

using KeyId = std::pair<std::string, int>;  // provider, key id (N of _API_KEY_N)

struct Generation {  // one key a (provider, id) slot held: a new mask is a new key
  std::string provider;
  int id = 0;
  std::string mask;     // as journaled; "" when only counted in a verdict
  bool mask_ok = true;  // false: the journal's "masked" key did not look masked
  int gen = 1;
  std::string raw;      // the invented stand-in
  std::vector<std::pair<WallTime, fakes::KeyState>> seen;  // observed states, in time order
  std::vector<size_t> seen_line;
  std::optional<fakes::KeyState> assumed;  // for keys only counted in a verdict
};

struct Epoch {  // one router process (or one reload) and the keys it ran with
  size_t first = 0;  // index into lines
  WallTime at{};
  enum class How { start, restart, reload } how = How::start;
  bool validated = false;              // validation lines before its first request
  std::map<KeyId, std::string> masks;  // keys seen in it
};

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

// What a line says about its key's state in the world.
std::optional<fakes::KeyState> key_observation(const Line& l) {
  const auto& j = l.j;
  std::string cls = j.value("class", "");
  int status = j.contains("status") && j["status"].is_number_integer() ? j["status"].get<int>() : 0;
  std::string msg = j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>() : "";
  if (l.type == "attempt" || l.type == "validation" || l.type == "key_validation_failed" || l.type == "key_quarantined")
    return state_of_class(cls.empty() && l.type == "key_quarantined" ? "auth" : cls, status, msg);
  if (l.type == "key_validated" || l.type == "key_recovered") return fakes::KeyState::valid;
  if (l.type == "key_exhausted") return fakes::KeyState::quota_exhausted;
  if (l.type == "key_rate_limited") return fakes::KeyState::rate_limited;
  return std::nullopt;
}

// A provider-level failure as a fault spec (JSON), "" = the provider answered.
struct FaultObs {
  bool answered = false;  // true: the provider is up (clears a fault)
  json spec;              // set when it failed
  std::string what;       // for the comment
};

std::optional<FaultObs> provider_observation(const Line& l, Millis hang_ms) {
  if (l.type != "attempt" && l.type != "validation" && l.type != "key_validated" && l.type != "key_validation_failed" &&
      l.type != "key_recovered")
    return std::nullopt;
  const auto& j = l.j;
  std::string cls = l.type == "key_validated" || l.type == "key_recovered" ? "ok" : j.value("class", "");
  int status = j.contains("status") && j["status"].is_number_integer() ? j["status"].get<int>() : 0;
  std::string msg = j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>() : "";
  FaultObs o;
  if (cls == "provider_outage") {
    int s = status >= 400 && status <= 599 ? status : 503;
    o.spec = {{"kind", "status"}, {"status", s}};
    o.what = "outage: status " + std::to_string(s);
    return o;
  }
  if (cls == "network") {
    // The transport error is in the message: "transport error: timeout".
    auto has = [&](const char* w) { return msg.find(w) != std::string::npos; };
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
      o.what = "connection failure (" + (msg.empty() ? std::string("network") : msg.substr(0, 60)) + ")";
    }
    return o;
  }
  if (cls.empty() || cls == "request_error") return std::nullopt;
  o.answered = true;
  return o;
}

uint32_t fnv32(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

std::string env_prefix(const std::string& provider) {
  for (const auto& p : default_config().providers)
    if (p.name == provider) return p.env_prefix;
  return "";
}

std::string redact_keys(const std::string& text, size_t line, Warnings& warn) {
  auto found = find_raw_keys(text);
  if (found.empty()) return text;
  std::string out = text;
  for (const auto& k : found) {
    for (size_t pos; (pos = out.find(k)) != std::string::npos;) out.replace(pos, k.size(), "[redacted-key]");
  }
  warn.add("line " + std::to_string(line) + ": a request message holds something that looks like an API key; "
           "replaced by [redacted-key]");
  return out;
}

struct TimelineItem {
  Millis at{0};
  int order = 0;   // at equal times: world (0), operator (1), requests (2)
  size_t seq = 0;  // journal order within a class
  std::string body;     // the event's YAML fields after "at"
  std::string comment;  // after the event
  // requests, for folding into repeat/every
  bool request = false;
  std::string req_key;   // api+message+stream
  std::string outcome;   // recorded outcome summary
  size_t journal_line = 0;
};

}  // namespace

std::vector<std::string> find_raw_keys(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !key_char(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && key_char(text[i])) ++i;
    std::string tok = text.substr(start, i - start);
    if (tok.empty() || tok.rfind("replay-", 0) == 0) continue;
    bool lower = false, upper = false, digit = false;
    for (char c : tok) {
      lower = lower || (c >= 'a' && c <= 'z');
      upper = upper || (c >= 'A' && c <= 'Z');
      digit = digit || (c >= '0' && c <= '9');
    }
    bool prefixed = (tok.rfind("gsk_", 0) == 0 && tok.size() >= 20) || (tok.rfind("sk-", 0) == 0 && tok.size() >= 24) ||
                    (tok.rfind("AIza", 0) == 0 && tok.size() >= 30) || (tok.rfind("xai-", 0) == 0 && tok.size() >= 24);
    bool generic = tok.size() >= 32 && digit && lower && upper;
    if (prefixed || generic) out.push_back(tok);
  }
  return out;
}

ReplayResult replay_journal(std::istream& in, const ReplayOptions& o) {
  ReplayResult r;
  Warnings warn{r.warnings, o.max_warnings};
  std::string error;
  std::vector<Line> lines = read_lines(in, o, warn, &error, &r.lines_read);
  if (!error.empty()) {
    r.error = error;
    return r;
  }
  // Writers on several threads can interleave by a millisecond: order by time
  // (stably, so a request still precedes its attempts) and say so.
  size_t backwards = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].at < lines[i - 1].at && ++backwards <= 3)
      warn.add("line " + std::to_string(lines[i].no) + ": time " + iso_ms(lines[i].at) + " is before the previous line's (" +
               iso_ms(lines[i - 1].at) + "); lines are replayed in time order");
  }
  if (backwards > 3) warn.add(std::to_string(backwards) + " lines in all go back in time");
  std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.at < b.at; });

  // The journal should never hold a raw key: look anyway, everywhere but the
  // request messages (redacted where they are copied, below).
  for (const auto& l : lines) {
    for (const auto& [k, v] : l.j.items()) {
      if (k == "messages" || !v.is_string()) continue;
      if (k == "masked_key" ? !looks_masked(v.get<std::string>()) : !find_raw_keys(v.get<std::string>()).empty())
        warn.add("line " + std::to_string(l.no) + ": field '" + k +
                 "' holds something that looks like a raw key; it is not copied to the scenario");
    }
  }

  // -- processes: a reload line, a request id counting from 1 again, or a key
  // slot showing a new masked key start a new one (restart: the validation
  // block right before belongs to the new process).
  std::vector<Epoch> epochs(1);
  epochs[0].at = lines.front().at;
  long max_req = 0;
  std::optional<size_t> val_block;
  auto req_number = [](const Line& l) -> long {
    std::string id = l.j.value("request_id", "");
    auto dash = id.rfind('-');
    if (dash == std::string::npos) return -1;
    try {
      return std::stol(id.substr(dash + 1));
    } catch (...) {
      return -1;
    }
  };
  auto mask_of = [](const Line& l) -> std::optional<std::pair<KeyId, std::string>> {
    if (!l.j.contains("provider") || !l.j["provider"].is_string() || !l.j.contains("key_id") ||
        !l.j["key_id"].is_number_integer() || l.j["key_id"].get<int>() < 1 || !l.j.contains("masked_key") ||
        !l.j["masked_key"].is_string())
      return std::nullopt;
    return std::make_pair(KeyId{l.j["provider"].get<std::string>(), l.j["key_id"].get<int>()},
                          l.j["masked_key"].get<std::string>());
  };
  std::vector<size_t> epoch_of(lines.size(), 0);
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (is_validation(l.type) && !val_block) val_block = i;
    auto mk = mask_of(l);
    long n = l.type == "request" ? req_number(l) : -1;
    std::optional<size_t> boundary;
    Epoch::How how = Epoch::How::restart;
    if (l.type == "reload") {
      // A reload validates the new keys before it journals its summary: the
      // "restart" those validations started is this reload.
      bool since_requests = false;
      for (size_t k = epochs.back().first; k < i && !since_requests; ++k) since_requests = lines[k].type == "request";
      if (epochs.size() > 1 && epochs.back().how == Epoch::How::restart && !since_requests) {
        epochs.back().how = Epoch::How::reload;
      } else {
        boundary = i;
        how = Epoch::How::reload;
      }
    } else if (n > 0 && n <= max_req) {
      boundary = val_block.value_or(i);
    } else if (mk) {
      auto it = epochs.back().masks.find(mk->first);
      if (it != epochs.back().masks.end() && it->second != mk->second)
        boundary = is_validation(l.type) && val_block ? *val_block : i;
    }
    if (boundary && *boundary > epochs.back().first) {
      Epoch e;
      e.first = *boundary;
      e.at = lines[*boundary].at;
      e.how = how;
      // The few validation lines read since the boundary belong to the new process.
      for (size_t k = *boundary; k < i; ++k) {
        epoch_of[k] = epochs.size();
        if (auto m = mask_of(lines[k])) e.masks[m->first] = m->second;
      }
      epochs.push_back(std::move(e));
      max_req = 0;
    }
    epoch_of[i] = epochs.size() - 1;
    if (mk) epochs.back().masks[mk->first] = mk->second;
    if (n > max_req) max_req = n;
    if (!is_validation(l.type)) val_block.reset();
  }
  // Epochs that ended up empty (a restart right after a reload) are harmless: they carry no lines.
  for (size_t ei = 0; ei < epochs.size(); ++ei) {
    auto& e = epochs[ei];
    for (size_t k = e.first; k < lines.size() && epoch_of[k] == ei; ++k) {
      if (lines[k].type == "request") break;
      if (lines[k].type == "validation") e.validated = true;
    }
  }

  // -- keys: one generation per distinct mask of a slot, in order of appearance.
  std::map<KeyId, std::vector<Generation>> gens;
  std::vector<std::map<KeyId, size_t>> env_of(epochs.size());  // epoch -> slot -> generation index
  for (size_t ei = 0; ei < epochs.size(); ++ei) {
    if (ei > 0) env_of[ei] = env_of[ei - 1];
    for (size_t k = epochs[ei].first; k < lines.size() && epoch_of[k] == ei; ++k) {
      auto mk = mask_of(lines[k]);
      if (!mk) continue;
      auto& list = gens[mk->first];
      size_t g = 0;
      while (g < list.size() && list[g].mask != mk->second) ++g;
      if (g == list.size()) {
        Generation n;
        n.provider = mk->first.first;
        n.id = mk->first.second;
        n.mask = mk->second;
        n.mask_ok = looks_masked(mk->second);
        n.gen = static_cast<int>(g + 1);
        list.push_back(n);
      }
      env_of[ei][mk->first] = g;
    }
  }
  // Keys the verdicts count but no line names (quarantined before the
  // journal starts, say): assumed in the state the verdict blames.
  for (const auto& l : lines) {
    if (l.type != "emergency" || !l.j.contains("providers") || !l.j["providers"].is_object()) continue;
    for (const auto& [name, pv] : l.j["providers"].items()) {
      if (!pv.is_object() || !pv.contains("total") || !pv["total"].is_number_integer()) continue;
      int total = std::min(pv["total"].get<int>(), 100);
      for (int id = 1; id <= total; ++id) {
        KeyId slot{name, id};
        if (gens.count(slot)) continue;
        Generation n;
        n.provider = name;
        n.id = id;
        std::string cause = pv.value("cause", "");
        n.assumed = state_of_class(cause, 0, "").value_or(fakes::KeyState::valid);
        gens[slot].push_back(n);
        for (auto& env : env_of) env[slot] = 0;
      }
    }
  }
  // Providers the replayed router knows (its default configuration).
  std::set<std::string> skipped;
  for (auto it = gens.begin(); it != gens.end();) {
    if (env_prefix(it->first.first).empty()) {
      skipped.insert(it->first.first);
      for (auto& env : env_of) env.erase(it->first);
      it = gens.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& p : skipped)
    warn.add("provider '" + p + "' is not one the router knows without a keyward.yaml (groq, gemini, mistral); "
             "its keys are left out");
  for (auto& [slot, list] : gens) {
    for (auto& g : list) {
      std::string tag = g.provider + "-key-" + std::to_string(g.id) + (g.gen > 1 ? "-g" + std::to_string(g.gen) : "");
      char hex[16];
      std::snprintf(hex, sizeof hex, "%08x", fnv32(tag + "|" + g.mask));
      g.raw = "replay-" + tag + "-" + hex;
      ++r.keys;
    }
  }

  // -- window
  WallTime start = o.from.value_or(lines.front().at);
  WallTime end = o.to.value_or(lines.back().at);
  if (end < start) {
    r.error = "--to is before --from";
    return r;
  }
  auto in_window = [&](WallTime t) { return t >= start && t <= end; };
  auto offset = [&](WallTime t) {
    double ms = static_cast<double>(std::chrono::duration_cast<Millis>(t - start).count()) / o.compress;
    return Millis(static_cast<int64_t>(std::llround(std::max(0.0, ms))));
  };
  size_t start_epoch_index = 0;
  for (size_t ei = 0; ei < epochs.size(); ++ei)
    if (epochs[ei].at <= start) start_epoch_index = ei;

  // A hang lasts as long as the router waited; the journal's latency says how
  // long that was (0 on a simulated clock: then half a second).
  Millis timeout{0};
  for (const auto& l : lines)
    if (l.type == "attempt" && l.j.value("class", "") == "network" &&
        l.j.value("message", "").find("timeout") != std::string::npos)
      timeout = std::max(timeout, Millis(l.j.value("latency_us", int64_t{0}) / 1000));
  bool hangs = false;
  Millis router_timeout = timeout > Millis(0) ? std::min(timeout, Millis(2000)) : Millis(500);
  Millis hang_ms = router_timeout + Millis(500);

  // -- observations
  std::vector<TimelineItem> items;
  size_t seq = 0;
  std::map<std::string, std::pair<std::optional<json>, size_t>> fault_now;  // provider -> active spec, line
  std::map<std::string, std::optional<json>> fault_at_start;
  std::map<std::string, uint32_t> retry_s;  // provider -> longest rate-limit wait
  auto gen_for = [&](const Line& l) -> Generation* {
    auto mk = mask_of(l);
    if (!mk) return nullptr;
    auto it = gens.find(mk->first);
    if (it == gens.end()) return nullptr;
    for (auto& g : it->second)
      if (g.mask == mk->second) return &g;
    return nullptr;
  };
  for (const auto& l : lines) {
    if (o.to && l.at > *o.to) break;
    if (auto* g = gen_for(l)) {
      if (auto st = key_observation(l)) {
        g->seen.push_back({l.at, *st});
        g->seen_line.push_back(l.no);
      }
      if (l.type == "key_rate_limited" && l.j.contains("until") && l.j["until"].is_string()) {
        WallTime u;
        if (parse_iso8601(l.j["until"].get<std::string>(), &u) && u > l.at) {
          auto s = static_cast<uint32_t>((std::chrono::duration_cast<Millis>(u - l.at).count() + 999) / 1000);
          retry_s[g->provider] = std::max(retry_s[g->provider], std::min<uint32_t>(s, 86'400));
        }
      }
    }
    std::string provider = l.j.value("provider", "");
    if (env_prefix(provider).empty()) continue;
    auto obs = provider_observation(l, hang_ms);
    if (!obs) continue;
    std::optional<json> next = obs->answered ? std::nullopt : std::optional<json>(obs->spec);
    auto& cur = fault_now[provider];
    if (cur.first == next) continue;
    if (next && (*next)["kind"] == "hang") hangs = true;
    if (l.at <= start) {
      fault_at_start[provider] = next;
    } else {
      if (cur.first) items.push_back({offset(l.at), 0, seq++, "clear_fault: {provider: " + provider + "}",
                                      "the provider answered again (journal line " + std::to_string(l.no) + ")", false, {}, {}, l.no});
      if (next)
        items.push_back({offset(l.at), 0, seq++,
                         "fault: {provider: " + provider + ", id: replay-" + provider + ", spec: " + yaml_flow(*next) + "}",
                         obs->what + " (journal line " + std::to_string(l.no) + ")", false, {}, {}, l.no});
    }
    cur = {next, l.no};
  }
  for (const auto& [provider, spec] : fault_at_start) {
    if (!spec) continue;
    items.push_back({Millis(0), 0, seq++,
                     "fault: {provider: " + provider + ", id: replay-" + provider + ", spec: " + yaml_flow(*spec) + "}",
                     "failing when the window starts", false, {}, {}, 0});
  }
  // Key states: the one in force at the window's start (or the first one
  // seen), then each change when the journal first shows it.
  std::map<std::string, fakes::KeyState> initial;  // raw -> state
  for (auto& [slot, list] : gens) {
    for (auto& g : list) {
      fakes::KeyState st = g.assumed.value_or(fakes::KeyState::valid);
      size_t k = 0;
      if (!g.seen.empty()) st = g.seen.front().second;
      for (; k < g.seen.size() && g.seen[k].first <= start; ++k) st = g.seen[k].second;
      initial[g.raw] = st;
      for (; k < g.seen.size(); ++k) {
        if (g.seen[k].second == st) continue;
        st = g.seen[k].second;
        items.push_back({offset(g.seen[k].first), 0, seq++,
                         "key_state: {provider: " + g.provider + ", key: " + g.raw + ", state: " + fakes::to_string(st) + "}",
                         g.provider + " key " + std::to_string(g.id) + " (journal line " + std::to_string(g.seen_line[k]) + ")",
                         false, {}, {}, g.seen_line[k]});
      }
    }
  }
  // World items must keep journal order at equal times: sort them by line.
  std::stable_sort(items.begin(), items.end(), [](const TimelineItem& a, const TimelineItem& b) {
    return a.journal_line < b.journal_line;
  });
  for (auto& it : items) it.seq = seq++;
  r.world_events = items.size();

  // -- operator actions: new keys in .env, then the restart or reload.
  for (size_t ei = start_epoch_index + 1; ei < epochs.size(); ++ei) {
    const Epoch& e = epochs[ei];
    if (!in_window(e.at) || e.how == Epoch::How::start) continue;
    std::string edits;
    for (const auto& [slot, g] : env_of[ei]) {
      auto prev = env_of[ei - 1].find(slot);
      if (prev != env_of[ei - 1].end() && prev->second == g) continue;
      edits += std::string(edits.empty() ? "" : ", ") + env_prefix(slot.first) + "_API_KEY_" + std::to_string(slot.second) +
               ": " + gens[slot][g].raw;
    }
    if (!edits.empty())
      items.push_back({offset(e.at), 1, seq++, "edit_env: {" + edits + "}", "the journal shows new keys from here", false, {}, {}, 0});
    if (e.how == Epoch::How::reload) {
      items.push_back({offset(e.at), 1, seq++, "reload: true", "journal line " + std::to_string(lines[e.first].no), false, {}, {}, 0});
    } else {
      items.push_back({offset(e.at), 1, seq++, e.validated ? "restart: true" : "restart: {validate_on_start: false}",
                       "a new router process (request ids start again, or new keys were validated)", false, {}, {}, 0});
      ++r.restarts;
    }
  }

  // -- requests, joined with their outcomes (request ids repeat across processes).
  std::map<std::pair<size_t, std::string>, const Line*> outcomes;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].type == "outcome") outcomes[{epoch_of[i], lines[i].j.value("request_id", "")}] = &lines[i];
  size_t nth = 0, dropped = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (l.type != "request" || !in_window(l.at)) continue;
    if (nth++ % static_cast<size_t>(o.sample) != 0) continue;
    if (r.requests >= o.max_requests) {
      ++dropped;
      continue;
    }
    std::string route = l.j.value("route", "chat");
    bool stream = l.j.value("stream", false) || route == "openai_stream";
    std::string message;
    if (l.j.contains("messages") && l.j["messages"].is_array()) {
      for (const auto& m : l.j["messages"]) {
        if (m.is_object() && m.contains("content") && m["content"].is_string()) message = m["content"].get<std::string>();
        // journal.record_messages: false journals the size only: a placeholder of that size.
        else if (m.is_object() && m.contains("content_bytes") && m["content_bytes"].is_number_unsigned())
          message = "(prompt not recorded: " + std::to_string(m["content_bytes"].get<uint64_t>()) + " bytes)";
      }
    }
    message = redact_keys(message, l.no, warn);
    if (message.empty()) message = "(empty)";
    std::string spec = std::string(route == "chat" ? "" : "api: openai, ") + "message: " + yaml_scalar(message) +
                       (stream ? ", stream: true" : "");
    std::string outcome = "no outcome journaled";
    auto oc = outcomes.find({epoch_of[i], l.j.value("request_id", "")});
    if (oc != outcomes.end()) {
      const auto& j = oc->second->j;
      outcome = std::to_string(j.value("http_status", 0)) + " " + j.value("kind", "?");
      if (j.contains("provider") && j.value("kind", "") == "provider") outcome += " " + j.value("provider", "");
      if (j.contains("cause")) outcome += " (" + j.value("cause", "") + ")";
    }
    TimelineItem it{offset(l.at), 2, seq++, spec, "recorded: " + outcome, true, spec, outcome, l.no};
    items.push_back(std::move(it));
    ++r.requests;
  }
  if (dropped)
    warn.add(std::to_string(dropped) + " more requests in the window were left out (bound " +
             std::to_string(o.max_requests) + "); use --sample N or --from/--to");

  std::stable_sort(items.begin(), items.end(), [](const TimelineItem& a, const TimelineItem& b) {
    return std::tie(a.at, a.order, a.seq) < std::tie(b.at, b.order, b.seq);
  });

  // -- the scenario text
  std::ostringstream y;
  y << "# Replayed by `keyward replay` from " << o.source_name << " (" << r.lines_read << " lines, "
    << iso_ms(lines.front().at) << " .. " << iso_ms(lines.back().at) << ").\n";
  y << "# Window " << iso_ms(start) << " .. " << iso_ms(end);
  if (o.compress != 1.0) y << ", time compressed " << o.compress << "x";
  if (o.sample > 1) y << ", 1 request in " << o.sample;
  y << ".\n"
       "# The journal holds masked keys only: every (provider, key id, masked key) it shows got an\n"
       "# invented stand-in raw key below. Key states change when the journal first shows them\n"
       "# (the world may have changed earlier, unobserved); provider failures are faults that\n"
       "# clear at the provider's next answer. Edit freely: this is an ordinary scenario.\n";
  y << "name: " << yaml_scalar("Replay of " + o.source_name + " from " + iso_ms(start)) << "\n";
  y << "description: " << yaml_scalar(std::to_string(r.requests) + " requests, " + std::to_string(r.world_events) +
                                      " world changes and " + std::to_string(r.restarts) + " restarts replayed from the journal")
    << "\n";
  y << "seed: 1\nstart_at: " << iso_ms(start) << "\n";
  y << "world:\n  providers:\n";
  for (const auto& p : default_config().providers) {
    std::vector<const Generation*> keys;
    for (const auto& [slot, list] : gens)
      if (slot.first == p.name)
        for (const auto& g : list) keys.push_back(&g);
    if (keys.empty()) continue;
    y << "    - name: " << p.name << "\n      kind: " << p.name << "\n      default_key_state: invalid\n      keys:\n";
    for (const auto* g : keys) {
      y << "        " << g->raw << ": " << fakes::to_string(initial[g->raw]) << "    # " << p.name << " key " << g->id;
      if (g->assumed) y << ", not named by any line: state from the emergency verdict";
      else if (g->mask_ok) y << ", " << g->mask << " in the journal";
      else y << ", (its journaled mask does not look masked: withheld)";
      y << "\n";
    }
    if (retry_s.count(p.name)) y << "      rate_limited_retry_s: " << retry_s[p.name] << "    # the longest wait the journal shows\n";
  }
  y << "  sinks: {smtp: {}, telegram: {token: \"123:ABC\"}, webhook: {}}    # to count alerts\n";
  y << "router:\n  env: |\n";
  size_t env_lines = 0;
  for (const auto& p : default_config().providers)
    for (const auto& [slot, g] : env_of[start_epoch_index])
      if (slot.first == p.name) {
        y << "    " << p.env_prefix << "_API_KEY_" << slot.second << "=" << gens[slot][g].raw << "\n";
        ++env_lines;
      }
  if (env_lines == 0) y << "    # no key of a known provider in the journal\n";
  if (hangs)
    y << "  config: {timeouts: {request: " << yaml_duration(router_timeout)
      << "}}    # timeouts seen: hangs wait this long (wall time), not the production timeout\n";
  bool validated = epochs[start_epoch_index].validated && start_epoch_index == 0 && !o.from;
  y << "  validate_on_start: " << (validated ? "true" : "false") << "    # "
    << (validated ? "the journal starts with key validations" : "no validation before the first request") << "\n";
  if (!items.empty()) {
    y << "timeline:\n";
    size_t rid = 0;
    for (size_t i = 0; i < items.size();) {
      const auto& it = items[i];
      size_t j = i + 1;
      Millis every{0};
      // Identical requests at a steady pace fold into one repeated event.
      if (it.request && j < items.size() && items[j].request && items[j].req_key == it.req_key &&
          items[j].outcome == it.outcome) {
        every = items[j].at - it.at;
        while (j < items.size() && j - i < 100000 && items[j].request && items[j].req_key == it.req_key &&
               items[j].outcome == it.outcome && items[j].at - items[j - 1].at == every)
          ++j;
      }
      y << "  - {at: " << yaml_duration(it.at);
      if (it.request) {
        y << ", id: r" << ++rid << ", request: {" << it.body;
        if (j - i > 1) y << ", repeat: " << (j - i) << ", every: " << yaml_duration(every);
        y << "}}    # " << offset_label(it.at) << " " << (j - i > 1 ? std::to_string(j - i) + "x " : "") << it.comment << "\n";
      } else {
        y << ", " << it.body << "}    # " << it.comment << "\n";
      }
      i = j;
    }
  }
  y << "expect:\n"
       "  # What an operator wants from any incident (docs/SCENARIOS.md, kind `invariant`):\n"
       "  - invariant: no_emergency_while_key_valid   # no emergency answer while a key worked\n"
       "  - invariant: no_call_to_quarantined_key     # a key known bad is left alone while it is out\n"
       "  - invariant: one_alert_per_kind             # no alert storm: each alert once per incident\n"
       "  - invariant: recovers                       # served again once the providers came back\n";
  r.yaml = y.str();

  // Never write a raw key: the stand-ins are the only keys this file may hold.
  auto leaked = find_raw_keys(r.yaml);
  if (!leaked.empty()) {
    r.error = "refusing to write the scenario: it would hold " + std::to_string(leaked.size()) +
              " token(s) that look like raw API keys (first: " + leaked.front().substr(0, 6) + "...)";
    r.yaml.clear();
    return r;
  }
  try {
    parse_scenario(r.yaml, "replay");
  } catch (const SchemaError& e) {
    r.error = std::string("internal error: the replayed scenario does not load: ") + e.what();
    return r;
  }
  if (warn.dropped) r.warnings.push_back(std::to_string(warn.dropped) + " more warnings");
  r.ok = true;
  return r;
}

namespace {

int replay_usage() {
  std::fprintf(stderr,
               "usage: keyward replay JOURNAL.jsonl [-o OUT.yaml] [--from ISO-TIME] [--to ISO-TIME]\n"
               "                      [--compress FACTOR] [--sample N]\n");
  return 2;
}

}  // namespace

int replay_main(int argc, char** argv) {
  ReplayOptions o;
  std::string input, output;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-o" || a == "--output") {
      if (!value(&output)) return replay_usage();
    } else if (a == "--from" || a == "--to") {
      WallTime t;
      if (!value(&v) || !parse_iso8601(v, &t)) {
        std::fprintf(stderr, "keyward replay: %s: expected an ISO-8601 UTC time such as 2025-11-18T08:00:00Z\n", a.c_str());
        return 2;
      }
      (a == "--from" ? o.from : o.to) = t;
    } else if (a == "--compress") {
      try {
        if (!value(&v)) return replay_usage();
        o.compress = std::stod(v);
      } catch (...) {
        o.compress = 0;
      }
      if (!(o.compress >= 0.001 && o.compress <= 1e6)) {
        std::fprintf(stderr, "keyward replay: --compress: expected a factor between 0.001 and 1000000\n");
        return 2;
      }
    } else if (a == "--sample") {
      try {
        if (!value(&v)) return replay_usage();
        o.sample = std::stoi(v);
      } catch (...) {
        o.sample = 0;
      }
      if (o.sample < 1 || o.sample > 1'000'000) {
        std::fprintf(stderr, "keyward replay: --sample: expected an integer N >= 1 (keep 1 request in N)\n");
        return 2;
      }
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "keyward replay: unknown option '%s'\n", a.c_str());
      return replay_usage();
    } else if (input.empty()) {
      input = a;
    } else {
      return replay_usage();
    }
  }
  if (input.empty()) return replay_usage();
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "keyward replay: %s: cannot be read\n", input.c_str());
    return 2;
  }
  auto slash = input.find_last_of('/');
  o.source_name = slash == std::string::npos ? input : input.substr(slash + 1);
  ReplayResult r = replay_journal(in, o);
  for (const auto& w : r.warnings) std::fprintf(stderr, "keyward replay: warning: %s: %s\n", input.c_str(), w.c_str());
  if (!r.ok) {
    std::fprintf(stderr, "keyward replay: %s: %s\n", input.c_str(), r.error.c_str());
    return r.error.rfind("refusing", 0) == 0 ? 1 : 2;
  }
  if (output.empty()) {
    std::fwrite(r.yaml.data(), 1, r.yaml.size(), stdout);
    return 0;
  }
  std::ofstream out(output, std::ios::binary);
  out << r.yaml;
  if (!out) {
    std::fprintf(stderr, "keyward replay: %s: cannot be written\n", output.c_str());
    return 2;
  }
  std::printf("wrote %s: %zu requests, %zu world changes, %zu keys, %zu restarts from %zu journal lines\n"
              "run it: keyward run %s\n",
              output.c_str(), r.requests, r.world_events, r.keys, r.restarts, r.lines_read, output.c_str());
  return 0;
}

}  // namespace keyward::scenarios
