#include "router/core/routing.h"

#include <algorithm>

namespace keyward {

const char* to_string(EmergencyCause c) {
  switch (c) {
    case EmergencyCause::all_authentication_failed: return "all_authentication_failed";
    case EmergencyCause::all_quota_exhausted: return "all_quota_exhausted";
    case EmergencyCause::all_providers_unavailable: return "all_providers_unavailable";
    case EmergencyCause::all_providers_failed: return "all_providers_failed";
  }
  return "?";
}

bool RequestProgress::tried(KeyRef k) const {
  return std::any_of(attempts.begin(), attempts.end(), [&](const Attempt& a) { return a.key == k; });
}

bool RequestProgress::gave_up(size_t provider) const {
  return std::find(providers_given_up.begin(), providers_given_up.end(), provider) != providers_given_up.end();
}

NextAttempt next_attempt(KeyPool& pool, const RequestProgress& progress, WallTime now) {
  const auto& cfg = pool.config();
  if (static_cast<int>(progress.attempts.size()) >= cfg.routing.max_attempts) return {};
  // Providers are kept sorted by priority in the config.
  for (size_t p = 0; p < cfg.providers.size(); ++p) {
    if (progress.gave_up(p) || !pool.provider_usable(p, now)) continue;
    size_t n = cfg.providers[p].keys.size();
    bool probed_elsewhere = false;  // a usable key of p waits for another request's probe
    auto candidate = [&](size_t i) {
      KeyRef k{p, i};
      if (progress.tried(k) || !pool.key_usable(k, now)) return false;
      if (pool.admits_call(k, now)) return true;
      probed_elsewhere = true;
      return false;
    };
    std::optional<size_t> pick;
    if (cfg.routing.key_order == KeyOrder::round_robin) {
      pick = pool.pick_round_robin(p, candidate);
    } else {
      // Past a key that another request probes, only a key with evidence
      // qualifies: probing the next one too would turn the herd into one
      // call per key per waiting request.
      for (size_t i = 0; i < n && !pick; ++i) {
        bool waiting_behind = probed_elsewhere && !progress.stop_waiting;
        if (candidate(i) && (!waiting_behind || !pool.uncertain({p, i}, now))) pick = i;
      }
    }
    if (pick) {
      KeyRef k{p, *pick};
      pool.begin_call(k);
      return {NextAttempt::Kind::call, k};
    }
    if (probed_elsewhere && !progress.stop_waiting) return {NextAttempt::Kind::wait, {}};
  }
  return {};
}

namespace {

ErrorClass class_of_state(KeyState s) {
  switch (s) {
    case KeyState::quarantined: return ErrorClass::auth;
    case KeyState::exhausted: return ErrorClass::quota_exhausted;
    case KeyState::rate_limited: return ErrorClass::rate_limited;
    case KeyState::healthy: return ErrorClass::ok;
  }
  return ErrorClass::ok;
}

void count(ProviderVerdict& v, ErrorClass c) {
  switch (c) {
    case ErrorClass::auth: ++v.auth; break;
    case ErrorClass::quota_exhausted: ++v.quota; break;
    case ErrorClass::rate_limited: ++v.rate_limited; break;
    case ErrorClass::provider_outage: ++v.outage; break;
    case ErrorClass::network: ++v.network; break;
    default: break;
  }
}

}  // namespace

int Verdict::keys_total() const {
  int n = 0;
  for (const auto& p : providers) n += p.keys_total;
  return n;
}

int Verdict::keys_failed() const {
  int n = 0;
  for (const auto& p : providers) n += p.failed();
  return n;
}

Verdict make_verdict(const KeyPool& pool, const RequestProgress& progress, WallTime now) {
  const auto& cfg = pool.config();
  Verdict v;
  int auth = 0, quota = 0, transient = 0, total = 0, disabled = 0;
  for (size_t p = 0; p < cfg.providers.size(); ++p) {
    const auto& pc = cfg.providers[p];
    const auto& ph = pool.provider(p);
    ProviderVerdict pv;
    pv.name = pc.name;
    pv.display_name = pc.display_name;
    pv.keys_total = static_cast<int>(pc.keys.size());
    pv.ejected = ph.ejected && now < ph.ejected_until;
    std::optional<WallTime> first_auth, last_auth;
    for (size_t i = 0; i < pc.keys.size(); ++i) {
      KeyRef k{p, i};
      const auto& kh = pool.key(k);
      if (kh.disabled) {
        // Out by hand: says nothing about the provider, and only the operator
        // brings it back, so it names no retry moment either.
        ++pv.disabled;
        continue;
      }
      // The key's own state speaks first; else what this request saw; else the provider's.
      ErrorClass c = ErrorClass::ok;
      if (kh.state != KeyState::healthy && now < kh.until) c = class_of_state(kh.state);
      if (c == ErrorClass::ok) {
        for (const auto& a : progress.attempts)
          if (a.key == k) c = a.cls;
      }
      if (c == ErrorClass::ok && (pv.ejected || progress.gave_up(p))) c = ph.last_class;
      count(pv, c);
      if (c == ErrorClass::auth && kh.last_auth_failure) {
        if (!first_auth || *kh.last_auth_failure < *first_auth) first_auth = kh.last_auth_failure;
        if (!last_auth || *kh.last_auth_failure > *last_auth) last_auth = kh.last_auth_failure;
      }
      if (!kh.last_error.empty()) pv.last_error = kh.last_error;
      WallTime at = pool.usable_at(k, now);
      if (!v.retry_at || at < *v.retry_at) v.retry_at = at;
    }
    if (pv.last_error.empty()) pv.last_error = ph.last_error;
    // Dominant class of this provider.
    int best = 0;
    for (auto [n, c] : {std::pair{pv.auth, ErrorClass::auth}, {pv.quota, ErrorClass::quota_exhausted},
                        {pv.rate_limited, ErrorClass::rate_limited}, {pv.outage, ErrorClass::provider_outage},
                        {pv.network, ErrorClass::network}}) {
      if (n > best) best = n, pv.cause = c;
    }
    int in_rotation = pv.keys_total - pv.disabled;
    if (pv.keys_total > 0 && pv.disabled == pv.keys_total) {
      pv.diagnosis = "every " + pv.display_name + " key is disabled by the operator";
    } else if (in_rotation >= 2 && pv.auth == in_rotation && first_auth &&
               *last_auth - *first_auth <= cfg.routing.correlated_window) {
      pv.diagnosis = "all " + std::to_string(in_rotation) + " " + pv.display_name +
                     " keys were rejected at once: likely regenerated keys, a suspended account or a "
                     "wrong .env";
    } else if (in_rotation > 0 && pv.auth == in_rotation) {
      pv.diagnosis = "every " + pv.display_name + " key failed authentication";
    } else if (in_rotation > 0 && pv.quota == in_rotation) {
      pv.diagnosis = "every " + pv.display_name + " key has used its quota; it resets at midnight UTC";
    } else if (pv.ejected || pv.outage + pv.network > 0) {
      pv.diagnosis = pv.display_name + " is failing (" + to_string(pv.cause) + "), not its keys";
    }
    auth += pv.auth;
    quota += pv.quota;
    transient += pv.outage + pv.network + pv.rate_limited;
    total += pv.keys_total - pv.disabled;
    disabled += pv.disabled;
    v.providers.push_back(std::move(pv));
  }
  // The cause is about the keys still in rotation; disabled ones are the
  // operator's choice, not a failure.
  if (total > 0 && auth == total) {
    v.cause = EmergencyCause::all_authentication_failed;
    v.diagnosis = "Authentication failure on all AI keys: keys regenerated or expired, accounts suspended, "
                  "or wrong keys in .env";
  } else if (total > 0 && quota == total) {
    v.cause = EmergencyCause::all_quota_exhausted;
    v.diagnosis = "Every key has used its quota; quotas reset at midnight UTC";
  } else if (total > 0 && transient == total) {
    v.cause = EmergencyCause::all_providers_unavailable;
    v.diagnosis = "Every provider is unavailable (outage, network or rate limits); the keys are fine";
  } else {
    v.cause = EmergencyCause::all_providers_failed;
    v.diagnosis =
        total == 0
            ? (disabled > 0 ? "Every API key is disabled by the operator (POST /admin/keys/<provider>/<id>/enable)"
                            : "No API keys are configured")
            : "Providers failed for different reasons";
  }
  if (v.retry_at && *v.retry_at < now) v.retry_at = now;
  return v;
}

}  // namespace keyward
