#pragma once
// The seams between the incident engine (pure logic) and the world: an outbox
// that accepts alerts for later delivery, and a store that keeps the open
// incident across restarts. Implementations: SQLite in router/store, the small
// in-memory ones below for tests and for running without a database. Later a
// Redis implementation can share incidents across replicas (DESIGN.md).
#include <algorithm>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"

namespace keyward {

enum class AlertKind {
  key_auth_failed,
  provider_all_keys_failed,
  all_providers_failed,  // the emergency; also its reminders
  quota_exhausted,
  provider_outage,
  key_expiring,
  health_check_failed,
  resolved,
  store_corrupt,  // the incident store was corrupt at start and was moved aside
};
const char* to_string(AlertKind k);
bool parse_alert_kind(const std::string& s, AlertKind* out);

enum class AlertSeverity { info, warning, high, critical, emergency };
const char* to_string(AlertSeverity s);
bool parse_alert_severity(const std::string& s, AlertSeverity* out);

// Delivery channels, as a bit set in Alert::channels.
enum Channel : unsigned { channel_email = 1u, channel_telegram = 2u, channel_webhook = 4u };
inline constexpr unsigned kAllChannels = channel_email | channel_telegram | channel_webhook;
const char* to_string(Channel c);
bool parse_channel(const std::string& s, Channel* out);

struct Alert {
  // Stable and deterministic (incident id + kind + subject): the SMTP
  // Message-ID and the idempotency key of the outbox, so a retried or
  // re-enqueued alert is delivered once per channel.
  std::string id;
  std::string incident_id;  // "" when raised outside an incident
  AlertKind kind = AlertKind::key_auth_failed;
  AlertSeverity severity = AlertSeverity::warning;
  std::string dedup_subject;  // what the alert is about: "groq#1", "groq", "all", "reminder#2"
  std::string subject;        // email subject, one line, no control characters
  std::string text;           // plain-text body
  std::string html;           // HTML body, every untrusted byte escaped
  std::string telegram;       // short text for Telegram parse_mode HTML (escaped); "" = none
  unsigned channels = 0;      // Channel bits
  WallTime created_at{};
};

// Accepts alerts for asynchronous delivery. Must be quick: it is called on
// the request path (from pool notifications, after the pool's lock) and must
// never block on a channel or a disk write (router/store's AlertStore keeps
// alerts in memory and persists them on its own writer thread).
class AlertOutbox {
 public:
  virtual ~AlertOutbox() = default;
  // False when the alert (same id) was already enqueued, or it was dropped
  // because the outbox is full.
  virtual bool enqueue(const Alert& alert) = 0;
};

// Per-provider counts of an incident, from the emergency Verdict.
struct IncidentProvider {
  std::string name;
  std::string display_name;
  int keys_total = 0;
  int keys_failed = 0;
  std::string cause;       // ErrorClass name: "auth", "quota_exhausted", ...
  std::string last_error;  // the provider's text (untrusted)
  std::string diagnosis;
};

struct IncidentRecord {
  std::string id;  // "inc-20251118T080021Z"
  WallTime opened_at{};
  std::string cause;  // EmergencyCause name: "all_authentication_failed"
  std::string diagnosis;
  std::vector<IncidentProvider> providers;
  std::optional<WallTime> keys_updated_at;
  std::optional<WallTime> restarted_at;
  std::optional<WallTime> recovered_at;  // first success
  std::optional<WallTime> resolved_at;   // resolved alert raised (closed)
  int alerts_sent = 0;
  int reminders_sent = 0;
  WallTime last_reminder_at{};
  std::set<std::string> dedup;  // "<kind>|<dedup_subject>" already alerted in this incident
};

// Called from pool notifications on request threads: every method must be
// quick and never wait for a disk (the SQLite store writes on its own thread).
class IncidentStore {
 public:
  virtual ~IncidentStore() = default;
  // The incident that is still open, if any (at most one).
  virtual std::optional<IncidentRecord> load_open() = 0;
  // Inserts or updates by id. A record with resolved_at set is closed.
  virtual void save(const IncidentRecord& incident) = 0;
  // Closed incidents, newest first.
  virtual std::vector<IncidentRecord> recent(size_t limit) = 0;
  // When each condition still open ("<kind>|<subject>|<masked key>") was last
  // alerted, so that a restart does not alert it again within the dedup
  // window. set_condition_alerted(key, nullopt) forgets one (it ended).
  virtual std::map<std::string, WallTime> alerted_conditions() = 0;
  virtual void set_condition_alerted(const std::string& key, std::optional<WallTime> at) = 0;
};

// ------------------------------------------------------------- in memory ----

// For tests and for running without a database: loses everything on exit.
class MemoryIncidentStore final : public IncidentStore {
 public:
  std::optional<IncidentRecord> load_open() override {
    std::lock_guard lock(mu_);
    for (const auto& r : records_)
      if (!r.resolved_at) return r;
    return std::nullopt;
  }
  void save(const IncidentRecord& incident) override {
    std::lock_guard lock(mu_);
    for (auto& r : records_) {
      if (r.id == incident.id) {
        r = incident;
        return;
      }
    }
    records_.push_back(incident);
    if (records_.size() > kMaxRecords) records_.pop_front();
  }
  std::vector<IncidentRecord> recent(size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<IncidentRecord> out;
    for (auto it = records_.rbegin(); it != records_.rend() && out.size() < limit; ++it)
      if (it->resolved_at) out.push_back(*it);
    return out;
  }
  std::map<std::string, WallTime> alerted_conditions() override {
    std::lock_guard lock(mu_);
    return conditions_;
  }
  void set_condition_alerted(const std::string& key, std::optional<WallTime> at) override {
    std::lock_guard lock(mu_);
    if (at) conditions_[key] = *at;
    else conditions_.erase(key);
    while (conditions_.size() > kMaxConditions) conditions_.erase(conditions_.begin());
  }

 private:
  static constexpr size_t kMaxRecords = 100;
  static constexpr size_t kMaxConditions = 10'000;
  std::mutex mu_;
  std::deque<IncidentRecord> records_;
  std::map<std::string, WallTime> conditions_;
};

// Keeps what was enqueued (bounded, idempotent by id); tests read it back.
class CollectingOutbox final : public AlertOutbox {
 public:
  explicit CollectingOutbox(size_t max_alerts = 10'000) : max_(max_alerts) {}
  bool enqueue(const Alert& alert) override {
    std::lock_guard lock(mu_);
    if (!ids_.insert(alert.id).second || alerts_.size() >= max_) return false;
    alerts_.push_back(alert);
    return true;
  }
  std::vector<Alert> alerts() const {
    std::lock_guard lock(mu_);
    return alerts_;
  }
  std::vector<Alert> of_kind(AlertKind k) const {
    std::lock_guard lock(mu_);
    std::vector<Alert> out;
    std::copy_if(alerts_.begin(), alerts_.end(), std::back_inserter(out), [&](const Alert& a) { return a.kind == k; });
    return out;
  }
  size_t count_for(Channel c) const {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(
        std::count_if(alerts_.begin(), alerts_.end(), [&](const Alert& a) { return (a.channels & c) != 0; }));
  }

 private:
  size_t max_;
  mutable std::mutex mu_;
  std::set<std::string> ids_;
  std::vector<Alert> alerts_;
};

}  // namespace keyward
