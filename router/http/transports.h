#pragma once
// ProviderTransport adapters over http_call (our own HTTP/1.1 client, see
// http1_response_parser.h for why): one per wire protocol (OpenAI-compatible
// for Groq/Mistral/OpenAI, Gemini), plus a dispatcher that
// picks by ProviderConfig::wire. All share one keep-alive ClientPool.
#include <cstddef>
#include <memory>

#include "router/core/transport.h"
#include "router/http/client_pool.h"
#include "router/http/http_call.h"

namespace keyward::http {

struct TransportOptions {
  Millis connect_timeout{2'000};     // capped by each call's timeout
  size_t max_body_bytes = 8 << 20;   // larger answers: TransportError::body_too_large
};

class OpenAiTransport final : public ProviderTransport {
 public:
  OpenAiTransport(ClientPool& pool, TransportOptions options) : pool_(pool), options_(options) {}
  AttemptResult chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                     Millis timeout, ChatAnswer* answer, StreamSink* sink) override;
  AttemptResult list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                            std::vector<std::string>* models) override;

 private:
  ClientPool& pool_;
  TransportOptions options_;
};

class GeminiTransport final : public ProviderTransport {
 public:
  GeminiTransport(ClientPool& pool, TransportOptions options) : pool_(pool), options_(options) {}
  AttemptResult chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                     Millis timeout, ChatAnswer* answer, StreamSink* sink) override;
  AttemptResult list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                            std::vector<std::string>* models) override;

 private:
  ClientPool& pool_;
  TransportOptions options_;
};

// Owns a pool and both adapters; routes each call by the provider's wire kind.
class WireTransport final : public ProviderTransport {
 public:
  explicit WireTransport(ClientPoolOptions pool_options = {}, TransportOptions options = {});
  AttemptResult chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                     Millis timeout, ChatAnswer* answer, StreamSink* sink) override;
  AttemptResult list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                            std::vector<std::string>* models) override;
  ClientPool& pool() { return pool_; }

 private:
  ProviderTransport& pick(const ProviderConfig& provider);
  ClientPool pool_;
  OpenAiTransport openai_;
  GeminiTransport gemini_;
};

// Wire translation, exposed for unit tests.
std::string openai_request_body(const std::string& model, const ChatRequest& request, bool stream);
std::string gemini_request_body(const ChatRequest& request);
// False when the body is not a usable answer (malformed_body).
bool parse_openai_answer(const std::string& body, ChatAnswer* answer);
bool parse_gemini_answer(const std::string& body, ChatAnswer* answer);
std::string gemini_finish_reason(const std::string& reason);

}  // namespace keyward::http
