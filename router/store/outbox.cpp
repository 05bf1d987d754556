#include "router/store/outbox.h"

#include <algorithm>

#include "router/core/alert_messages.h"

namespace keyward::store {

namespace {

int64_t ms(WallTime t) { return t.time_since_epoch().count(); }

const Channel kChannels[] = {channel_email, channel_telegram, channel_webhook};

}  // namespace

Millis retry_delay(const RetryPolicy& policy, int attempts) {
  if (attempts < 1) attempts = 1;
  Millis d = policy.base;
  for (int i = 1; i < attempts && d < policy.cap; ++i) d *= 2;  // bounded loop: stops at the cap
  return std::min(d, policy.cap);
}

// ------------------------------------------------------------- SQLite ----

std::unique_ptr<SqliteOutbox> SqliteOutbox::open(const std::string& path, std::string* error, RetryPolicy policy) {
  auto db = Database::open(path, error);
  if (!db) return nullptr;
  if (!db->exec("CREATE TABLE IF NOT EXISTS alerts ("
                " seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
                " created_ms INTEGER NOT NULL, doc TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS deliveries ("
                " alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE, channel TEXT NOT NULL,"
                " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL,"
                " done_ms INTEGER, last_error TEXT, PRIMARY KEY(alert_id, channel));"
                "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_ms);")) {
    if (error) *error = path + ": " + db->error();
    return nullptr;
  }
  return std::unique_ptr<SqliteOutbox>(new SqliteOutbox(std::move(db), policy));
}

SqliteOutbox::SqliteOutbox(std::unique_ptr<Database> db, RetryPolicy policy) : db_(std::move(db)), policy_(policy) {}

void SqliteOutbox::fail(const std::string& what) {
  ++write_errors_;
  last_error_ = what + ": " + db_->error();
}

bool SqliteOutbox::enqueue(const Alert& alert) {
  std::lock_guard lock(mu_);
  if (!db_->exec("BEGIN IMMEDIATE")) {
    fail("begin");
    return false;
  }
  auto ins = db_->prepare("INSERT OR IGNORE INTO alerts(id, created_ms, doc) VALUES(?1, ?2, ?3)");
  ins.bind(1, alert.id).bind(2, ms(alert.created_at)).bind(3, alert_to_json(alert).dump());
  if (!ins.ok() || ins.step() != SQLITE_DONE) {
    fail("insert alert");
    db_->exec("ROLLBACK");
    return false;
  }
  if (db_->changes() == 0) {  // the same alert id again: idempotent
    db_->exec("ROLLBACK");
    return false;
  }
  auto del = db_->prepare(
      "INSERT OR IGNORE INTO deliveries(alert_id, channel, state, attempts, next_ms) VALUES(?1, ?2, 'pending', 0, ?3)");
  for (Channel c : kChannels) {
    if (!(alert.channels & c)) continue;
    del.reset().bind(1, alert.id).bind(2, std::string(to_string(c))).bind(3, ms(alert.created_at));
    if (del.step() != SQLITE_DONE) {
      fail("insert delivery");
      db_->exec("ROLLBACK");
      return false;
    }
  }
  prune();
  if (!db_->exec("COMMIT")) {
    fail("commit");
    db_->exec("ROLLBACK");
    return false;
  }
  return true;
}

void SqliteOutbox::prune() {
  auto count = [&] {
    auto q = db_->prepare("SELECT COUNT(*) FROM alerts");
    return q.step() == SQLITE_ROW ? static_cast<size_t>(q.int64(0)) : 0;
  };
  size_t n = count();
  if (n <= policy_.max_alerts) return;
  // Oldest alerts with nothing left to deliver go first.
  auto done = db_->prepare(
      "DELETE FROM alerts WHERE seq IN (SELECT seq FROM alerts a WHERE NOT EXISTS ("
      " SELECT 1 FROM deliveries d WHERE d.alert_id = a.id AND d.state = 'pending') ORDER BY seq LIMIT ?1)");
  done.bind(1, static_cast<int64_t>(n - policy_.max_alerts));
  done.step();
  n = count();
  if (n <= policy_.max_alerts) return;
  // Still full of undelivered alerts (a channel dead for very long): drop the
  // oldest, and count them, rather than grow without bound.
  auto excess = static_cast<int64_t>(n - policy_.max_alerts);
  auto lost = db_->prepare(
      "SELECT COUNT(*) FROM deliveries WHERE state = 'pending' AND alert_id IN ("
      " SELECT id FROM alerts ORDER BY seq LIMIT ?1)");
  lost.bind(1, excess);
  if (lost.step() == SQLITE_ROW) dropped_ += static_cast<uint64_t>(lost.int64(0));
  auto oldest = db_->prepare("DELETE FROM alerts WHERE seq IN (SELECT seq FROM alerts ORDER BY seq LIMIT ?1)");
  oldest.bind(1, excess);
  oldest.step();
}

std::vector<OutboxItem> SqliteOutbox::claim_due(WallTime now, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<OutboxItem> out;
  if (!db_->exec("BEGIN IMMEDIATE")) {
    fail("begin");
    return out;
  }
  auto q = db_->prepare(
      "SELECT d.alert_id, d.channel, d.attempts, a.doc FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
      "WHERE d.state = 'pending' AND d.next_ms <= ?1 ORDER BY a.seq, d.channel LIMIT ?2");
  q.bind(1, ms(now)).bind(2, static_cast<int64_t>(limit));
  auto lease = db_->prepare("UPDATE deliveries SET next_ms = ?1 WHERE alert_id = ?2 AND channel = ?3");
  while (q.step() == SQLITE_ROW) {
    OutboxItem item;
    Channel ch;
    auto doc = nlohmann::json::parse(q.text(3), nullptr, false);
    if (!parse_channel(q.text(1), &ch) || !alert_from_json(doc, &item.alert)) continue;  // corrupt row: leave it
    item.channel = ch;
    item.attempts = static_cast<int>(q.int64(2));
    lease.reset().bind(1, ms(now + policy_.lease)).bind(2, item.alert.id).bind(3, q.text(1));
    lease.step();
    out.push_back(std::move(item));
  }
  q.reset();
  if (!db_->exec("COMMIT")) {
    fail("commit");
    db_->exec("ROLLBACK");
  }
  return out;
}

void SqliteOutbox::mark_delivered(const std::string& alert_id, Channel channel, WallTime now) {
  std::lock_guard lock(mu_);
  auto u = db_->prepare(
      "UPDATE deliveries SET state = 'delivered', done_ms = ?1, attempts = attempts + 1, last_error = NULL "
      "WHERE alert_id = ?2 AND channel = ?3");
  u.bind(1, ms(now)).bind(2, alert_id).bind(3, std::string(to_string(channel)));
  if (u.step() != SQLITE_DONE) fail("mark delivered");
}

void SqliteOutbox::mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) {
  std::lock_guard lock(mu_);
  auto u = db_->prepare("UPDATE deliveries SET state = 'skipped', last_error = ?1 WHERE alert_id = ?2 AND channel = ?3");
  u.bind(1, reason).bind(2, alert_id).bind(3, std::string(to_string(channel)));
  if (u.step() != SQLITE_DONE) fail("mark skipped");
}

void SqliteOutbox::schedule_retry(const std::string& alert_id, Channel channel, WallTime now,
                                  const std::string& error) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("SELECT attempts FROM deliveries WHERE alert_id = ?1 AND channel = ?2");
  q.bind(1, alert_id).bind(2, std::string(to_string(channel)));
  if (q.step() != SQLITE_ROW) return;
  int attempts = static_cast<int>(q.int64(0)) + 1;
  q.reset();
  auto u = db_->prepare(
      "UPDATE deliveries SET attempts = ?1, next_ms = ?2, last_error = ?3 WHERE alert_id = ?4 AND channel = ?5");
  u.bind(1, int64_t{attempts})
      .bind(2, ms(now + retry_delay(policy_, attempts)))
      .bind(3, one_line(error, 500))
      .bind(4, alert_id)
      .bind(5, std::string(to_string(channel)));
  if (u.step() != SQLITE_DONE) fail("schedule retry");
}

std::optional<WallTime> SqliteOutbox::next_due() {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("SELECT MIN(next_ms) FROM deliveries WHERE state = 'pending'");
  if (q.step() != SQLITE_ROW || q.is_null(0)) return std::nullopt;
  return WallTime(Millis(q.int64(0)));
}

OutboxCounts SqliteOutbox::counts() {
  std::lock_guard lock(mu_);
  OutboxCounts c;
  auto a = db_->prepare("SELECT COUNT(*) FROM alerts");
  if (a.step() == SQLITE_ROW) c.alerts = static_cast<size_t>(a.int64(0));
  auto q = db_->prepare("SELECT state, COUNT(*) FROM deliveries GROUP BY state");
  while (q.step() == SQLITE_ROW) {
    auto state = q.text(0);
    auto n = static_cast<size_t>(q.int64(1));
    if (state == "pending") c.pending = n;
    else if (state == "delivered") c.delivered = n;
    else if (state == "skipped") c.skipped = n;
  }
  c.dropped = dropped_;
  return c;
}

uint64_t SqliteOutbox::write_errors() const {
  std::lock_guard lock(mu_);
  return write_errors_;
}

std::string SqliteOutbox::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

// ------------------------------------------------------------- memory ----

bool MemoryOutbox::enqueue(const Alert& alert) {
  std::lock_guard lock(mu_);
  if (!alerts_.emplace(alert.id, alert).second) return false;
  uint64_t seq = ++seq_;
  for (Channel c : kChannels)
    if (alert.channels & c) rows_[{alert.id, c}] = Row{seq, State::pending, 0, alert.created_at, ""};
  // Bound: drop the oldest fully-delivered alerts, then the oldest at all.
  while (alerts_.size() > policy_.max_alerts) {
    std::string victim;
    uint64_t best = UINT64_MAX;
    bool victim_done = false;
    for (const auto& [id, a] : alerts_) {
      bool done = true;
      uint64_t s = UINT64_MAX;
      for (Channel c : kChannels) {
        auto it = rows_.find({id, c});
        if (it == rows_.end()) continue;
        s = it->second.seq;
        done = done && it->second.state != State::pending;
      }
      if (s == UINT64_MAX) s = 0;
      if ((done && !victim_done) || ((done == victim_done) && s < best)) victim = id, best = s, victim_done = done;
    }
    for (Channel c : kChannels) {
      auto it = rows_.find({victim, c});
      if (it == rows_.end()) continue;
      if (it->second.state == State::pending) ++dropped_;
      rows_.erase(it);
    }
    alerts_.erase(victim);
  }
  return true;
}

std::vector<OutboxItem> MemoryOutbox::claim_due(WallTime now, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<uint64_t, std::pair<std::string, Channel>>> due;
  for (const auto& [key, row] : rows_)
    if (row.state == State::pending && row.next <= now) due.push_back({row.seq, key});
  std::sort(due.begin(), due.end());
  std::vector<OutboxItem> out;
  for (const auto& [seq, key] : due) {
    if (out.size() >= limit) break;
    auto& row = rows_[key];
    row.next = now + policy_.lease;
    out.push_back({alerts_[key.first], key.second, row.attempts});
  }
  return out;
}

void MemoryOutbox::mark_delivered(const std::string& alert_id, Channel channel, WallTime) {
  std::lock_guard lock(mu_);
  auto it = rows_.find({alert_id, channel});
  if (it == rows_.end()) return;
  it->second.state = State::delivered;
  it->second.attempts += 1;
}

void MemoryOutbox::mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) {
  std::lock_guard lock(mu_);
  auto it = rows_.find({alert_id, channel});
  if (it == rows_.end()) return;
  it->second.state = State::skipped;
  it->second.last_error = reason;
}

void MemoryOutbox::schedule_retry(const std::string& alert_id, Channel channel, WallTime now,
                                  const std::string& error) {
  std::lock_guard lock(mu_);
  auto it = rows_.find({alert_id, channel});
  if (it == rows_.end()) return;
  it->second.attempts += 1;
  it->second.next = now + retry_delay(policy_, it->second.attempts);
  it->second.last_error = one_line(error, 500);
}

std::optional<WallTime> MemoryOutbox::next_due() {
  std::lock_guard lock(mu_);
  std::optional<WallTime> t;
  for (const auto& [key, row] : rows_)
    if (row.state == State::pending && (!t || row.next < *t)) t = row.next;
  return t;
}

OutboxCounts MemoryOutbox::counts() {
  std::lock_guard lock(mu_);
  OutboxCounts c;
  c.alerts = alerts_.size();
  for (const auto& [key, row] : rows_) {
    if (row.state == State::pending) ++c.pending;
    else if (row.state == State::delivered) ++c.delivered;
    else ++c.skipped;
  }
  c.dropped = dropped_;
  return c;
}

}  // namespace keyward::store
