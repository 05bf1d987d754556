#include "router/http/transports.h"

#include "router/http/sse.h"
#include "router/net/event_loop.h"

namespace keyward::http {

namespace {

AttemptResult bad_base_url() {
  AttemptResult r;
  r.transport = TransportError::connect_failed;
  r.body = "invalid base URL";
  return r;
}

bool is_2xx(const AttemptResult& r) { return r.transport == TransportError::none && r.status >= 200 && r.status < 300; }

// A 2xx whose body is not a usable answer is the provider's fault, not a success.
void mark_malformed(AttemptResult& r) { r.transport = TransportError::malformed_body; }

using StreamEventReader = bool (*)(const std::string& data, ChatAnswer* answer, std::string* text, bool* finished);

// One streamed answer: SSE bytes in (on the client's event loop), deltas out
// to the sink, the whole text kept for the cache. Shared by the body consumer
// and the completion, which both outlive chat().
struct StreamState {
  StreamState(StreamSink* s, size_t max_event_bytes, StreamEventReader r) : sink(s), read(r), parser(max_event_bytes) {}
  StreamSink* sink;
  StreamEventReader read;
  SseParser parser;
  ChatAnswer answer;
  bool finished = false;  // [DONE] (OpenAI) or a finishReason (Gemini)
  TransportError error = TransportError::none;

  TransportError feed(const char* data, size_t size) {
    auto s = parser.feed(std::string_view(data, size), [this](const std::string& event) { return on_event(event); });
    if (s == SseParser::Status::too_large) return TransportError::body_too_large;
    if (s == SseParser::Status::stopped) return error == TransportError::none ? TransportError::malformed_body : error;
    return TransportError::none;
  }
  bool on_event(const std::string& data) {
    std::string text;
    if (!read(data, &answer, &text, &finished)) return false;
    if (text.empty()) return true;
    answer.content += text;
    if (!sink->on_delta(text)) {
      error = TransportError::client_gone;  // the client went away: abort upstream
      return false;
    }
    return true;
  }
};

using AnswerParser = bool (*)(const std::string& body, ChatAnswer* answer);
using ModelsParser = bool (*)(const std::string& body, std::vector<std::string>* models);

void start(net::UpstreamClient& client, const net::BaseUrl& base, net::UpstreamRequest request, Millis timeout,
           net::BodyConsumer on_2xx, net::UpstreamDone done) {
  client.call(base, std::move(request), timeout, std::move(on_2xx), std::move(done));
}

// The call shared by both wires once the request is built.
void run_chat(net::UpstreamClient& client, const net::BaseUrl& base, net::UpstreamRequest request,
              Millis timeout, StreamSink* sink, ChatDone done, AnswerParser parse_answer, StreamEventReader read_event,
              bool needs_finish_frame_only) {
  if (!sink) {
    start(client, base, std::move(request), timeout, nullptr,
          [done = std::move(done), parse_answer](AttemptResult r) {
            ChatAnswer answer;
            if (is_2xx(r) && !parse_answer(r.body, &answer)) mark_malformed(r);
            done(std::move(r), std::move(answer));
          });
    return;
  }
  auto st = std::make_shared<StreamState>(sink, client.options().max_body_bytes, read_event);
  start(
      client, base, std::move(request), timeout,
      [st](const char* data, size_t size) { return st->feed(data, size); },
      [st, done = std::move(done), needs_finish_frame_only](AttemptResult r) {
        // No [DONE] (OpenAI), or no final frame / a frame left half-sent (Gemini): cut.
        if (is_2xx(r) && (!st->finished || (needs_finish_frame_only && st->parser.pending())))
          r.transport = TransportError::truncated_body;
        done(std::move(r), std::move(st->answer));
      });
}

void run_models(net::UpstreamClient& client, const net::BaseUrl& base, net::UpstreamRequest request,
                Millis timeout, ModelsDone done, ModelsParser parse_models) {
  start(client, base, std::move(request), timeout, nullptr,
        [done = std::move(done), parse_models](AttemptResult r) {
          std::vector<std::string> models;
          if (is_2xx(r) && !parse_models(r.body, &models)) mark_malformed(r);
          done(std::move(r), std::move(models));
        });
}

}  // namespace

// ---------------------------------------------------------------- OpenAI

void OpenAiTransport::chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                           Millis timeout, StreamSink* sink, ChatDone done) {
  net::BaseUrl base;
  if (!net::parse_base_url(provider.base_url, &base)) return done(bad_base_url(), {});
  net::UpstreamRequest req;
  req.method = "POST";
  req.path = "/chat/completions";
  req.headers = {{"Authorization", "Bearer " + key.secret}};
  req.secret = key.secret;
  req.body = openai_request_body(provider.model, request, sink != nullptr);
  if (sink) req.headers.emplace_back("Accept", "text/event-stream");
  run_chat(client_, base, std::move(req), timeout, sink, std::move(done), parse_openai_answer,
           read_openai_stream_event, false);
}

void OpenAiTransport::list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                                  ModelsDone done) {
  net::BaseUrl base;
  if (!net::parse_base_url(provider.base_url, &base)) return done(bad_base_url(), {});
  net::UpstreamRequest req;
  req.path = "/models";
  req.headers = {{"Authorization", "Bearer " + key.secret}};
  req.secret = key.secret;
  run_models(client_, base, std::move(req), timeout, std::move(done), parse_openai_models);
}

// ---------------------------------------------------------------- Gemini

void GeminiTransport::chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                           Millis timeout, StreamSink* sink, ChatDone done) {
  net::BaseUrl base;
  if (!net::parse_base_url(provider.base_url, &base)) return done(bad_base_url(), {});
  net::UpstreamRequest req;
  req.method = "POST";
  req.path = "/models/" + provider.model + (sink ? ":streamGenerateContent?alt=sse" : ":generateContent");
  // The header, never ?key=: keys must not land in URLs or access logs.
  req.headers = {{"x-goog-api-key", key.secret}};
  req.secret = key.secret;
  req.body = gemini_request_body(request);
  run_chat(client_, base, std::move(req), timeout, sink, std::move(done), parse_gemini_answer,
           read_gemini_stream_event, true);
}

void GeminiTransport::list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                                  ModelsDone done) {
  net::BaseUrl base;
  if (!net::parse_base_url(provider.base_url, &base)) return done(bad_base_url(), {});
  net::UpstreamRequest req;
  req.path = "/models";
  req.headers = {{"x-goog-api-key", key.secret}};
  req.secret = key.secret;
  run_models(client_, base, std::move(req), timeout, std::move(done), parse_gemini_models);
}

// ---------------------------------------------------------------- dispatch

namespace {
std::unique_ptr<net::EventLoop> started_loop() {
  auto loop = std::make_unique<net::EventLoop>(1);
  loop->start();
  return loop;
}
}  // namespace

WireTransport::WireTransport(net::EventLoop& loops, net::UpstreamOptions options)
    : client_(std::make_unique<net::UpstreamClient>(loops, options)),
      openai_(*client_),
      gemini_(*client_) {}

WireTransport::WireTransport(net::UpstreamOptions options)
    : own_loop_(started_loop()),
      client_(std::make_unique<net::UpstreamClient>(*own_loop_, options)),
      openai_(*client_),
      gemini_(*client_) {}

WireTransport::~WireTransport() {
  client_.reset();  // ends calls in flight and closes the pool, on the loop, while it still runs
  if (own_loop_) own_loop_->stop();
}

ProviderTransport& WireTransport::pick(const ProviderConfig& provider) {
  return provider.wire == WireKind::gemini ? static_cast<ProviderTransport&>(gemini_) : openai_;
}

void WireTransport::chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                         Millis timeout, StreamSink* sink, ChatDone done) {
  pick(provider).chat(provider, key, request, timeout, sink, std::move(done));
}

void WireTransport::list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout, ModelsDone done) {
  pick(provider).list_models(provider, key, timeout, std::move(done));
}

}  // namespace keyward::http
