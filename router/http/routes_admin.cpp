// POST /admin/reload and POST /admin/keys/test: bearer token required; with no
// token configured the admin API is off.
#include "router/http/routes.h"

namespace keyward::http {

using nlohmann::json;

bool Service::Routes::admin_allowed(const net::HttpRequest& req, net::Responder& res) {
  if (!s.admin_enabled()) {
    error(res, req.path(), api_error(ApiErrorId::admin_disabled),
          "admin API disabled: set KEYWARD_ADMIN_TOKEN to enable it");
    return false;
  }
  std::string auth = req.header("Authorization");
  const std::string prefix = "Bearer ";
  std::string presented = auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : "";
  if (!s.admin_token_matches(presented)) {
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
