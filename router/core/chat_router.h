#pragma once
// One request through the routing policy: try keys in order, classify each
// failure, update the pool, fall back key by key and provider by provider,
// then a cached answer or an honest emergency verdict. Pure: the transport
// and the clock are injected; no sockets, no threads of its own.
//
// A request is a RouteSession driven in steps — begin(), then next() until it
// says `done`, with complete() after each `call` — so that a driver can run
// provider calls asynchronously and park a request that must wait (for a
// probe of an uncertain key, see routing.h) as a continuation instead of a
// blocked thread. route() is the synchronous driver, for transports that
// answer before they return (tests, benchmarks).
//
// Thread-safe. The pool is guarded by a lock that covers pool transitions
// only: observers hear of everything after it is released, in the order the
// pool saw it (each batch of notifications takes a ticket under the lock and
// is delivered when its turn comes), so no listener's work — an alert, a
// journal line — ever runs under the pool's lock.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
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
  std::string request_id;
  // The configured model asked for and the provider's wire: what
  // OpenTelemetry's GenAI metrics label an operation with (genai_metrics.h).
  std::string model;
  WireKind wire = WireKind::openai;
};

struct RouteOutcome {
  // cancelled: the caller went away mid-answer; nothing was held against
  // the key or the provider and nobody is left to answer.
  enum class Kind { provider, cache, emergency, request_error, stream_failed, cancelled };
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
// Called without the pool's lock, one notification at a time, in pool order.
// Must not call back into the ChatRouter.
class RouterObserver : public PoolListener {
 public:
  void on_pool_event(const PoolEvent&) override {}
  virtual void on_attempt(const AttemptRecord&) {}
  // Every attempt failed (before the cache is consulted).
  virtual void on_emergency(const Verdict&, WallTime) {}
  virtual void on_outcome(const ChatRequest&, const RouteOutcome&, WallTime) {}
};

// Resumes a session that next() parked with a `wait` step: another request's
// probe has ended, call next() again. Runs on the thread that recorded the
// probe, after the router released its locks; must be quick (post the
// continuation somewhere). May be called more than once per wait, and after
// the wait ended for another reason: a woken session just re-evaluates.
class RouteWaker {
 public:
  virtual ~RouteWaker() = default;
  virtual void wake() = 0;
};

struct RouteStep {
  enum class Kind {
    call,  // make one provider call, then complete()
    wait,  // park until the waker wakes, at most `timeout`; then give_up_waiting() and next()
    done,  // the outcome is in the session
  };
  Kind kind = Kind::done;
  // call: copies, because a reload may swap the pool while the call runs.
  ProviderConfig provider;
  KeyConfig key;
  Millis timeout{0};  // call: the provider call's bound; wait: the longest wait
};

struct RouterState;  // one configuration's pool and its waiting sessions

class RouteSession {
 public:
  ~RouteSession();  // releases an unfinished call and a pending wait
  RouteSession(const RouteSession&) = delete;
  RouteSession& operator=(const RouteSession&) = delete;

  const ChatRequest& request() const { return request_; }
  bool done() const { return done_; }
  // Valid once next() returned `done`.
  const RouteOutcome& outcome() const { return out_; }
  RouteOutcome& outcome() { return out_; }

 private:
  friend class ChatRouter;
  RouteSession() = default;

  ChatRequest request_;
  std::shared_ptr<RouterState> state_;  // in-flight requests finish on the pool they started with
  // Weak: a driver's task usually owns its session and is its waker too. The
  // router's waiter list holds it strongly while the session is parked.
  std::weak_ptr<RouteWaker> waker_;
  RequestProgress progress_;
  RouteOutcome out_;
  std::optional<KeyRef> calling_;  // the key of the call in flight
  ProviderConfig provider_;        // ... and its configuration
  KeyConfig key_;
  MonoTime call_started_{};
  bool waiting_ = false;           // registered with the state's waiters
  bool done_ = false;
};

class ChatRouter {
 public:
  ChatRouter(RouterConfig config, const Clock& clock, RouterObserver* observer);
  ~ChatRouter();

  // Starts a request. `waker` may be null for drivers that never wait
  // (then a `wait` step must be followed by give_up_waiting()). The router
  // holds it weakly: the caller keeps it alive while the session may wait.
  std::unique_ptr<RouteSession> begin(ChatRequest request, std::shared_ptr<RouteWaker> waker = nullptr);
  // What the session does now: a call, a wait or done.
  RouteStep next(RouteSession& session);
  // The result of the session's call. `committed`: bytes of this call's
  // stream already reached the client (no failover after that).
  void complete(RouteSession& session, const AttemptResult& result, ChatAnswer answer, bool committed = false);
  // The wait of a `wait` step ran out: the session passes over keys that
  // are still being probed (it may still answer from another provider).
  void give_up_waiting(RouteSession& session);

  // The synchronous driver: runs the session to the end on the calling
  // thread. A wait blocks the thread until the probing request records its
  // verdict (that request's call is bounded by its own timeout).
  RouteOutcome route(const ChatRequest& request, BlockingTransport& transport, StreamSink* sink = nullptr);

  // Start-up / reload / health-check validation: records one key's ping.
  void record_validation(const std::string& provider, int key_index, const AttemptResult& result);

  // Cluster mode: facts another replica shares about a key (by provider and
  // key index of this router's configuration) or a provider; merged into the
  // current pool (KeyPool::merge_shared) and heard by observers as events
  // with `remote` set.
  void merge_shared(const std::string& provider, int key_index, const SharedKeyState& facts);
  void merge_shared_provider(const std::string& provider, const SharedProviderState& facts);

  // The operator takes a key (by provider name and key index) out of
  // rotation or puts it back (KeyPool::disable / enable). Parked requests
  // re-evaluate at once: one waiting for a probe of a key just disabled
  // moves on instead of waiting for it.
  enum class KeyToggle { changed, unchanged, unknown_provider, unknown_key };
  KeyToggle set_key_disabled(const std::string& provider, int key_index, bool disabled);

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
    std::vector<std::vector<bool>> uncertain;  // per key: probed by one request at a time
    WallTime now;
  };
  Snapshot snapshot() const;
  RouterConfig config() const;
  // Sessions parked in a `wait` step on the current configuration.
  size_t waiting() const;

 private:
  // Observer notifications of one pool transition (or request end), in order.
  struct Batch {
    std::vector<PoolEvent> events;
    std::optional<AttemptRecord> attempt;
    const Verdict* emergency = nullptr;
    const RouteOutcome* outcome = nullptr;
    const ChatRequest* request = nullptr;
    WallTime at{};
  };
  std::shared_ptr<RouterState> current() const;
  // Runs `change(pool, now)` under the current pool's lock, then delivers the
  // events it produced (and wakes parked requests if asked) after unlocking.
  template <typename Change>
  void update_pool(bool wake_waiters, Change change);
  uint64_t take_ticket() { return next_ticket_.fetch_add(1); }
  void deliver(uint64_t ticket, const Batch& batch);
  // Under the state's lock: the wakers to call once it is released.
  static std::vector<std::shared_ptr<RouteWaker>> take_waiters(RouterState& state);
  static void wake(const std::vector<std::shared_ptr<RouteWaker>>& wakers);
  // RouterState is defined in the .cpp; update_pool() reaches it through these.
  static std::mutex& state_mutex(RouterState& s);
  static KeyPool& state_pool(RouterState& s);
  // The session ran out of keys: verdict, cache or emergency.
  void finish_without_answer(RouteSession& s, Verdict verdict, std::vector<PoolEvent> events, uint64_t ticket,
                             WallTime now);

  const Clock& clock_;
  RouterObserver* observer_;
  mutable std::mutex swap_mu_;
  std::shared_ptr<RouterState> state_;
  std::mutex cache_mu_;
  ResponseCache cache_;

  // Ticketed delivery (see the header comment).
  std::atomic<uint64_t> next_ticket_{0};
  std::mutex deliver_mu_;
  std::condition_variable deliver_cv_;
  uint64_t serving_ = 0;
};

template <typename Change>
void ChatRouter::update_pool(bool wake_waiters, Change change) {
  auto state = current();
  WallTime now = clock_.wall();
  Batch batch;
  std::vector<std::shared_ptr<RouteWaker>> wakers;
  uint64_t ticket = 0;
  {
    std::lock_guard lock(state_mutex(*state));
    KeyPool& pool = state_pool(*state);
    change(pool, now);
    batch.events = pool.take_events();
    if (batch.events.empty()) return;
    if (wake_waiters) wakers = take_waiters(*state);
    ticket = take_ticket();
  }
  wake(wakers);
  deliver(ticket, batch);
}

}  // namespace keyward
