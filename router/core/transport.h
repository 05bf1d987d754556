#pragma once
// The boundary between the pure core and the network: one adapter per wire
// protocol (OpenAI-compatible, Gemini) lives in router/http.
#include <string>
#include <vector>

#include "router/core/chat.h"
#include "router/core/classifier.h"
#include "router/core/config.h"

namespace keyward {

// Receives a streamed answer. The first delta commits the request to this
// provider: before it, the router may still fail over; after it, it may not.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Returns false when the client has gone away (abort the upstream call).
  virtual bool on_delta(const std::string& text) = 0;
};

class ProviderTransport {
 public:
  virtual ~ProviderTransport() = default;
  // One chat call. On success (2xx) fills `answer` (for a stream: the whole
  // text, after every delta went to `sink`). On failure returns what came
  // back, for classify(). Must never throw and must honour `timeout`.
  virtual AttemptResult chat(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                             Millis timeout, ChatAnswer* answer, StreamSink* sink) = 0;
  // The cheapest authenticated call (GET /models): key validation.
  virtual AttemptResult list_models(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                                    std::vector<std::string>* models) = 0;
};

}  // namespace keyward
