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

// Where an adapter's calls run: on the client's event loops (asynchronous:
// `done` runs on a loop), or on the calling thread (net::UpstreamClient::
// call_here: `done` has run when chat() returns).
enum class CallSite { loops, calling_thread };

class OpenAiTransport final : public ProviderTransport {
 public:
  explicit OpenAiTransport(net::UpstreamClient& client, CallSite site = CallSite::loops)
      : client_(client), site_(site) {}
  void chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request, Millis timeout,
            StreamSink* sink, ChatDone done) override;
  void list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout, ModelsDone done) override;

 private:
  net::UpstreamClient& client_;
  CallSite site_;
};

class GeminiTransport final : public ProviderTransport {
 public:
  explicit GeminiTransport(net::UpstreamClient& client, CallSite site = CallSite::loops)
      : client_(client), site_(site) {}
  void chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request, Millis timeout,
            StreamSink* sink, ChatDone done) override;
  void list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout, ModelsDone done) override;

 private:
  net::UpstreamClient& client_;
  CallSite site_;
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

  // The same calls for synchronous routing, run on the calling thread, which
  // waits for each (no hand-off to a loop and back; a stream's deltas reach
  // the sink on the calling thread). Until routing itself is asynchronous.
  BlockingTransport& on_calling_thread() { return calling_thread_; }

  net::UpstreamClient& client() { return *client_; }

 private:
  class CallingThread final : public BlockingTransport {
   public:
    explicit CallingThread(net::UpstreamClient& client)
        : openai_(client, CallSite::calling_thread), gemini_(client, CallSite::calling_thread) {}
    AttemptResult chat_now(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                           Millis timeout, ChatAnswer* answer, StreamSink* sink) override;
    AttemptResult list_models_now(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                                  std::vector<std::string>* models) override;

   private:
    ProviderTransport& pick(const ProviderConfig& provider);
    OpenAiTransport openai_;
    GeminiTransport gemini_;
  };

  ProviderTransport& pick(const ProviderConfig& provider);
  std::unique_ptr<net::EventLoop> own_loop_;  // before the client: it must outlive it
  std::unique_ptr<net::UpstreamClient> client_;
  OpenAiTransport openai_;
  GeminiTransport gemini_;
  CallingThread calling_thread_;
};

}  // namespace keyward::http
