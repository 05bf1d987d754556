#include "router/store/sqlite_backend.h"

#include <algorithm>
#include <filesystem>

#include "base/utc_time.h"
#include "router/core/alert_messages.h"

namespace keyward::store {

namespace {

namespace fs = std::filesystem;

int64_t ms(WallTime t) { return t.time_since_epoch().count(); }
WallTime from_ms(int64_t v) { return WallTime(Millis(v)); }

nlohmann::json opt_ms(const std::optional<WallTime>& t) { return t ? nlohmann::json(ms(*t)) : nlohmann::json(nullptr); }

std::optional<WallTime> read_opt(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return from_ms(it->get<int64_t>());
}

const char* kSchema =
    "CREATE TABLE IF NOT EXISTS alerts ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
    " created_ms INTEGER NOT NULL, doc TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS deliveries ("
    " alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE, channel TEXT NOT NULL,"
    " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL,"
    " done_ms INTEGER, last_error TEXT, PRIMARY KEY(alert_id, channel));"
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_ms);"
    "CREATE TABLE IF NOT EXISTS incidents ("
    " id TEXT PRIMARY KEY, opened_ms INTEGER NOT NULL, resolved_ms INTEGER, doc TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS incidents_resolved ON incidents(resolved_ms);"
    // Per alerted condition ("<kind>|<subject>|<masked key>"): when it was
    // last alerted, so that a restart does not alert it again (issue 18, item 5).
    "CREATE TABLE IF NOT EXISTS conditions (key TEXT PRIMARY KEY, alerted_ms INTEGER NOT NULL);";

bool is_corruption(int code) { return code == SQLITE_CORRUPT || code == SQLITE_NOTADB; }

// Reads everything back; false with the SQLite code when the file turns out
// to be damaged while reading.
bool load(Database& db, size_t load_closed, LoadedState* out, int* code) {
  LoadedState st;
  auto fail = [&] {
    *code = db.error_code();
    return false;
  };
  auto alerts = db.prepare("SELECT id, doc FROM alerts ORDER BY seq");
  if (!alerts.ok()) return fail();
  auto deliveries =
      db.prepare("SELECT channel, state, attempts, next_ms, done_ms, last_error FROM deliveries WHERE alert_id = ?1");
  if (!deliveries.ok()) return fail();
  int rc;
  while ((rc = alerts.step()) == SQLITE_ROW) {
    StoredAlert sa;
    auto doc = nlohmann::json::parse(alerts.text(1), nullptr, false);
    if (!alert_from_json(doc, &sa.alert)) continue;  // a row we cannot read is skipped, not fatal
    deliveries.reset().bind(1, alerts.text(0));
    int drc;
    while ((drc = deliveries.step()) == SQLITE_ROW) {
      StoredDelivery d;
      if (!parse_channel(deliveries.text(0), &d.channel) || !parse_delivery_state(deliveries.text(1), &d.state))
        continue;
      d.attempts = static_cast<int>(deliveries.int64(2));
      d.next = from_ms(deliveries.int64(3));
      if (!deliveries.is_null(4)) d.done = from_ms(deliveries.int64(4));
      d.last_error = deliveries.text(5);
      sa.deliveries.push_back(std::move(d));
    }
    if (drc != SQLITE_DONE) return fail();
    st.alerts.push_back(std::move(sa));
  }
  if (rc != SQLITE_DONE) return fail();
  auto open_q = db.prepare("SELECT doc FROM incidents WHERE resolved_ms IS NULL ORDER BY opened_ms DESC LIMIT 1");
  if (!open_q.ok()) return fail();
  if ((rc = open_q.step()) == SQLITE_ROW) {
    IncidentRecord r;
    if (incident_from_json(nlohmann::json::parse(open_q.text(0), nullptr, false), &r)) st.open_incident = r;
  } else if (rc != SQLITE_DONE) {
    return fail();
  }
  auto closed = db.prepare(
      "SELECT doc FROM incidents WHERE resolved_ms IS NOT NULL ORDER BY resolved_ms DESC, opened_ms DESC LIMIT ?1");
  if (!closed.ok()) return fail();
  closed.bind(1, static_cast<int64_t>(load_closed));
  while ((rc = closed.step()) == SQLITE_ROW) {
    IncidentRecord r;
    if (incident_from_json(nlohmann::json::parse(closed.text(0), nullptr, false), &r))
      st.closed_incidents.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return fail();
  auto conds = db.prepare("SELECT key, alerted_ms FROM conditions");
  if (!conds.ok()) return fail();
  while ((rc = conds.step()) == SQLITE_ROW) st.conditions[conds.text(0)] = from_ms(conds.int64(1));
  if (rc != SQLITE_DONE) return fail();
  *out = std::move(st);
  return true;
}

enum class Attempt { ok, corrupt, failed };

// One try at opening, checking and reading `path`.
Attempt try_open(const std::string& path, size_t load_closed, std::unique_ptr<Database>* db_out, LoadedState* loaded,
                 std::string* why) {
  int code = SQLITE_OK;
  auto db = Database::open(path, why, 5000, &code);
  if (!db) return is_corruption(code) ? Attempt::corrupt : Attempt::failed;
  std::string check = db->quick_check();
  if (check != "ok") {
    *why = path + ": quick_check: " + check;
    return Attempt::corrupt;
  }
  if (!db->exec(kSchema)) {
    code = db->error_code();
    *why = path + ": " + db->error();
    return is_corruption(code) ? Attempt::corrupt : Attempt::failed;
  }
  if (!load(*db, load_closed, loaded, &code)) {
    *why = path + ": " + db->error();
    return is_corruption(code) ? Attempt::corrupt : Attempt::failed;
  }
  *db_out = std::move(db);
  return Attempt::ok;
}

}  // namespace

std::string compact_utc(WallTime t) {
  std::string s = format_iso8601(t);  // 2025-11-18T08:00:21Z
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '-' || c == ':'; }), s.end());
  return s;
}

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

std::optional<OpenedStore> SqliteBackend::open(const std::string& path, WallTime now, std::string* error,
                                               size_t keep_closed, size_t load_closed) {
  OpenedStore out;
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (!ec && fs::is_directory(status)) {
    if (error) *error = path + ": is a directory, not a store file";
    return std::nullopt;
  }
  if (ec || !fs::exists(status)) {
    out.notices.push_back("INFO: Store " + path + " does not exist: starting a new history");
  } else if (fs::is_regular_file(status) && fs::file_size(path, ec) == 0 && !ec) {
    out.notices.push_back("WARN: Store " + path + " is empty (0 bytes): starting a new history");
  }
  std::unique_ptr<Database> db;
  std::string why;
  Attempt a = try_open(path, load_closed, &db, &out.loaded, &why);
  if (a == Attempt::corrupt) {
    // Keep the damaged file for forensics, start afresh, and say so loudly:
    // whatever it held (open incidents, pending alerts) is gone from this run.
    std::string aside = path + ".corrupt-" + compact_utc(now);
    for (int n = 2; fs::exists(aside, ec); ++n) aside = path + ".corrupt-" + compact_utc(now) + "-" + std::to_string(n);
    db.reset();
    fs::rename(path, aside, ec);
    if (ec) {
      if (error) *error = path + " is corrupt (" + why + ") and cannot be moved aside: " + ec.message();
      return std::nullopt;
    }
    for (const char* suffix : {"-wal", "-shm"}) {
      std::error_code ignore;
      if (fs::exists(path + suffix, ignore)) fs::rename(path + suffix, aside + suffix, ignore);
    }
    out.corrupt_moved_to = aside;
    out.corrupt_reason = why;
    out.notices.push_back("ERROR: Store " + path + " was corrupt (" + why + "): moved aside to " + aside +
                          "; a fresh store was created; open incidents and pending alerts it held were lost");
    out.loaded = LoadedState{};
    a = try_open(path, load_closed, &db, &out.loaded, &why);
  }
  if (a != Attempt::ok) {
    if (error) *error = why;
    return std::nullopt;
  }
  out.backend.reset(new SqliteBackend(std::move(db), keep_closed));
  if (!out.backend->prepare_statements()) {
    if (error) *error = path + ": " + out.backend->db_->error();
    return std::nullopt;
  }
  return out;
}

SqliteBackend::SqliteBackend(std::unique_ptr<Database> db, size_t keep_closed)
    : db_(std::move(db)), keep_closed_(keep_closed) {}

bool SqliteBackend::prepare_statements() {
  insert_alert_ = db_->prepare("INSERT INTO alerts(id, created_ms, doc) VALUES(?1, ?2, ?3) ON CONFLICT(id) DO NOTHING");
  upsert_delivery_ = db_->prepare(
      "INSERT INTO deliveries(alert_id, channel, state, attempts, next_ms, done_ms, last_error) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(alert_id, channel) DO UPDATE SET state = excluded.state, "
      "attempts = excluded.attempts, next_ms = excluded.next_ms, done_ms = excluded.done_ms, "
      "last_error = excluded.last_error");
  delete_alert_ = db_->prepare("DELETE FROM alerts WHERE id = ?1");
  upsert_incident_ = db_->prepare(
      "INSERT INTO incidents(id, opened_ms, resolved_ms, doc) VALUES(?1, ?2, ?3, ?4) "
      "ON CONFLICT(id) DO UPDATE SET resolved_ms = excluded.resolved_ms, doc = excluded.doc");
  prune_incidents_ = db_->prepare(
      "DELETE FROM incidents WHERE resolved_ms IS NOT NULL AND id NOT IN ("
      " SELECT id FROM incidents WHERE resolved_ms IS NOT NULL ORDER BY resolved_ms DESC LIMIT ?1)");
  upsert_condition_ = db_->prepare(
      "INSERT INTO conditions(key, alerted_ms) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET alerted_ms = "
      "excluded.alerted_ms");
  delete_condition_ = db_->prepare("DELETE FROM conditions WHERE key = ?1");
  return insert_alert_.ok() && upsert_delivery_.ok() && delete_alert_.ok() && upsert_incident_.ok() &&
         prune_incidents_.ok() && upsert_condition_.ok() && delete_condition_.ok();
}

bool SqliteBackend::write(const WriteBatch& batch, std::string* error) {
  if (batch.empty()) return true;
  if (!db_->exec("BEGIN IMMEDIATE")) {
    if (error) *error = db_->error();
    return false;
  }
  if (!write_locked(batch)) {
    if (error) *error = db_->error();
    db_->exec("ROLLBACK");
    return false;
  }
  if (!db_->exec("COMMIT")) {
    if (error) *error = db_->error();
    db_->exec("ROLLBACK");
    return false;
  }
  return true;
}

bool SqliteBackend::write_locked(const WriteBatch& batch) {
  for (const auto& id : batch.deleted_alerts) {
    delete_alert_.reset().bind(1, id);
    if (delete_alert_.step() != SQLITE_DONE) return false;
  }
  for (const auto& sa : batch.alerts) {
    insert_alert_.reset().bind(1, sa.alert.id).bind(2, ms(sa.alert.created_at)).bind(3, alert_to_json(sa.alert).dump());
    if (insert_alert_.step() != SQLITE_DONE) return false;
    for (const auto& d : sa.deliveries) {
      upsert_delivery_.reset()
          .bind(1, sa.alert.id)
          .bind(2, std::string(to_string(d.channel)))
          .bind(3, std::string(to_string(d.state)))
          .bind(4, int64_t{d.attempts})
          .bind(5, ms(d.next));
      if (d.done)
        upsert_delivery_.bind(6, ms(*d.done));
      else
        upsert_delivery_.bind_null(6);
      if (d.last_error.empty())
        upsert_delivery_.bind_null(7);
      else
        upsert_delivery_.bind(7, d.last_error);
      if (upsert_delivery_.step() != SQLITE_DONE) return false;
    }
  }
  bool closed = false;
  for (const auto& r : batch.incidents) {
    upsert_incident_.reset().bind(1, r.id).bind(2, ms(r.opened_at)).bind(4, incident_to_json(r).dump());
    if (r.resolved_at)
      upsert_incident_.bind(3, ms(*r.resolved_at));
    else
      upsert_incident_.bind_null(3);
    if (upsert_incident_.step() != SQLITE_DONE) return false;
    closed = closed || r.resolved_at.has_value();
  }
  if (closed) {
    prune_incidents_.reset().bind(1, static_cast<int64_t>(keep_closed_));
    if (prune_incidents_.step() != SQLITE_DONE) return false;
  }
  for (const auto& [key, at] : batch.conditions) {
    Statement& s = at ? upsert_condition_ : delete_condition_;
    s.reset().bind(1, key);
    if (at) s.bind(2, ms(*at));
    if (s.step() != SQLITE_DONE) return false;
  }
  return true;
}

}  // namespace keyward::store
