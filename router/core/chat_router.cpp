#include "router/core/chat_router.h"

#include <algorithm>

#include "base/assert.h"

namespace keyward {

const char* to_string(RouteOutcome::Kind k) {
  switch (k) {
    case RouteOutcome::Kind::provider: return "provider";
    case RouteOutcome::Kind::cache: return "cache";
    case RouteOutcome::Kind::emergency: return "emergency";
    case RouteOutcome::Kind::request_error: return "request_error";
    case RouteOutcome::Kind::stream_failed: return "stream_failed";
    case RouteOutcome::Kind::cancelled: return "cancelled";
  }
  return "?";
}

struct RouterState {
  explicit RouterState(RouterConfig c) : pool(std::move(c)) {}
  std::mutex mu;
  KeyPool pool;
  // Sessions parked in a `wait` step, woken when any call of this pool ends.
  std::vector<std::pair<RouteSession*, std::shared_ptr<RouteWaker>>> waiters;
};

namespace {

// Remembers whether any byte reached the client: from then on, no failover.
class CommitTracker final : public StreamSink {
 public:
  explicit CommitTracker(StreamSink* inner) : inner_(inner) {}
  bool on_delta(const std::string& text) override {
    committed_ = true;
    return inner_->on_delta(text);
  }
  bool committed() const { return committed_; }

 private:
  StreamSink* inner_;
  bool committed_ = false;
};

// route()'s wait: the thread sleeps until a probe ends (no timeout: the
// probing request's call is itself bounded by its timeout).
class BlockingWaker final : public RouteWaker {
 public:
  void wake() override {
    std::lock_guard lock(mu_);
    woken_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return woken_; });
    woken_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
};

void remove_waiter(RouterState& state, RouteSession* s) {
  auto& w = state.waiters;
  w.erase(std::remove_if(w.begin(), w.end(), [&](const auto& p) { return p.first == s; }), w.end());
}

}  // namespace

RouteSession::~RouteSession() {
  if (!state_ || (!waiting_ && !calling_)) return;
  std::vector<std::shared_ptr<RouteWaker>> wake;
  {
    std::lock_guard lock(state_->mu);
    if (waiting_) remove_waiter(*state_, this);
    if (calling_) {
      // Abandoned mid-call: the key may be probed by someone else now.
      state_->pool.end_call(*calling_);
      for (auto& [s, w] : state_->waiters) {
        s->waiting_ = false;
        if (w) wake.push_back(std::move(w));
      }
      state_->waiters.clear();
    }
  }
  for (auto& w : wake) w->wake();
}

ChatRouter::ChatRouter(RouterConfig config, const Clock& clock, RouterObserver* observer)
    : clock_(clock), observer_(observer), state_(std::make_shared<RouterState>(config)), cache_(config.cache) {}

ChatRouter::~ChatRouter() = default;

std::mutex& ChatRouter::state_mutex(RouterState& s) { return s.mu; }
KeyPool& ChatRouter::state_pool(RouterState& s) { return s.pool; }

std::shared_ptr<RouterState> ChatRouter::current() const {
  std::lock_guard lock(swap_mu_);
  return state_;
}

RouterConfig ChatRouter::config() const {
  auto s = current();
  std::lock_guard lock(s->mu);
  return s->pool.config();
}

void ChatRouter::deliver(uint64_t ticket, const Batch& b) {
  std::unique_lock lock(deliver_mu_);
  deliver_cv_.wait(lock, [&] { return serving_ == ticket; });
  lock.unlock();
  // The turn passes on even if an observer throws: a stuck ticket would stop
  // every later request.
  struct PassTurn {
    ChatRouter& r;
    ~PassTurn() {
      std::lock_guard l(r.deliver_mu_);
      ++r.serving_;
      r.deliver_cv_.notify_all();
    }
  } pass{*this};
  if (!observer_) return;
  for (const auto& e : b.events) observer_->on_pool_event(e);
  if (b.attempt) observer_->on_attempt(*b.attempt);
  if (b.emergency) observer_->on_emergency(*b.emergency, b.at);
  if (b.outcome) observer_->on_outcome(*b.request, *b.outcome, b.at);
}

std::vector<std::shared_ptr<RouteWaker>> ChatRouter::take_waiters(RouterState& state) {
  std::vector<std::shared_ptr<RouteWaker>> out;
  for (auto& [s, w] : state.waiters) {
    s->waiting_ = false;
    if (w) out.push_back(std::move(w));
  }
  state.waiters.clear();
  return out;
}

void ChatRouter::wake(const std::vector<std::shared_ptr<RouteWaker>>& wakers) {
  for (const auto& w : wakers) w->wake();
}

std::unique_ptr<RouteSession> ChatRouter::begin(ChatRequest request, std::shared_ptr<RouteWaker> waker) {
  std::unique_ptr<RouteSession> s(new RouteSession());
  s->request_ = std::move(request);
  s->state_ = current();
  s->waker_ = std::move(waker);
  return s;
}

RouteStep ChatRouter::next(RouteSession& s) {
  RouteStep step;
  if (s.done_) return step;
  RouterState& state = *s.state_;
  WallTime now = clock_.wall();
  std::vector<PoolEvent> events;
  uint64_t ticket = 0;
  std::optional<Verdict> verdict;
  {
    std::lock_guard lock(state.mu);
    state.pool.tick(now);
    NextAttempt pick = next_attempt(state.pool, s.progress_, now);
    switch (pick.kind) {
      case NextAttempt::Kind::call: {
        // The safety property of the whole router: never call a key that is
        // out of service, never the same key twice for one request, and a
        // bounded number of calls.
        KEYWARD_ASSERT(state.pool.key_usable(pick.key, now) && !s.progress_.tried(pick.key));
        KEYWARD_ASSERT(s.progress_.attempts.size() < static_cast<size_t>(state.pool.config().routing.max_attempts));
        const auto& pc = state.pool.config().providers[pick.key.provider];
        step.kind = RouteStep::Kind::call;
        step.provider.name = pc.name;
        step.provider.display_name = pc.display_name;
        step.provider.wire = pc.wire;
        step.provider.base_url = pc.base_url;
        step.provider.model = pc.model;
        step.key = pc.keys[pick.key.key];
        step.timeout = state.pool.config().timeouts.request;
        s.calling_ = pick.key;
        s.provider_ = step.provider;
        s.key_ = step.key;
        s.call_started_ = clock_.monotonic();
        break;
      }
      case NextAttempt::Kind::wait:
        step.kind = RouteStep::Kind::wait;
        // As long as the probe itself may take: its verdict is due by then.
        step.timeout = state.pool.config().timeouts.request;
        if (!s.waiting_) {
          s.waiting_ = true;
          state.waiters.emplace_back(&s, s.waker_.lock());
        }
        break;
      case NextAttempt::Kind::none:
        verdict = make_verdict(state.pool, s.progress_, now);
        verdict->request_id = s.request_.request_id;
        break;
    }
    events = state.pool.take_events();
    if (!events.empty() || verdict) ticket = take_ticket();
  }
  if (verdict) {
    finish_without_answer(s, std::move(*verdict), std::move(events), ticket, now);
    return step;  // done
  }
  if (!events.empty()) {
    Batch b;
    b.events = std::move(events);
    deliver(ticket, b);
  }
  return step;
}

void ChatRouter::finish_without_answer(RouteSession& s, Verdict verdict, std::vector<PoolEvent> events,
                                       uint64_t ticket, WallTime now) {
  RouteOutcome& out = s.out_;
  out.verdict = std::move(verdict);
  std::optional<CachedAnswer> cached;
  {
    std::lock_guard lock(cache_mu_);
    cached = cache_.get(cache_key(s.request_), now, /*allow_stale=*/true);
  }
  if (cached) {
    out.kind = RouteOutcome::Kind::cache;
    out.answer = cached->answer;
    out.provider = cached->provider;
    out.stale = cached->stale;
    if (const auto* pc = s.state_->pool.config().find(cached->provider)) out.model = pc->qualified_model();
  } else {
    out.kind = RouteOutcome::Kind::emergency;
    out.model = "emergency/fallback";
  }
  s.done_ = true;
  Batch b;
  b.events = std::move(events);
  b.emergency = &out.verdict;
  b.request = &s.request_;
  b.outcome = &out;
  b.at = now;
  deliver(ticket, b);
}

void ChatRouter::complete(RouteSession& s, const AttemptResult& result, ChatAnswer answer, bool committed) {
  if (!s.calling_ || s.done_) return;
  KeyRef k = *s.calling_;
  s.calling_.reset();
  MonoTime latency = clock_.monotonic() - s.call_started_;
  WallTime now = clock_.wall();
  Classification c = classify(result, now);
  RouterState& state = *s.state_;
  std::vector<PoolEvent> events;
  std::vector<std::shared_ptr<RouteWaker>> wakers;
  uint64_t ticket;
  {
    std::lock_guard lock(state.mu);
    state.pool.end_call(k);
    state.pool.record(k, c, result.status, now, s.request_.request_id);
    events = state.pool.take_events();
    wakers = take_waiters(state);
    ticket = take_ticket();
  }
  // Parked requests re-evaluate at once; their notifications queue behind ours.
  wake(wakers);

  AttemptRecord rec{
      now,       s.provider_.name, s.key_.index,          s.key_.masked(),   c.cls,           c.signal, result.status,
      c.message, latency,          s.request_.request_id, s.provider_.model, s.provider_.wire};
  RouteOutcome& out = s.out_;
  out.attempts.push_back(rec);
  s.progress_.attempts.push_back({k, c.cls, result.status, c.message});

  const ClassPolicy& policy = policy_for(c.cls);
  if (c.cls == ErrorClass::ok) {
    out.kind = RouteOutcome::Kind::provider;
    out.provider = s.provider_.name;
    out.key_index = s.key_.index;
    out.model = s.provider_.qualified_model();
    out.answer = std::move(answer);
    std::lock_guard lock(cache_mu_);
    cache_.put(cache_key(s.request_), out.answer, s.provider_.name, now);
    s.done_ = true;
  } else if (c.cls == ErrorClass::cancelled) {
    out.kind = RouteOutcome::Kind::cancelled;
    out.provider = s.provider_.name;
    out.key_index = s.key_.index;
    out.error = c.message;
    s.done_ = true;
  } else if (committed) {
    // Bytes already reached the client: failing over would splice two answers.
    out.kind = RouteOutcome::Kind::stream_failed;
    out.provider = s.provider_.name;
    out.key_index = s.key_.index;
    out.error = c.message;
    s.done_ = true;
  } else if (policy.return_to_caller) {
    out.kind = RouteOutcome::Kind::request_error;
    out.provider = s.provider_.name;
    out.status = result.status;
    out.error = c.message;
    s.done_ = true;
  } else if (policy.next_provider) {
    s.progress_.providers_given_up.push_back(k.provider);
  }
  Batch b;
  b.events = std::move(events);
  b.attempt = rec;
  if (s.done_) {
    b.request = &s.request_;
    b.outcome = &out;
    b.at = now;
  }
  deliver(ticket, b);
}

void ChatRouter::give_up_waiting(RouteSession& s) {
  std::lock_guard lock(s.state_->mu);
  if (s.waiting_) remove_waiter(*s.state_, &s);
  s.waiting_ = false;
  s.progress_.stop_waiting = true;
}

RouteOutcome ChatRouter::route(const ChatRequest& request, BlockingTransport& transport, StreamSink* sink) {
  auto waker = std::make_shared<BlockingWaker>();
  auto s = begin(request, waker);
  for (;;) {
    RouteStep step = next(*s);
    switch (step.kind) {
      case RouteStep::Kind::done:
        return std::move(s->out_);
      case RouteStep::Kind::wait:
        waker->wait();
        break;
      case RouteStep::Kind::call: {
        ChatAnswer answer;
        std::optional<CommitTracker> tracker;
        if (sink) tracker.emplace(sink);
        AttemptResult result = transport.chat_now(step.provider, step.key, s->request_, step.timeout, &answer,
                                                  tracker ? &*tracker : nullptr);
        complete(*s, result, std::move(answer), tracker && tracker->committed());
        break;
      }
    }
  }
}

void ChatRouter::record_validation(const std::string& provider, int key_index, const AttemptResult& result) {
  // A verdict on a key: parked requests re-evaluate.
  update_pool(/*wake_waiters=*/true, [&](KeyPool& pool, WallTime now) {
    const auto& cfg = pool.config();
    for (size_t p = 0; p < cfg.providers.size(); ++p) {
      if (cfg.providers[p].name != provider) continue;
      for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i)
        if (cfg.providers[p].keys[i].index == key_index)
          pool.record_validation({p, i}, classify(result, now), result.status, now);
    }
  });
}

void ChatRouter::merge_shared(const std::string& provider, int key_index, const SharedKeyState& facts) {
  update_pool(/*wake_waiters=*/true, [&](KeyPool& pool, WallTime now) {
    const auto& cfg = pool.config();
    for (size_t p = 0; p < cfg.providers.size(); ++p) {
      if (cfg.providers[p].name != provider) continue;
      for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i)
        if (cfg.providers[p].keys[i].index == key_index) pool.merge_shared({p, i}, facts, now);
    }
  });
}

void ChatRouter::merge_shared_provider(const std::string& provider, const SharedProviderState& facts) {
  update_pool(/*wake_waiters=*/false, [&](KeyPool& pool, WallTime now) {
    const auto& cfg = pool.config();
    for (size_t p = 0; p < cfg.providers.size(); ++p)
      if (cfg.providers[p].name == provider) pool.merge_shared_provider(p, facts, now);
  });
}

ChatRouter::KeyToggle ChatRouter::set_key_disabled(const std::string& provider, int key_index, bool disabled) {
  KeyToggle result = KeyToggle::unknown_provider;
  update_pool(/*wake_waiters=*/true, [&](KeyPool& pool, WallTime now) {
    const auto& cfg = pool.config();
    for (size_t p = 0; p < cfg.providers.size(); ++p) {
      if (cfg.providers[p].name != provider) continue;
      result = KeyToggle::unknown_key;
      for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i) {
        if (cfg.providers[p].keys[i].index != key_index) continue;
        bool changed = disabled ? pool.disable({p, i}, now) : pool.enable({p, i}, now);
        result = changed ? KeyToggle::changed : KeyToggle::unchanged;
      }
    }
  });
  return result;
}

void ChatRouter::reload(RouterConfig config) {
  auto fresh = std::make_shared<RouterState>(std::move(config));
  auto old = current();
  {
    std::lock_guard lock(old->mu);
    fresh->pool.carry_over_from(old->pool);
  }
  std::lock_guard lock(swap_mu_);
  state_ = std::move(fresh);
}

void ChatRouter::tick() {
  update_pool(/*wake_waiters=*/false, [](KeyPool& pool, WallTime now) { pool.tick(now); });
}

ChatRouter::Snapshot ChatRouter::snapshot() const {
  auto state = current();
  std::lock_guard lock(state->mu);
  Snapshot s{state->pool.config(), {}, {}, {}, clock_.wall()};
  const auto& cfg = state->pool.config();
  s.keys.resize(cfg.providers.size());
  s.uncertain.resize(cfg.providers.size());
  for (size_t p = 0; p < cfg.providers.size(); ++p) {
    s.providers.push_back(state->pool.provider(p));
    for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i) {
      s.keys[p].push_back(state->pool.key({p, i}));
      s.uncertain[p].push_back(state->pool.uncertain({p, i}, s.now));
    }
  }
  return s;
}

size_t ChatRouter::waiting() const {
  auto state = current();
  std::lock_guard lock(state->mu);
  return state->waiters.size();
}

}  // namespace keyward
