#include "router/core/classifier.h"

#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "base/durations.h"
#include "base/utc_time.h"
#include "base/utf8.h"
#include "router/core/json_limits.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace keyward {

const char* to_string(ErrorClass c) {
  switch (c) {
    case ErrorClass::ok: return "ok";
    case ErrorClass::auth: return "auth";
    case ErrorClass::quota_exhausted: return "quota_exhausted";
    case ErrorClass::rate_limited: return "rate_limited";
    case ErrorClass::provider_outage: return "provider_outage";
    case ErrorClass::network: return "network";
    case ErrorClass::request_error: return "request_error";
    case ErrorClass::cancelled: return "cancelled";
  }
  return "?";
}

bool parse_error_class(const std::string& s, ErrorClass* out) {
  for (ErrorClass c : {ErrorClass::ok, ErrorClass::auth, ErrorClass::quota_exhausted, ErrorClass::rate_limited,
                       ErrorClass::provider_outage, ErrorClass::network, ErrorClass::request_error,
                       ErrorClass::cancelled}) {
    if (s == to_string(c)) {
      *out = c;
      return true;
    }
  }
  return false;
}

const char* to_string(TransportError e) {
  switch (e) {
    case TransportError::none: return "none";
    case TransportError::connect_failed: return "connect_failed";
    case TransportError::connection_reset: return "connection_reset";
    case TransportError::timeout: return "timeout";
    case TransportError::tls: return "tls";
    case TransportError::read_failed: return "read_failed";
    case TransportError::truncated_body: return "truncated_body";
    case TransportError::malformed_body: return "malformed_body";
    case TransportError::body_too_large: return "body_too_large";
    case TransportError::client_gone: return "client_gone";
  }
  return "?";
}

namespace {

// What the router does for each class (the seed's auth-vs-quota table, extended).
// A key-level failure (auth, quota, rate limit) moves on to the next key of
// the same provider: neither flag is set.
constexpr std::array<ClassPolicy, 8> kPolicies{{
    {ErrorClass::ok, KeyAction::mark_healthy, ProviderAction::record_success, false, false},
    {ErrorClass::auth, KeyAction::quarantine, ProviderAction::none, false, false},
    {ErrorClass::quota_exhausted, KeyAction::exhaust_until_reset, ProviderAction::none, false, false},
    {ErrorClass::rate_limited, KeyAction::rate_limit_until, ProviderAction::none, false, false},
    // The provider's fault, never the key's: count against the provider, move on.
    {ErrorClass::provider_outage, KeyAction::none, ProviderAction::record_failure, true, false},
    {ErrorClass::network, KeyAction::none, ProviderAction::record_failure, true, false},
    // The caller's fault: do not burn keys, answer the caller.
    {ErrorClass::request_error, KeyAction::none, ProviderAction::none, false, true},
    // The caller left: no verdict on anything, nobody left to answer.
    {ErrorClass::cancelled, KeyAction::none, ProviderAction::none, false, true},
}};

// Everything a rule may look at, parsed once.
struct Signals {
  const AttemptResult& result;
  nlohmann::json body;  // discarded (null) when not JSON
  std::string message;  // error text
  std::string code;     // error.code / error.status / error.type joined by '|'
};

bool contains(const std::string& hay, const char* needle) { return hay.find(needle) != std::string::npos; }

bool gemini_reason(const Signals& s, const char* reason) {
  const auto* details = s.body.is_object() && s.body.contains("error") && s.body["error"].is_object()
                            ? &s.body["error"]
                            : nullptr;
  if (!details || !details->contains("details") || !(*details)["details"].is_array()) return false;
  for (const auto& d : (*details)["details"]) {
    if (d.is_object() && d.value("reason", "") == reason) return true;
  }
  return false;
}

bool gemini_quota_per_day(const Signals& s) {
  const auto& b = s.body;
  if (!b.is_object() || !b.contains("error") || !b["error"].is_object()) return false;
  const auto& e = b["error"];
  if (!e.contains("details") || !e["details"].is_array()) return false;
  for (const auto& d : e["details"]) {
    if (!d.is_object() || !d.contains("violations") || !d["violations"].is_array()) continue;
    for (const auto& v : d["violations"]) {
      if (v.is_object() && v.value("quotaId", "").find("PerDay") != std::string::npos) return true;
    }
  }
  return false;
}

struct Rule {
  const char* signal;
  int status_min, status_max;  // inclusive; 0,0 matches transport failures
  bool (*match)(const Signals&);
  ErrorClass cls;
};

bool any(const Signals&) { return true; }
bool client_gone(const Signals& s) { return s.result.transport == TransportError::client_gone; }
bool unreadable_body(const Signals& s) { return !s.result.body.empty() && s.body.is_null(); }
bool is_auth_code(const Signals& s) {
  return contains(s.code, "invalid_api_key") || contains(s.code, "account_deactivated") ||
         contains(s.code, "organization_restricted");  // Groq: a suspended organisation answers 400
}
bool gemini_key_invalid(const Signals& s) {
  return gemini_reason(s, "API_KEY_INVALID") || contains(s.message, "API key not valid") ||
         contains(s.message, "API key expired");
}
bool insufficient_quota(const Signals& s) { return contains(s.code, "insufficient_quota"); }
bool groq_per_day(const Signals& s) {
  return contains(s.message, "(RPD)") || contains(s.message, "(TPD)") || contains(s.message, "per day");
}

// First matching row wins. Order matters: specific bodies before bare statuses.
const Rule kRules[] = {
    {"client_gone", 0, 0, client_gone, ErrorClass::cancelled},
    {"transport_failure", 0, 0, any, ErrorClass::network},
    {"success", 200, 299, any, ErrorClass::ok},
    {"invalid_api_key_code", 400, 499, is_auth_code, ErrorClass::auth},
    {"unauthorized", 401, 401, any, ErrorClass::auth},
    {"permission_denied", 403, 403, any, ErrorClass::auth},
    {"gemini_api_key_invalid", 400, 400, gemini_key_invalid, ErrorClass::auth},
    {"insufficient_quota", 429, 429, insufficient_quota, ErrorClass::quota_exhausted},
    {"gemini_quota_per_day", 429, 429, gemini_quota_per_day, ErrorClass::quota_exhausted},
    {"groq_quota_per_day", 429, 429, groq_per_day, ErrorClass::quota_exhausted},
    {"rate_limited", 429, 429, any, ErrorClass::rate_limited},
    {"groq_capacity_exceeded", 498, 498, any, ErrorClass::provider_outage},
    {"server_error", 500, 599, any, ErrorClass::provider_outage},
    // Our requests are well-formed JSON; a 4xx whose body is not JSON at all
    // (a proxy's page, a corrupted answer) says nothing about the request:
    // found by the soak (seed 7), where a garbled Gemini 400 reached the caller.
    {"unreadable_client_error", 400, 499, unreadable_body, ErrorClass::provider_outage},
    {"request_error", 400, 499, any, ErrorClass::request_error},
    {"unexpected_status", 100, 399, any, ErrorClass::provider_outage},
    {"unexpected_status", 600, 999, any, ErrorClass::provider_outage},
};

// Provider texts are untrusted and unbounded; the pool, journal and alerts keep this much.
constexpr size_t kMessageMax = 500;

void extract(Signals& s) {
  const auto& b = s.body;
  auto str = [](const nlohmann::json& j, const char* k) -> std::string {
    return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
  };
  auto add_code = [&](const std::string& c) {
    if (!c.empty()) s.code += (s.code.empty() ? "" : "|") + c;
  };
  if (b.is_object()) {
    if (b.contains("error") && b["error"].is_object()) {
      const auto& e = b["error"];
      s.message = str(e, "message");
      add_code(str(e, "code"));
      add_code(str(e, "type"));
      add_code(str(e, "status"));
    } else if (b.contains("error") && b["error"].is_string()) {
      s.message = b["error"].get<std::string>();
    }
    if (s.message.empty()) s.message = str(b, "message");
    if (s.message.empty()) s.message = str(b, "detail");
    add_code(str(b, "code"));
    add_code(str(b, "type"));
  }
}

}  // namespace

const ClassPolicy& policy_for(ErrorClass c) {
  // One row per class, in the enum's order.
  auto row = static_cast<size_t>(c);
  KEYWARD_ASSERT(row < kPolicies.size() && kPolicies[row].cls == c);
  return kPolicies[row];
}

std::optional<Millis> advertised_wait(const AttemptResult& result, const std::string& message) {
  for (const auto& [name, value] : result.headers) {
    if (name == "retry-after") {
      char* end = nullptr;
      double secs = std::strtod(value.c_str(), &end);
      if (end != value.c_str() && secs >= 0 && secs < 1e9) return Millis(static_cast<int64_t>(std::ceil(secs * 1000)));
    }
  }
  // Gemini: {"@type": ".../google.rpc.RetryInfo", "retryDelay": "5s"}
  auto pos = result.body.find("\"retryDelay\"");
  if (pos != std::string::npos) {
    auto q1 = result.body.find('"', result.body.find(':', pos) + 1);
    auto q2 = q1 == std::string::npos ? q1 : result.body.find('"', q1 + 1);
    if (q2 != std::string::npos) {
      if (auto d = parse_go_duration(result.body.substr(q1 + 1, q2 - q1 - 1))) return d;
    }
  }
  // Groq: "Please try again in 6m7.2s."
  auto t = message.find("try again in ");
  if (t != std::string::npos) {
    size_t s = t + 13, e = s;
    while (e < message.size() && !std::isspace(static_cast<unsigned char>(message[e])) && message[e] != ',') ++e;
    std::string token = message.substr(s, e - s);
    while (!token.empty() && token.back() == '.') token.pop_back();
    if (auto d = parse_go_duration(token)) return d;
  }
  return std::nullopt;
}

Classification classify(const AttemptResult& result, WallTime now) {
  Signals s{result, nlohmann::json(), {}, {}};
  if (result.transport == TransportError::none && !result.body.empty() &&
      (result.status < 200 || result.status > 299)) {
    // A body nested deeper than any real error envelope is not read (copying
    // it would recurse per level); the status alone classifies it.
    if (!json_nesting_exceeds(result.body))
      s.body = nlohmann::json::parse(result.body, nullptr, /*allow_exceptions=*/false);
    else
      s.body = nlohmann::json::value_t::discarded;
    if (s.body.is_discarded()) s.body = nullptr;
    extract(s);
  }
  Classification c;
  for (const Rule& r : kRules) {
    bool status_ok = result.transport != TransportError::none
                         ? (r.status_min == 0 && r.status_max == 0)
                         : (result.status >= r.status_min && result.status <= r.status_max && r.status_min != 0);
    if (status_ok && r.match(s)) {
      c.cls = r.cls;
      c.signal = r.signal;
      break;
    }
  }
  if (result.transport != TransportError::none) {
    c.message = std::string("transport error: ") + to_string(result.transport);
  } else if (c.cls != ErrorClass::ok) {
    c.message = s.message.empty() ? "HTTP " + std::to_string(result.status) : s.message;
  }
  c.message = utf8_truncate(c.message, kMessageMax);
  if (c.cls == ErrorClass::quota_exhausted) {
    c.usable_at = next_midnight_utc(now);
  } else if (c.cls == ErrorClass::rate_limited) {
    if (auto w = advertised_wait(result, s.message)) c.usable_at = now + *w;
  }
  return c;
}

}  // namespace keyward
