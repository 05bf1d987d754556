#include "scenarios/checkers/run_facts.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "router/core/env_file.h"
#include "scenarios/expectations.h"

namespace keyward::scenarios {

std::string offset_label(Millis offset) {
  auto s = offset.count() / 1000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%02lld:%02lld:%02lld.%03lld", offset.count() < 0 ? "-" : "+",
                std::llabs(static_cast<long long>(s / 3600)), std::llabs(static_cast<long long>(s / 60 % 60)),
                std::llabs(static_cast<long long>(s % 60)), std::llabs(static_cast<long long>(offset.count() % 1000)));
  return buf;
}

std::string answer_source(const RequestRecord& r) {
  if (r.status == 0) return "";
  if (r.json.is_object()) {
    const auto& j = r.json;
    if (j.contains("source") && j["source"].is_string()) return j["source"].get<std::string>();
    if (j.value("model", "") == "emergency/fallback" || j.contains("error")) return "emergency";
  } else if (r.body.find("emergency/fallback") != std::string::npos) {
    return "emergency";  // a stream that carried the emergency text
  }
  return r.status == 200 ? "provider" : "emergency";
}

bool journal_offset(const nlohmann::json& j, const char* field, const Scenario& s, Millis* out) {
  if (!j.contains(field) || !j[field].is_string()) return false;
  WallTime t;
  if (!parse_iso8601(j[field].get<std::string>(), &t)) return false;
  *out = std::chrono::duration_cast<Millis>(t - s.start_at);
  return true;
}

std::vector<OutWindow> out_windows(const Scenario& s, const RunRecord& run) {
  std::vector<Millis> operator_actions;
  for (const auto& e : s.timeline)
    if (e.kind == Event::Kind::reload || e.kind == Event::Kind::restart) operator_actions.push_back(e.at);
  std::vector<OutWindow> windows;
  const auto& journal = run.router_journal;
  for (size_t i = 0; i < journal.size(); ++i) {
    const auto& j = journal[i];
    std::string type = j.value("type", "");
    bool provider_wide = type == "provider_ejected";
    if (!provider_wide && type != "key_quarantined" && type != "key_exhausted" && type != "key_rate_limited") continue;
    OutWindow w;
    w.provider = j.value("provider", "");
    w.key = provider_wide ? 0 : j.value("key_id", 0);
    w.why = provider_wide ? "ejected" : type.substr(4);
    w.journal_index = i;
    w.replica = j.value("replica", 0);
    w.from_cluster = j.value("from_cluster", false);
    if ((!provider_wide && w.key < 1) || !journal_offset(j, "time", s, &w.from) ||
        !journal_offset(j, "until", s, &w.to))
      continue;
    for (Millis op : operator_actions)
      if (op >= w.from && op < w.to) w.to = op;
    // The router may learn that the key is fine again (a health check, a
    // validation): the window ends there.
    for (size_t k = i + 1; k < journal.size(); ++k) {
      const auto& n = journal[k];
      std::string t = n.value("type", "");
      bool release = provider_wide ? t == "provider_restored"
                                   : (t == "key_released" || t == "key_recovered" || t == "key_validated") &&
                                         n.value("key_id", 0) == w.key;
      release = release && n.value("replica", 0) == w.replica;
      Millis at;
      if (release && n.value("provider", "") == w.provider && journal_offset(n, "time", s, &at)) {
        if (at < w.to) w.to = at;
        break;
      }
    }
    windows.push_back(w);
  }
  return windows;
}

bool reaches_redis_at(const Scenario& s, int replica, Millis t) {
  bool redis_up = true, cut_off = false;
  for (const auto& e : s.timeline) {
    if (e.at > t) break;
    if (e.kind == Event::Kind::redis) redis_up = !e.redis_down;
    if ((e.kind == Event::Kind::partition || e.kind == Event::Kind::heal) && e.replica == replica)
      cut_off = e.kind == Event::Kind::partition;
  }
  return redis_up && !cut_off;
}

bool covers(const OutWindow& w, const std::string& provider, int key, Millis at) {
  return w.provider == provider && (w.key == 0 || w.key == key) && at >= w.from && at < w.to;
}

const nlohmann::json* snapshot_for(const RunRecord& run, Millis at) {
  const nlohmann::json* same_time = nullptr;
  for (const auto& [t, st] : run.statuses) {
    if (t == at) same_time = &st;
    if (t > at) return same_time ? same_time : &st;
  }
  return same_time;
}

std::string open_incident_id(const nlohmann::json& status) {
  const auto* state = json_at(status, "incident.state");
  if (!state || !state->is_string() || state->get<std::string>() != "open") return "";
  const auto* id = json_at(status, "incident.id");
  return id && id->is_string() ? id->get<std::string>() : "(open)";
}

std::string incident_of(const RunRecord& run, const AlertRecord& a) {
  const auto* st = snapshot_for(run, a.at);
  if (!st) return "";
  if (a.subject.find("RESOLVED") != std::string::npos) {
    const auto* id = json_at(*st, "incident.last_resolved.id");
    return id && id->is_string() ? id->get<std::string>() : "";
  }
  return open_incident_id(*st);
}

std::vector<IncidentSpan> incident_spans(const Scenario& s, const RunRecord& run) {
  std::map<std::string, IncidentSpan> spans;
  auto note = [&](const nlohmann::json* inc, bool resolved) {
    if (!inc || !inc->is_object() || !inc->contains("id") || !(*inc)["id"].is_string()) return;
    IncidentSpan& span = spans[(*inc)["id"].get<std::string>()];
    span.id = (*inc)["id"].get<std::string>();
    journal_offset(*inc, "opened_at", s, &span.opened);
    Millis at;
    if (resolved && journal_offset(*inc, "resolved_at", s, &at)) span.resolved = at;
  };
  for (const auto& [t, st] : run.statuses) {
    if (!open_incident_id(st).empty()) note(json_at(st, "incident"), false);
    note(json_at(st, "incident.last_resolved"), true);
  }
  std::vector<IncidentSpan> out;
  for (auto& [id, span] : spans) out.push_back(std::move(span));
  std::sort(out.begin(), out.end(), [](const IncidentSpan& a, const IncidentSpan& b) { return a.opened < b.opened; });
  return out;
}

AlertFacts alert_facts(const Scenario& s, const AlertRecord& a) {
  AlertFacts f;
  auto at = [&](const std::string& iso) {
    WallTime t;
    if (parse_iso8601(iso, &t)) f.raised = std::chrono::duration_cast<Millis>(t - s.start_at);
  };
  // The alert's plain text: "Name: value" lines (router/core/alert_messages.cpp).
  auto read_fields = [&](const std::string& text) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Time: ", 0) == 0 && !f.raised) at(line.substr(6));
      if (line.rfind("Incident: ", 0) == 0 && f.incident.empty()) f.incident = line.substr(10);
      if (line.rfind("Provider: ", 0) == 0 && f.provider.empty()) f.provider = line.substr(10);
      if (line.rfind("Key ID: ", 0) == 0 && f.key == 0) {
        auto k = line.find(" Key ", 7);
        if (k != std::string::npos) f.key = std::atoi(line.c_str() + k + 5);
      }
    }
  };
  if (a.channel == "webhook") {
    auto j = nlohmann::json::parse(a.text, nullptr, false);
    if (!j.is_object()) return f;
    if (j.contains("body") && j["body"].is_string()) read_fields(j["body"].get<std::string>());
    if (j.contains("created_at") && j["created_at"].is_string()) {
      f.raised.reset();
      at(j["created_at"].get<std::string>());
    }
    if (j.contains("incident_id") && j["incident_id"].is_string()) f.incident = j["incident_id"].get<std::string>();
  } else if (a.channel == "email") {
    read_fields(a.text);
  }
  return f;
}

std::vector<KeyAnswer> key_answers(const Scenario& s, const RunRecord& run) {
  std::vector<KeyAnswer> out;
  for (const auto& j : run.router_journal) {
    std::string type = j.value("type", "");
    bool ok = type == "key_validated" || type == "key_recovered" ||
              ((type == "attempt" || type == "validation") && j.value("class", "") == "ok");
    Millis at;
    if (ok && journal_offset(j, "time", s, &at)) out.push_back({j.value("provider", ""), j.value("key_id", 0), at});
  }
  for (const auto& c : run.calls)
    if (c.status == 200) out.push_back({c.provider, c.key_index, c.at});
  return out;
}

namespace {

bool is_secret_name(const std::string& name) {
  if (name.find("_EXPIRES") != std::string::npos) return false;
  return name.find("API_KEY") != std::string::npos || name.find("TOKEN") != std::string::npos ||
         name.find("PASSWORD") != std::string::npos;
}

}  // namespace

std::set<std::string> raw_secrets(const Scenario& s) {
  std::set<std::string> out;
  auto add = [&](const std::string& k) {
    if (k.size() >= 8 && k.find_first_of(" \t") == std::string::npos) out.insert(k);
  };
  for (const auto& [name, entry] : parse_env(s.env, ".env").entries)
    if (is_secret_name(name)) add(entry.value);
  for (const auto& e : s.timeline) {
    for (const auto& [name, value] : e.env_edits)
      if (value && is_secret_name(name)) add(*value);
    if (!e.key.empty()) add(e.key);
  }
  for (const auto& p : s.world.providers)
    for (const auto& [key, spec] : p.keys) add(key);
  return out;
}

}  // namespace keyward::scenarios
