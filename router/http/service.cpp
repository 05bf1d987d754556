#include "router/http/service.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>

#include "router/http/api.h"
#include "router/http/blocking_over_async.h"
#include "router/http/stream_bridge.h"
#include "router/http/transports.h"

namespace keyward::http {

using nlohmann::json;

bool parse_listen(const std::string& listen, std::string* host, int* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= listen.size()) return false;
  std::string p = listen.substr(colon + 1);
  if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  int n = std::stoi(p);
  if (n < 0 || n > 65535) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  *port = n;
  return true;
}

// The router takes one observer; stats, journal and the extra observers all listen.
class Service::Fanout final : public RouterObserver {
 public:
  std::vector<RouterObserver*> observers;
  void on_pool_event(const PoolEvent& e) override {
    for (auto* o : observers) o->on_pool_event(e);
  }
  void on_attempt(const AttemptRecord& a) override {
    for (auto* o : observers) o->on_attempt(a);
  }
  void on_emergency(const Verdict& v, WallTime at) override {
    for (auto* o : observers) o->on_emergency(v, at);
  }
  void on_outcome(const ChatRequest& r, const RouteOutcome& out, WallTime at) override {
    for (auto* o : observers) o->on_outcome(r, out, at);
  }
};

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

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump_json(body), "application/json");
}

json plain_error(const std::string& code, const std::string& message) {
  return json{{"status", "error"}, {"error", code}, {"message", message}};
}

bool is_openai_path(const std::string& path) { return path.rfind("/v1/", 0) == 0; }

std::string sse_frame(const json& j) { return "data: " + dump_json(j) + "\n\n"; }

double seconds(MonoTime d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

// Request handlers; they run on the server's worker threads.
struct Service::Routes {
  explicit Routes(Service& service) : s(service) {}
  Service& s;
  std::atomic<uint64_t> next_id{0};

  std::string new_request_id() { return "req-" + std::to_string(++next_id); }

  void journal_request(const std::string& id, const char* route, const ChatRequest& req) {
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
    j.add("type", "request").add("request_id", id).add("route", route).add("stream", req.stream).add_raw("messages", msgs);
    s.journal_.write(s.clock_->wall(), std::move(j));
  }

  // Stats and journal for a finished route.
  void record_outcome(const std::string& id, const char* route, const RouteOutcome& out, int http_status,
                      MonoTime started) {
    s.stats_.add(Stat::requests, {route, to_string(out.kind)});
    for (size_t i = 0; i + 1 < out.attempts.size(); ++i) s.stats_.add(Stat::failovers, {out.attempts[i].provider});
    if (out.kind == RouteOutcome::Kind::emergency || out.kind == RouteOutcome::Kind::cache)
      s.stats_.add(Stat::emergencies, {to_string(out.verdict.cause)});
    if (out.kind == RouteOutcome::Kind::cache) s.stats_.add(Stat::cache_hits, {out.stale ? "true" : "false"});
    s.stats_.observe(Stat::request_seconds, {route}, seconds(s.clock_->monotonic() - started));
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

  void bad_request(httplib::Response& res, const char* route, const RequestError& e, bool openai) {
    s.stats_.add(Stat::requests, {route, "bad_request"});
    if (openai) send_json(res, 400, openai_error(e.message, "invalid_request_error", "invalid_request", e.param));
    else send_json(res, 400, plain_error("invalid_request", e.message));
  }

  int emergency_retry_seconds(const Verdict& v) {
    return retry_after_seconds(v, s.clock_->wall(), s.router_->config().ejection.base);
  }

  // POST /api/ai/chat
  void chat(const httplib::Request& req, httplib::Response& res) {
    MonoTime t0 = s.clock_->monotonic();
    ChatRequest cr;
    RequestError err;
    if (!parse_chat_api(req.body, &cr, &err)) return bad_request(res, "chat", err, false);
    std::string id = new_request_id();
    cr.request_id = id;
    journal_request(id, "chat", cr);
    RouteOutcome out = s.router_->route(cr, *s.routing_);
    int status = 200;
    switch (out.kind) {
      case RouteOutcome::Kind::provider:
      case RouteOutcome::Kind::cache: send_json(res, 200, chat_api_answer(out)); break;
      case RouteOutcome::Kind::emergency: {
        int retry = emergency_retry_seconds(out.verdict);
        status = 503;
        res.set_header("Retry-After", std::to_string(retry));
        send_json(res, 503, emergency_answer(out.verdict, retry, s.router_->config().support_url));
        break;
      }
      case RouteOutcome::Kind::request_error:
      case RouteOutcome::Kind::stream_failed:
        status = out.status >= 400 && out.status < 500 ? out.status : 502;
        send_json(res, status,
                  json{{"status", "error"},
                       {"error", out.kind == RouteOutcome::Kind::request_error ? "request_error" : "provider_error"},
                       {"message", out.error},
                       {"provider", out.provider}});
        break;
    }
    record_outcome(id, "chat", out, status, t0);
  }

  // The OpenAI error answer for outcomes without content.
  int openai_failure(httplib::Response& res, const RouteOutcome& out) {
    if (out.kind == RouteOutcome::Kind::emergency) {
      int retry = emergency_retry_seconds(out.verdict);
      res.set_header("Retry-After", std::to_string(retry));
      json body = openai_error(emergency_content(out.verdict, retry, s.router_->config().support_url),
                               "service_unavailable", to_string(out.verdict.cause));
      body["error"]["retry_after_seconds"] = retry;
      send_json(res, 503, body);
      return 503;
    }
    int status = out.status >= 400 && out.status < 500 ? out.status : 502;
    send_json(res, status,
              openai_error(out.provider + ": " + out.error, status < 500 ? "invalid_request_error" : "api_error",
                           out.kind == RouteOutcome::Kind::request_error ? "upstream_request_error"
                                                                         : "upstream_stream_failed"));
    return status;
  }

  // POST /v1/chat/completions
  void completions(const httplib::Request& req, httplib::Response& res) {
    MonoTime t0 = s.clock_->monotonic();
    ChatRequest cr;
    RequestError err;
    if (!parse_openai_chat(req.body, &cr, &err)) return bad_request(res, "openai", err, true);
    std::string id = new_request_id();
    std::string completion_id = "chatcmpl-kw-" + std::to_string(next_id.load());
    int64_t created = std::chrono::duration_cast<std::chrono::seconds>(s.clock_->wall().time_since_epoch()).count();
    cr.request_id = id;
    if (cr.stream) return stream(cr, id, completion_id, created, res, t0);
    journal_request(id, "openai", cr);
    RouteOutcome out = s.router_->route(cr, *s.routing_);
    int status = 200;
    if (out.kind == RouteOutcome::Kind::provider || out.kind == RouteOutcome::Kind::cache)
      send_json(res, 200, openai_completion(out, completion_id, created));
    else
      status = openai_failure(res, out);
    record_outcome(id, "openai", out, status, t0);
  }

  void stream(const ChatRequest& cr, const std::string& id, const std::string& completion_id, int64_t created,
              httplib::Response& res, MonoTime t0) {
    {
      std::lock_guard lock(s.streams_mu_);
      if (s.active_streams_ >= s.options_.max_streams) {
        s.stats_.add(Stat::requests, {"openai_stream", "overloaded"});
        res.set_header("Retry-After", "1");
        send_json(res, 503, openai_error("too many concurrent streams; retry shortly", "service_unavailable",
                                         "overloaded"));
        return;
      }
      ++s.active_streams_;
    }
    auto bridge = std::make_shared<StreamBridge>();
    // The routing thread owns the request; the HTTP thread only writes.
    std::thread([this, bridge, cr, id] {
      journal_request(id, "openai_stream", cr);
      RouteOutcome out = s.router_->route(cr, *s.blocking_, bridge.get());
      bridge->finish(std::move(out));
      std::lock_guard lock(s.streams_mu_);
      --s.active_streams_;
      s.streams_cv_.notify_all();
    }).detach();

    if (!bridge->wait_first()) {
      // No byte reached the client: an ordinary answer, with an honest status.
      const RouteOutcome& out = bridge->outcome();
      int status = 200;
      if (out.kind == RouteOutcome::Kind::provider || out.kind == RouteOutcome::Kind::cache) {
        // An empty stream, or a cached answer: replay it as SSE.
        std::string body = sse_frame(openai_chunk(completion_id, created, out.model, out.answer.content, "", true));
        body += sse_frame(openai_chunk(completion_id, created, out.model, "",
                                       out.answer.finish_reason.empty() ? "stop" : out.answer.finish_reason, false));
        body += "data: [DONE]\n\n";
        res.set_header("Cache-Control", "no-cache");
        res.set_content(body, "text/event-stream");
      } else {
        status = openai_failure(res, out);
      }
      record_outcome(id, "openai_stream", out, status, t0);
      return;
    }
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    auto first = std::make_shared<bool>(true);
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, bridge, first, completion_id, created, id, t0](size_t, httplib::DataSink& sink) {
          std::deque<std::string> deltas;
          if (bridge->next(&deltas)) {
            for (auto& d : deltas) {
              // Which provider answers is only reported at the end (the final chunk's model).
              std::string frame = sse_frame(openai_chunk(completion_id, created, "keyward", d, "", *first));
              *first = false;
              if (!sink.write(frame.data(), frame.size())) {
                bridge->close();
                return false;
              }
            }
            return true;
          }
          const RouteOutcome& out = bridge->outcome();
          std::string tail;
          if (out.kind == RouteOutcome::Kind::provider) {
            tail = sse_frame(openai_chunk(completion_id, created, out.model, "",
                                          out.answer.finish_reason.empty() ? "stop" : out.answer.finish_reason, false));
            tail += "data: [DONE]\n\n";
          } else {
            // Bytes already went out, so no failover: an error frame, no [DONE],
            // which the OpenAI SDKs raise as an error.
            tail = sse_frame(openai_error("upstream stream failed after it started: " + out.error, "api_error",
                                          "upstream_stream_failed"));
          }
          // Recorded before the last bytes go out, so a client that saw the end
          // also sees the request in /metrics and the journal.
          record_outcome(id, "openai_stream", out, 200, t0);
          sink.write(tail.data(), tail.size());
          sink.done();
          return true;
        },
        [bridge](bool) { bridge->close(); });
  }

  void models(const httplib::Request&, httplib::Response& res) {
    RouterConfig cfg = s.router_->config();
    json data = json::array();
    for (const auto& p : cfg.providers) {
      if (!p.enabled || p.keys.empty()) continue;
      data.push_back({{"id", p.qualified_model()}, {"object", "model"}, {"created", 0}, {"owned_by", p.name}});
    }
    send_json(res, 200, {{"object", "list"}, {"data", std::move(data)}});
  }

  // The journal holds users' prompts (unless journal.record_messages is off):
  // admin only.
  void journal(const httplib::Request& req, httplib::Response& res) {
    if (!admin_allowed(req, res)) return;
    size_t limit = 100;
    if (req.has_param("limit")) {
      auto v = req.get_param_value("limit");
      if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
        send_json(res, 400, plain_error("invalid_request", "limit must be an integer between 1 and 1000"));
        return;
      }
      limit = std::clamp<size_t>(std::stoul(v), 1, 1000);
    }
    std::string body = "{\"entries\":[";
    auto lines = s.journal_.recent(limit);
    for (size_t i = 0; i < lines.size(); ++i) body += (i ? "," : "") + lines[i];
    body += "]}";
    res.set_content(body, "application/json");
  }

  // Admin routes need the bearer token; without a configured one they are off.
  bool admin_allowed(const httplib::Request& req, httplib::Response& res) {
    if (!s.admin_enabled()) {
      send_json(res, 403, plain_error("admin_disabled", "admin API disabled: set KEYWARD_ADMIN_TOKEN to enable it"));
      return false;
    }
    std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    std::string presented = auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : "";
    if (!s.admin_token_matches(presented)) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_json(res, 401, plain_error("unauthorized", "missing or wrong admin bearer token"));
      return false;
    }
    return true;
  }

  void admin_reload(const httplib::Request& req, httplib::Response& res) {
    if (!admin_allowed(req, res)) return;
    std::string summary;
    bool ok = s.reload_from_source(&summary);
    send_json(res, ok ? 200 : 400, {{"status", ok ? "ok" : "error"}, {"summary", summary}});
  }

  void admin_keys_test(const httplib::Request& req, httplib::Response& res) {
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

  void install(httplib::Server& svr) {
    svr.Post("/api/ai/chat", [this](const httplib::Request& q, httplib::Response& r) { chat(q, r); });
    svr.Post("/v1/chat/completions", [this](const httplib::Request& q, httplib::Response& r) { completions(q, r); });
    svr.Get("/v1/models", [this](const httplib::Request& q, httplib::Response& r) { models(q, r); });
    svr.Get("/api/status", [this](const httplib::Request&, httplib::Response& r) { send_json(r, 200, s.status_json()); });
    svr.Get("/dashboard", [this](const httplib::Request&, httplib::Response& r) {
      json status = s.status_json();
      r.set_content(s.options_.render_dashboard ? s.options_.render_dashboard(status) : default_dashboard_html(status),
                    "text/html; charset=utf-8");
    });
    svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& r) {
      // The journal drops a line only when its writer has been stalled (a full
      // disk): operators must see that, since replays would then have gaps.
      r.set_content(s.stats_.prometheus() +
                        "# HELP keyward_journal_dropped_lines_total Journal lines dropped because the writer was stalled.\n"
                        "# TYPE keyward_journal_dropped_lines_total counter\n"
                        "keyward_journal_dropped_lines_total " +
                        std::to_string(s.journal_.dropped_lines()) + "\n",
                    "text/plain; version=0.0.4");
    });
    svr.Get("/healthz", [](const httplib::Request&, httplib::Response& r) { send_json(r, 200, {{"status", "ok"}}); });
    svr.Get("/readyz", [this](const httplib::Request&, httplib::Response& r) {
      bool ready = s.ready();
      send_json(r, ready ? 200 : 503,
                {{"ready", ready}, {"reason", ready ? "at least one key validated" : "no key has validated yet"}});
    });
    svr.Get("/api/journal", [this](const httplib::Request& q, httplib::Response& r) { journal(q, r); });
    svr.Post("/admin/reload", [this](const httplib::Request& q, httplib::Response& r) { admin_reload(q, r); });
    svr.Post("/admin/keys/test", [this](const httplib::Request& q, httplib::Response& r) { admin_keys_test(q, r); });

    // Unknown routes, 413 and other library-level errors: JSON, never an empty body.
    svr.set_error_handler([](const httplib::Request& q, httplib::Response& r) {
      if (!r.body.empty()) return;
      std::string code = r.status == 404   ? "not_found"
                         : r.status == 413 ? "payload_too_large"
                         : r.status == 400 ? "invalid_request"
                                           : "error";
      std::string msg = r.status == 404   ? "no route for " + q.method + " " + q.path
                        : r.status == 413 ? "request body is larger than the limit"
                                          : "request failed with HTTP " + std::to_string(r.status);
      if (is_openai_path(q.path)) send_json(r, r.status, openai_error(msg, "invalid_request_error", code));
      else send_json(r, r.status, plain_error(code, msg));
    });
    svr.set_exception_handler([this](const httplib::Request& q, httplib::Response& r, std::exception_ptr ep) {
      std::string what = "unknown";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      s.log("ERROR: unhandled exception on " + q.method + " " + q.path + ": " + what);
      send_json(r, 500, plain_error("internal_error", "internal error; see the server log"));
    });
  }
};

// journal_ is declared after options_, so options_ is already initialised here.
namespace {
JournalOptions journal_options(const ServiceOptions& o, Service* service) {
  JournalOptions j;
  j.path = o.journal_path;
  j.max_bytes = o.journal_max_bytes;
  j.clock = o.clock;
  j.log = [service](const std::string& line) { service->log(line); };
  return j;
}
}  // namespace

Service::Service(ServiceOptions options)
    : options_(std::move(options)), journal_(journal_options(options_, this)), admin_token_(options_.admin_token) {}

void Service::set_admin_token(std::string token) {
  std::lock_guard lock(admin_mu_);
  admin_token_ = std::move(token);
}

bool Service::admin_enabled() const {
  std::lock_guard lock(admin_mu_);
  return !admin_token_.empty();
}

bool Service::admin_token_matches(const std::string& presented) const {
  std::lock_guard lock(admin_mu_);
  return !admin_token_.empty() && constant_time_equal(presented, admin_token_);
}

Service::~Service() {
  stop();
  // The journal's writer logs through this->log(): end it while log_ exists.
  journal_.close();
}

void Service::log(const std::string& line) {
  {
    std::lock_guard lock(log_mu_);
    log_.push_back(line);
    while (log_.size() > options_.log_lines) log_.pop_front();
  }
  if (options_.log) {
    options_.log(line);
  } else {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
  }
}

std::vector<std::string> Service::log_lines() const {
  std::lock_guard lock(log_mu_);
  return {log_.begin(), log_.end()};
}

std::string Service::base_url() const {
  std::string host = host_ == "0.0.0.0" || host_.empty() ? "127.0.0.1" : host_;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port_);
}

bool Service::any_key_validated() const {
  auto snap = router_->snapshot();
  for (const auto& keys : snap.keys)
    for (const auto& k : keys)
      if (k.validated) return true;
  return false;
}

bool Service::ready() const {
  if (!router_) return false;
  if (!options_.validate_on_start) return router_->config().key_count() > 0;
  return any_key_validated();
}

void Service::record_validations(const std::vector<KeyValidation>& results) {
  if (options_.validation_started) options_.validation_started();
  for (const auto& v : results) {
    router_->record_validation(v.provider, v.key_index, v.result);
    stats_.add(Stat::validations, {v.provider, v.ok() ? "ok" : to_string(v.classification.cls)});
    JsonFields j;
    j.add("type", "validation")
        .add("provider", v.provider)
        .add("key_id", v.key_index)
        .add("masked_key", v.masked_key)
        .add("class", to_string(v.classification.cls))
        .add("status", v.result.status)
        .add("latency_us", static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(v.latency).count()))
        .add("message", journal_.cut(v.classification.message));
    journal_.write(clock_->wall(), std::move(j));
    log(validation_log_line(v));
  }
  if (options_.validation_finished) options_.validation_finished();
}

bool Service::start(std::string* error) {
  auto fail = [&](const std::string& msg) {
    if (error) *error = msg;
    log("ERROR: " + msg);
    return false;
  };
  if (started_) return fail("already started");
  clock_ = options_.clock;
  if (!clock_) return fail("ServiceOptions::clock is required");

  log("INFO: Loading secrets from " + options_.env_source);
  RouterConfig config = options_.config;
  if (!options_.env.empty()) {
    for (const auto& d : apply_env(config, options_.env, {})) log("WARN: " + d.to_string());
  }
  std::string counts;
  for (const auto& p : config.providers)
    if (!p.keys.empty()) counts += (counts.empty() ? "" : ", ") + p.display_name + " " + std::to_string(p.keys.size());
  if (config.key_count() == 0)
    log("WARN: No API keys configured: set GROQ_API_KEY_1=... (or GEMINI_/MISTRAL_) in " + options_.env_source);
  else
    log("INFO: API keys loaded: " + counts);

  std::string jerr;
  if (!journal_.open(&jerr)) return fail(jerr);

  stats_observer_ = std::make_unique<StatsObserver>(stats_);
  journal_observer_ = std::make_unique<JournalObserver>(journal_);
  fanout_ = std::make_unique<Fanout>();
  fanout_->observers = {stats_observer_.get(), journal_observer_.get()};
  for (auto* o : options_.extra_observers)
    if (o) fanout_->observers.push_back(o);
  router_ = std::make_unique<ChatRouter>(config, *clock_, fanout_.get());

  if (options_.transport) {
    transport_ = options_.transport;
  } else {
    net::UpstreamOptions upstream;
    upstream.tls_verify = options_.tls_verify;
    upstream.connect_timeout = config.timeouts.connect;
    upstream.max_body_bytes = options_.max_provider_body_bytes;
    owned_transport_ = std::make_unique<WireTransport>(upstream);
    transport_ = owned_transport_.get();
  }
  // Routing is synchronous: each attempt's call runs on the request's own
  // thread (no hand-off to the loop and back, docs/BENCHMARKS.md).
  blocking_ = std::make_unique<BlockingOverAsync>(*transport_);
  routing_ = owned_transport_ ? &owned_transport_->on_calling_thread() : blocking_.get();

  if (!parse_listen(options_.listen, &host_, &port_)) return fail("invalid listen address '" + options_.listen + "' (want host:port)");
  server_ = std::make_unique<httplib::Server>();
  size_t threads = std::max<size_t>(options_.server_threads, 2);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(10'000);
  server_->set_keep_alive_timeout(5);
  server_->set_payload_max_length(options_.body_limit);
  server_->set_read_timeout(options_.client_io_timeout);
  server_->set_write_timeout(options_.client_io_timeout);
  routes_ = std::make_unique<Routes>(*this);
  routes_->install(*server_);
  if (port_ == 0) {
    port_ = server_->bind_to_any_port(host_);
    if (port_ <= 0) return fail("cannot listen on " + options_.listen);
  } else if (!server_->bind_to_port(host_, port_)) {
    return fail("cannot listen on " + options_.listen + " (address in use?)");
  }

  if (options_.validate_on_start) {
    log("INFO: Validating API keys...");
    auto results = validate_keys(config, *transport_, *clock_, options_.validation_parallelism);
    record_validations(results);
    for (const auto& line : validation_summary_lines(config, results)) log(line);
  } else {
    log("INFO: Key validation on start is off; keys are trusted until a call fails");
  }

  started_ = true;
  auto exited = std::make_shared<std::atomic<bool>>(false);
  server_thread_ = std::thread([this, exited] {
    server_->listen_after_bind();
    *exited = true;
  });
  // cpp-httplib's stop() is a no-op until the listen loop has marked itself
  // running; a stop() that came first would leave join() waiting for ever.
  while (!server_->is_running() && !*exited) std::this_thread::yield();
  log("INFO: Listening on " + base_url());
  return true;
}

void Service::stop() {
  if (!started_.exchange(false)) return;
  server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
  // Streaming routes run on their own threads; they end within the request timeout.
  std::unique_lock lock(streams_mu_);
  streams_cv_.wait(lock, [&] { return active_streams_ == 0; });
  // Idle keep-alive connections would hold provider servers (and fakes) open.
  if (owned_transport_) owned_transport_->client().close_idle();
  // The journal's writer thread batches lines: readers of the file (the
  // scenario runner, replays) must see every line once stop() returns.
  journal_.flush();
  log("INFO: Stopped");
}

bool Service::reload(const RouterConfig& config, std::string* summary) {
  if (!router_) {
    if (summary) *summary = "not started";
    return false;
  }
  std::lock_guard lock(reload_mu_);
  // Ping keys that are new, or that are out of service now (the operator may
  // have fixed them at the provider); healthy unchanged keys keep serving.
  auto snap = router_->snapshot();
  std::vector<std::pair<std::string, std::string>> healthy;  // (provider, secret)
  for (size_t p = 0; p < snap.config.providers.size(); ++p)
    for (size_t i = 0; i < snap.config.providers[p].keys.size(); ++i) {
      const auto& kh = snap.keys[p][i];
      if (kh.state == KeyState::healthy || snap.now >= kh.until)
        healthy.emplace_back(snap.config.providers[p].name, snap.config.providers[p].keys[i].secret);
    }
  auto filter = [&](const ProviderConfig& p, const KeyConfig& k) {
    return std::find(healthy.begin(), healthy.end(), std::pair{p.name, k.secret}) == healthy.end();
  };
  log("INFO: Reloading configuration: " + std::to_string(config.key_count()) + " keys");
  auto results = validate_keys(config, *transport_, *clock_, options_.validation_parallelism, filter);
  router_->reload(config);
  if (options_.reloaded) options_.reloaded(config);
  record_validations(results);
  size_t ok = count_ok(results);
  std::string text = "reloaded " + std::to_string(config.key_count()) + " keys; validated " +
                     std::to_string(results.size()) + " new or out-of-service: " + std::to_string(ok) + " ok, " +
                     std::to_string(results.size() - ok) + " failed";
  log("INFO: " + text);
  journal_.write(clock_->wall(), JsonFields().add("type", "reload").add("summary", text));
  stats_.add(Stat::reloads, {"ok"});
  if (summary) *summary = text;
  return true;
}

bool Service::reload_from_source(std::string* summary) {
  RouterConfig config;
  if (options_.load_config) {
    std::string err;
    if (!options_.load_config(&config, &err)) {
      log("ERROR: Reload failed: " + err + " (keeping the current configuration)");
      stats_.add(Stat::reloads, {"error"});
      if (summary) *summary = err;
      return false;
    }
  } else {
    config = router_->config();
  }
  return reload(config, summary);
}

std::vector<KeyValidation> Service::test_keys() {
  RouterConfig config = router_->config();
  log("INFO: Validating API keys...");
  auto results = validate_keys(config, *transport_, *clock_, options_.validation_parallelism);
  record_validations(results);
  for (const auto& line : validation_summary_lines(config, results)) log(line);
  return results;
}

json Service::status_json() {
  router_->tick();  // expired deadlines become key_released events first
  auto snap = router_->snapshot();
  StatusInputs in;
  in.snapshot = &snap;
  in.ready = ready();
  if (options_.incident_status) in.incident = options_.incident_status();
  if (options_.channels_status) in.channels = options_.channels_status();
  in.stats = stats_.to_json();
  json doc = status_document(in);
  if (options_.store_status) doc["store"] = options_.store_status();
  doc["journal"] = journal_.status_json();
  return doc;
}

}  // namespace keyward::http
