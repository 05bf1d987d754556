#include "router/http/routes.h"

#include "base/assert.h"
#include "router/http/answer_headers.h"
#include "router/http/api.h"
#include "router/http/route_driver.h"
#include "router/net/event_loop.h"
#include "router/net/worker_pool.h"

namespace keyward::http {

using nlohmann::json;

namespace {

bool is_openai_path(std::string_view path) { return path.rfind("/v1/", 0) == 0; }

double seconds(MonoTime d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

net::HttpResponse json_response(int status, const json& body, std::vector<net::HttpHeader> headers) {
  net::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = dump_json(body);
  return r;
}

void send_json(net::Responder& res, int status, const json& body, std::vector<net::HttpHeader> headers) {
  res.send(json_response(status, body, std::move(headers)));
}

void send_text(net::Responder& res, int status, std::string body, const std::string& content_type) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = content_type;
  r.body = std::move(body);
  res.send(std::move(r));
}

Service::Routes::Routes(Service& service) : s(service) {
  table = {
      {"POST", "/api/ai/chat", RunOn::loop, &Routes::chat, "chat"},
      {"POST", "/v1/chat/completions", RunOn::loop, &Routes::completions, "openai"},
      {"GET", "/v1/models", RunOn::loop, &Routes::models, "models"},
      {"GET", "/api/status", RunOn::pool, &Routes::status, "status"},
      {"GET", "/dashboard", RunOn::pool, &Routes::dashboard, "dashboard"},
      {"GET", "/metrics", RunOn::loop, &Routes::metrics, "metrics"},
      {"GET", "/healthz", RunOn::loop, &Routes::healthz, "healthz"},
      {"GET", "/readyz", RunOn::loop, &Routes::readyz, "readyz"},
      {"GET", "/api/journal", RunOn::pool, &Routes::journal, "journal"},
      {"POST", "/admin/reload", RunOn::pool, &Routes::admin_reload, "admin_reload"},
      {"POST", "/admin/keys/test", RunOn::pool, &Routes::admin_keys_test, "admin_keys_test"},
      {"GET", "/api/keys", RunOn::pool, &Routes::api_keys, "api_keys"},
      // /admin/keys/<provider>/<id>/disable|enable (after the exact /admin/keys/test).
      {"POST", "/admin/keys/", RunOn::pool, &Routes::admin_key_toggle, "admin_key_toggle"},
  };
}

bool Service::Routes::matches(const Route& r, std::string_view path) {
  std::string_view p = r.path;
  return p.back() == '/' ? path.size() > p.size() && path.substr(0, p.size()) == p : path == p;
}

const Service::Routes::Route* Service::Routes::find(std::string_view method, std::string_view path) const {
  // HEAD is GET without the body (the listener leaves it out).
  if (method == "HEAD") method = "GET";
  for (const auto& r : table)
    if (method == r.method && matches(r, path)) return &r;
  return nullptr;
}

void Service::Routes::dispatch(net::HttpRequest request, std::shared_ptr<net::Responder> responder) {
  const Route* route = find(request.method, request.path());
  if (!route) {
    error(*responder, request.path(), api_error(ApiErrorId::not_found),
          "no route for " + request.method + " " + std::string(request.path()));
    return;
  }
  if (route->run_on == RunOn::loop) return run(*route, request, *responder);
  auto shared = std::make_shared<net::HttpRequest>(std::move(request));
  to_pool(route->name, shared->path(), *responder, [this, route, shared, responder] { run(*route, *shared, *responder); });
}

void Service::Routes::to_pool(const char* route, std::string_view path, net::Responder& res, std::function<void()> work) {
  if (s.handlers_->try_post(std::move(work))) return;
  // Every handler thread is busy and the queue is full: say so now rather
  // than hold the connection (the client may retry elsewhere).
  s.stats_.add(Stat::requests, {route, "overloaded"});
  error(res, path, api_error(ApiErrorId::overloaded),
        "the router is at capacity (" + std::to_string(s.options_.server.handler_threads) + " handler threads, " +
            std::to_string(s.options_.server.handler_queue) + " queued); retry shortly",
        {{"Retry-After", "1"}});
}

void Service::Routes::run(const Route& route, const net::HttpRequest& request, net::Responder& responder) {
  guarded(request.method, request.path(), responder, [&] { (this->*route.handler)(request, responder); });
}

void Service::Routes::guarded(std::string_view method, std::string_view path, net::Responder& res,
                              const std::function<void()>& work) {
  std::string where = std::string(method) + " " + std::string(path);
  try {
    work();
  } catch (const std::exception& e) {
    s.log("ERROR: unhandled exception on " + where + ": " + e.what());
    error(res, path, api_error(ApiErrorId::internal_error), "internal error; see the server log");
  } catch (...) {
    s.log("ERROR: unhandled exception on " + where);
    error(res, path, api_error(ApiErrorId::internal_error), "internal error; see the server log");
  }
}

void Service::Routes::route_on_loop(ChatRequest request, std::shared_ptr<net::Responder> res, std::string path,
                                    std::function<void(RouteOutcome)> done) {
  net::Executor* here = s.loop_->current_executor();
  KEYWARD_ASSERT(here != nullptr);  // routes that route run on their connection's loop
  route_async(*s.router_, *s.transport_, *here, std::move(request), nullptr,
              [this, res = std::move(res), path = std::move(path), done = std::move(done)](RouteOutcome out) mutable {
                guarded("POST", path, *res, [&] { done(std::move(out)); });
              });
}

void Service::Routes::error(net::Responder& res, std::string_view path, const ApiError& e, const std::string& message,
                            std::vector<net::HttpHeader> headers) const {
  if (is_openai_path(path))
    send_json(res, e.http_status, openai_error(message, e.openai_type, e.code), std::move(headers));
  else
    send_json(res, e.http_status, plain_error(e, message), std::move(headers));
}

net::HttpResponse Service::Routes::refusal(const net::RefusalInfo& info) const {
  const ApiError& e = api_error(refusal_error(info.kind));
  net::HttpResponse r;
  r.status = e.http_status;
  r.body = dump_json(is_openai_path(info.path) ? openai_error(info.detail, e.openai_type, e.code)
                                               : plain_error(e, info.detail));
  return r;
}

std::string Service::Routes::new_request_id() { return "req-" + std::to_string(++next_id); }

void Service::Routes::journal_request(const std::string& id, const char* route, const ChatRequest& req) {
  // Built as text (JsonFields), not as a json DOM: this runs once per request.
  std::string msgs = "[";
  for (const auto& m : req.messages) {
    if (msgs.size() > 1) msgs += ',';
    // Without record_messages no prompt byte reaches the journal: only its
    // role and size (replay then writes a placeholder message).
    if (s.options_.journal_record_messages)
      msgs += JsonFields().add("role", m.role).add("content", s.journal_.cut(m.content)).str();
    else
      msgs += JsonFields().add("role", m.role).add("content_bytes", m.content.size()).str();
  }
  msgs += ']';
  JsonFields j;
  j.add("type", "request")
      .add("request_id", id)
      .add("route", route)
      .add("stream", req.stream)
      .add_raw("messages", msgs);
  s.journal_.write(s.clock_->wall(), std::move(j));
}

void Service::Routes::record_outcome(const std::string& id, const char* route, const RouteOutcome& out, int http_status,
                                     MonoTime started) {
  s.stats_.add(Stat::requests, {route, to_string(out.kind)});
  s.outcome_minutes_.record(s.clock_->wall(), out.kind);
  for (size_t i = 0; i + 1 < out.attempts.size(); ++i) s.stats_.add(Stat::failovers, {out.attempts[i].provider});
  if (out.kind == RouteOutcome::Kind::emergency || out.kind == RouteOutcome::Kind::cache)
    s.stats_.add(Stat::emergencies, {to_string(out.verdict.cause)});
  if (out.kind == RouteOutcome::Kind::cache) s.stats_.add(Stat::cache_hits, {out.stale ? "true" : "false"});
  MonoTime total = s.clock_->monotonic() - started;
  s.stats_.observe(Stat::request_seconds, {route}, seconds(total));
  s.genai_.record(route, out, total);
  JsonFields j;
  j.add("type", "outcome")
      .add("request_id", id)
      .add("route", route)
      .add("kind", to_string(out.kind))
      .add("http_status", http_status)
      .add("attempts", out.attempts.size());
  if (!out.provider.empty()) j.add("provider", out.provider);
  if (out.key_index) j.add("key_id", out.key_index);
  if (!out.model.empty()) j.add("model", out.model);
  if (out.kind == RouteOutcome::Kind::cache) j.add("stale", out.stale);
  if (out.kind == RouteOutcome::Kind::cache || out.kind == RouteOutcome::Kind::emergency)
    j.add("cause", to_string(out.verdict.cause));
  if (!out.error.empty()) j.add("error", s.journal_.cut(out.error));
  s.journal_.write(s.clock_->wall(), std::move(j));
}

void Service::Routes::add_answer_headers(net::HttpResponse& answer, const RouteOutcome& out, MonoTime started) const {
  for (auto& h : answer_headers(out, router_overhead(out, s.clock_->monotonic() - started)))
    answer.headers.push_back(std::move(h));
}

void Service::Routes::bad_request(net::Responder& res, const char* route, const RequestError& e, bool openai) {
  s.stats_.add(Stat::requests, {route, "bad_request"});
  const ApiError& row = api_error(ApiErrorId::invalid_request);
  if (openai)
    send_json(res, row.http_status, openai_error(e.message, row.openai_type, row.code, e.param));
  else
    send_json(res, row.http_status, plain_error(row, e.message));
}

int Service::Routes::emergency_retry_seconds(const Verdict& v) {
  return retry_after_seconds(v, s.clock_->wall(), s.router_->config().ejection.base);
}

}  // namespace keyward::http
