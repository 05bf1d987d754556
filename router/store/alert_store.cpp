#include "router/store/alert_store.h"

#include "base/utc_time.h"

namespace keyward::store {

AlertStore::AlertStore(std::unique_ptr<StoreBackend> backend, LoadedState initial, const Clock& clock,
                       AlertStoreOptions options, std::function<void(const std::string&)> log)
    : backend_(std::move(backend)), clock_(clock), options_(options), log_(std::move(log)), outbox_(options.retry) {
  outbox_.track_pruned();
  for (const auto& a : initial.alerts) outbox_.restore(a);
  // Restoring cannot exceed the bound unless the bound shrank: those prunes
  // are changes to write like any other.
  for (const auto& id : outbox_.take_pruned()) dirty_alerts_[id] = ++change_;
  for (auto it = initial.closed_incidents.rbegin(); it != initial.closed_incidents.rend(); ++it)
    incidents_.push_back(*it);
  if (initial.open_incident) incidents_.push_back(*initial.open_incident);
  conditions_ = std::move(initial.conditions);
  writer_ = std::thread([this] { writer_loop(); });
}

AlertStore::~AlertStore() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  writer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

// ------------------------------------------------------------- outbox ----

void AlertStore::mark_alert(const std::string& id) {
  dirty_alerts_[id] = ++change_;
  for (const auto& pruned : outbox_.take_pruned()) dirty_alerts_[pruned] = ++change_;
  writer_cv_.notify_one();
}

bool AlertStore::enqueue(const Alert& alert) {
  std::lock_guard lock(mu_);
  if (!outbox_.enqueue(alert)) return false;
  mark_alert(alert.id);
  return true;
}

std::vector<OutboxItem> AlertStore::claim_due(WallTime now, size_t limit) {
  std::lock_guard lock(mu_);
  auto items = outbox_.claim_due(now, limit);
  for (const auto& it : items) mark_alert(it.alert.id);  // the lease is persisted too
  return items;
}

std::optional<OutboxItem> AlertStore::claim_oldest(Channel channel, WallTime now) {
  std::lock_guard lock(mu_);
  auto item = outbox_.claim_oldest(channel, now);
  if (item) mark_alert(item->alert.id);
  return item;
}

void AlertStore::make_due(Channel channel, WallTime now) {
  std::lock_guard lock(mu_);
  for (const auto& id : outbox_.make_channel_due(channel, now)) mark_alert(id);
}

void AlertStore::mark_delivered(const std::string& alert_id, Channel channel, WallTime now) {
  std::lock_guard lock(mu_);
  outbox_.mark_delivered(alert_id, channel, now);
  mark_alert(alert_id);
}

void AlertStore::mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) {
  std::lock_guard lock(mu_);
  outbox_.mark_skipped(alert_id, channel, reason);
  mark_alert(alert_id);
}

void AlertStore::schedule_retry(const std::string& alert_id, Channel channel, WallTime now, const std::string& error) {
  std::lock_guard lock(mu_);
  outbox_.schedule_retry(alert_id, channel, now, error);
  mark_alert(alert_id);
}

std::optional<WallTime> AlertStore::next_due() { return outbox_.next_due(); }

OutboxCounts AlertStore::counts() { return outbox_.counts(); }

// ---------------------------------------------------------- incidents ----

std::optional<IncidentRecord> AlertStore::load_open() {
  std::lock_guard lock(mu_);
  for (auto it = incidents_.rbegin(); it != incidents_.rend(); ++it)
    if (!it->resolved_at) return *it;
  return std::nullopt;
}

void AlertStore::save(const IncidentRecord& incident) {
  std::lock_guard lock(mu_);
  bool found = false;
  for (auto& r : incidents_) {
    if (r.id == incident.id) {
      r = incident;
      found = true;
      break;
    }
  }
  if (!found) incidents_.push_back(incident);
  size_t closed = 0;
  for (const auto& r : incidents_) closed += r.resolved_at ? 1 : 0;
  for (auto it = incidents_.begin(); closed > options_.closed_in_memory && it != incidents_.end();) {
    if (it->resolved_at && !dirty_incidents_.count(it->id)) {
      it = incidents_.erase(it);
      --closed;
    } else {
      ++it;
    }
  }
  dirty_incidents_[incident.id] = ++change_;
  writer_cv_.notify_one();
}

std::vector<IncidentRecord> AlertStore::recent(size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<IncidentRecord> out;
  for (auto it = incidents_.rbegin(); it != incidents_.rend() && out.size() < limit; ++it)
    if (it->resolved_at) out.push_back(*it);
  return out;
}

std::map<std::string, WallTime> AlertStore::alerted_conditions() {
  std::lock_guard lock(mu_);
  return conditions_;
}

void AlertStore::set_condition_alerted(const std::string& key, std::optional<WallTime> at) {
  std::lock_guard lock(mu_);
  if (at) {
    conditions_[key] = *at;
  } else if (!conditions_.erase(key)) {
    return;  // nothing to forget: no write
  }
  dirty_conditions_[key] = ++change_;
  // Bounded like the outbox: the oldest-named conditions go first (they are
  // a courtesy against repeated alerts, not alerts themselves).
  while (conditions_.size() > options_.retry.max_alerts) {
    dirty_conditions_[conditions_.begin()->first] = ++change_;
    conditions_.erase(conditions_.begin());
  }
  writer_cv_.notify_one();
}

// -------------------------------------------------------------- writer ----

WriteBatch AlertStore::take_batch(std::map<std::string, uint64_t>* alerts, std::map<std::string, uint64_t>* incidents,
                                  std::map<std::string, uint64_t>* conditions) {
  WriteBatch b;
  *alerts = dirty_alerts_;
  *incidents = dirty_incidents_;
  *conditions = dirty_conditions_;
  for (const auto& [id, _] : dirty_alerts_) {
    if (auto snap = outbox_.snapshot(id))
      b.alerts.push_back(std::move(*snap));
    else
      b.deleted_alerts.push_back(id);
  }
  for (const auto& [id, _] : dirty_incidents_)
    for (const auto& r : incidents_)
      if (r.id == id) b.incidents.push_back(r);
  for (const auto& [key, _] : dirty_conditions_) {
    auto it = conditions_.find(key);
    b.conditions[key] = it == conditions_.end() ? std::nullopt : std::optional<WallTime>(it->second);
  }
  return b;
}

size_t AlertStore::unwritten() const {
  return dirty_alerts_.size() + dirty_incidents_.size() + dirty_conditions_.size();
}

void AlertStore::after_write(bool ok, const std::string& error, const std::map<std::string, uint64_t>& alerts,
                             const std::map<std::string, uint64_t>& incidents,
                             const std::map<std::string, uint64_t>& conditions) {
  if (ok) {
    // A row changed again while its batch was on its way stays dirty.
    auto settle = [](std::map<std::string, uint64_t>& dirty, const std::map<std::string, uint64_t>& written) {
      for (const auto& [id, change] : written) {
        auto it = dirty.find(id);
        if (it != dirty.end() && it->second == change) dirty.erase(it);
      }
    };
    size_t spilled = health_.degraded ? alerts.size() : 0;
    settle(dirty_alerts_, alerts);
    settle(dirty_incidents_, incidents);
    settle(dirty_conditions_, conditions);
    ++health_.batches_written;
    if (health_.degraded) {
      if (log_)
        log_("INFO: Store writes succeed again: " + std::to_string(spilled) +
             " spilled alerts and their delivery state are on disk now (after " + std::to_string(health_.write_errors) +
             " failed writes since " + format_iso8601(*health_.degraded_since) + ")");
      health_.degraded = false;
      health_.reason.clear();
      health_.degraded_since.reset();
      last_error_log_.reset();
      errors_since_log_ = 0;
    }
    return;
  }
  ++health_.write_errors;
  ++errors_since_log_;
  health_.reason = error;
  if (!health_.degraded) {
    health_.degraded = true;
    health_.degraded_since = clock_.wall();
  }
  MonoTime now = clock_.monotonic();
  if (!last_error_log_ || now - *last_error_log_ >= options_.error_log_interval) {
    if (log_)
      log_("ERROR: Store cannot write (" + error + "): " + std::to_string(dirty_alerts_.size()) +
           " alerts held in memory only (spilled) and still being delivered; " + std::to_string(unwritten()) +
           " changes unwritten; " + std::to_string(errors_since_log_) + " failed writes since the last report, " +
           std::to_string(health_.write_errors) + " in all; retrying");
    last_error_log_ = now;
    errors_since_log_ = 0;
  }
}

void AlertStore::writer_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    writer_cv_.wait(lock, [&] { return stop_ || !clean(); });
    if (clean()) break;  // stopping, and everything is written
    std::map<std::string, uint64_t> alerts, incidents, conditions;
    WriteBatch batch = take_batch(&alerts, &incidents, &conditions);
    writing_ = true;
    ++attempts_started_;
    lock.unlock();
    std::string error;
    bool ok = backend_->write(batch, &error);
    lock.lock();
    writing_ = false;
    ++attempts_done_;
    after_write(ok, error, alerts, incidents, conditions);
    done_cv_.notify_all();
    if (ok) continue;
    if (stop_) {
      // The last try at shutdown failed: say what the next start will miss.
      if (log_)
        log_("ERROR: Store cannot write at shutdown (" + error + "): " + std::to_string(dirty_alerts_.size()) +
             " alerts and " + std::to_string(unwritten()) + " changes in all are lost");
      break;
    }
    writer_cv_.wait_for(lock, options_.write_retry, [&] { return stop_; });
  }
}

bool AlertStore::flush(Millis max_wait) {
  std::unique_lock lock(mu_);
  // Writes end in the order they began: once more than `started` have ended,
  // one that began after this call has ended too.
  uint64_t started = attempts_started_;
  writer_cv_.notify_one();
  done_cv_.wait_for(lock, max_wait, [&] {
    return (clean() && !writing_) || (health_.degraded && attempts_done_ > started && !writing_);
  });
  return clean() && !writing_;
}

StoreHealth AlertStore::health() const {
  std::lock_guard lock(mu_);
  StoreHealth h = health_;
  h.spilled_alerts = h.degraded ? dirty_alerts_.size() : 0;
  h.unwritten = unwritten();
  return h;
}

nlohmann::json AlertStore::status_json() {
  StoreHealth h = health();
  OutboxCounts c = outbox_.counts();
  return {{"state", h.degraded ? "degraded" : "ok"},
          {"pending_deliveries", c.pending},
          {"dropped_deliveries", c.dropped},
          {"reason", h.degraded ? nlohmann::json(h.reason) : nlohmann::json(nullptr)},
          {"since", h.degraded_since ? nlohmann::json(format_iso8601(*h.degraded_since)) : nlohmann::json(nullptr)},
          {"write_errors", h.write_errors},
          {"spilled_alerts", h.spilled_alerts},
          {"unwritten", h.unwritten}};
}

}  // namespace keyward::store
