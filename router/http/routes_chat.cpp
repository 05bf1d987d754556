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
  cr.request_id = id;
  journal_request(id, "chat", cr);
  // Routed as continuations on this loop: the answer goes out from the last one.
  route_on_loop(std::move(cr), res.shared_from_this(), std::string(req.path()),
                [this, id, t0, res = res.shared_from_this()](RouteOutcome out) { answer_chat(id, t0, out, *res); });
}

void Service::Routes::answer_chat(const std::string& id, MonoTime t0, const RouteOutcome& out, net::Responder& res) {
  net::HttpResponse answer;
  switch (out.kind) {
    case RouteOutcome::Kind::provider:
    case RouteOutcome::Kind::cache:
      answer = json_response(200, chat_api_answer(out));
      break;
    case RouteOutcome::Kind::emergency: {
      int retry = emergency_retry_seconds(out.verdict);
      answer = json_response(api_error(ApiErrorId::emergency).http_status,
                             emergency_answer(out.verdict, retry, s.router_->config().support_url),
                             {{"Retry-After", std::to_string(retry)}});
      break;
    }
    case RouteOutcome::Kind::request_error:
    case RouteOutcome::Kind::stream_failed:
    case RouteOutcome::Kind::cancelled: {  // a whole answer has no stream to hang up on
      ApiError e = upstream_failure(out, false);
      answer = json_response(
          e.http_status,
          json{{"status", "error"}, {"error", e.code}, {"message", out.error}, {"provider", out.provider}});
      break;
    }
  }
  add_answer_headers(answer, out, t0);
  // Recorded before the answer goes out: a client that has it also finds the
  // request in /metrics and the journal.
  record_outcome(id, "chat", out, answer.status, t0);
  res.send(std::move(answer));
}

}  // namespace keyward::http
