#pragma once
// One request through the routing policy: try keys in order, classify each
// failure, update the pool, fall back key by key and provider by provider,
// then a cached answer or an honest emergency verdict. Pure: the transport and
// the clock are injected. Thread-safe: the pool is guarded, calls are not.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "router/core/key_pool.h"
#include "router/core/response_cache.h"
#include "router/core/routing.h"
#include "router/core/transport.h"

namespace keyward {

// One provider call, as the journal and metrics see it.
struct AttemptRecord {
  WallTime at;
  std::string provider;
  int key_index = 0;
  std::string masked_key;
  ErrorClass cls = ErrorClass::ok;
  const char* signal = "";
  int status = 0;
  std::string message;
  MonoTime latency{};
};

struct RouteOutcome {
  enum class Kind { provider, cache, emergency, request_error, stream_failed };
  Kind kind = Kind::emergency;
  ChatAnswer answer;         // provider or cache
  std::string provider;      // who answered (or, for cache, who answered originally)
  int key_index = 0;
  std::string model;         // "groq/llama-3.3-70b-versatile"
  bool stale = false;        // cache: older than the TTL
  Verdict verdict;           // cache / emergency: why nothing answered
  int status = 0;            // request_error: the provider's status
  std::string error;         // request_error / stream_failed: provider's text
  std::vector<AttemptRecord> attempts;
};
const char* to_string(RouteOutcome::Kind k);

// Everything that happens on the request path, for alerts, metrics, journal.
class RouterObserver : public PoolListener {
 public:
  void on_pool_event(const PoolEvent&) override {}
  virtual void on_attempt(const AttemptRecord&) {}
  // Every attempt failed (before the cache is consulted).
  virtual void on_emergency(const Verdict&, WallTime) {}
  virtual void on_outcome(const ChatRequest&, const RouteOutcome&, WallTime) {}
};

class ChatRouter {
 public:
  ChatRouter(RouterConfig config, const Clock& clock, RouterObserver* observer);

  RouteOutcome route(const ChatRequest& request, BlockingTransport& transport, StreamSink* sink = nullptr);

  // Start-up / reload / health-check validation of every key (sequential here;
  // the HTTP layer may validate in parallel and report through record_validation).
  void record_validation(const std::string& provider, int key_index, const AttemptResult& result);

  // Atomic swap to a new configuration; in-flight requests finish on the old
  // pool; unchanged keys keep their history.
  void reload(RouterConfig config);

  // Runs deadline expiry (key_released / provider_restored events).
  void tick();

  // A consistent copy of the pool for status pages.
  struct Snapshot {
    RouterConfig config;
    std::vector<std::vector<KeyHealth>> keys;
    std::vector<ProviderHealth> providers;
    WallTime now;
  };
  Snapshot snapshot() const;
  RouterConfig config() const;

 private:
  struct State {
    explicit State(RouterConfig c, PoolListener* l) : pool(std::move(c), l) {}
    std::mutex mu;
    KeyPool pool;
  };
  std::shared_ptr<State> current() const;

  const Clock& clock_;
  RouterObserver* observer_;
  mutable std::mutex swap_mu_;
  std::shared_ptr<State> state_;
  std::mutex cache_mu_;
  ResponseCache cache_;
};

}  // namespace keyward
