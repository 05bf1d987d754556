#pragma once
// The words of every alert: subjects, plain-text and HTML bodies, the short
// Telegram form. Pure functions of configuration, events and verdicts, so the
// wording is tested without any delivery. Provider error text is untrusted:
// every builder passes it through one_line() and the escapers of base/escape.h.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/core/alert_outbox.h"
#include "router/core/config.h"
#include "router/core/events.h"
#include "router/core/routing.h"

namespace keyward {

// Untrusted text made safe for one line: CR, LF and tabs become spaces, other
// control characters (C0, DEL) are dropped, the result is cut to `max_bytes`
// on a UTF-8 boundary. Subjects go through this, so "\r\nBcc: x@y" injects
// nothing.
std::string one_line(std::string_view text, size_t max_bytes = 400);

// "kw-<16 hex>": FNV-1a 64 of scope, kind and subject. `scope` is the incident
// id, or for alerts outside an incident the episode ("groq#1@<ISO time>") or
// the day ("2025-11-18"), so one event never yields two ids and two events
// never share one.
std::string make_alert_id(const std::string& scope, AlertKind kind, const std::string& dedup_subject);

// "Groq Key 1".
std::string key_label(const ProviderConfig& p, int key_index);
// "authentication failed", "quota exhausted", ...
const char* error_class_phrase(ErrorClass c);

nlohmann::json alert_to_json(const Alert& a);
// False (and *out untouched) on a malformed document.
bool alert_from_json(const nlohmann::json& j, Alert* out);

// One key's state as listed in provider-level and recovery messages.
struct KeyStatusLine {
  int index = 0;
  std::string masked;
  ErrorClass cls = ErrorClass::ok;
  int status = 0;
  std::string message;  // untrusted
};

// How one provider came back, for the resolved message.
struct ProviderRecovery {
  std::string display_name;
  int keys_total = 0;
  int operational = 0;  // proven by a call or a validation ping since the incident
  int failing = 0;      // still quarantined / exhausted
  int unchecked() const { return keys_total - operational - failing; }
};

// ❌ Groq Key 1 Authentication Failed. `has_backup`: another usable key exists.
Alert build_key_auth_failed(const ProviderConfig& p, const PoolEvent& e, bool has_backup, const std::string& scope);
// ⚠️ Groq Key 2 Quota Exhausted.
Alert build_quota_exhausted(const ProviderConfig& p, const PoolEvent& e, bool has_backup, const std::string& scope);
// 🚨 CRITICAL: All Groq Keys Failed! `fallback`: display name of the provider
// traffic went to, or "" for none.
Alert build_provider_all_keys_failed(const ProviderConfig& p, const std::vector<KeyStatusLine>& keys,
                                     const std::string& fallback, WallTime at, const std::string& scope);
// ⚠️ Groq Outage: Provider Ejected.
Alert build_provider_outage(const ProviderConfig& p, const PoolEvent& e, const std::string& fallback,
                            const std::string& scope);
// 🚨 EMERGENCY: All AI Keys Failed! (email, Telegram, webhook).
Alert build_emergency(const RouterConfig& config, const Verdict& v, const std::string& incident_id, WallTime at);
// 🚨 REMINDER: the emergency is still open (n-th reminder).
Alert build_reminder(const RouterConfig& config, const IncidentRecord& incident, int n, WallTime at);
// ✅ RESOLVED: All AI Keys Restored, with the recovery timeline.
Alert build_resolved(const RouterConfig& config, const IncidentRecord& incident,
                     const std::vector<ProviderRecovery>& status, WallTime at);
// ⏰ Groq Key 1 Expires on 2025-11-25.
Alert build_key_expiring(const ProviderConfig& p, const KeyConfig& k, WallTime now);

// 🚨 Keyward incident store was corrupt: moved aside (every channel). `reason`:
// what SQLite said (quick_check).
Alert build_store_corrupt(const std::string& path, const std::string& moved_to, const std::string& reason,
                          WallTime now);

// One key's result in a health check (start-up, daily 06:00, `keyward keys check`).
struct KeyCheckResult {
  std::string provider;  // "groq"
  int key_index = 0;
  std::string masked;
  ErrorClass cls = ErrorClass::ok;
  int status = 0;
  std::string message;  // untrusted
};
// 🩺 Key Health Check: 2 of 6 Keys Failed; nullopt when every key passed.
std::optional<Alert> build_health_check_failed(const RouterConfig& config, const std::vector<KeyCheckResult>& results,
                                               WallTime now);

// "~15 minutes".
std::string downtime_text(Millis d);

}  // namespace keyward
