#include "router/core/incidents.h"

#include <algorithm>

namespace keyward {

namespace {

std::string compact_time(WallTime t) {
  std::string s = format_iso8601(t);  // 2025-11-18T08:00:21Z
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '-' || c == ':'; }), s.end());
  return s;
}

std::string dedup_key(AlertKind kind, const std::string& subject) { return std::string(to_string(kind)) + "|" + subject; }

nlohmann::json opt_time(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json(nullptr);
}

}  // namespace

IncidentEngine::IncidentEngine(RouterConfig config, AlertPolicy policy, const Clock& clock, AlertOutbox& outbox,
                               IncidentStore& store)
    : config_(std::move(config)), policy_(policy), clock_(clock), outbox_(outbox), store_(store) {
  rebuild_tracks(RouterConfig{});
  open_ = store_.load_open();
  auto past = store_.recent(1);
  if (!past.empty()) last_resolved_ = past.front();
}

void IncidentEngine::rebuild_tracks(const RouterConfig& old_config) {
  std::vector<ProviderTrack> fresh(config_.providers.size());
  for (size_t p = 0; p < config_.providers.size(); ++p) {
    const auto& pc = config_.providers[p];
    const ProviderTrack* old = nullptr;
    for (size_t o = 0; o < old_config.providers.size() && o < tracks_.size(); ++o)
      if (old_config.providers[o].name == pc.name) old = &tracks_[o];
    if (old) {
      fresh[p].ejected = old->ejected;
      fresh[p].ejected_until = old->ejected_until;
      fresh[p].outage_alert_at = old->outage_alert_at;
    }
    for (const auto& kc : pc.keys) {
      KeyTrack k;
      k.index = kc.index;
      k.masked = kc.masked();
      if (old) {
        for (const auto& ok : old->keys)
          if (ok.index == k.index && ok.masked == k.masked) k = ok;  // same key: keep its history
      }
      fresh[p].keys.push_back(std::move(k));
    }
  }
  tracks_ = std::move(fresh);
}

void IncidentEngine::set_config(RouterConfig config) {
  std::lock_guard lock(mu_);
  RouterConfig old = std::move(config_);
  config_ = std::move(config);
  rebuild_tracks(old);
}

IncidentEngine::ProviderTrack* IncidentEngine::track(const std::string& provider, size_t* index) {
  for (size_t p = 0; p < config_.providers.size(); ++p) {
    if (config_.providers[p].name == provider) {
      *index = p;
      return &tracks_[p];
    }
  }
  return nullptr;
}

IncidentEngine::KeyTrack* IncidentEngine::key_track(ProviderTrack& p, int key_index) {
  for (auto& k : p.keys)
    if (k.index == key_index) return &k;
  return nullptr;
}

bool IncidentEngine::key_out(const KeyTrack& k, WallTime now) const {
  return (k.state == KeyState::quarantined || k.state == KeyState::exhausted) && now < k.until;
}

bool IncidentEngine::provider_usable(size_t p, WallTime now) const {
  const auto& t = tracks_[p];
  if (!config_.providers[p].enabled || (t.ejected && now < t.ejected_until)) return false;
  return std::any_of(t.keys.begin(), t.keys.end(),
                     [&](const KeyTrack& k) { return k.state == KeyState::healthy || now >= k.until; });
}

std::string IncidentEngine::fallback_after(size_t p, WallTime now) const {
  // Providers are sorted by priority: the first usable one is where traffic goes.
  for (size_t q = 0; q < tracks_.size(); ++q)
    if (q != p && provider_usable(q, now)) return config_.providers[q].display_name;
  return "";
}

bool IncidentEngine::any_backup(size_t p, int key_index, WallTime now) const {
  const auto& t = tracks_[p];
  bool same_provider = !(t.ejected && now < t.ejected_until) &&
                       std::any_of(t.keys.begin(), t.keys.end(), [&](const KeyTrack& k) {
                         return k.index != key_index && (k.state == KeyState::healthy || now >= k.until);
                       });
  return same_provider || !fallback_after(p, now).empty();
}

std::string IncidentEngine::scope_for(const std::string& subject, WallTime now) const {
  if (open_) return open_->id;
  // Outside an incident the episode is the scope: a new episode, a new id.
  return "ep-" + subject + "@" + format_iso8601(now);
}

bool IncidentEngine::may_alert(AlertKind kind, const std::string& subject, const std::optional<WallTime>& episode,
                               WallTime now) {
  if (!policy_.enabled(kind)) return false;
  if (open_) {
    if (open_->dedup.count(dedup_key(kind, subject))) {
      ++stats_.alerts_suppressed;
      return false;
    }
    return true;
  }
  if (episode && now - *episode < policy_.reminder_interval) {
    ++stats_.alerts_suppressed;
    return false;
  }
  return true;
}

void IncidentEngine::emit(const Alert& alert, std::optional<WallTime>* episode, WallTime now) {
  if (outbox_.enqueue(alert)) ++stats_.alerts_enqueued;
  else ++stats_.alerts_rejected;
  if (episode) *episode = now;
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
  size_t p = 0;
  ProviderTrack* t = track(e.provider, &p);
  if (!t) return;
  KeyTrack* k = e.key_index > 0 ? key_track(*t, e.key_index) : nullptr;
  const ProviderConfig& pc = config_.providers[p];
  switch (e.kind) {
    case PoolEventKind::attempt_failed:
    case PoolEventKind::key_validation_failed:
      if (k) {
        k->cls = e.cls;
        k->status = e.status;
        k->message = e.message;
        k->ok_seen = false;
      }
      break;
    case PoolEventKind::key_quarantined:
    case PoolEventKind::key_exhausted: {
      if (!k) break;
      bool auth = e.kind == PoolEventKind::key_quarantined;
      k->state = auth ? KeyState::quarantined : KeyState::exhausted;
      k->until = e.until.value_or(e.at);
      k->cls = e.cls;
      k->status = e.status;
      k->message = e.message;
      k->ok_seen = false;
      AlertKind kind = auth ? AlertKind::key_auth_failed : AlertKind::quota_exhausted;
      std::string subject = pc.name + "#" + std::to_string(k->index);
      auto& episode = auth ? k->auth_alert_at : k->quota_alert_at;
      if (may_alert(kind, subject, episode, e.at)) {
        bool backup = any_backup(p, k->index, e.at);
        std::string scope = scope_for(subject, e.at);
        Alert a = auth ? build_key_auth_failed(pc, e, backup, scope) : build_quota_exhausted(pc, e, backup, scope);
        if (open_) a.incident_id = open_->id;
        emit(a, &episode, e.at);
      }
      check_all_keys_failed(p, e.at);
      break;
    }
    case PoolEventKind::key_rate_limited:
      if (k) {
        k->state = KeyState::rate_limited;
        k->until = e.until.value_or(e.at);
      }
      break;
    case PoolEventKind::key_released:
      if (k) k->state = KeyState::healthy;  // eligible again, not yet proven: the episode stays
      break;
    case PoolEventKind::attempt_ok:
    case PoolEventKind::key_recovered:
    case PoolEventKind::key_validated:
      if (k) on_success(p, *k, e.at);
      break;
    case PoolEventKind::provider_ejected:
      t->ejected = true;
      t->ejected_until = e.until.value_or(e.at);
      if (may_alert(AlertKind::provider_outage, pc.name, t->outage_alert_at, e.at)) {
        Alert a = build_provider_outage(pc, e, fallback_after(p, e.at), scope_for(pc.name, e.at));
        if (open_) a.incident_id = open_->id;
        emit(a, &t->outage_alert_at, e.at);
      }
      break;
    case PoolEventKind::provider_restored:
      t->ejected = false;
      break;
  }
}

void IncidentEngine::check_all_keys_failed(size_t p, WallTime now) {
  auto& t = tracks_[p];
  if (t.keys.empty()) return;
  if (!std::all_of(t.keys.begin(), t.keys.end(), [&](const KeyTrack& k) { return key_out(k, now); })) return;
  const ProviderConfig& pc = config_.providers[p];
  if (!may_alert(AlertKind::provider_all_keys_failed, pc.name, t.all_failed_alert_at, now)) return;
  std::vector<KeyStatusLine> lines;
  for (const auto& k : t.keys) lines.push_back({k.index, k.masked, k.cls, k.status, k.message});
  Alert a = build_provider_all_keys_failed(pc, lines, fallback_after(p, now), now, scope_for(pc.name, now));
  if (open_) a.incident_id = open_->id;
  emit(a, &t.all_failed_alert_at, now);
}

void IncidentEngine::on_success(size_t p, KeyTrack& k, WallTime now) {
  k.state = KeyState::healthy;
  k.ok_seen = true;
  k.auth_alert_at.reset();
  k.quota_alert_at.reset();
  tracks_[p].all_failed_alert_at.reset();
  tracks_[p].outage_alert_at.reset();
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
  if (!open_->recovered_at) open_->recovered_at = now;
  std::vector<ProviderRecovery> status;
  for (size_t p = 0; p < tracks_.size(); ++p) {
    ProviderRecovery r;
    r.display_name = config_.providers[p].display_name;
    r.keys_total = static_cast<int>(tracks_[p].keys.size());
    for (const auto& k : tracks_[p].keys) {
      if (k.ok_seen) ++r.operational;
      else if (key_out(k, now) || k.cls != ErrorClass::ok) ++r.failing;
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
  for (size_t p = 0; p < tracks_.size(); ++p) {
    const auto& t = tracks_[p];
    const auto& name = config_.providers[p].name;
    auto fresh = [&](const std::optional<WallTime>& at) { return at && now - *at < policy_.reminder_interval; };
    for (const auto& k : t.keys) {
      std::string subject = name + "#" + std::to_string(k.index);
      if (fresh(k.auth_alert_at) && r.dedup.insert(dedup_key(AlertKind::key_auth_failed, subject)).second)
        ++r.alerts_sent;
      if (fresh(k.quota_alert_at) && r.dedup.insert(dedup_key(AlertKind::quota_exhausted, subject)).second)
        ++r.alerts_sent;
    }
    if (fresh(t.all_failed_alert_at) && r.dedup.insert(dedup_key(AlertKind::provider_all_keys_failed, name)).second)
      ++r.alerts_sent;
    if (fresh(t.outage_alert_at) && r.dedup.insert(dedup_key(AlertKind::provider_outage, name)).second)
      ++r.alerts_sent;
  }
  open_ = std::move(r);
  resolve_pending_ = false;
  ++stats_.incidents_opened;
  if (policy_.enabled(AlertKind::all_providers_failed)) {
    emit(build_emergency(config_, v, open_->id, now), nullptr, now);
  } else {
    persist();
  }
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
