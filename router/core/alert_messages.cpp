#include "router/core/alert_messages.h"

#include <cstdint>
#include <cstdio>
#include <set>

#include "base/escape.h"
#include "base/fnv1a.h"
#include "base/utc_time.h"
#include "base/utf8.h"

namespace keyward {

// ------------------------------------------------------------ enum names ----

const char* to_string(AlertKind k) {
  switch (k) {
    case AlertKind::key_auth_failed: return "key_auth_failed";
    case AlertKind::provider_all_keys_failed: return "provider_all_keys_failed";
    case AlertKind::all_providers_failed: return "all_providers_failed";
    case AlertKind::quota_exhausted: return "quota_exhausted";
    case AlertKind::provider_outage: return "provider_outage";
    case AlertKind::key_expiring: return "key_expiring";
    case AlertKind::health_check_failed: return "health_check_failed";
    case AlertKind::resolved: return "resolved";
    case AlertKind::store_corrupt: return "store_corrupt";
  }
  return "?";
}

bool parse_alert_kind(const std::string& s, AlertKind* out) {
  for (auto k : {AlertKind::key_auth_failed, AlertKind::provider_all_keys_failed, AlertKind::all_providers_failed,
                 AlertKind::quota_exhausted, AlertKind::provider_outage, AlertKind::key_expiring,
                 AlertKind::health_check_failed, AlertKind::resolved, AlertKind::store_corrupt}) {
    if (s == to_string(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

const char* to_string(AlertSeverity s) {
  switch (s) {
    case AlertSeverity::info: return "info";
    case AlertSeverity::warning: return "warning";
    case AlertSeverity::high: return "high";
    case AlertSeverity::critical: return "critical";
    case AlertSeverity::emergency: return "emergency";
  }
  return "?";
}

bool parse_alert_severity(const std::string& s, AlertSeverity* out) {
  for (auto v : {AlertSeverity::info, AlertSeverity::warning, AlertSeverity::high, AlertSeverity::critical,
                 AlertSeverity::emergency}) {
    if (s == to_string(v)) {
      *out = v;
      return true;
    }
  }
  return false;
}

const char* to_string(Channel c) {
  switch (c) {
    case channel_email: return "email";
    case channel_telegram: return "telegram";
    case channel_webhook: return "webhook";
  }
  return "?";
}

bool parse_channel(const std::string& s, Channel* out) {
  for (auto c : {channel_email, channel_telegram, channel_webhook}) {
    if (s == to_string(c)) {
      *out = c;
      return true;
    }
  }
  return false;
}

// ------------------------------------------------------- untrusted text ----

std::string one_line(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (char ch : text) {
    auto u = static_cast<unsigned char>(ch);
    if (ch == '\r' || ch == '\n' || ch == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (u < 0x20 || u == 0x7f) {
      continue;
    } else {
      out += ch;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return utf8_truncate(out, max_bytes);
}

std::string make_alert_id(const std::string& scope, AlertKind kind, const std::string& dedup_subject) {
  // Each part ends with a separator byte, so ("ab","c") and ("a","bc") differ.
  constexpr std::string_view kSeparator("\x1f", 1);
  uint64_t h = kFnv1aOffsetBasis;
  for (std::string_view part : {std::string_view(scope), std::string_view(to_string(kind)),
                                std::string_view(dedup_subject)})
    h = fnv1a64(kSeparator, fnv1a64(part, h));
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string("kw-") + buf;
}

std::string key_label(const ProviderConfig& p, int key_index) {
  return p.display_name + " Key " + std::to_string(key_index);
}

const char* error_class_phrase(ErrorClass c) {
  switch (c) {
    case ErrorClass::ok: return "ok";
    case ErrorClass::auth: return "authentication failed";
    case ErrorClass::quota_exhausted: return "quota exhausted";
    case ErrorClass::rate_limited: return "rate limited";
    case ErrorClass::provider_outage: return "provider outage";
    case ErrorClass::network: return "network failure";
    case ErrorClass::request_error: return "request rejected";
    case ErrorClass::cancelled: return "cancelled by the caller";
  }
  return "?";
}

// Approximate by design ("~"), so rounded to the nearest minute: 14 min 45 s
// of downtime reads "~15 minutes", not "~14 minutes".
std::string downtime_text(Millis d) {
  if (d >= std::chrono::minutes(1)) d = std::chrono::round<std::chrono::minutes>(d);
  return "~" + human_duration(d);
}

// ----------------------------------------------------------- JSON form ----

nlohmann::json alert_to_json(const Alert& a) {
  nlohmann::json channels = nlohmann::json::array();
  for (auto c : {channel_email, channel_telegram, channel_webhook})
    if (a.channels & c) channels.push_back(to_string(c));
  return {{"id", a.id},
          {"incident_id", a.incident_id},
          {"kind", to_string(a.kind)},
          {"severity", to_string(a.severity)},
          {"dedup_subject", a.dedup_subject},
          {"subject", a.subject},
          {"text", a.text},
          {"html", a.html},
          {"telegram", a.telegram},
          {"channels", channels},
          {"created_at", format_iso8601(a.created_at)},
          {"created_at_ms", a.created_at.time_since_epoch().count()}};
}

bool alert_from_json(const nlohmann::json& j, Alert* out) {
  if (!j.is_object()) return false;
  Alert a;
  auto str = [&](const char* k, std::string* s) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return false;
    *s = it->get<std::string>();
    return true;
  };
  std::string kind, severity;
  if (!str("id", &a.id) || !str("kind", &kind) || !str("severity", &severity) || !str("subject", &a.subject) ||
      !str("text", &a.text))
    return false;
  if (!parse_alert_kind(kind, &a.kind) || !parse_alert_severity(severity, &a.severity)) return false;
  str("incident_id", &a.incident_id);
  str("dedup_subject", &a.dedup_subject);
  str("html", &a.html);
  str("telegram", &a.telegram);
  if (auto it = j.find("channels"); it != j.end() && it->is_array()) {
    for (const auto& c : *it) {
      Channel ch;
      if (c.is_string() && parse_channel(c.get<std::string>(), &ch)) a.channels |= ch;
    }
  }
  if (auto it = j.find("created_at_ms"); it != j.end() && it->is_number_integer())
    a.created_at = WallTime(Millis(it->get<int64_t>()));
  *out = std::move(a);
  return true;
}

// ------------------------------------------------------------- documents ----

namespace {

// One message, written once and rendered twice (plain text and HTML), so the
// two bodies can never disagree. Every string handed in is already one_line()d
// where it came from an untrusted source; HTML escaping happens here.
class Doc {
 public:
  explicit Doc(std::string title) : title_(std::move(title)) {}
  // Only these exact URLs become links in HTML (dashboards from config, not
  // anything a provider wrote into an error message).
  void allow_link(const std::string& url) {
    if (!url.empty()) links_.insert(url);
  }
  void field(std::string name, std::string value) { blocks_.push_back({Block::field, std::move(name), {std::move(value)}}); }
  void para(std::string text) { blocks_.push_back({Block::para, "", {std::move(text)}}); }
  void numbered(std::string heading, std::vector<std::string> items) {
    blocks_.push_back({Block::numbered, std::move(heading), std::move(items)});
  }
  void bullets(std::string heading, std::vector<std::string> items) {
    blocks_.push_back({Block::bullets, std::move(heading), std::move(items)});
  }

  std::string text() const {
    std::string out = title_ + "\n" + std::string(title_.size() > 60 ? 60 : title_.size(), '=') + "\n";
    Block::Kind prev = Block::para;
    bool first = true;
    for (const auto& b : blocks_) {
      if (!first && !(b.kind == Block::field && prev == Block::field)) out += "\n";
      first = false;
      prev = b.kind;
      switch (b.kind) {
        case Block::field: out += b.heading + ": " + b.items[0] + "\n"; break;
        case Block::para: out += b.items[0] + "\n"; break;
        case Block::numbered:
        case Block::bullets:
          if (!b.heading.empty()) out += b.heading + "\n";
          for (size_t i = 0; i < b.items.size(); ++i)
            out += (b.kind == Block::numbered ? std::to_string(i + 1) + ". " : std::string("- ")) + b.items[i] + "\n";
          break;
      }
    }
    return out;
  }

  std::string html() const {
    std::string out =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html_escape(title_) +
        "</title></head><body style=\"font-family:sans-serif\"><h2>" + html_escape(title_) + "</h2>\n";
    bool in_table = false;
    for (const auto& b : blocks_) {
      if (b.kind != Block::field && in_table) {
        out += "</table>\n";
        in_table = false;
      }
      switch (b.kind) {
        case Block::field:
          if (!in_table) out += "<table>\n";
          in_table = true;
          out += "<tr><th align=\"left\">" + html_escape(b.heading) + "</th><td>" + linked(b.items[0]) + "</td></tr>\n";
          break;
        case Block::para: out += "<p>" + linked(b.items[0]) + "</p>\n"; break;
        case Block::numbered:
        case Block::bullets: {
          if (!b.heading.empty()) out += "<p><b>" + html_escape(b.heading) + "</b></p>\n";
          const char* tag = b.kind == Block::numbered ? "ol" : "ul";
          out += std::string("<") + tag + ">\n";
          for (const auto& item : b.items) out += "<li>" + linked(item) + "</li>\n";
          out += std::string("</") + tag + ">\n";
          break;
        }
      }
    }
    if (in_table) out += "</table>\n";
    out += "</body></html>\n";
    return out;
  }

 private:
  struct Block {
    enum Kind { field, para, numbered, bullets } kind;
    std::string heading;
    std::vector<std::string> items;
  };
  // Escapes `s`, turning allowed URLs into links.
  std::string linked(const std::string& s) const {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
      size_t best = std::string::npos;
      const std::string* url = nullptr;
      for (const auto& u : links_) {
        size_t at = s.find(u, i);
        if (at != std::string::npos && (at < best || (at == best && u.size() > url->size()))) best = at, url = &u;
      }
      if (!url) break;
      out += html_escape(s.substr(i, best - i));
      out += "<a href=\"" + html_escape(*url) + "\">" + html_escape(*url) + "</a>";
      i = best + url->size();
    }
    out += html_escape(s.substr(std::min(i, s.size())));
    return out;
  }

  std::string title_;
  std::vector<Block> blocks_;
  std::set<std::string> links_;
};

Alert finish(Doc& doc, AlertKind kind, AlertSeverity sev, const std::string& scope, const std::string& dedup_subject,
             const std::string& subject, unsigned channels, WallTime at) {
  Alert a;
  a.id = make_alert_id(scope, kind, dedup_subject);
  a.kind = kind;
  a.severity = sev;
  a.dedup_subject = dedup_subject;
  a.subject = one_line(subject, 200);
  a.text = doc.text();
  a.html = doc.html();
  a.channels = channels;
  a.created_at = at;
  return a;
}

std::string env_key_name(const ProviderConfig& p, int index) {
  return p.env_prefix + "_API_KEY_" + std::to_string(index);
}

std::string with_status(const std::string& message, int status) {
  std::string m = message.empty() ? "(no error text)" : one_line(message);
  if (status > 0) m += " (HTTP " + std::to_string(status) + ")";
  return m;
}

const char* reload_hint() { return "POST /admin/reload with the admin token, or SIGHUP"; }

std::string keys_word(int n) { return n == 1 ? "key" : "keys"; }

}  // namespace

// ------------------------------------------------------------- per key ----

Alert build_key_auth_failed(const ProviderConfig& p, const PoolEvent& e, bool has_backup, const std::string& scope) {
  Doc d("API Key Authentication Failure");
  d.allow_link(p.dashboard_url);
  d.field("Provider", p.display_name);
  d.field("Key ID", key_label(p, e.key_index) + " (" + e.masked_key + ", " + env_key_name(p, e.key_index) + ")");
  d.field("Error", with_status(e.message, e.status));
  d.field("Time", format_iso8601(e.at));
  d.numbered("Action Required:",
             {"Check if the key is expired.",
              "Verify the key in the " + p.display_name + " dashboard: " + p.dashboard_url,
              "Update .env (" + env_key_name(p, e.key_index) + ") with a new key if needed.",
              std::string("Restart the platform after the update (or reload without downtime: ") + reload_hint() + ")."});
  Millis length = e.until ? std::chrono::duration_cast<Millis>(*e.until - e.at) : Millis(0);
  d.para("Key has been quarantined for " + human_duration(length) + ". " +
         (has_backup ? "Requests are being routed to backup keys."
                     : "No backup key is usable right now: requests get a cached or emergency answer."));
  return finish(d, AlertKind::key_auth_failed, AlertSeverity::high, scope, p.name + "#" + std::to_string(e.key_index),
                "❌ " + key_label(p, e.key_index) + " Authentication Failed", channel_email | channel_webhook, e.at);
}

Alert build_quota_exhausted(const ProviderConfig& p, const PoolEvent& e, bool has_backup, const std::string& scope) {
  Doc d("API Key Quota Exhausted");
  d.allow_link(p.dashboard_url);
  d.field("Provider", p.display_name);
  d.field("Key ID", key_label(p, e.key_index) + " (" + e.masked_key + ")");
  d.field("Error", with_status(e.message, e.status));
  d.field("Time", format_iso8601(e.at));
  if (e.until) d.field("Usable again", format_iso8601(*e.until));
  d.para("This is not an authentication problem: the key is valid but has used its quota. It is skipped (not "
         "quarantined) until the quota resets and recovers by itself.");
  d.numbered("What you can do:", {"Wait for the reset, or add a backup key to .env and reload.",
                                  "Check usage and limits in the " + p.display_name + " dashboard: " + p.dashboard_url});
  d.para(has_backup ? "Requests are being routed to backup keys."
                    : "No backup key is usable right now: requests get a cached or emergency answer.");
  return finish(d, AlertKind::quota_exhausted, AlertSeverity::warning, scope,
                p.name + "#" + std::to_string(e.key_index),
                "⚠️ " + key_label(p, e.key_index) + " Quota Exhausted", channel_email | channel_webhook, e.at);
}

// ------------------------------------------------------------ provider ----

Alert build_provider_all_keys_failed(const ProviderConfig& p, const std::vector<KeyStatusLine>& keys,
                                     const std::string& fallback, WallTime at, const std::string& scope) {
  Doc d("All " + p.display_name + " Keys Failed");
  d.allow_link(p.dashboard_url);
  int auth = 0, quota = 0;
  std::vector<std::string> lines;
  for (const auto& k : keys) {
    auth += k.cls == ErrorClass::auth;
    quota += k.cls == ErrorClass::quota_exhausted;
    lines.push_back(key_label(p, k.index) + " (" + k.masked + "): " + error_class_phrase(k.cls) + " - " +
                    with_status(k.message, k.status));
  }
  int n = static_cast<int>(keys.size());
  d.field("Provider", p.display_name);
  d.field("Time", format_iso8601(at));
  d.field("Failed keys", std::to_string(n) + "/" + std::to_string(n));
  d.bullets("Failed keys:", lines);
  if (auth == n) {
    d.bullets("What it suggests (every key failed authentication):",
              {"the keys were regenerated in the " + p.display_name + " dashboard and .env still has the old ones;",
               "the account is suspended (e.g. a payment issue);", "provider issues at " + p.display_name + "."});
  } else if (quota == n) {
    d.bullets("What it suggests:", {"every key has used its quota; quotas reset by themselves (usually midnight UTC)."});
  } else {
    d.bullets("What it suggests:",
              {"the keys failed for different reasons (see each key above); fix the authentication failures first."});
  }
  d.numbered("Immediate actions:",
             {"Check the " + p.display_name + " dashboard: " + p.dashboard_url,
              "Verify the account status (billing, suspension).", "Generate new keys.",
              "Update .env (" + p.env_prefix + "_API_KEY_1" + (n > 1 ? ".." + std::to_string(n) : std::string()) + ").",
              std::string("Restart the platform (or reload without downtime: ") + reload_hint() + ")."});
  d.para(fallback.empty() ? "No other provider has a usable key: the platform is in emergency mode."
                          : "System has fallen back to " + fallback + ".");
  return finish(d, AlertKind::provider_all_keys_failed, AlertSeverity::critical, scope, p.name,
                "🚨 CRITICAL: All " + p.display_name + " Keys Failed!", channel_email | channel_webhook, at);
}

Alert build_provider_outage(const ProviderConfig& p, const PoolEvent& e, const std::string& fallback,
                            const std::string& scope) {
  Doc d(p.display_name + " Provider Outage");
  d.field("Provider", p.display_name);
  d.field("Cause", std::string(error_class_phrase(e.cls)) + " - " + with_status(e.message, e.status));
  d.field("Time", format_iso8601(e.at));
  if (e.until) d.field("Ejected until", format_iso8601(*e.until));
  d.para("Consecutive " + std::string(error_class_phrase(e.cls)) + " errors: the provider is failing, not its keys. "
         "Its keys are NOT quarantined and need no change; the provider is skipped for a while and retried "
         "automatically.");
  d.para(fallback.empty() ? "No other provider has a usable key: the platform is in emergency mode."
                          : "Requests are being routed to " + fallback + ".");
  return finish(d, AlertKind::provider_outage, AlertSeverity::high, scope, p.name,
                "⚠️ " + p.display_name + " Outage: Provider Temporarily Ejected", channel_email | channel_webhook, e.at);
}

// ----------------------------------------------------------- emergency ----

namespace {

std::string count_line(const ProviderVerdict& pv) {
  return pv.display_name + ": " + std::to_string(pv.failed()) + "/" + std::to_string(pv.keys_total) + " " +
         keys_word(pv.keys_total);
}

// Root cause from the classifier's verdict, never guessed.
std::vector<std::string> root_cause(const Verdict& v) {
  switch (v.cause) {
    case EmergencyCause::all_authentication_failed:
      return {"All failures are authentication errors (invalid or expired keys, HTTP 401/400/403).",
              "Likely: the keys were regenerated or expired at the providers, the accounts are suspended, or "
              "the wrong keys are in .env (e.g. after a deployment).",
              "It is not a quota problem and not a provider outage: it will not fix itself; the keys must be "
              "replaced."};
    case EmergencyCause::all_quota_exhausted:
      return {"Every key has used its quota (HTTP 429, quota exceeded).",
              "This recovers by itself when the quotas reset (usually midnight UTC); add keys or raise limits "
              "to recover sooner. The keys are valid: do not replace them."};
    case EmergencyCause::all_providers_unavailable:
      return {"Every provider is failing on its side (outage, network errors or rate limits).",
              "The keys are fine: do not replace them. Requests are retried automatically as providers come back."};
    case EmergencyCause::all_providers_failed: break;
  }
  std::vector<std::string> out{"The providers failed for different reasons:"};
  for (const auto& pv : v.providers) {
    if (pv.keys_total == 0) continue;
    out.push_back(pv.display_name + ": " + error_class_phrase(pv.cause));
  }
  return out;
}

const char* telegram_headline(EmergencyCause c) {
  switch (c) {
    case EmergencyCause::all_authentication_failed: return "All AI providers authentication failed!";
    case EmergencyCause::all_quota_exhausted: return "All AI keys have used their quota!";
    case EmergencyCause::all_providers_unavailable: return "All AI providers are unavailable!";
    case EmergencyCause::all_providers_failed: return "All AI providers failed!";
  }
  return "All AI providers failed!";
}

std::string emergency_subject(EmergencyCause c) {
  return c == EmergencyCause::all_providers_unavailable ? "🚨 EMERGENCY: All AI Providers Unavailable!"
                                                        : "🚨 EMERGENCY: All AI Keys Failed!";
}

void actions_for_all(Doc& d, const RouterConfig& config, EmergencyCause cause) {
  std::vector<std::string> dashboards;
  for (const auto& p : config.providers) {
    d.allow_link(p.dashboard_url);
    dashboards.push_back(p.display_name + ": " + p.dashboard_url);
  }
  d.bullets("Provider dashboards:", dashboards);
  std::vector<std::string> steps;
  if (cause == EmergencyCause::all_quota_exhausted) {
    steps = {"Check usage and limits in each provider dashboard (above).",
             "Wait for the quota reset, or add keys with free quota to .env.",
             std::string("Apply the change without downtime: ") + reload_hint() + " (or restart the platform)."};
  } else if (cause == EmergencyCause::all_providers_unavailable) {
    steps = {"Check each provider's status page and your network (DNS, proxy, firewall).",
             "Do not replace the keys: they are not the problem."};
  } else {
    steps = {"Check each provider dashboard (above): are the keys still listed, or were they regenerated?",
             "Verify the account status (billing, suspension) with each provider.",
             "Generate new keys where needed.", "Update .env with the new keys.",
             std::string("Apply the change without downtime: ") + reload_hint() + " (or restart the platform)."};
  }
  steps.push_back(
      "Run `keyward keys check`, then test with a simple request to verify: curl -X POST "
      "http://localhost:5000/api/ai/chat -H 'Content-Type: application/json' -d '{\"message\": \"test\"}'");
  d.numbered("Immediate actions:", steps);
}

}  // namespace

Alert build_emergency(const RouterConfig& config, const Verdict& v, const std::string& incident_id, WallTime at) {
  Doc d("EMERGENCY: All AI Keys Failed");
  d.field("Status", "Platform AI is completely unavailable");
  d.field("Time", format_iso8601(at));
  d.field("Incident", incident_id);
  d.field("Cause", to_string(v.cause));
  std::vector<std::string> failed;
  for (const auto& pv : v.providers) {
    std::string line = count_line(pv) + " failed";
    if (pv.keys_total > 0) line += std::string(" (") + error_class_phrase(pv.cause) + ")";
    if (!pv.last_error.empty()) line += " - \"" + one_line(pv.last_error) + "\"";
    if (pv.ejected) line += " [provider ejected]";
    failed.push_back(line);
  }
  d.bullets("Failed providers:", failed);
  std::vector<std::string> analysis = root_cause(v);
  for (const auto& pv : v.providers)
    if (!pv.diagnosis.empty()) analysis.push_back(one_line(pv.diagnosis));
  d.bullets("Root cause analysis:", analysis);
  std::string retry = v.retry_at ? " Clients are told to retry after " + human_duration(std::max(Millis(0), *v.retry_at - at)) + "." : "";
  d.bullets("Impact:", {"Every AI request fails over to a cached answer where one exists, otherwise to the "
                        "emergency answer (HTTP 503, retryable)." + retry,
                        "Users see \"AI Service Temporarily Unavailable\"."});
  actions_for_all(d, config, v.cause);
  Alert a = finish(d, AlertKind::all_providers_failed, AlertSeverity::emergency, incident_id, "all",
                   emergency_subject(v.cause), kAllChannels, at);
  a.incident_id = incident_id;
  std::string tg = "🚨 <b>EMERGENCY ALERT</b>\n" + html_text_escape(telegram_headline(v.cause)) + "\n";
  for (const auto& pv : v.providers) tg += html_text_escape(count_line(pv)) + " ❌\n";
  tg += "Platform AI is completely down.\nCheck your email for details.";
  a.telegram = tg;
  return a;
}

Alert build_reminder(const RouterConfig& config, const IncidentRecord& inc, int n, WallTime at) {
  std::string open_for = human_duration(std::chrono::duration_cast<Millis>(at - inc.opened_at));
  Doc d("REMINDER: AI Emergency Still Open");
  d.field("Status", "Platform AI is still unavailable");
  d.field("Incident", inc.id);
  d.field("Open since", format_iso8601(inc.opened_at) + " (" + open_for + ")");
  d.field("Cause", inc.cause);
  std::vector<std::string> lines;
  std::string tg = "🚨 <b>STILL DOWN</b> (" + html_text_escape(open_for) + ")\n";
  for (const auto& p : inc.providers) {
    std::string line = p.display_name + ": " + std::to_string(p.keys_failed) + "/" + std::to_string(p.keys_total) +
                       " " + keys_word(p.keys_total);
    tg += html_text_escape(line) + " ❌\n";
    if (!p.last_error.empty()) line += " - \"" + one_line(p.last_error) + "\"";
    lines.push_back(line);
  }
  d.bullets("Failed providers:", lines);
  if (!inc.diagnosis.empty()) d.para(one_line(inc.diagnosis));
  EmergencyCause cause = EmergencyCause::all_providers_failed;
  if (inc.cause == "all_authentication_failed") cause = EmergencyCause::all_authentication_failed;
  if (inc.cause == "all_quota_exhausted") cause = EmergencyCause::all_quota_exhausted;
  if (inc.cause == "all_providers_unavailable") cause = EmergencyCause::all_providers_unavailable;
  actions_for_all(d, config, cause);
  Alert a = finish(d, AlertKind::all_providers_failed, AlertSeverity::emergency, inc.id,
                   "reminder#" + std::to_string(n), "🚨 REMINDER: AI Still Down (" + open_for + ")", kAllChannels, at);
  a.incident_id = inc.id;
  a.telegram = tg + "Check your email for details.";
  return a;
}

Alert build_resolved(const RouterConfig& config, const IncidentRecord& inc, const std::vector<ProviderRecovery>& status,
                     WallTime at) {
  (void)config;
  WallTime recovered = inc.recovered_at.value_or(at);
  std::string downtime = downtime_text(std::chrono::duration_cast<Millis>(recovered - inc.opened_at));
  Doc d("RESOLVED: All AI Keys Restored");
  d.field("Status", "Platform AI is operational again");
  d.field("Incident", inc.id);
  std::vector<std::string> lines;
  std::string tg = "✅ <b>RESOLVED</b>\nAll AI keys restored.\n";
  for (const auto& s : status) {
    std::string line = s.display_name + ": " + std::to_string(s.operational) + " " + keys_word(s.operational) +
                       " operational";
    if (s.failing > 0) line += ", " + std::to_string(s.failing) + " still failing";
    if (s.unchecked() > 0) line += ", " + std::to_string(s.unchecked()) + " not checked yet";
    lines.push_back(line);
    tg += html_text_escape(s.display_name + ": " + std::to_string(s.operational) + "/" +
                          std::to_string(s.keys_total) + " " + keys_word(s.keys_total)) +
          (s.operational > 0 ? " ✅\n" : " ❌\n");
  }
  d.bullets("Status per provider:", lines);
  auto when = [](const std::optional<WallTime>& t) { return t ? format_iso8601(*t) : std::string("not recorded"); };
  d.bullets("Recovery timeline:", {"Issue detected: " + format_iso8601(inc.opened_at),
                                   "Keys updated: " + when(inc.keys_updated_at),
                                   "Platform restarted: " + when(inc.restarted_at),
                                   "Full recovery: " + format_iso8601(recovered),
                                   "Total downtime: " + downtime});
  d.para("Alerts sent during the incident: " + std::to_string(inc.alerts_sent) + ".");
  Alert a = finish(d, AlertKind::resolved, AlertSeverity::info, inc.id, "all", "✅ RESOLVED: All AI Keys Restored",
                   kAllChannels, at);
  a.incident_id = inc.id;
  a.telegram = tg + "Total downtime: " + html_text_escape(downtime) + ".";
  return a;
}

// ------------------------------------------------------------ schedules ----

namespace {
std::string day_of(WallTime t) { return format_iso8601(t).substr(0, 10); }
}  // namespace

Alert build_key_expiring(const ProviderConfig& p, const KeyConfig& k, WallTime now) {
  WallTime expires = k.expires.value_or(now);
  std::string date = day_of(expires);
  bool expired = expires <= now;
  auto left = std::chrono::duration_cast<Millis>(expires - now);
  Doc d(expired ? "API Key Expired" : "API Key Expires Soon");
  d.allow_link(p.dashboard_url);
  d.field("Provider", p.display_name);
  d.field("Key ID", key_label(p, k.index) + " (" + k.masked() + ", " + k.env_name + ")");
  auto days = left / Millis(24LL * 60 * 60'000);
  std::string in = days >= 1 ? std::to_string(days) + (days == 1 ? " day" : " days") : human_duration(left);
  d.field("Expires", date + (expired ? " (already expired)" : " (in " + in + ")"));
  d.field("Time", format_iso8601(now));
  d.numbered("Action Required:",
             {"Create a new key in the " + p.display_name + " dashboard: " + p.dashboard_url,
              "Add it to .env (" + k.env_name + ", and " + k.env_name + "_EXPIRES=YYYY-MM-DD).",
              std::string("Apply the change without downtime: ") + reload_hint() + ".",
              "Run `keyward keys check` to verify, then delete the old key at the provider."});
  return finish(d, AlertKind::key_expiring, expired ? AlertSeverity::high : AlertSeverity::warning,
                "day-" + day_of(now), p.name + "#" + std::to_string(k.index),
                "⏰ " + key_label(p, k.index) + (expired ? " Expired on " : " Expires on ") + date,
                channel_email | channel_webhook, now);
}

Alert build_store_corrupt(const std::string& path, const std::string& moved_to, const std::string& reason,
                          WallTime now) {
  Doc d("Incident Store Was Corrupt");
  d.para("The incident store was corrupt; moved aside to " + one_line(moved_to) +
         "; open incidents were lost. A fresh store was created and alerting goes on.");
  d.field("Store", one_line(path));
  d.field("Moved aside to", one_line(moved_to));
  d.field("What SQLite said", one_line(reason));
  d.field("Time", format_iso8601(now));
  d.numbered("Action Required:",
             {"Check the disk and the file system that hold the store (dmesg, SMART, free space).",
              "Keep the moved-aside file for inspection (sqlite3 FILE 'PRAGMA integrity_check').",
              "Look at /api/status and the dashboard: an incident that was open before is not shown any more; "
              "it opens again on the next failure."});
  return finish(d, AlertKind::store_corrupt, AlertSeverity::critical, "store-" + format_iso8601(now), path,
                "🚨 Keyward incident store was corrupt: moved aside", kAllChannels, now);
}

std::optional<Alert> build_health_check_failed(const RouterConfig& config, const std::vector<KeyCheckResult>& results,
                                               WallTime now) {
  std::vector<std::string> failed;
  for (const auto& r : results) {
    if (r.cls == ErrorClass::ok) continue;
    const ProviderConfig* p = config.find(r.provider);
    std::string label = p ? key_label(*p, r.key_index) : r.provider + " key " + std::to_string(r.key_index);
    failed.push_back(label + " (" + r.masked + "): " + error_class_phrase(r.cls) + " - " +
                     with_status(r.message, r.status));
  }
  if (failed.empty()) return std::nullopt;
  std::string counts = std::to_string(failed.size()) + " of " + std::to_string(results.size());
  Doc d("Daily Key Health Check Failed");
  d.field("Time", format_iso8601(now));
  d.field("Failed", counts + " keys");
  d.bullets("Failed keys:", failed);
  std::vector<std::string> dashboards;
  for (const auto& p : config.providers) {
    d.allow_link(p.dashboard_url);
    dashboards.push_back(p.display_name + ": " + p.dashboard_url);
  }
  d.bullets("Provider dashboards:", dashboards);
  d.numbered("What to do:", {"Replace the failed keys in .env (authentication failures) or wait for the quota reset.",
                             std::string("Apply the change without downtime: ") + reload_hint() + ".",
                             "Run `keyward keys check` to verify."});
  return finish(d, AlertKind::health_check_failed, AlertSeverity::high, "day-" + day_of(now), "daily",
                "🩺 Key Health Check: " + counts + " Keys Failed", channel_email | channel_webhook, now);
}

}  // namespace keyward
