#pragma once
// The boundary between the pure core and the network: one adapter per wire
// protocol (OpenAI-compatible, Gemini) lives in router/http, over the
// asynchronous provider client in router/net.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "router/core/chat.h"
#include "router/core/classifier.h"
#include "router/core/config.h"

namespace keyward {

// A chat call's end: what came back (for classify()) and, on success (2xx),
// the answer (for a stream: the whole text, after every delta went to the sink).
using ChatDone = std::function<void(AttemptResult result, ChatAnswer answer)>;
// A models call's end (key validation): what came back and the model names.
using ModelsDone = std::function<void(AttemptResult result, std::vector<std::string> models)>;

// Receives a streamed answer. The first delta commits the request to this
// provider: before it, the router may still fail over; after it, it may not.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // A delta of a 2xx stream. False: the client went away (or reads too
  // slowly): abort the call. Runs on the transport's thread (an event loop):
  // it must not block.
  virtual bool on_delta(const std::string& text) = 0;
};

class ProviderTransport {
 public:
  virtual ~ProviderTransport() = default;
  // Starts one call. `done` runs exactly once, on any thread (possibly before
  // chat() returns). Arguments are valid only during the call (copy what you
  // need); `sink` (may be null) stays valid until `done` has run. Never
  // throws; honours `timeout` for the whole call.
  virtual void chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request, Millis timeout,
                    StreamSink* sink, ChatDone done) = 0;
  // The cheapest authenticated call (GET /models): key validation. Same rules.
  virtual void list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout, ModelsDone done) = 0;
};

// Calls that complete before they return (scripted test transports,
// in-process benchmarks, and router/http's BlockingOverAsync adapter, which
// waits for an asynchronous transport).
class BlockingTransport : public ProviderTransport {
 public:
  // One chat call: fills `answer` on success, returns what came back.
  virtual AttemptResult chat_now(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                                 Millis timeout, ChatAnswer* answer, StreamSink* sink) = 0;
  // One models call: fills `models` (may be null) on success.
  virtual AttemptResult list_models_now(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                                        std::vector<std::string>* models) = 0;

  // chat_now, then done (before returning).
  void chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request, Millis timeout,
            StreamSink* sink, ChatDone done) final {
    ChatAnswer answer;
    AttemptResult result = chat_now(provider, key, request, timeout, &answer, sink);
    done(std::move(result), std::move(answer));
  }
  // list_models_now, then done (before returning).
  void list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout, ModelsDone done) final {
    std::vector<std::string> models;
    AttemptResult result = list_models_now(provider, key, timeout, &models);
    done(std::move(result), std::move(models));
  }
};

}  // namespace keyward
