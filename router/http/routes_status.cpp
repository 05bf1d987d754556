// What operators and orchestrators read: liveness, readiness, Prometheus
// metrics, the status document, the dashboard and the recent journal.
#include <algorithm>

#include "router/http/api.h"
#include "router/http/key_state_metrics.h"
#include "router/http/routes.h"

namespace keyward::http {

using nlohmann::json;

void Service::Routes::healthz(const net::HttpRequest&, net::Responder& res) { send_json(res, 200, {{"status", "ok"}}); }

void Service::Routes::readyz(const net::HttpRequest&, net::Responder& res) {
  bool ready = s.ready();
  send_json(res, ready ? 200 : 503,
            {{"ready", ready}, {"reason", ready ? "at least one key validated" : "no key has validated yet"}});
}

void Service::Routes::metrics(const net::HttpRequest&, net::Responder& res) {
  send_text(res, 200, s.stats_.prometheus() + s.genai_.prometheus() + key_state_prometheus(s.router_->snapshot()),
            "text/plain; version=0.0.4");
}

void Service::Routes::status(const net::HttpRequest&, net::Responder& res) { send_json(res, 200, s.status_json()); }

void Service::Routes::dashboard(const net::HttpRequest&, net::Responder& res) {
  json status = s.status_json();
  send_text(res, 200,
            s.options_.render_dashboard ? s.options_.render_dashboard(status) : default_dashboard_html(status),
            "text/html; charset=utf-8");
}

// The journal holds users' prompts (unless journal.record_messages is off):
// admin only.
void Service::Routes::journal(const net::HttpRequest& req, net::Responder& res) {
  if (!admin_allowed(req, res)) return;
  size_t limit = 100;
  if (auto v = req.query_param("limit")) {
    if (v->empty() || v->size() > 6 || v->find_first_not_of("0123456789") != std::string::npos) {
      error(res, req.path(), api_error(ApiErrorId::invalid_request), "limit must be an integer between 1 and 1000");
      return;
    }
    limit = std::clamp<size_t>(std::stoul(*v), 1, 1000);
  }
  std::string body = "{\"entries\":[";
  auto lines = s.journal_.recent(limit);
  for (size_t i = 0; i < lines.size(); ++i) body += (i ? "," : "") + lines[i];
  body += "]}";
  send_text(res, 200, std::move(body), "application/json");
}

}  // namespace keyward::http
