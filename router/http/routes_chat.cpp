// POST /api/ai/chat: the platform API.
#include "router/http/api.h"
#include "router/http/routes.h"

namespace keyward::http {

using nlohmann::json;

void Service::Routes::chat(const net::HttpRequest& req, net::Responder& res) {
  MonoTime t0 = s.clock_->monotonic();
  ChatRequest cr;
  RequestError err;
  if (!parse_chat_api(req.body, &cr, &err)) return bad_request(res, "chat", err, false);
  std::string id = new_request_id();
  set_current_request_id(id);
  journal_request(id, "chat", cr);
  RouteOutcome out = s.router_->route(cr, *s.transport_);
  int status = 200;
  switch (out.kind) {
    case RouteOutcome::Kind::provider:
    case RouteOutcome::Kind::cache:
      send_json(res, 200, chat_api_answer(out));
      break;
    case RouteOutcome::Kind::emergency: {
      int retry = emergency_retry_seconds(out.verdict);
      status = api_error(ApiErrorId::emergency).http_status;
      send_json(res, status, emergency_answer(out.verdict, retry, s.router_->config().support_url),
                {{"Retry-After", std::to_string(retry)}});
      break;
    }
    case RouteOutcome::Kind::request_error:
    case RouteOutcome::Kind::stream_failed: {
      ApiError e = upstream_failure(out, false);
      status = e.http_status;
      send_json(res, status,
                json{{"status", "error"}, {"error", e.code}, {"message", out.error}, {"provider", out.provider}});
      break;
    }
  }
  record_outcome(id, "chat", out, status, t0);
  set_current_request_id("");
}

}  // namespace keyward::http
