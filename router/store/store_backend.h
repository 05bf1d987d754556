#pragma once
// What the store's writer thread hands to the disk, and what it reads back at
// start. The AlertStore (alert_store.h) serves every read from memory and
// passes changes here in batches on its own thread, so no request waits for a
// disk write; the SQLite backend (sqlite_backend.h) is the production one, and
// tests inject slow or failing ones.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "router/core/alert_outbox.h"

namespace keyward::store {

enum class DeliveryState { pending, delivered, skipped };
const char* to_string(DeliveryState s);
bool parse_delivery_state(const std::string& s, DeliveryState* out);

// One (alert, channel) row of the outbox.
struct StoredDelivery {
  Channel channel = channel_email;
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;              // failed tries (delivered rows: tries including the good one)
  WallTime next{};               // pending: due time (or the end of an in-flight lease)
  std::optional<WallTime> done;  // delivered: when
  std::string last_error;
};

struct StoredAlert {
  Alert alert;
  std::vector<StoredDelivery> deliveries;
};

// Everything changed since the last successful write. Each entry is the whole
// current state of its row (not a diff), so a batch that fails can be retried
// as it is, and a later batch supersedes it.
struct WriteBatch {
  std::vector<StoredAlert> alerts;                            // upserted (alert and its deliveries)
  std::vector<std::string> deleted_alerts;                    // pruned from the outbox
  std::vector<IncidentRecord> incidents;                      // upserted by id
  std::map<std::string, std::optional<WallTime>> conditions;  // alerted-at by condition key; nullopt = forget
  bool empty() const { return alerts.empty() && deleted_alerts.empty() && incidents.empty() && conditions.empty(); }
};

// What the store held at start.
struct LoadedState {
  std::vector<StoredAlert> alerts;  // oldest first
  std::optional<IncidentRecord> open_incident;
  std::vector<IncidentRecord> closed_incidents;  // newest first
  std::map<std::string, WallTime> conditions;
};

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  // Writes the batch atomically (all or nothing). False with `error` (e.g.
  // "database or disk is full") when it could not; the caller keeps the
  // batch's rows in memory and retries. Called on the writer thread only.
  virtual bool write(const WriteBatch& batch, std::string* error) = 0;
};

}  // namespace keyward::store
