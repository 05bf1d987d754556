#include "router/store/sqlite_db.h"

namespace keyward::store {

std::unique_ptr<Database> Database::open(const std::string& path, std::string* error, int busy_timeout_ms,
                                         int* code) {
  sqlite3* db = nullptr;
  // FULLMUTEX: cheap insurance; in practice the writer thread is the only user
  // once the store is open.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (code) *code = rc & 0xff;
  if (rc != SQLITE_OK) {
    if (error) *error = path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if (db) sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  std::unique_ptr<Database> out(new Database(db));
  // WAL: readers never block the writer; NORMAL sync is durable across a
  // process crash (only an OS crash may lose the last transactions).
  if (!out->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")) {
    if (code) *code = out->error_code();
    if (error) *error = path + ": " + out->error();
    return nullptr;
  }
  return out;
}

// close_v2: a statement still alive (a caller's, a test's) turns the
// connection into a zombie freed with that statement, instead of sqlite3_close's
// SQLITE_BUSY and a leaked connection.
Database::~Database() { sqlite3_close_v2(db_); }

bool Database::exec(const std::string& sql) {
  return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::string Database::quick_check() {
  auto q = prepare("PRAGMA quick_check");
  if (!q.ok()) return error();
  int rc = q.step();
  if (rc != SQLITE_ROW) return error();
  std::string first = q.text(0);
  return first;
}

Statement Database::prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK) return Statement();
  return Statement(s);
}

}  // namespace keyward::store
