#include "router/core/key_pool.h"

#include <algorithm>

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
  }
  return "?";
}

KeyPool::KeyPool(RouterConfig config, PoolListener* listener)
    : config_(std::move(config)), listener_(listener) {
  keys_.resize(config_.providers.size());
  for (size_t p = 0; p < config_.providers.size(); ++p) keys_[p].resize(config_.providers[p].keys.size());
  providers_.resize(config_.providers.size());
  rr_cursor_.assign(config_.providers.size(), 0);
}

bool KeyPool::provider_usable(size_t p, WallTime now) const {
  const auto& ph = providers_[p];
  return config_.providers[p].enabled && (!ph.ejected || now >= ph.ejected_until);
}

bool KeyPool::key_usable(KeyRef k, WallTime now) const {
  const auto& kh = key(k);
  return provider_usable(k.provider, now) && (kh.state == KeyState::healthy || now >= kh.until);
}

WallTime KeyPool::usable_at(KeyRef k, WallTime now) const {
  const auto& kh = key(k);
  WallTime t = now;
  if (kh.state != KeyState::healthy) t = std::max(t, kh.until);
  const auto& ph = providers_[k.provider];
  if (ph.ejected) t = std::max(t, ph.ejected_until);
  return t;
}

void KeyPool::emit(PoolEventKind kind, KeyRef k, WallTime now, const Classification* c, int status,
                   std::optional<WallTime> until) {
  if (!listener_) return;
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
  listener_->on_pool_event(e);
}

void KeyPool::emit_provider(PoolEventKind kind, size_t p, WallTime now, std::optional<WallTime> until) {
  if (!listener_) return;
  PoolEvent e{};
  e.kind = kind;
  e.at = now;
  e.provider = config_.providers[p].name;
  e.cls = providers_[p].last_class;
  e.message = providers_[p].last_error;
  e.until = until;
  listener_->on_pool_event(e);
}

void KeyPool::apply_failure_state(KeyRef k, const Classification& c, int status, WallTime now) {
  auto& kh = keys_[k.provider][k.key];
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
      kh.state = KeyState::quarantined;
      kh.until = now + length;
      kh.validated = false;
      emit(PoolEventKind::key_quarantined, k, now, &c, status, kh.until);
      break;
    }
    case KeyAction::exhaust_until_reset:
      kh.state = KeyState::exhausted;
      kh.until = c.usable_at.value_or(next_midnight_utc(now));
      emit(PoolEventKind::key_exhausted, k, now, &c, status, kh.until);
      break;
    case KeyAction::rate_limit_until:
      kh.state = KeyState::rate_limited;
      kh.until = c.usable_at.value_or(now + q.rate_limit_default);
      emit(PoolEventKind::key_rate_limited, k, now, &c, status, kh.until);
      break;
    case KeyAction::none:
    case KeyAction::mark_healthy:
      break;
  }
}

void KeyPool::record(KeyRef k, const Classification& c, int status, WallTime now) {
  auto& kh = keys_[k.provider][k.key];
  auto& ph = providers_[k.provider];
  const auto& policy = policy_for(c.cls);
  kh.attempts += 1;
  if (c.cls == ErrorClass::ok) {
    bool was_failing = kh.state != KeyState::healthy || (kh.last_failure && !kh.validated);
    kh.state = KeyState::healthy;
    kh.last_success = now;
    kh.validated = true;
    emit(PoolEventKind::attempt_ok, k, now, &c, status);
    if (was_failing) emit(PoolEventKind::key_recovered, k, now, &c, status);
  } else {
    kh.failures += 1;
    kh.last_failure = now;
    kh.last_class = c.cls;
    kh.last_status = status;
    kh.last_error = c.message;
    emit(PoolEventKind::attempt_failed, k, now, &c, status);
    apply_failure_state(k, c, status, now);
  }

  if (policy.provider == ProviderAction::record_success) {
    ph.consecutive_failures = 0;
    if (ph.ejected) {
      ph.ejected = false;
      emit_provider(PoolEventKind::provider_restored, k.provider, now, std::nullopt);
    }
    // A healthy provider slowly earns back a short ejection time.
    if (ph.ejections > 0) ph.ejections -= 1;
  } else if (policy.provider == ProviderAction::record_failure) {
    ph.consecutive_failures += 1;
    ph.last_class = c.cls;
    ph.last_error = c.message;
    const auto& ej = config_.ejection;
    if (ph.consecutive_failures >= ej.consecutive_failures && !(ph.ejected && now < ph.ejected_until)) {
      ph.ejections += 1;
      ph.ejected = true;
      ph.ejected_until = now + std::min(ej.base * ph.ejections, ej.max);
      ph.consecutive_failures = 0;
      emit_provider(PoolEventKind::provider_ejected, k.provider, now, ph.ejected_until);
    }
  }
}

void KeyPool::record_validation(KeyRef k, const Classification& c, int status, WallTime now) {
  auto& kh = keys_[k.provider][k.key];
  if (c.cls == ErrorClass::ok) {
    kh.state = KeyState::healthy;
    kh.validated = true;
    kh.last_success = now;
    emit(PoolEventKind::key_validated, k, now, &c, status);
    return;
  }
  kh.last_failure = now;
  kh.last_class = c.cls;
  kh.last_status = status;
  kh.last_error = c.message;
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
      emit_provider(PoolEventKind::provider_restored, p, now, std::nullopt);
    }
    for (size_t i = 0; i < keys_[p].size(); ++i) {
      auto& kh = keys_[p][i];
      if (kh.state != KeyState::healthy && now >= kh.until) {
        kh.state = KeyState::healthy;
        emit(PoolEventKind::key_released, KeyRef{p, i}, now, nullptr, 0);
      }
    }
  }
}

size_t KeyPool::next_rr_start(size_t provider) {
  size_t n = config_.providers[provider].keys.size();
  if (n == 0) return 0;
  return rr_cursor_[provider]++ % n;
}

void KeyPool::carry_over_from(const KeyPool& old) {
  for (size_t p = 0; p < config_.providers.size(); ++p) {
    const auto& name = config_.providers[p].name;
    for (size_t op = 0; op < old.config_.providers.size(); ++op) {
      if (old.config_.providers[op].name != name) continue;
      providers_[p] = old.providers_[op];
      rr_cursor_[p] = old.rr_cursor_[op];
      for (size_t i = 0; i < keys_[p].size(); ++i) {
        for (size_t oi = 0; oi < old.keys_[op].size(); ++oi) {
          if (old.config_.providers[op].keys[oi].secret == config_.providers[p].keys[i].secret)
            keys_[p][i] = old.keys_[op][oi];
        }
      }
    }
  }
}

}  // namespace keyward
