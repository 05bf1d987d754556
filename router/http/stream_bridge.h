#pragma once
// Hands a streamed answer from the thread that routes it to the HTTP thread
// that writes it. cpp-httplib must know the status before the first byte, and
// the router may fail over until the first delta: so the handler waits until
// either the first delta (-> 200 + SSE) or the whole outcome (-> an ordinary
// answer, e.g. 503 emergency), and only then commits to a status. Bounded: the
// producer blocks while `max_bytes` are queued (a slow client slows the
// upstream read instead of growing memory).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>

#include "router/core/chat_router.h"

namespace keyward::http {

class StreamBridge final : public StreamSink {
 public:
  explicit StreamBridge(size_t max_bytes = 1 << 20) : max_bytes_(max_bytes) {}

  // Producer (routing thread).
  bool on_delta(const std::string& text) override;
  void finish(RouteOutcome outcome);

  // Consumer (HTTP thread). Blocks until a delta is queued or the route ended;
  // true when a delta came first (the stream is committed).
  bool wait_first();
  // Blocks until deltas or the end; moves queued deltas into `out`. False when
  // nothing is left and the route has ended.
  bool next(std::deque<std::string>* out);
  // The client went away (or the response was abandoned): the producer's next
  // on_delta returns false, which aborts the upstream call.
  void close();

  // Valid once the route ended.
  const RouteOutcome& outcome() const { return outcome_; }

 private:
  size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  size_t bytes_ = 0;
  bool any_delta_ = false;
  bool finished_ = false;
  bool closed_ = false;
  RouteOutcome outcome_;
};

}  // namespace keyward::http
