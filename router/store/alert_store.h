#pragma once
// The alert outbox and the incidents, served from memory and persisted by a
// writer thread of their own (issue 17: no request's latency includes a disk
// write; issue 18: no alert lost when the disk cannot take it).
//
// Every call returns at once: it changes the state in memory and marks the
// changed rows dirty. The writer thread hands dirty rows to the backend in
// batches (one transaction each). When a write fails (SQLITE_FULL, an I/O
// error, a read-only file) nothing is lost from the running process: the
// rows stay in memory, where the dispatcher delivers from, and stay dirty;
// the store reports itself degraded with the reason, logs an ERROR at most
// once per error_log_interval with the counts, and retries; once a write
// succeeds again every spilled alert and its delivery state are persisted.
// The spill is bounded by the outbox's own bound (RetryPolicy::max_alerts).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "router/store/outbox.h"
#include "router/store/store_backend.h"

namespace keyward::store {

struct AlertStoreOptions {
  RetryPolicy retry;
  size_t closed_in_memory = 100;      // closed incidents kept for recent()
  Millis write_retry{1'000};          // real time between tries while writes fail
  Millis error_log_interval{60'000};  // by the injected clock: one ERROR line at most this often
};

struct StoreHealth {
  bool degraded = false;
  std::string reason;  // the last write error ("database or disk is full")
  std::optional<WallTime> degraded_since;
  uint64_t write_errors = 0;  // failed batch writes since start
  uint64_t batches_written = 0;
  size_t spilled_alerts = 0;  // alerts (or their delivery state) held only in memory while degraded
  size_t unwritten = 0;       // rows of any kind not yet on disk
};

class AlertStore final : public DeliveryQueue, public IncidentStore {
 public:
  // `initial`: what the backend held at start. `log` gets the ERROR/INFO lines.
  AlertStore(std::unique_ptr<StoreBackend> backend, LoadedState initial, const Clock& clock,
             AlertStoreOptions options = {}, std::function<void(const std::string&)> log = {});
  ~AlertStore() override;  // a last try at writing what is left, then the thread ends
  AlertStore(const AlertStore&) = delete;
  AlertStore& operator=(const AlertStore&) = delete;

  // DeliveryQueue (AlertOutbox)
  bool enqueue(const Alert& alert) override;
  std::vector<OutboxItem> claim_due(WallTime now, size_t limit) override;
  std::optional<OutboxItem> claim_oldest(Channel channel, WallTime now) override;
  void make_due(Channel channel, WallTime now) override;
  void mark_delivered(const std::string& alert_id, Channel channel, WallTime now) override;
  void mark_skipped(const std::string& alert_id, Channel channel, const std::string& reason) override;
  void schedule_retry(const std::string& alert_id, Channel channel, WallTime now, const std::string& error) override;
  std::optional<WallTime> next_due() override;
  OutboxCounts counts() override;

  // IncidentStore
  std::optional<IncidentRecord> load_open() override;
  void save(const IncidentRecord& incident) override;
  std::vector<IncidentRecord> recent(size_t limit) override;
  std::map<std::string, WallTime> alerted_conditions() override;
  void set_condition_alerted(const std::string& key, std::optional<WallTime> at) override;

  // Blocks until everything changed before the call is on disk, or until
  // `max_wait` passes; false when something is still unwritten (writes fail).
  bool flush(Millis max_wait);
  StoreHealth health() const;
  // {"state":"ok"|"degraded","reason","since","write_errors","spilled_alerts","unwritten",
  //  "pending_deliveries","dropped_deliveries"}
  nlohmann::json status_json();

 private:
  void mark_alert(const std::string& id);  // mu_ held
  void writer_loop();
  WriteBatch take_batch(std::map<std::string, uint64_t>* alerts, std::map<std::string, uint64_t>* incidents,
                        std::map<std::string, uint64_t>* conditions);  // mu_ held
  void after_write(bool ok, const std::string& error, const std::map<std::string, uint64_t>& alerts,
                   const std::map<std::string, uint64_t>& incidents,
                   const std::map<std::string, uint64_t>& conditions);  // mu_ held
  size_t unwritten() const;                                             // mu_ held
  bool clean() const { return dirty_alerts_.empty() && dirty_incidents_.empty() && dirty_conditions_.empty(); }

  std::unique_ptr<StoreBackend> backend_;
  const Clock& clock_;
  AlertStoreOptions options_;
  std::function<void(const std::string&)> log_;
  MemoryOutbox outbox_;

  mutable std::mutex mu_;
  std::condition_variable writer_cv_;  // wakes the writer: dirty rows, stop
  std::condition_variable done_cv_;    // wakes flush(): a write ended
  // Incidents: the open one and the recently closed ones, newest last.
  std::deque<IncidentRecord> incidents_;
  std::map<std::string, WallTime> conditions_;
  // Dirty rows, each with the change number of its latest change: a row
  // changed again while its batch was being written stays dirty.
  uint64_t change_ = 0;
  std::map<std::string, uint64_t> dirty_alerts_, dirty_incidents_, dirty_conditions_;
  uint64_t attempts_started_ = 0, attempts_done_ = 0;  // batch writes
  bool writing_ = false;
  bool stop_ = false;
  StoreHealth health_;
  std::optional<MonoTime> last_error_log_;
  uint64_t errors_since_log_ = 0;
  std::thread writer_;
};

}  // namespace keyward::store
