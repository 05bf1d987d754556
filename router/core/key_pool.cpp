#include "router/core/key_pool.h"

#include <algorithm>

#include "base/assert.h"
#include "base/utc_time.h"

namespace keyward {

const char* to_string(KeyState s) {
  switch (s) {
    case KeyState::healthy: return "healthy";
    case KeyState::quarantined: return "quarantined";
    case KeyState::exhausted: return "exhausted";
    case KeyState::rate_limited: return "rate_limited";
  }
  return "?";
}

const char* to_string(PoolEventKind k) {
  switch (k) {
    case PoolEventKind::attempt_ok: return "attempt_ok";
    case PoolEventKind::attempt_failed: return "attempt_failed";
    case PoolEventKind::key_quarantined: return "key_quarantined";
    case PoolEventKind::key_exhausted: return "key_exhausted";
    case PoolEventKind::key_rate_limited: return "key_rate_limited";
    case PoolEventKind::key_released: return "key_released";
    case PoolEventKind::key_recovered: return "key_recovered";
    case PoolEventKind::key_validated: return "key_validated";
    case PoolEventKind::key_validation_failed: return "key_validation_failed";
    case PoolEventKind::provider_ejected: return "provider_ejected";
    case PoolEventKind::provider_restored: return "provider_restored";
    case PoolEventKind::key_disabled: return "key_disabled";
    case PoolEventKind::key_enabled: return "key_enabled";
  }
  return "?";
}

// ----------------------------------------------------------------- views ----

bool ProviderView::usable(WallTime now) const {
  if (!enabled || ejected_at(now)) return false;
  return std::any_of(keys.begin(), keys.end(), [&](const KeyView& k) { return k.usable(now); });
}

bool ProviderView::all_keys_out(WallTime now) const {
  return !keys.empty() && std::all_of(keys.begin(), keys.end(), [&](const KeyView& k) { return k.out(now); });
}

const KeyView* ProviderView::key(int index) const {
  for (const auto& k : keys)
    if (k.index == index) return &k;
  return nullptr;
}

const ProviderView* PoolView::provider(const std::string& name) const {
  for (const auto& p : providers)
    if (p.name == name) return &p;
  return nullptr;
}

std::string PoolView::fallback_after(const std::string& name, WallTime now) const {
  for (const auto& p : providers)
    if (p.name != name && p.usable(now)) return p.display_name;
  return "";
}

bool PoolView::any_backup(const std::string& name, int key_index, WallTime now) const {
  if (const auto* p = provider(name)) {
    if (!p->ejected_at(now) &&
        std::any_of(p->keys.begin(), p->keys.end(),
                    [&](const KeyView& k) { return k.index != key_index && k.usable(now); }))
      return true;
  }
  return !fallback_after(name, now).empty();
}

// ------------------------------------------------------------------ pool ----

KeyPool::KeyPool(RouterConfig config) : config_(std::move(config)) {
  keys_.resize(config_.providers.size());
  for (size_t p = 0; p < config_.providers.size(); ++p) keys_[p].resize(config_.providers[p].keys.size());
  providers_.resize(config_.providers.size());
}

const KeyHealth& KeyPool::key(KeyRef k) const {
  KEYWARD_ASSERT(k.provider < keys_.size() && k.key < keys_[k.provider].size());
  return keys_[k.provider][k.key];
}

KeyHealth& KeyPool::key_mut(KeyRef k) {
  KEYWARD_ASSERT(k.provider < keys_.size() && k.key < keys_[k.provider].size());
  return keys_[k.provider][k.key];
}

const ProviderHealth& KeyPool::provider(size_t p) const {
  KEYWARD_ASSERT(p < providers_.size());
  return providers_[p];
}

const KeyConfig& KeyPool::key_config(KeyRef k) const {
  KEYWARD_ASSERT(k.provider < config_.providers.size() && k.key < config_.providers[k.provider].keys.size());
  return config_.providers[k.provider].keys[k.key];
}

int KeyPool::weight(KeyRef k) const { return std::max(1, key_config(k).weight); }

bool KeyPool::provider_usable(size_t p, WallTime now) const {
  const auto& ph = provider(p);
  return config_.providers[p].enabled && (!ph.ejected || now >= ph.ejected_until);
}

bool KeyPool::key_usable(KeyRef k, WallTime now) const {
  const auto& kh = key(k);
  return !kh.disabled && provider_usable(k.provider, now) && (kh.state == KeyState::healthy || now >= kh.until);
}

WallTime KeyPool::usable_at(KeyRef k, WallTime now) const {
  const auto& kh = key(k);
  WallTime t = now;
  if (kh.state != KeyState::healthy) t = std::max(t, kh.until);
  const auto& ph = providers_[k.provider];
  if (ph.ejected) t = std::max(t, ph.ejected_until);
  return t;
}

bool KeyPool::uncertain(KeyRef k, WallTime now) const {
  const auto& kh = key(k);
  if (kh.success_seq == 0 || !kh.last_success) return true;
  if (kh.failure_seq > kh.success_seq || kh.released_seq > kh.success_seq) return true;
  if (providers_[k.provider].alarm_seq > kh.success_seq) return true;
  Millis fresh = config_.routing.probe_fresh_for;
  return fresh.count() > 0 && now - *kh.last_success > fresh;
}

bool KeyPool::admits_call(KeyRef k, WallTime now) const { return key(k).in_flight == 0 || !uncertain(k, now); }

void KeyPool::begin_call(KeyRef k) { key_mut(k).in_flight += 1; }

void KeyPool::end_call(KeyRef k) {
  auto& kh = key_mut(k);
  KEYWARD_ASSERT(kh.in_flight > 0);  // end_call pairs with begin_call
  kh.in_flight -= 1;
}

void KeyPool::emit(PoolEventKind kind, KeyRef k, WallTime now, const Classification* c, int status,
                   std::optional<WallTime> until) {
  PoolEvent e{};
  e.kind = kind;
  e.at = now;
  e.provider = config_.providers[k.provider].name;
  e.key_index = key_config(k).index;
  e.masked_key = key_config(k).masked();
  if (c) {
    e.cls = c->cls;
    e.message = c->message;
  }
  e.status = status;
  e.until = until;
  e.strikes = key(k).strikes;
  e.state = key(k).state;
  e.request_id = event_request_id_;
  events_.push_back(std::move(e));
}

void KeyPool::emit_provider(PoolEventKind kind, size_t p, WallTime now, std::optional<WallTime> until) {
  PoolEvent e{};
  e.kind = kind;
  e.at = now;
  e.provider = config_.providers[p].name;
  e.cls = providers_[p].last_class;
  e.message = providers_[p].last_error;
  e.until = until;
  e.request_id = event_request_id_;
  events_.push_back(std::move(e));
}

std::shared_ptr<const PoolView> KeyPool::view() {
  if (view_) return view_;
  auto v = std::make_shared<PoolView>();
  for (size_t p = 0; p < config_.providers.size(); ++p) {
    const auto& pc = config_.providers[p];
    const auto& ph = providers_[p];
    ProviderView pv{pc.name, pc.display_name, pc.enabled, ph.ejected, ph.ejected_until, ph.shared, {}};
    for (size_t i = 0; i < pc.keys.size(); ++i) {
      const auto& kh = keys_[p][i];
      pv.keys.push_back({pc.keys[i].index, pc.keys[i].masked(), kh.state, kh.until, kh.last_class, kh.last_status,
                         kh.last_error, kh.success_seq > 0 && kh.success_seq > kh.failure_seq, kh.shared,
                         kh.disabled});
    }
    v->providers.push_back(std::move(pv));
  }
  view_ = std::move(v);
  return view_;
}

std::vector<PoolEvent> KeyPool::take_events() {
  if (events_.empty()) return {};
  auto v = view();
  for (auto& e : events_) e.view = v;
  std::vector<PoolEvent> out;
  out.swap(events_);
  return out;
}

void KeyPool::apply_failure_state(KeyRef k, const Classification& c, int status, WallTime now) {
  auto& kh = key_mut(k);
  const auto& q = config_.quarantine;
  switch (policy_for(c.cls).key) {
    case KeyAction::quarantine: {
      // Forgive one strike per decay interval since the last offence.
      if (kh.last_auth_failure && q.strike_decay.count() > 0) {
        auto forgiven = static_cast<int>((now - *kh.last_auth_failure) / q.strike_decay);
        kh.strikes = std::max(0, kh.strikes - forgiven);
      }
      kh.strikes += 1;
      kh.last_auth_failure = now;
      auto length = std::min(q.auth_base * kh.strikes, q.auth_max);
      // The config reader admits no negative durations: a quarantine never ends before it starts.
      KEYWARD_ASSERT(length >= Millis(0));
      kh.state = KeyState::quarantined;
      kh.since = now;
      kh.until = now + length;
      kh.validated = false;
      kh.shared.quarantined.merge({now, kh.until});
      kh.shared.strikes = std::max(kh.shared.strikes, kh.strikes);
      // Keys are usually regenerated together: its siblings' evidence is stale now.
      raise_alarm(k.provider);
      emit(PoolEventKind::key_quarantined, k, now, &c, status, kh.until);
      break;
    }
    case KeyAction::exhaust_until_reset:
      kh.state = KeyState::exhausted;
      kh.since = now;
      kh.until = c.usable_at.value_or(next_midnight_utc(now));
      kh.shared.exhausted.merge({now, kh.until});
      emit(PoolEventKind::key_exhausted, k, now, &c, status, kh.until);
      break;
    case KeyAction::rate_limit_until:
      kh.state = KeyState::rate_limited;
      kh.since = now;
      kh.until = c.usable_at.value_or(now + q.rate_limit_default);
      kh.shared.rate_limited.merge({now, kh.until});
      emit(PoolEventKind::key_rate_limited, k, now, &c, status, kh.until);
      break;
    case KeyAction::none:
    case KeyAction::mark_healthy:
      return;
  }
  kh.shared.last_class = c.cls;
  kh.shared.last_status = status;
  kh.shared.last_error = c.message;
}

void KeyPool::note_success(KeyHealth& kh, WallTime now) {
  if (kh.state != KeyState::healthy) kh.since = now;
  kh.state = KeyState::healthy;
  kh.last_success = now;
  kh.success_seq = ++seq_;
  kh.validated = true;
  if (kh.shared.last_success < now) kh.shared.last_success = now;
}

void KeyPool::record(KeyRef k, const Classification& c, int status, WallTime now, const std::string& request_id) {
  auto& kh = key_mut(k);
  KEYWARD_ASSERT(k.provider < providers_.size());
  auto& ph = providers_[k.provider];
  const auto& policy = policy_for(c.cls);
  // The caller left before the answer was complete: no evidence either way.
  // An uncertain key stays uncertain; its probe slot was freed by end_call().
  if (c.cls == ErrorClass::cancelled) return;
  event_request_id_ = request_id;
  kh.attempts += 1;
  if (c.cls == ErrorClass::ok) {
    KEYWARD_ASSERT(policy.key == KeyAction::mark_healthy);
    bool was_failing = kh.state != KeyState::healthy || (kh.last_failure && !kh.validated);
    bool was_proven = kh.success_seq > 0 && kh.success_seq > kh.failure_seq;
    note_success(kh, now);
    if (was_failing || !was_proven) view_.reset();
    emit(PoolEventKind::attempt_ok, k, now, &c, status);
    if (was_failing) emit(PoolEventKind::key_recovered, k, now, &c, status);
  } else {
    kh.failures += 1;
    kh.last_failure = now;
    // A request the provider refused as malformed says nothing against the key.
    if (c.cls != ErrorClass::request_error) kh.failure_seq = ++seq_;
    kh.last_class = c.cls;
    kh.last_status = status;
    kh.last_error = c.message;
    kh.last_signal = c.signal ? c.signal : "";
    view_.reset();
    emit(PoolEventKind::attempt_failed, k, now, &c, status);
    apply_failure_state(k, c, status, now);
  }

  if (policy.provider == ProviderAction::record_success) {
    ph.consecutive_failures = 0;
    if (ph.ejected) {
      ph.ejected = false;
      view_.reset();
      emit_provider(PoolEventKind::provider_restored, k.provider, now, std::nullopt);
    }
    // A healthy provider slowly earns back a short ejection time.
    if (ph.ejections > 0) ph.ejections -= 1;
  } else if (policy.provider == ProviderAction::record_failure) {
    ph.consecutive_failures += 1;
    ph.last_class = c.cls;
    ph.last_error = c.message;
    // The provider's fault, not the key's: every key's evidence is stale now.
    raise_alarm(k.provider);
    const auto& ej = config_.ejection;
    if (ph.consecutive_failures >= ej.consecutive_failures && !(ph.ejected && now < ph.ejected_until)) {
      ph.ejections += 1;
      ph.ejected = true;
      ph.ejected_until = now + std::min(ej.base * ph.ejections, ej.max);
      ph.consecutive_failures = 0;
      KEYWARD_ASSERT(ph.ejections >= 1 && ph.ejected_until >= now);
      ph.shared.ejected.merge({now, ph.ejected_until});
      ph.shared.ejections = std::max(ph.shared.ejections, ph.ejections);
      view_.reset();
      emit_provider(PoolEventKind::provider_ejected, k.provider, now, ph.ejected_until);
    }
  }
  event_request_id_.clear();
}

void KeyPool::record_validation(KeyRef k, const Classification& c, int status, WallTime now) {
  auto& kh = key_mut(k);
  view_.reset();
  if (c.cls == ErrorClass::ok) {
    note_success(kh, now);
    if (kh.shared.validated_at < now) kh.shared.validated_at = now;
    emit(PoolEventKind::key_validated, k, now, &c, status);
    return;
  }
  kh.last_failure = now;
  kh.failure_seq = ++seq_;
  kh.last_class = c.cls;
  kh.last_status = status;
  kh.last_error = c.message;
  kh.last_signal = c.signal ? c.signal : "";
  emit(PoolEventKind::key_validation_failed, k, now, &c, status);
  // Only key-level verdicts change the key; an unreachable provider says
  // nothing about the key.
  apply_failure_state(k, c, status, now);
}

void KeyPool::tick(WallTime now) {
  for (size_t p = 0; p < providers_.size(); ++p) {
    auto& ph = providers_[p];
    if (ph.ejected && now >= ph.ejected_until) {
      ph.ejected = false;
      raise_alarm(p);  // back after an ejection: probe before trusting it
      view_.reset();
      emit_provider(PoolEventKind::provider_restored, p, now, std::nullopt);
    }
    for (size_t i = 0; i < keys_[p].size(); ++i) {
      auto& kh = keys_[p][i];
      if (kh.state != KeyState::healthy && now >= kh.until) {
        kh.state = KeyState::healthy;
        kh.since = now;
        kh.released_seq = ++seq_;
        view_.reset();
        emit(PoolEventKind::key_released, KeyRef{p, i}, now, nullptr, 0);
      }
    }
  }
}

bool KeyPool::disable(KeyRef k, WallTime now) {
  auto& kh = key_mut(k);
  if (kh.disabled) return false;
  kh.disabled = true;
  kh.disabled_since = now;
  view_.reset();
  emit(PoolEventKind::key_disabled, k, now, nullptr, 0);
  return true;
}

bool KeyPool::enable(KeyRef k, WallTime now) {
  auto& kh = key_mut(k);
  if (!kh.disabled) return false;
  kh.disabled = false;
  kh.disabled_since = {};
  // No traffic reached it while it was out: whatever proved it before is old
  // news, so one request probes it first (as after a deadline ends).
  kh.released_seq = ++seq_;
  view_.reset();
  emit(PoolEventKind::key_enabled, k, now, nullptr, 0);
  return true;
}

void KeyPool::merge_shared(KeyRef k, const SharedKeyState& facts, WallTime now) {
  auto& kh = key_mut(k);
  if (!kh.shared.merge(facts)) return;
  view_.reset();
  kh.strikes = std::max(kh.strikes, kh.shared.strikes);
  bool newer_success = kh.shared.last_success > kh.last_success.value_or(WallTime{});
  if (newer_success) {
    kh.last_success = kh.shared.last_success;
    kh.success_seq = ++seq_;
    kh.validated = true;
  }
  auto out = kh.shared.out_at(now);
  Classification c;
  c.cls = kh.shared.last_class;
  c.message = kh.shared.last_error;
  if (out && (kh.state != out->first || kh.until < out->second || now >= kh.until)) {
    if (kh.state != out->first) kh.since = now;
    kh.state = out->first;
    kh.until = out->second;
    kh.last_class = kh.shared.last_class;
    kh.last_status = kh.shared.last_status;
    kh.last_error = kh.shared.last_error;
    if (kh.state == KeyState::quarantined) {
      kh.validated = false;
      raise_alarm(k.provider);
    }
    PoolEventKind kind = kh.state == KeyState::quarantined ? PoolEventKind::key_quarantined
                         : kh.state == KeyState::exhausted ? PoolEventKind::key_exhausted
                                                           : PoolEventKind::key_rate_limited;
    emit(kind, k, now, &c, kh.shared.last_status, kh.until);
    events_.back().remote = true;
  } else if (!out && kh.state != KeyState::healthy && now < kh.until && newer_success) {
    // Another replica proved the key works after the failure we knew of.
    kh.state = KeyState::healthy;
    kh.since = now;
    Classification ok;
    emit(PoolEventKind::key_recovered, k, now, &ok, 0);
    events_.back().remote = true;
  }
}

void KeyPool::merge_shared_provider(size_t p, const SharedProviderState& facts, WallTime now) {
  auto& ph = providers_[p];
  if (!ph.shared.merge(facts)) return;
  view_.reset();
  ph.ejections = std::max(ph.ejections, ph.shared.ejections);
  if (ph.shared.ejected.until > now && (!ph.ejected || ph.ejected_until < ph.shared.ejected.until)) {
    ph.ejected = true;
    ph.ejected_until = ph.shared.ejected.until;
    ph.consecutive_failures = 0;
    emit_provider(PoolEventKind::provider_ejected, p, now, ph.ejected_until);
    events_.back().remote = true;
  }
}

void KeyPool::carry_over_from(const KeyPool& old) {
  for (size_t p = 0; p < config_.providers.size(); ++p) {
    const auto& name = config_.providers[p].name;
    for (size_t op = 0; op < old.config_.providers.size(); ++op) {
      if (old.config_.providers[op].name != name) continue;
      providers_[p] = old.providers_[op];
      for (size_t i = 0; i < keys_[p].size(); ++i) {
        for (size_t oi = 0; oi < old.keys_[op].size(); ++oi) {
          if (old.config_.providers[op].keys[oi].secret != config_.providers[p].keys[i].secret) continue;
          keys_[p][i] = old.keys_[op][oi];
          keys_[p][i].in_flight = 0;  // calls in flight finish on the old pool
        }
      }
    }
  }
  // Evidence stays comparable: the new pool counts on from the old one.
  seq_ = old.seq_;
  view_.reset();
}

}  // namespace keyward
