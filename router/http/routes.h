#pragma once
// The Service's routes (internal to router/http): the route table and the
// handlers, one file per family:
//   routes_chat.cpp    POST /api/ai/chat
//   routes_openai.cpp  POST /v1/chat/completions (SSE too), GET /v1/models
//   routes_admin.cpp   POST /admin/reload, POST /admin/keys/test, GET /api/keys,
//                      POST /admin/keys/<provider>/<id>/disable|enable
//   routes_status.cpp  /healthz, /readyz, /metrics, /api/status, /dashboard, /api/journal
//   routes.cpp         the table, dispatch, errors, and what every route records
// A route runs on the event loop when it only reads memory or routes a request
// as continuations (route_driver.h: no thread waits for a provider or a
// probe); the rest — streams, key validation, reloads, status documents —
// run on the handler pool.
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "router/http/api.h"
#include "router/http/api_error.h"
#include "router/http/service.h"
#include "router/net/http_server.h"

namespace keyward::http {

enum class RunOn { loop, pool };

struct Service::Routes {
  using Handler = void (Routes::*)(const net::HttpRequest&, net::Responder&);
  struct Route {
    const char* method;
    const char* path;
    RunOn run_on;
    Handler handler;
    const char* name;  // the `route` label of keyward_requests_total for refusals
  };
  // A route's path that ends with '/' is a prefix: its handler reads the rest.
  static bool matches(const Route& r, std::string_view path);

  explicit Routes(Service& service);
  Service& s;
  std::atomic<uint64_t> next_id{0};
  std::vector<Route> table;

  // routes.cpp
  // The listener's handler (on the loop): runs the route there or queues it
  // on the handler pool; 404 and 503 (pool full) at once.
  void dispatch(net::HttpRequest request, std::shared_ptr<net::Responder> responder);
  const Route* find(std::string_view method, std::string_view path) const;
  // A route, with an exception turned into a 500 and a log line.
  void run(const Route& route, const net::HttpRequest& request, net::Responder& responder);
  // `work` with an exception turned into a 500 (on `path`'s error shape) and a log line.
  void guarded(std::string_view method, std::string_view path, net::Responder& res, const std::function<void()>& work);
  // Queues `work` on the handler pool, or answers 503 overloaded at once
  // (counted under `route`) when every handler thread is busy and the queue is full.
  void to_pool(const char* route, std::string_view path, net::Responder& res, std::function<void()> work);
  // Routes `request` as continuations on the calling loop (route_driver.h);
  // `done` runs there with the outcome, guarded like a route.
  void route_on_loop(ChatRequest request, std::shared_ptr<net::Responder> res, std::string path,
                     std::function<void(RouteOutcome)> done);
  // The answer to a request the listener refused (400, 408, 413, 431, 501).
  net::HttpResponse refusal(const net::RefusalInfo& info) const;
  void error(net::Responder& res, std::string_view path, const ApiError& e, const std::string& message,
             std::vector<net::HttpHeader> headers = {}) const;
  std::string new_request_id();
  void journal_request(const std::string& id, const char* route, const ChatRequest& req);
  void record_outcome(const std::string& id, const char* route, const RouteOutcome& out, int http_status,
                      MonoTime started);
  // The x-keyward-* headers (answer_headers.h) on a chat answer.
  void add_answer_headers(net::HttpResponse& answer, const RouteOutcome& out, MonoTime started) const;
  void bad_request(net::Responder& res, const char* route, const RequestError& e, bool openai);
  int emergency_retry_seconds(const Verdict& v);

  // routes_chat.cpp
  void chat(const net::HttpRequest& req, net::Responder& res);
  void answer_chat(const std::string& id, MonoTime t0, const RouteOutcome& out, net::Responder& res);

  // routes_openai.cpp
  void completions(const net::HttpRequest& req, net::Responder& res);
  void stream(const ChatRequest& cr, const std::string& id, const std::string& completion_id, int64_t created,
              net::Responder& res, MonoTime t0);
  net::HttpResponse openai_failure(const RouteOutcome& out);
  void models(const net::HttpRequest& req, net::Responder& res);

  // routes_admin.cpp
  bool admin_allowed(const net::HttpRequest& req, net::Responder& res);
  void admin_reload(const net::HttpRequest& req, net::Responder& res);
  void admin_keys_test(const net::HttpRequest& req, net::Responder& res);
  void api_keys(const net::HttpRequest& req, net::Responder& res);
  void admin_key_toggle(const net::HttpRequest& req, net::Responder& res);

  // routes_status.cpp
  void healthz(const net::HttpRequest& req, net::Responder& res);
  void readyz(const net::HttpRequest& req, net::Responder& res);
  void metrics(const net::HttpRequest& req, net::Responder& res);
  void status(const net::HttpRequest& req, net::Responder& res);
  void dashboard(const net::HttpRequest& req, net::Responder& res);
  void journal(const net::HttpRequest& req, net::Responder& res);
};

// A JSON answer (serialised without throwing on invalid UTF-8).
net::HttpResponse json_response(int status, const nlohmann::json& body, std::vector<net::HttpHeader> headers = {});
void send_json(net::Responder& res, int status, const nlohmann::json& body, std::vector<net::HttpHeader> headers = {});
void send_text(net::Responder& res, int status, std::string body, const std::string& content_type);

}  // namespace keyward::http
