#include "router/core/chat_router.h"

namespace keyward {

const char* to_string(RouteOutcome::Kind k) {
  switch (k) {
    case RouteOutcome::Kind::provider: return "provider";
    case RouteOutcome::Kind::cache: return "cache";
    case RouteOutcome::Kind::emergency: return "emergency";
    case RouteOutcome::Kind::request_error: return "request_error";
    case RouteOutcome::Kind::stream_failed: return "stream_failed";
  }
  return "?";
}

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

}  // namespace

ChatRouter::ChatRouter(RouterConfig config, const Clock& clock, RouterObserver* observer)
    : clock_(clock),
      observer_(observer),
      state_(std::make_shared<State>(config, observer)),
      cache_(config.cache) {}

std::shared_ptr<ChatRouter::State> ChatRouter::current() const {
  std::lock_guard lock(swap_mu_);
  return state_;
}

RouterConfig ChatRouter::config() const {
  auto s = current();
  std::lock_guard lock(s->mu);
  return s->pool.config();
}

RouteOutcome ChatRouter::route(const ChatRequest& request, BlockingTransport& transport, StreamSink* sink) {
  auto state = current();  // in-flight requests finish on the pool they started with
  RouteOutcome out;
  RequestProgress progress;
  Millis timeout;
  {
    std::lock_guard lock(state->mu);
    timeout = state->pool.config().timeouts.request;
  }
  for (;;) {
    WallTime now = clock_.wall();
    std::optional<KeyRef> k;
    ProviderConfig provider;
    KeyConfig key;
    {
      std::lock_guard lock(state->mu);
      state->pool.tick(now);
      k = next_attempt(state->pool, progress, now);
      if (k) {
        const auto& pc = state->pool.config().providers[k->provider];
        provider.name = pc.name;
        provider.display_name = pc.display_name;
        provider.wire = pc.wire;
        provider.base_url = pc.base_url;
        provider.model = pc.model;
        key = pc.keys[k->key];
      }
    }
    if (!k) break;

    ChatAnswer answer;
    std::optional<CommitTracker> tracker;
    if (sink) tracker.emplace(sink);
    MonoTime t0 = clock_.monotonic();
    AttemptResult result = transport.chat_now(provider, key, request, timeout, &answer, tracker ? &*tracker : nullptr);
    MonoTime latency = clock_.monotonic() - t0;
    now = clock_.wall();
    Classification c = classify(provider.wire, result, now);
    {
      std::lock_guard lock(state->mu);
      state->pool.record(*k, c, result.status, now);
    }
    AttemptRecord rec{now, provider.name, key.index, key.masked(), c.cls, c.signal, result.status, c.message, latency};
    if (observer_) observer_->on_attempt(rec);
    out.attempts.push_back(rec);
    progress.attempts.push_back({*k, c.cls, result.status, c.message});

    if (c.cls == ErrorClass::ok) {
      out.kind = RouteOutcome::Kind::provider;
      out.provider = provider.name;
      out.key_index = key.index;
      out.model = provider.qualified_model();
      out.answer = std::move(answer);
      {
        std::lock_guard lock(cache_mu_);
        cache_.put(cache_key(request), out.answer, provider.name, now);
      }
      if (observer_) observer_->on_outcome(request, out, now);
      return out;
    }
    if (tracker && tracker->committed()) {
      // Bytes already reached the client: failing over would splice two answers.
      out.kind = RouteOutcome::Kind::stream_failed;
      out.provider = provider.name;
      out.key_index = key.index;
      out.error = c.message;
      if (observer_) observer_->on_outcome(request, out, now);
      return out;
    }
    const ClassPolicy& policy = policy_for(c.cls);
    if (policy.return_to_caller) {
      out.kind = RouteOutcome::Kind::request_error;
      out.provider = provider.name;
      out.status = result.status;
      out.error = c.message;
      if (observer_) observer_->on_outcome(request, out, now);
      return out;
    }
    if (policy.next_provider) progress.providers_given_up.push_back(k->provider);
  }

  WallTime now = clock_.wall();
  {
    std::lock_guard lock(state->mu);
    out.verdict = make_verdict(state->pool, progress, now);
  }
  if (observer_) observer_->on_emergency(out.verdict, now);
  std::optional<CachedAnswer> cached;
  {
    std::lock_guard lock(cache_mu_);
    cached = cache_.get(cache_key(request), now, /*allow_stale=*/true);
  }
  if (cached) {
    out.kind = RouteOutcome::Kind::cache;
    out.answer = cached->answer;
    out.provider = cached->provider;
    out.stale = cached->stale;
    if (const auto* pc = state->pool.config().find(cached->provider)) out.model = pc->qualified_model();
  } else {
    out.kind = RouteOutcome::Kind::emergency;
    out.model = "emergency/fallback";
  }
  if (observer_) observer_->on_outcome(request, out, now);
  return out;
}

void ChatRouter::record_validation(const std::string& provider, int key_index, const AttemptResult& result) {
  auto state = current();
  WallTime now = clock_.wall();
  std::lock_guard lock(state->mu);
  const auto& cfg = state->pool.config();
  for (size_t p = 0; p < cfg.providers.size(); ++p) {
    if (cfg.providers[p].name != provider) continue;
    for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i) {
      if (cfg.providers[p].keys[i].index != key_index) continue;
      state->pool.record_validation({p, i}, classify(cfg.providers[p].wire, result, now), result.status, now);
    }
  }
}

void ChatRouter::reload(RouterConfig config) {
  auto fresh = std::make_shared<State>(std::move(config), observer_);
  auto old = current();
  {
    std::lock_guard lock(old->mu);
    fresh->pool.carry_over_from(old->pool);
  }
  std::lock_guard lock(swap_mu_);
  state_ = std::move(fresh);
}

void ChatRouter::tick() {
  auto state = current();
  std::lock_guard lock(state->mu);
  state->pool.tick(clock_.wall());
}

ChatRouter::Snapshot ChatRouter::snapshot() const {
  auto state = current();
  std::lock_guard lock(state->mu);
  Snapshot s{state->pool.config(), {}, {}, clock_.wall()};
  const auto& cfg = state->pool.config();
  s.keys.resize(cfg.providers.size());
  for (size_t p = 0; p < cfg.providers.size(); ++p) {
    s.providers.push_back(state->pool.provider(p));
    for (size_t i = 0; i < cfg.providers[p].keys.size(); ++i) s.keys[p].push_back(state->pool.key({p, i}));
  }
  return s;
}

}  // namespace keyward
