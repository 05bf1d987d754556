#pragma once
// ProviderTransport adapters over the asynchronous provider client
// (router/net/upstream_client.h): one per wire protocol (OpenAI-compatible for
// Groq/Mistral/OpenAI, Gemini), plus a dispatcher that picks by
// ProviderConfig::wire. All share one client, so one keep-alive pool per
// event loop and origin. The wires' JSON is in wire_format.h.
#include <cstddef>
#include <memory>

#include "router/core/transport.h"
#include "router/http/wire_format.h"
#include "router/net/upstream_client.h"

namespace keyward::net {
class EventLoop;
}

namespace keyward::http {

class OpenAiTransport final : public ProviderTransport {
 public:
  explicit OpenAiTransport(net::UpstreamClient& client) : client_(client) {}
  void chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request, Millis timeout,
            StreamSink* sink, ChatDone done) override;
  void list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout, ModelsDone done) override;

 private:
  net::UpstreamClient& client_;
};

class GeminiTransport final : public ProviderTransport {
 public:
  explicit GeminiTransport(net::UpstreamClient& client) : client_(client) {}
  void chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request, Millis timeout,
            StreamSink* sink, ChatDone done) override;
  void list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout, ModelsDone done) override;

 private:
  net::UpstreamClient& client_;
};

// Owns the client and both adapters; routes each call by the provider's wire kind.
class WireTransport final : public ProviderTransport {
 public:
  // Calls run on `loops` (running, and outliving this).
  WireTransport(net::EventLoop& loops, net::UpstreamOptions options = {});
  // Calls run on an event loop of its own, one thread (tools, tests).
  explicit WireTransport(net::UpstreamOptions options = {});
  ~WireTransport() override;

  void chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request, Millis timeout,
            StreamSink* sink, ChatDone done) override;
  void list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout, ModelsDone done) override;

  net::UpstreamClient& client() { return *client_; }

 private:
  ProviderTransport& pick(const ProviderConfig& provider);
  std::unique_ptr<net::EventLoop> own_loop_;  // before the client: it must outlive it
  std::unique_ptr<net::UpstreamClient> client_;
  OpenAiTransport openai_;
  GeminiTransport gemini_;
};

}  // namespace keyward::http
