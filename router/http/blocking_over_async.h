#pragma once
// An asynchronous ProviderTransport made synchronous, for the service's route
// handlers until routing itself is asynchronous: each call starts on the
// inner transport and the calling thread waits for its end, bounded by the
// call's timeout plus a grace period (a transport that broke its promise to
// end in time releases the thread anyway, as a timeout).
//
// Streamed deltas arrive on the transport's event loop, which must never
// block; the caller's sink may (the SSE route's responder waits while the
// client reads slowly). So the loop only queues deltas here (bounded: past
// `max_queued_stream_bytes` the call is aborted, as for a client that reads
// too slowly) and the waiting thread hands them to the caller's sink, in
// order, on its own thread, as it did before.
#include <cstddef>

#include "router/core/transport.h"

namespace keyward::http {

class BlockingOverAsync final : public BlockingTransport {
 public:
  explicit BlockingOverAsync(ProviderTransport& inner, Millis grace = Millis(2'000),
                             size_t max_queued_stream_bytes = 1 << 20)
      : inner_(inner), grace_(grace), max_queued_stream_bytes_(max_queued_stream_bytes) {}

  AttemptResult chat_now(const ProviderConfig& provider, const KeyConfig& key, const ChatRequest& request,
                         Millis timeout, ChatAnswer* answer, StreamSink* sink) override;
  AttemptResult list_models_now(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                                std::vector<std::string>* models) override;

 private:
  ProviderTransport& inner_;
  Millis grace_;
  size_t max_queued_stream_bytes_;
};

}  // namespace keyward::http
