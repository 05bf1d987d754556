// The OpenAI-compatible API: POST /v1/chat/completions (with `stream: true` as
// Server-Sent Events) and GET /v1/models.
#include "router/http/answer_headers.h"
#include "router/http/api.h"
#include "router/http/blocking_over_async.h"
#include "router/http/routes.h"

namespace keyward::http {

using nlohmann::json;

namespace {

std::string sse_frame(const json& j) { return "data: " + dump_json(j) + "\n\n"; }

const std::vector<net::HttpHeader> kSseHeaders{{"Cache-Control", "no-cache"}};

// Remembers which key a stream's calls went to and how long the provider
// calls took, so that the status line sent with the first delta can say who
// answers (x-keyward-*, answer_headers.h) before the router knows the end.
// The sink's deltas arrive on the thread that waits in chat_now()
// (BlockingOverAsync), so this needs no lock.
class CallTracker final : public BlockingTransport {
 public:
  CallTracker(BlockingTransport& inner, const Clock& clock) : inner_(inner), clock_(clock) {}

  AttemptResult chat_now(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                         Millis timeout, ChatAnswer* answer, StreamSink* sink) override {
    provider_ = provider.name;
    key_index_ = key.index;
    ++calls_;
    call_started_ = clock_.monotonic();
    AttemptResult r = inner_.chat_now(provider, key, request, timeout, answer, sink);
    provider_time_ += clock_.monotonic() - call_started_;
    return r;
  }
  AttemptResult list_models_now(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                                std::vector<std::string>* models) override {
    return inner_.list_models_now(provider, key, timeout, models);
  }

  // During a call: the headers of a stream that starts now, for a request
  // that began at `started`.
  std::vector<net::HttpHeader> headers_now(MonoTime started) const {
    MonoTime router_time = call_started_ - started - provider_time_;
    return stream_headers(provider_, key_index_, calls_, router_time > MonoTime{0} ? router_time : MonoTime{0});
  }

 private:
  BlockingTransport& inner_;
  const Clock& clock_;
  std::string provider_;
  int key_index_ = 0;
  size_t calls_ = 0;
  MonoTime call_started_{0};
  MonoTime provider_time_{0};  // of the calls that ended
};

// Writes the deltas of a streamed answer as they come. The status line is only
// sent with the first delta: until then the router may still fail over, or
// answer with an honest error status instead.
class SseSink final : public StreamSink {
 public:
  SseSink(net::Responder& res, const std::string& completion_id, int64_t created, const CallTracker& calls,
          MonoTime started)
      : res_(res), completion_id_(completion_id), created_(created), calls_(calls), request_started_(started) {}

  bool on_delta(const std::string& text) override {
    if (!started_) {
      std::vector<net::HttpHeader> headers = kSseHeaders;
      for (auto& h : calls_.headers_now(request_started_)) headers.push_back(std::move(h));
      res_.start_stream(200, "text/event-stream", std::move(headers));
      started_ = true;
    }
    // Which provider answers is only reported at the end (the final chunk's model).
    std::string frame = sse_frame(openai_chunk(completion_id_, created_, "keyward", text, "", first_));
    first_ = false;
    // False once the client is gone or too far behind: the router then stops
    // reading from the provider.
    return res_.write(frame);
  }
  bool started() const { return started_; }

 private:
  net::Responder& res_;
  const std::string& completion_id_;
  int64_t created_;
  const CallTracker& calls_;
  MonoTime request_started_;
  bool started_ = false;
  bool first_ = true;
};

}  // namespace

net::HttpResponse Service::Routes::openai_failure(const RouteOutcome& out) {
  if (out.kind == RouteOutcome::Kind::emergency) {
    const ApiError& e = api_error(ApiErrorId::emergency);
    int retry = emergency_retry_seconds(out.verdict);
    json body = openai_error(emergency_content(out.verdict, retry, s.router_->config().support_url), e.openai_type,
                             to_string(out.verdict.cause));
    body["error"]["retry_after_seconds"] = retry;
    return json_response(e.http_status, body, {{"Retry-After", std::to_string(retry)}});
  }
  ApiError e = upstream_failure(out, true);
  return json_response(e.http_status, openai_error(out.provider + ": " + out.error, e.openai_type, e.code));
}

void Service::Routes::completions(const net::HttpRequest& req, net::Responder& res) {
  MonoTime t0 = s.clock_->monotonic();
  ChatRequest cr;
  RequestError err;
  if (!parse_openai_chat(req.body, &cr, &err)) return bad_request(res, "openai", err, true);
  std::string id = new_request_id();
  std::string completion_id = "chatcmpl-kw-" + std::to_string(next_id.load());
  int64_t created = std::chrono::duration_cast<std::chrono::seconds>(s.clock_->wall().time_since_epoch()).count();
  cr.request_id = id;
  if (cr.stream) {
    // A stream holds a handler thread while it runs (its deltas are written
    // as they come, waiting for a slow reader): off the loop.
    auto keep = res.shared_from_this();
    return to_pool("openai_stream", req.path(), res, [this, cr = std::move(cr), id, completion_id, created, keep, t0] {
      guarded("POST", "/v1/chat/completions", *keep, [&] { stream(cr, id, completion_id, created, *keep, t0); });
    });
  }
  journal_request(id, "openai", cr);
  auto keep = res.shared_from_this();
  route_on_loop(std::move(cr), keep, std::string(req.path()),
                [this, id, completion_id, created, t0, keep](RouteOutcome out) {
                  net::HttpResponse answer =
                      out.kind == RouteOutcome::Kind::provider || out.kind == RouteOutcome::Kind::cache
                          ? json_response(200, openai_completion(out, completion_id, created))
                          : openai_failure(out);
                  add_answer_headers(answer, out, t0);
                  record_outcome(id, "openai", out, answer.status, t0);  // before the client can see the answer
                  keep->send(std::move(answer));
                });
}

void Service::Routes::stream(const ChatRequest& cr, const std::string& id, const std::string& completion_id,
                             int64_t created, net::Responder& res, MonoTime t0) {
  // A stream holds its handler thread for as long as it runs: cap them, so
  // that streams cannot take every thread from ordinary requests.
  if (s.active_streams_.fetch_add(1) >= s.options_.server.max_streams) {
    s.active_streams_.fetch_sub(1);
    s.stats_.add(Stat::requests, {"openai_stream", "overloaded"});
    const ApiError& e = api_error(ApiErrorId::overloaded);
    send_json(res, e.http_status, openai_error("too many concurrent streams; retry shortly", e.openai_type, e.code),
              {{"Retry-After", "1"}});
    return;
  }
  struct StreamSlot {
    std::atomic<size_t>& active;
    ~StreamSlot() { active.fetch_sub(1); }
  } slot{s.active_streams_};

  journal_request(id, "openai_stream", cr);
  CallTracker calls(*s.blocking_, *s.clock_);
  SseSink sink(res, completion_id, created, calls, t0);
  // Through blocking_: the stream's calls run on the loops, where the
  // provider connection pools stay warm.
  RouteOutcome out = s.router_->route(cr, calls, &sink);

  if (out.kind == RouteOutcome::Kind::cancelled) {
    // The client hung up (or read too slowly): nobody to answer. Journaled
    // with nginx's 499, "client closed request".
    record_outcome(id, "openai_stream", out, 499, t0);
    res.end();
    return;
  }
  if (!sink.started()) {
    // No byte reached the client: an ordinary answer, with an honest status.
    net::HttpResponse answer;
    if (out.kind == RouteOutcome::Kind::provider || out.kind == RouteOutcome::Kind::cache) {
      // An empty stream, or a cached answer: replay it as SSE.
      std::string body = sse_frame(openai_chunk(completion_id, created, out.model, out.answer.content, "", true));
      body += sse_frame(openai_chunk(completion_id, created, out.model, "",
                                     out.answer.finish_reason.empty() ? "stop" : out.answer.finish_reason, false));
      body += "data: [DONE]\n\n";
      answer.content_type = "text/event-stream";
      answer.headers = kSseHeaders;
      answer.body = std::move(body);
    } else {
      answer = openai_failure(out);
    }
    add_answer_headers(answer, out, t0);
    record_outcome(id, "openai_stream", out, answer.status, t0);  // before the client can see the answer
    res.send(std::move(answer));
    return;
  }
  std::string tail;
  if (out.kind == RouteOutcome::Kind::provider) {
    tail = sse_frame(openai_chunk(completion_id, created, out.model, "",
                                  out.answer.finish_reason.empty() ? "stop" : out.answer.finish_reason, false));
    tail += "data: [DONE]\n\n";
  } else {
    // Bytes already went out, so no failover: an error frame, no [DONE],
    // which the OpenAI SDKs raise as an error.
    const ApiError& e = api_error(ApiErrorId::upstream_stream_failed);
    tail = sse_frame(openai_error("upstream stream failed after it started: " + out.error, e.openai_type, e.code));
  }
  // Recorded before the last bytes go out, so a client that saw the end also
  // sees the request in /metrics and the journal.
  record_outcome(id, "openai_stream", out, 200, t0);
  res.write(tail);
  res.end();
}

void Service::Routes::models(const net::HttpRequest&, net::Responder& res) {
  RouterConfig cfg = s.router_->config();
  json data = json::array();
  for (const auto& p : cfg.providers) {
    if (!p.enabled || p.keys.empty()) continue;
    data.push_back({{"id", p.qualified_model()}, {"object", "model"}, {"created", 0}, {"owned_by", p.name}});
  }
  send_json(res, 200, {{"object", "list"}, {"data", std::move(data)}});
}

}  // namespace keyward::http
