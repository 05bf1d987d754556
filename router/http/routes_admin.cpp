// POST /admin/reload and POST /admin/keys/test: bearer token required; with no
// token configured the admin API is off.
#include <algorithm>

#include "router/http/routes.h"

namespace keyward::http {

using nlohmann::json;

namespace {

// Constant-time comparison: the time taken does not depend on where the
// presented token first differs from the configured one.
bool constant_time_equal(const std::string& a, const std::string& b) {
  size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

bool Service::Routes::admin_allowed(const net::HttpRequest& req, net::Responder& res) {
  if (s.options_.admin_token.empty()) {
    error(res, req.path(), api_error(ApiErrorId::admin_disabled),
          "admin API disabled: set KEYWARD_ADMIN_TOKEN to enable it");
    return false;
  }
  std::string auth = req.header("Authorization");
  const std::string prefix = "Bearer ";
  std::string presented = auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : "";
  if (!constant_time_equal(presented, s.options_.admin_token)) {
    error(res, req.path(), api_error(ApiErrorId::unauthorized), "missing or wrong admin bearer token",
          {{"WWW-Authenticate", "Bearer"}});
    return false;
  }
  return true;
}

void Service::Routes::admin_reload(const net::HttpRequest& req, net::Responder& res) {
  if (!admin_allowed(req, res)) return;
  std::string summary;
  bool ok = s.reload_from_source(&summary);
  send_json(res, ok ? 200 : 400, {{"status", ok ? "ok" : "error"}, {"summary", summary}});
}

void Service::Routes::admin_keys_test(const net::HttpRequest& req, net::Responder& res) {
  if (!admin_allowed(req, res)) return;
  auto results = s.test_keys();
  json keys = json::array();
  for (const auto& v : results) {
    keys.push_back({{"provider", v.provider},
                    {"key_id", v.key_index},
                    {"masked", v.masked_key},
                    {"ok", v.ok()},
                    {"class", to_string(v.classification.cls)},
                    {"status", v.result.status},
                    {"message", v.classification.message},
                    {"latency_ms", std::chrono::duration<double, std::milli>(v.latency).count()}});
  }
  send_json(res, 200, {{"ok", count_ok(results)}, {"total", results.size()}, {"keys", std::move(keys)}});
}

}  // namespace keyward::http
