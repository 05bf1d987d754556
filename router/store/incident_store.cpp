#include "router/store/incident_store.h"

namespace keyward::store {

namespace {

int64_t ms(WallTime t) { return t.time_since_epoch().count(); }
WallTime from_ms(int64_t v) { return WallTime(Millis(v)); }

nlohmann::json opt_ms(const std::optional<WallTime>& t) { return t ? nlohmann::json(ms(*t)) : nlohmann::json(nullptr); }

std::optional<WallTime> read_opt(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return from_ms(it->get<int64_t>());
}

}  // namespace

nlohmann::json incident_to_json(const IncidentRecord& r) {
  nlohmann::json providers = nlohmann::json::array();
  for (const auto& p : r.providers)
    providers.push_back({{"name", p.name},
                         {"display_name", p.display_name},
                         {"keys_total", p.keys_total},
                         {"keys_failed", p.keys_failed},
                         {"cause", p.cause},
                         {"last_error", p.last_error},
                         {"diagnosis", p.diagnosis}});
  return {{"id", r.id},
          {"opened_ms", ms(r.opened_at)},
          {"cause", r.cause},
          {"diagnosis", r.diagnosis},
          {"providers", providers},
          {"keys_updated_ms", opt_ms(r.keys_updated_at)},
          {"restarted_ms", opt_ms(r.restarted_at)},
          {"recovered_ms", opt_ms(r.recovered_at)},
          {"resolved_ms", opt_ms(r.resolved_at)},
          {"alerts_sent", r.alerts_sent},
          {"reminders_sent", r.reminders_sent},
          {"last_reminder_ms", ms(r.last_reminder_at)},
          {"dedup", r.dedup}};
}

bool incident_from_json(const nlohmann::json& j, IncidentRecord* out) {
  try {
    IncidentRecord r;
    r.id = j.at("id").get<std::string>();
    r.opened_at = from_ms(j.at("opened_ms").get<int64_t>());
    r.cause = j.value("cause", "");
    r.diagnosis = j.value("diagnosis", "");
    for (const auto& p : j.value("providers", nlohmann::json::array()))
      r.providers.push_back({p.value("name", ""), p.value("display_name", ""), p.value("keys_total", 0),
                             p.value("keys_failed", 0), p.value("cause", ""), p.value("last_error", ""),
                             p.value("diagnosis", "")});
    r.keys_updated_at = read_opt(j, "keys_updated_ms");
    r.restarted_at = read_opt(j, "restarted_ms");
    r.recovered_at = read_opt(j, "recovered_ms");
    r.resolved_at = read_opt(j, "resolved_ms");
    r.alerts_sent = j.value("alerts_sent", 0);
    r.reminders_sent = j.value("reminders_sent", 0);
    r.last_reminder_at = from_ms(j.value("last_reminder_ms", ms(r.opened_at)));
    for (const auto& d : j.value("dedup", nlohmann::json::array()))
      if (d.is_string()) r.dedup.insert(d.get<std::string>());
    *out = std::move(r);
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;  // a corrupt row is skipped, not fatal
  }
}

std::unique_ptr<SqliteIncidentStore> SqliteIncidentStore::open(const std::string& path, std::string* error,
                                                               size_t keep_closed) {
  auto db = Database::open(path, error);
  if (!db) return nullptr;
  if (!db->exec("CREATE TABLE IF NOT EXISTS incidents ("
                " id TEXT PRIMARY KEY, opened_ms INTEGER NOT NULL, resolved_ms INTEGER, doc TEXT NOT NULL);"
                "CREATE INDEX IF NOT EXISTS incidents_resolved ON incidents(resolved_ms);")) {
    if (error) *error = path + ": " + db->error();
    return nullptr;
  }
  std::unique_ptr<SqliteIncidentStore> s(new SqliteIncidentStore(std::move(db), keep_closed));
  if (!s->upsert_.ok() || !s->load_open_.ok() || !s->recent_.ok() || !s->prune_.ok()) {
    if (error) *error = path + ": " + s->db_->error();
    return nullptr;
  }
  return s;
}

SqliteIncidentStore::SqliteIncidentStore(std::unique_ptr<Database> db, size_t keep_closed)
    : db_(std::move(db)), keep_closed_(keep_closed) {
  upsert_ = db_->prepare(
      "INSERT INTO incidents(id, opened_ms, resolved_ms, doc) VALUES(?1, ?2, ?3, ?4) "
      "ON CONFLICT(id) DO UPDATE SET resolved_ms = excluded.resolved_ms, doc = excluded.doc");
  load_open_ = db_->prepare("SELECT doc FROM incidents WHERE resolved_ms IS NULL ORDER BY opened_ms DESC LIMIT 1");
  recent_ = db_->prepare(
      "SELECT doc FROM incidents WHERE resolved_ms IS NOT NULL ORDER BY resolved_ms DESC, opened_ms DESC LIMIT ?1");
  prune_ = db_->prepare(
      "DELETE FROM incidents WHERE resolved_ms IS NOT NULL AND id NOT IN ("
      " SELECT id FROM incidents WHERE resolved_ms IS NOT NULL ORDER BY resolved_ms DESC LIMIT ?1)");
}

std::optional<IncidentRecord> SqliteIncidentStore::load_open() {
  std::lock_guard lock(mu_);
  load_open_.reset();
  if (load_open_.step() != SQLITE_ROW) return std::nullopt;
  IncidentRecord r;
  auto j = nlohmann::json::parse(load_open_.text(0), nullptr, /*allow_exceptions=*/false);
  load_open_.reset();  // ends the read transaction now, not at the next call
  if (!incident_from_json(j, &r)) return std::nullopt;
  return r;
}

void SqliteIncidentStore::save(const IncidentRecord& incident) {
  std::lock_guard lock(mu_);
  upsert_.reset().bind(1, incident.id).bind(2, ms(incident.opened_at)).bind(4, incident_to_json(incident).dump());
  if (incident.resolved_at) upsert_.bind(3, ms(*incident.resolved_at));
  else upsert_.bind_null(3);
  if (upsert_.step() != SQLITE_DONE) {
    ++write_errors_;
    last_error_ = db_->error();
    return;
  }
  if (incident.resolved_at) {
    prune_.reset().bind(1, static_cast<int64_t>(keep_closed_));
    prune_.step();
  }
}

std::vector<IncidentRecord> SqliteIncidentStore::recent(size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<IncidentRecord> out;
  recent_.reset().bind(1, static_cast<int64_t>(limit));
  while (recent_.step() == SQLITE_ROW) {
    IncidentRecord r;
    if (incident_from_json(nlohmann::json::parse(recent_.text(0), nullptr, false), &r)) out.push_back(std::move(r));
  }
  return out;
}

uint64_t SqliteIncidentStore::write_errors() const {
  std::lock_guard lock(mu_);
  return write_errors_;
}

std::string SqliteIncidentStore::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

}  // namespace keyward::store
