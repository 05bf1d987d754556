#pragma once
// Append-only JSONL journal of everything that happened on the request path:
// request arrivals and outcomes, every provider attempt, every key/provider
// state change, validations and reloads. It is the input of incident replay,
// so each line is self-contained. Bounded: the file rotates by size, keeping
// one previous generation (`<path>.1`), and a ring of recent lines is kept in
// memory for GET /api/journal.
//
// Cost on the request path (issue 7: cold failover writes 3-4 lines per
// failing key, and building them with nlohmann plus an fflush per line was a
// quarter of the router's CPU per attempt):
//   - lines are built as text by JsonFields, not as a nlohmann DOM;
//   - write() only appends the line to an in-memory queue; a writer thread
//     batches the queue to the file, so no system call happens on the request
//     thread. flush() blocks until everything written so far is in the file;
//     the destructor flushes too.
// The text is byte for byte what nlohmann's dump(-1, ' ', false,
// error_handler_t::replace) gave for the same fields (sorted keys, the same
// escapes, invalid UTF-8 replaced by U+FFFD), so readers and replays of old
// journals see no difference.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/escape.h"
#include "base/utc_time.h"
#include "router/core/chat_router.h"

namespace keyward::http {

// One JSON object built as text. Fields may be added in any order: str()
// emits them sorted by key, as nlohmann's std::map-backed objects do (a key
// added twice keeps its last value, as json[key] = v does). Keys are held as
// views: they must outlive the builder (string literals, or names owned by
// the event being journaled).
class JsonFields {
 public:
  JsonFields() { fields_.reserve(16); text_.reserve(256); }
  JsonFields& add(std::string_view key, std::string_view value) {
    size_t begin = text_.size();
    append_json_string(text_, value);
    return push(key, begin);
  }
  JsonFields& add(std::string_view key, const char* value) { return add(key, std::string_view(value ? value : "")); }
  JsonFields& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
  JsonFields& add(std::string_view key, bool value) { return add_raw(key, value ? "true" : "false"); }
  template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  JsonFields& add(std::string_view key, Int value) {
    size_t begin = text_.size();
    append_int(static_cast<std::conditional_t<std::is_signed_v<Int>, long long, unsigned long long>>(value));
    return push(key, begin);
  }
  // `json` must already be valid JSON text (a nested object or array).
  JsonFields& add_raw(std::string_view key, std::string_view json) {
    size_t begin = text_.size();
    text_.append(json);
    return push(key, begin);
  }
  bool has(std::string_view key) const;
  bool empty() const { return fields_.empty(); }
  // The object's text, {"a":1,"b":"x"} (no spaces, keys sorted).
  std::string str() const;

 private:
  struct Field {
    std::string_view key;
    size_t begin, end;  // the value's text in text_
  };
  JsonFields& push(std::string_view key, size_t begin) {
    fields_.push_back({key, begin, text_.size()});
    return *this;
  }
  void append_int(long long v);
  void append_int(unsigned long long v);
  std::vector<Field> fields_;
  std::string text_;  // the values' texts, back to back
};

struct JournalOptions {
  std::string path;                     // "" = memory only
  size_t max_bytes = 64 << 20;          // rotate when the file would exceed this
  size_t memory_lines = 1000;           // recent lines kept for /api/journal
  size_t max_message_bytes = 2048;      // provider texts and prompts are cut to this
  // Lines waiting for the writer thread are bounded by this many bytes. When
  // the queue is full, write() waits up to full_wait for the writer, then
  // drops the line (counted in dropped_lines()); see Journal::write.
  size_t queue_bytes = 16 << 20;
  std::chrono::milliseconds full_wait{200};
  // The writer gathers lines for this long before one write to the file: at
  // most this much of the journal is lost if the process is killed (SIGTERM
  // stops the server cleanly and loses nothing).
  std::chrono::milliseconds batch_interval{20};
  // Write errors (a full disk, /dev/full) drop the batch's lines, counted in
  // dropped_lines(); they are logged through `log` at most once per
  // error_log_interval of `clock`, with the count and the error.
  const Clock* clock = nullptr;
  std::function<void(const std::string&)> log;
  Millis error_log_interval{60'000};
};

class Journal {
 public:
  explicit Journal(JournalOptions options);
  ~Journal();  // flushes everything queued, then closes the file
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // false (and an error) when the file cannot be opened. Starts the writer.
  bool open(std::string* error);
  // Adds "time" (ISO with ms) unless `fields` has one, and writes one line.
  void write(WallTime at, JsonFields fields);
  // Blocks until every line written before the call is in the file (handed
  // to the OS: readers of the file see it). No-op without a file.
  void flush();
  std::vector<std::string> recent(size_t limit) const;
  // Lines lost: the writer could not keep up (queue full for longer than
  // full_wait) or the file refused them (write error). Zero unless the disk
  // stalls or fails.
  uint64_t dropped_lines() const;
  // {"state":"ok"|"degraded"|"memory_only","path","dropped_lines","write_errors","last_error"}
  // for /api/status: degraded while the last write failed.
  nlohmann::json status_json() const;
  // Writes what is queued and ends the writer thread (the destructor does it too).
  void close();
  const JournalOptions& options() const { return options_; }
  // `text` cut to max_message_bytes on a UTF-8 boundary, "..." when cut.
  std::string cut(const std::string& text) const;

 private:
  void write_line(std::string text);
  void writer_loop();
  // Writer thread only. False with `error` when the file refused bytes; then
  // *lost counts the batch's lines that did not reach it.
  bool write_batch(const std::string& batch, std::string* error, uint64_t* lost);
  void note_write_result(bool ok, const std::string& error, uint64_t lost);  // mu_ held
  void rotate();                               // writer thread only
  JournalOptions options_;
  mutable std::mutex mu_;
  std::condition_variable writer_cv_;  // wakes the writer: lines, flush, stop, full queue
  std::condition_variable done_cv_;    // wakes flush() and full-queue waiters: a batch was written
  std::string pending_;                // queued lines, each ending in '\n'
  uint64_t queued_ = 0;                // lines ever queued
  uint64_t written_ = 0;               // lines ever handed to the file
  uint64_t flush_to_ = 0;              // flush() wants written_ >= this now
  uint64_t dropped_ = 0;
  uint64_t write_errors_ = 0;           // batches the file refused
  uint64_t errors_since_log_ = 0;       // lines lost since the last ERROR line
  std::string last_error_;
  bool failing_ = false;                // the last batch failed
  std::optional<MonoTime> last_error_log_;
  bool stop_ = false;
  std::deque<std::string> recent_;
  std::thread writer_;
  // Owned by the writer thread once it runs (by open() before, ~Journal after).
  std::FILE* file_ = nullptr;
  size_t file_bytes_ = 0;
};

class JournalObserver final : public RouterObserver {
 public:
  explicit JournalObserver(Journal& journal) : journal_(journal) {}
  void on_pool_event(const PoolEvent& e) override;
  void on_attempt(const AttemptRecord& a) override;
  void on_emergency(const Verdict& v, WallTime at) override;

 private:
  Journal& journal_;
};

}  // namespace keyward::http
