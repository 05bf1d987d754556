#include "router/http/blocking_over_async.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

namespace keyward::http {

namespace {

using SteadyClock = std::chrono::steady_clock;

AttemptResult gave_up() {
  AttemptResult r;
  r.transport = TransportError::timeout;
  return r;
}

// What the waiting thread and the transport's thread share. Owned by both:
// a call the waiter gave up on may still end later.
struct ChatWait {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  bool abandoned = false;     // the waiter left: refuse every further delta
  bool sink_refused = false;  // the caller's sink said stop: abort the call
  bool too_slow = false;      // the caller fell max_queued_bytes behind: abort the call
  AttemptResult result;
  ChatAnswer answer;
  std::deque<std::string> deltas;  // queued on the loop, delivered by the waiter
  size_t queued_bytes = 0;
  size_t max_queued_bytes = 0;

  // The sink the transport sees: queues and returns at once.
  struct Relay final : StreamSink {
    ChatWait* wait = nullptr;
    bool on_delta(const std::string& text) override {
      std::lock_guard lock(wait->mu);
      if (wait->abandoned || wait->sink_refused) return false;
      if (wait->queued_bytes + text.size() > wait->max_queued_bytes) {
        wait->too_slow = true;
        return false;
      }
      wait->deltas.push_back(text);
      wait->queued_bytes += text.size();
      wait->cv.notify_all();
      return true;
    }
  } relay;
};

}  // namespace

AttemptResult BlockingOverAsync::chat_now(const ProviderConfig& provider, const KeyConfig& key,
                                          const ChatRequest& request, Millis timeout, ChatAnswer* answer,
                                          StreamSink* sink) {
  auto w = std::make_shared<ChatWait>();
  w->relay.wait = w.get();
  w->max_queued_bytes = max_queued_stream_bytes_;
  const auto limit = SteadyClock::now() + timeout + grace_;
  inner_.chat(provider, key, request, timeout, sink ? &w->relay : nullptr, [w](AttemptResult result, ChatAnswer a) {
    std::lock_guard lock(w->mu);
    w->result = std::move(result);
    w->answer = std::move(a);
    w->finished = true;
    w->cv.notify_all();
  });

  std::unique_lock lock(w->mu);
  while (true) {
    if (!w->deltas.empty()) {
      std::deque<std::string> batch;
      batch.swap(w->deltas);
      w->queued_bytes = 0;
      const bool refused = w->sink_refused;
      lock.unlock();
      bool ok = !refused;
      for (const auto& d : batch)
        if (ok) ok = sink->on_delta(d);
      lock.lock();
      if (!ok) w->sink_refused = true;
      continue;
    }
    if (w->finished) break;
    if (w->cv.wait_until(lock, limit) == std::cv_status::timeout && !w->finished && w->deltas.empty()) {
      w->abandoned = true;
      return gave_up();
    }
  }
  AttemptResult result = std::move(w->result);
  if (answer) *answer = std::move(w->answer);
  // The caller's sink refused a delta, or the caller read too slowly: whatever the call ended with after
  // that (a clean end, or the abort it caused), the caller left first.
  if (w->sink_refused || w->too_slow) result.transport = TransportError::client_gone;
  return result;
}

AttemptResult BlockingOverAsync::list_models_now(const ProviderConfig& provider, const KeyConfig& key, Millis timeout,
                                                 std::vector<std::string>* models) {
  struct ModelsWait {
    std::mutex mu;
    std::condition_variable cv;
    bool finished = false;
    AttemptResult result;
    std::vector<std::string> models;
  };
  auto w = std::make_shared<ModelsWait>();
  const auto limit = SteadyClock::now() + timeout + grace_;
  inner_.list_models(provider, key, timeout, [w](AttemptResult result, std::vector<std::string> m) {
    std::lock_guard lock(w->mu);
    w->result = std::move(result);
    w->models = std::move(m);
    w->finished = true;
    w->cv.notify_all();
  });
  std::unique_lock lock(w->mu);
  if (!w->cv.wait_until(lock, limit, [&] { return w->finished; })) return gave_up();
  if (models) *models = std::move(w->models);
  return std::move(w->result);
}

}  // namespace keyward::http
