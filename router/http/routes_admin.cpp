// POST /admin/reload, POST /admin/keys/test, GET /api/keys and
// POST /admin/keys/<provider>/<id>/disable|enable: bearer token required; with
// no token configured the admin API is off.
#include "router/http/key_states.h"
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

void Service::Routes::api_keys(const net::HttpRequest& req, net::Responder& res) {
  if (!admin_allowed(req, res)) return;
  s.router_->tick();  // expired deadlines show as over
  send_json(res, 200, key_states_document(s.router_->snapshot()));
}

namespace {

// "groq/2/disable" -> provider, id text, action; false unless three non-empty parts.
bool split_toggle_path(std::string_view rest, std::string* provider, std::string* id, std::string* action) {
  auto a = rest.find('/');
  if (a == std::string_view::npos) return false;
  auto b = rest.find('/', a + 1);
  if (b == std::string_view::npos || rest.find('/', b + 1) != std::string_view::npos) return false;
  *provider = rest.substr(0, a);
  *id = rest.substr(a + 1, b - a - 1);
  *action = rest.substr(b + 1);
  return !provider->empty() && !id->empty() && !action->empty();
}

// Bounded for the error message: the path is the client's text.
std::string quote_bounded(const std::string& text) {
  return "'" + (text.size() > 64 ? text.substr(0, 64) + "..." : text) + "'";
}

}  // namespace

void Service::Routes::admin_key_toggle(const net::HttpRequest& req, net::Responder& res) {
  std::string_view path = req.path();
  std::string provider, id_text, action;
  const ApiError& not_found = api_error(ApiErrorId::not_found);
  if (!split_toggle_path(path.substr(std::string_view("/admin/keys/").size()), &provider, &id_text, &action) ||
      (action != "disable" && action != "enable")) {
    error(res, path, not_found,
          "no route for POST " + std::string(path) + " (want /admin/keys/<provider>/<id>/disable or /enable)");
    return;
  }
  if (!admin_allowed(req, res)) return;
  RouterConfig config = s.router_->config();
  const ProviderConfig* pc = nullptr;
  std::string known;
  for (const auto& p : config.providers) {
    known += (known.empty() ? "" : ", ") + p.name;
    if (p.name == provider) pc = &p;
  }
  if (!pc) {
    error(res, path, not_found, "unknown provider " + quote_bounded(provider) + " (known: " + known + ")");
    return;
  }
  std::string ids;
  for (const auto& k : pc->keys) ids += (ids.empty() ? "" : ", ") + std::to_string(k.index);
  bool numeric = id_text.size() <= 6 && id_text.find_first_not_of("0123456789") == std::string::npos;
  int id = numeric ? std::stoi(id_text) : 0;
  auto result = numeric ? s.set_key_disabled(provider, id, action == "disable") : ChatRouter::KeyToggle::unknown_key;
  // A reload between the look-up above and the toggle may have removed it.
  if (result == ChatRouter::KeyToggle::unknown_provider) {
    error(res, path, not_found, "unknown provider " + quote_bounded(provider));
    return;
  }
  if (result == ChatRouter::KeyToggle::unknown_key) {
    error(res, path, not_found,
          "unknown key id " + quote_bounded(id_text) + " for provider " + provider +
              " (keys: " + (ids.empty() ? "none" : ids) + ")");
    return;
  }
  json body{{"status", "ok"}, {"changed", result == ChatRouter::KeyToggle::changed}};
  if (auto key = find_key_state(s.router_->snapshot(), provider, id)) body["key"] = std::move(*key);
  send_json(res, 200, body);
}

}  // namespace keyward::http
