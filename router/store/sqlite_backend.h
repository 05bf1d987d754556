#pragma once
// The store on disk: one SQLite file holding the alert outbox, the incidents
// and, per alerted condition, when it was last alerted. Written only by the
// AlertStore's writer thread, one transaction per batch.
//
// Opening checks the file (PRAGMA quick_check). A corrupt store is never
// used silently: it is moved aside as `<path>.corrupt-<UTC time>` (with its
// -wal and -shm files), a fresh one is created, and the caller is told, so
// that it can log an ERROR and send an alert. A missing or empty (0-byte)
// file starts a new history, and says so.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "router/store/incident_store.h"
#include "router/store/sqlite_db.h"
#include "router/store/store_backend.h"

namespace keyward::store {

class SqliteBackend;

struct OpenedStore {
  std::unique_ptr<SqliteBackend> backend;
  LoadedState loaded;
  // Log lines for the operator, with their level ("INFO: ...", "WARN: ...",
  // "ERROR: ..."), in the order things happened.
  std::vector<std::string> notices;
  // Set when the file was corrupt: where it went, and what SQLite said.
  std::optional<std::string> corrupt_moved_to;
  std::string corrupt_reason;
};

class SqliteBackend final : public StoreBackend {
 public:
  // Opens or creates `path` (see above). nullopt and *error only when no
  // store can be had at all (a directory, an unwritable location).
  // `now` names a corrupt file moved aside. `keep_closed` bounds the closed
  // incidents kept; `load_closed` how many of them are read back.
  static std::optional<OpenedStore> open(const std::string& path, WallTime now, std::string* error,
                                         size_t keep_closed = 1000, size_t load_closed = 100);

  bool write(const WriteBatch& batch, std::string* error) override;
  // For tests: the connection (e.g. PRAGMA max_page_count to fill the "disk").
  Database& database() { return *db_; }

 private:
  explicit SqliteBackend(std::unique_ptr<Database> db, size_t keep_closed);
  bool prepare_statements();
  bool write_locked(const WriteBatch& batch);

  std::unique_ptr<Database> db_;
  size_t keep_closed_;
  Statement insert_alert_, upsert_delivery_, delete_alert_, upsert_incident_, prune_incidents_, upsert_condition_,
      delete_condition_;
};

// "20251118T080021Z".
std::string compact_utc(WallTime t);

}  // namespace keyward::store
