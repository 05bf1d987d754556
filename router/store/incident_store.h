#pragma once
// The open incident and past incidents in SQLite, so that the resolved alert
// after a restart still knows when the incident began (and the downtime is
// right) and its dedup set survives: a restart does not re-send the alerts.
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "router/core/alert_outbox.h"
#include "router/store/sqlite_db.h"

namespace keyward::store {

nlohmann::json incident_to_json(const IncidentRecord& r);
bool incident_from_json(const nlohmann::json& j, IncidentRecord* out);

class SqliteIncidentStore final : public IncidentStore {
 public:
  // Opens or creates the database file; nullptr and *error on failure.
  static std::unique_ptr<SqliteIncidentStore> open(const std::string& path, std::string* error,
                                                   size_t keep_closed = 1000);

  std::optional<IncidentRecord> load_open() override;
  void save(const IncidentRecord& incident) override;
  std::vector<IncidentRecord> recent(size_t limit) override;

  // Failed writes since open (a full disk must not take the router down).
  uint64_t write_errors() const;
  std::string last_error() const;

 private:
  SqliteIncidentStore(std::unique_ptr<Database> db, size_t keep_closed);

  mutable std::mutex mu_;
  std::unique_ptr<Database> db_;
  size_t keep_closed_;
  Statement upsert_, load_open_, recent_, prune_;
  uint64_t write_errors_ = 0;
  std::string last_error_;
};

}  // namespace keyward::store
