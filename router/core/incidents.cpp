#include "router/core/incidents.h"

#include <algorithm>
#include <tuple>

#include "base/assert.h"
#include "base/utc_time.h"

namespace keyward {

namespace {

std::string compact_time(WallTime t) {
  std::string s = format_iso8601(t);  // 2025-11-18T08:00:21Z
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '-' || c == ':'; }), s.end());
  return s;
}

std::string dedup_key(AlertKind kind, const std::string& subject) { return std::string(to_string(kind)) + "|" + subject; }

// A condition is what an alert is about, down to the key's masked form: a
// new key at the same index is a new condition and alerts as before.
std::string condition_key(AlertKind kind, const std::string& subject, const std::string& masked) {
  return dedup_key(kind, subject) + "|" + masked;
}

nlohmann::json opt_time(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json(nullptr);
}

}  // namespace

IncidentEngine::IncidentEngine(RouterConfig config, AlertPolicy policy, const Clock& clock, AlertOutbox& outbox,
                               IncidentStore& store)
    : config_(std::move(config)), policy_(policy), clock_(clock), outbox_(outbox), store_(store) {
  open_ = store_.load_open();
  auto past = store_.recent(1);
  if (!past.empty()) last_resolved_ = past.front();
  conditions_ = store_.alerted_conditions();
}

void IncidentEngine::set_log(std::function<void(const std::string&)> log) {
  std::lock_guard lock(mu_);
  log_ = std::move(log);
}

void IncidentEngine::forget_condition(const std::string& condition) {
  // Runs on every success: cheap when there is nothing to forget.
  if (condition.empty() || !conditions_.erase(condition)) return;
  store_.set_condition_alerted(condition, std::nullopt);
}

void IncidentEngine::set_config(RouterConfig config) {
  std::lock_guard lock(mu_);
  config_ = std::move(config);
  // A key that is still there (same index, same masked form) keeps what was
  // said about it; the rest is forgotten, and so is "all keys failed" (the
  // keys changed), but not an outage (the provider did not).
  for (auto it = episodes_.begin(); it != episodes_.end();) {
    const ProviderConfig* pc = config_.find(it->first);
    if (!pc) {
      it = episodes_.erase(it);
      continue;
    }
    auto& keys = it->second.keys;
    for (auto k = keys.begin(); k != keys.end();) {
      bool kept = std::any_of(pc->keys.begin(), pc->keys.end(), [&](const KeyConfig& kc) {
        return kc.index == k->first.first && kc.masked() == k->first.second;
      });
      k = kept ? std::next(k) : keys.erase(k);
    }
    it->second.all_failed_alert_at.reset();
    ++it;
  }
}

const ProviderConfig* IncidentEngine::provider_config(const std::string& name) const { return config_.find(name); }

std::string IncidentEngine::scope_for(const std::string& subject, WallTime now) const {
  if (open_) return open_->id;
  // Outside an incident the episode is the scope: a new episode, a new id.
  return "ep-" + subject + "@" + format_iso8601(now);
}

bool IncidentEngine::may_alert(AlertKind kind, const std::string& subject, std::optional<WallTime>* episode,
                               WallTime now, const std::string& condition) {
  if (!policy_.enabled(kind)) return false;
  if (open_) {
    if (open_->dedup.count(dedup_key(kind, subject))) {
      ++stats_.alerts_suppressed;
      return false;
    }
    return true;
  }
  if (!*episode && !condition.empty()) {
    // Nothing said in this process yet: did the one before us say it?
    auto it = conditions_.find(condition);
    if (it != conditions_.end() && now - it->second < policy_.dedup_window) {
      *episode = it->second;  // from here on, the usual episode rules
      ++stats_.alerts_suppressed;
      if (log_)
        log_("INFO: Not alerting " + std::string(to_string(kind)) + " for " + subject + " again: it was alerted at " +
             format_iso8601(it->second) + ", before the restart, within alerts.dedup_window (" +
             downtime_text(policy_.dedup_window) + ")");
      return false;
    }
  }
  if (*episode && now - **episode < policy_.reminder_interval) {
    ++stats_.alerts_suppressed;
    return false;
  }
  return true;
}

void IncidentEngine::emit(const Alert& alert, std::optional<WallTime>* episode, WallTime now,
                          const std::string& condition) {
  if (outbox_.enqueue(alert)) ++stats_.alerts_enqueued;
  else ++stats_.alerts_rejected;
  if (episode) *episode = now;
  if (!condition.empty()) {
    conditions_[condition] = now;
    store_.set_condition_alerted(condition, now);
  }
  if (open_) {
    open_->dedup.insert(dedup_key(alert.kind, alert.dedup_subject));
    open_->alerts_sent += 1;
    persist();
  }
}

void IncidentEngine::persist() {
  if (open_) store_.save(*open_);
}

void IncidentEngine::on_pool_event(const PoolEvent& e) {
  std::lock_guard lock(mu_);
  const ProviderConfig* pc = provider_config(e.provider);
  if (!pc) return;
  if (e.view) view_ = e.view;
  // Learnt from another replica: that replica alerted on what it saw. But
  // the key it took out may be the last one of a provider here, when the
  // provider's other keys went out on this replica: the "all keys failed"
  // alert is then this replica's to raise (claimed once cluster-wide).
  if (e.remote) {
    if (e.kind == PoolEventKind::key_quarantined || e.kind == PoolEventKind::key_exhausted)
      check_all_keys_failed(*pc, e.at);
    return;
  }
  ProviderEpisode& ep = episodes_[pc->name];
  switch (e.kind) {
    case PoolEventKind::key_quarantined:
    case PoolEventKind::key_exhausted: {
      if (e.key_index <= 0) break;
      bool auth = e.kind == PoolEventKind::key_quarantined;
      AlertKind kind = auth ? AlertKind::key_auth_failed : AlertKind::quota_exhausted;
      std::string subject = pc->name + "#" + std::to_string(e.key_index);
      KeyEpisode& key = ep.keys[{e.key_index, e.masked_key}];
      auto& episode = auth ? key.auth_alert_at : key.quota_alert_at;
      std::string condition = condition_key(kind, subject, e.masked_key);
      if (may_alert(kind, subject, &episode, e.at, condition)) {
        bool backup = view_ && view_->any_backup(pc->name, e.key_index, e.at);
        std::string scope = scope_for(subject, e.at);
        Alert a = auth ? build_key_auth_failed(*pc, e, backup, scope) : build_quota_exhausted(*pc, e, backup, scope);
        if (open_) a.incident_id = open_->id;
        emit(a, &episode, e.at, condition);
      }
      check_all_keys_failed(*pc, e.at);
      break;
    }
    case PoolEventKind::attempt_ok:
    case PoolEventKind::key_recovered:
    case PoolEventKind::key_validated:
      if (e.key_index > 0) on_success(e, e.at);
      break;
    case PoolEventKind::provider_ejected:
      if (std::string condition = condition_key(AlertKind::provider_outage, pc->name, "");
          may_alert(AlertKind::provider_outage, pc->name, &ep.outage_alert_at, e.at, condition)) {
        std::string fallback = view_ ? view_->fallback_after(pc->name, e.at) : "";
        Alert a = build_provider_outage(*pc, e, fallback, scope_for(pc->name, e.at));
        if (open_) a.incident_id = open_->id;
        emit(a, &ep.outage_alert_at, e.at, condition);
      }
      break;
    case PoolEventKind::attempt_failed:
    case PoolEventKind::key_validation_failed:
    case PoolEventKind::key_rate_limited:
    case PoolEventKind::key_released:  // eligible again, not yet proven: the episode stays
    case PoolEventKind::provider_restored:
    case PoolEventKind::key_disabled:  // the operator's own act: nothing to alert about
    case PoolEventKind::key_enabled:
      break;  // the state is in the view
  }
}

void IncidentEngine::check_all_keys_failed(const ProviderConfig& pc, WallTime now) {
  const ProviderView* pv = view_ ? view_->provider(pc.name) : nullptr;
  if (!pv || !pv->all_keys_out(now)) return;
  ProviderEpisode& ep = episodes_[pc.name];
  std::string condition = condition_key(AlertKind::provider_all_keys_failed, pc.name, "");
  if (!may_alert(AlertKind::provider_all_keys_failed, pc.name, &ep.all_failed_alert_at, now, condition)) return;
  std::vector<KeyStatusLine> lines;
  for (const auto& k : pv->keys) lines.push_back({k.index, k.masked, k.last_class, k.last_status, k.last_error});
  Alert a = build_provider_all_keys_failed(pc, lines, view_->fallback_after(pc.name, now), now,
                                           scope_for(pc.name, now));
  if (open_) a.incident_id = open_->id;
  emit(a, &ep.all_failed_alert_at, now, condition);
}

void IncidentEngine::on_success(const PoolEvent& e, WallTime now) {
  ProviderEpisode& ep = episodes_[e.provider];
  KeyEpisode& key = ep.keys[{e.key_index, e.masked_key}];
  key.auth_alert_at.reset();
  key.quota_alert_at.reset();
  ep.all_failed_alert_at.reset();
  ep.outage_alert_at.reset();
  // The conditions ended: a later failure is a new one, even across a restart.
  if (!conditions_.empty()) {
    std::string subject = e.provider + "#" + std::to_string(e.key_index);
    forget_condition(condition_key(AlertKind::key_auth_failed, subject, e.masked_key));
    forget_condition(condition_key(AlertKind::quota_exhausted, subject, e.masked_key));
    forget_condition(condition_key(AlertKind::provider_all_keys_failed, e.provider, ""));
    forget_condition(condition_key(AlertKind::provider_outage, e.provider, ""));
  }
  if (!open_ || resolve_pending_) return;
  open_->recovered_at = now;
  if (validating_) {
    resolve_pending_ = true;  // the resolved alert waits for the rest of the pass
    persist();
  } else {
    resolve(now);
  }
}

void IncidentEngine::resolve(WallTime now) {
  if (!open_) return;
  // Open and resolved are exclusive: the open incident was never closed.
  KEYWARD_ASSERT(!open_->resolved_at);
  if (!open_->recovered_at) open_->recovered_at = now;
  std::vector<ProviderRecovery> status;
  for (const auto& pc : config_.providers) {
    ProviderRecovery r;
    r.display_name = pc.display_name;
    r.keys_total = static_cast<int>(pc.keys.size());
    if (const ProviderView* pv = view_ ? view_->provider(pc.name) : nullptr) {
      for (const auto& k : pv->keys) {
        if (k.proven) ++r.operational;
        else if (k.out(now) || k.last_class != ErrorClass::ok) ++r.failing;
      }
    }
    status.push_back(r);
  }
  if (policy_.enabled(AlertKind::resolved)) {
    Alert a = build_resolved(config_, *open_, status, now);
    if (outbox_.enqueue(a)) ++stats_.alerts_enqueued;
    else ++stats_.alerts_rejected;
    open_->alerts_sent += 1;
  }
  open_->resolved_at = now;
  store_.save(*open_);
  if (sharing_) sharing_->resolved(*open_);
  last_resolved_ = std::move(open_);
  open_.reset();
  resolve_pending_ = false;
  ++stats_.incidents_resolved;
}

void IncidentEngine::on_emergency(const Verdict& v, WallTime now) {
  std::lock_guard lock(mu_);
  std::vector<IncidentProvider> providers;
  for (const auto& pv : v.providers)
    providers.push_back({pv.name, pv.display_name, pv.keys_total, pv.failed(), to_string(pv.cause), pv.last_error,
                         pv.diagnosis});
  if (open_) {
    // Same incident, a later request: refresh what the status page shows,
    // alert nothing, write nothing (this runs once per failing request).
    open_->providers = std::move(providers);
    return;
  }
  IncidentRecord r;
  r.id = "inc-" + compact_time(now);
  for (int n = 2; last_resolved_ && last_resolved_->id == r.id; ++n) r.id = "inc-" + compact_time(now) + "-" + std::to_string(n);
  r.opened_at = now;
  r.last_reminder_at = now;
  r.cause = to_string(v.cause);
  r.diagnosis = v.diagnosis;
  r.providers = std::move(providers);
  // The per-key and provider alerts that led up to the emergency belong to
  // the incident: they are not repeated within it.
  auto fresh = [&](const std::optional<WallTime>& at) { return at && now - *at < policy_.reminder_interval; };
  for (const auto& [name, ep] : episodes_) {
    for (const auto& [key, k] : ep.keys) {
      std::string subject = name + "#" + std::to_string(key.first);
      if (fresh(k.auth_alert_at) && r.dedup.insert(dedup_key(AlertKind::key_auth_failed, subject)).second)
        ++r.alerts_sent;
      if (fresh(k.quota_alert_at) && r.dedup.insert(dedup_key(AlertKind::quota_exhausted, subject)).second)
        ++r.alerts_sent;
    }
    if (fresh(ep.all_failed_alert_at) && r.dedup.insert(dedup_key(AlertKind::provider_all_keys_failed, name)).second)
      ++r.alerts_sent;
    if (fresh(ep.outage_alert_at) && r.dedup.insert(dedup_key(AlertKind::provider_outage, name)).second)
      ++r.alerts_sent;
  }
  open_ = std::move(r);
  resolve_pending_ = false;
  ++stats_.incidents_opened;
  if (sharing_) sharing_->opened(*open_);
  if (policy_.enabled(AlertKind::all_providers_failed)) {
    emit(build_emergency(config_, v, open_->id, now), nullptr, now);
  } else {
    persist();
  }
}

void IncidentEngine::set_sharing(IncidentSharing* sharing) {
  std::lock_guard lock(mu_);
  sharing_ = sharing;
}

void IncidentEngine::adopt_remote_open(const IncidentRecord& r) {
  std::lock_guard lock(mu_);
  if (r.resolved_at) return;
  if (last_resolved_ && last_resolved_->id == r.id) return;  // already over here
  if (!open_) {
    open_ = r;
    resolve_pending_ = false;
    ++stats_.incidents_adopted;
    persist();
    return;
  }
  bool theirs_first = std::tie(r.opened_at, r.id) < std::tie(open_->opened_at, open_->id);
  if (theirs_first) {
    open_->id = r.id;
    open_->opened_at = r.opened_at;
  } else if (open_->id != r.id) {
    return;  // ours is the cluster's: the other replica adopts it when it hears of it
  }
  open_->dedup.insert(r.dedup.begin(), r.dedup.end());
  open_->alerts_sent = std::max(open_->alerts_sent, r.alerts_sent);
  persist();
}

void IncidentEngine::adopt_remote_resolved(const IncidentRecord& r) {
  std::lock_guard lock(mu_);
  if (!open_ || open_->id != r.id) return;
  open_->recovered_at = r.recovered_at ? r.recovered_at : r.resolved_at;
  open_->resolved_at = r.resolved_at.value_or(clock_.wall());
  store_.save(*open_);
  last_resolved_ = std::move(open_);
  open_.reset();
  resolve_pending_ = false;
  ++stats_.incidents_adopted;
}

void IncidentEngine::note_keys_updated(WallTime at) {
  std::lock_guard lock(mu_);
  if (!open_) return;
  open_->keys_updated_at = at;
  persist();
}

void IncidentEngine::note_restarted(WallTime at) {
  std::lock_guard lock(mu_);
  if (!open_) return;
  open_->restarted_at = at;
  persist();
}

void IncidentEngine::note_validation_started(WallTime) {
  std::lock_guard lock(mu_);
  validating_ = true;
}

void IncidentEngine::note_validation_finished(WallTime now) {
  std::lock_guard lock(mu_);
  validating_ = false;
  // A held resolution belongs to an open incident (resolve() clears the hold).
  KEYWARD_ASSERT(!resolve_pending_ || open_);
  if (resolve_pending_) resolve(now);
}

void IncidentEngine::tick(WallTime now) {
  std::lock_guard lock(mu_);
  if (!open_) return;
  if (resolve_pending_) {
    if (open_->recovered_at && now - *open_->recovered_at >= policy_.resolve_hold_max) resolve(now);
    return;
  }
  if (!policy_.enabled(AlertKind::all_providers_failed) || policy_.reminder_interval.count() <= 0 ||
      open_->reminders_sent >= policy_.reminders_max)
    return;
  if (now - open_->last_reminder_at < policy_.reminder_interval) return;
  int n = ++open_->reminders_sent;
  open_->last_reminder_at = now;
  emit(build_reminder(config_, *open_, n, now), nullptr, now);
}

bool IncidentEngine::raise(const Alert& alert) {
  std::lock_guard lock(mu_);
  if (!policy_.enabled(alert.kind)) return false;
  if (open_ && open_->dedup.count(dedup_key(alert.kind, alert.dedup_subject)) && alert.kind != AlertKind::key_expiring &&
      alert.kind != AlertKind::health_check_failed) {
    ++stats_.alerts_suppressed;
    return false;
  }
  bool ok = outbox_.enqueue(alert);
  if (ok) ++stats_.alerts_enqueued;
  else ++stats_.alerts_rejected;
  if (ok && open_) {
    open_->alerts_sent += 1;
    persist();
  }
  return ok;
}

bool IncidentEngine::incident_open() const {
  std::lock_guard lock(mu_);
  return open_.has_value();
}

IncidentEngine::Stats IncidentEngine::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

nlohmann::json IncidentEngine::incident_status_json() const {
  std::lock_guard lock(mu_);
  nlohmann::json j;
  j["state"] = open_ ? "open" : "none";
  if (open_) {
    j["id"] = open_->id;
    j["opened_at"] = format_iso8601(open_->opened_at);
    j["cause"] = open_->cause;
    j["diagnosis"] = open_->diagnosis;
    nlohmann::json providers = nlohmann::json::array();
    for (const auto& p : open_->providers)
      providers.push_back({{"name", p.name},
                           {"display_name", p.display_name},
                           {"keys_total", p.keys_total},
                           {"keys_failed", p.keys_failed},
                           {"cause", p.cause},
                           {"last_error", p.last_error},
                           {"diagnosis", p.diagnosis}});
    j["providers"] = providers;
    j["alerts_sent"] = open_->alerts_sent;
    j["reminders_sent"] = open_->reminders_sent;
    j["keys_updated_at"] = opt_time(open_->keys_updated_at);
    j["restarted_at"] = opt_time(open_->restarted_at);
    j["recovering"] = resolve_pending_;
  } else {
    j["id"] = nullptr;
    j["opened_at"] = nullptr;
    j["cause"] = nullptr;
    j["diagnosis"] = nullptr;
    j["providers"] = nlohmann::json::array();
    j["alerts_sent"] = 0;
  }
  if (last_resolved_) {
    const auto& r = *last_resolved_;
    Millis down = std::chrono::duration_cast<Millis>(r.recovered_at.value_or(r.resolved_at.value_or(r.opened_at)) -
                                                     r.opened_at);
    j["last_resolved"] = {{"id", r.id},
                          {"cause", r.cause},
                          {"opened_at", format_iso8601(r.opened_at)},
                          {"recovered_at", opt_time(r.recovered_at)},
                          {"resolved_at", opt_time(r.resolved_at)},
                          {"downtime", downtime_text(down)},
                          {"downtime_ms", down.count()},
                          {"alerts_sent", r.alerts_sent}};
  } else {
    j["last_resolved"] = nullptr;
  }
  return j;
}

}  // namespace keyward
