#pragma once
// A thin RAII layer over the SQLite3 C API: one connection, WAL mode, a busy
// timeout, prepared statements. Errors are values (the last message is kept),
// never exceptions. Only the store's writer thread writes (alert_store.h).
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace keyward::store {

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
  Statement(Statement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept {
    std::swap(stmt_, o.stmt_);
    return *this;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    if (stmt_) sqlite3_finalize(stmt_);
  }

  bool ok() const { return stmt_ != nullptr; }
  // Clears bindings and state so the statement can run again.
  Statement& reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // Opens (creating) `path` in WAL mode with a busy timeout; nullptr and
  // *error on failure (*code: the SQLite result code, e.g. SQLITE_NOTADB for
  // a file that is not a database). ":memory:" works for tests.
  static std::unique_ptr<Database> open(const std::string& path, std::string* error, int busy_timeout_ms = 5000,
                                        int* code = nullptr);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without results; false on error (see error()).
  bool exec(const std::string& sql);
  // A prepared statement; !ok() on error.
  Statement prepare(const std::string& sql);
  int changes() const { return sqlite3_changes(db_); }
  std::string error() const { return sqlite3_errmsg(db_); }
  // The primary result code of the last failed call (SQLITE_FULL, SQLITE_CORRUPT, ...).
  int error_code() const { return sqlite3_errcode(db_) & 0xff; }
  // PRAGMA quick_check: "ok", or what is wrong (the first problem SQLite reports).
  std::string quick_check();
  sqlite3* handle() { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace keyward::store
