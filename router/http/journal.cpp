#include "router/http/journal.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/utf8.h"
#include "router/core/routing.h"

namespace keyward::http {

void JsonFields::append_int(long long v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  text_.append(buf, r.ptr);
}

void JsonFields::append_int(unsigned long long v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  text_.append(buf, r.ptr);
}

bool JsonFields::has(std::string_view key) const {
  return std::any_of(fields_.begin(), fields_.end(), [&](const Field& f) { return f.key == key; });
}

std::string JsonFields::str() const {
  // nlohmann objects are std::map<std::string, ...>: keys in byte order, and a
  // repeated key holds its last value. A stable sort keeps repeats in the
  // order they were added, so the last of each run of equal keys wins.
  // Insertion sort on a small array: a journal line has about ten fields, and
  // std::stable_sort's temporary buffer was the largest cost left per line.
  constexpr size_t kSmall = 24;
  std::array<const Field*, kSmall> small;
  std::vector<const Field*> large;
  const Field** order = small.data();
  if (fields_.size() > kSmall) {
    large.resize(fields_.size());
    order = large.data();
  }
  size_t n = 0;
  for (const auto& f : fields_) {
    size_t k = n++;
    while (k > 0 && f.key < order[k - 1]->key) {
      order[k] = order[k - 1];
      --k;
    }
    order[k] = &f;
  }
  std::string out;
  out.reserve(text_.size() + fields_.size() * 16 + 2);
  out.push_back('{');
  bool first = true;
  for (size_t k = 0; k < n; ++k) {
    if (k + 1 < n && order[k + 1]->key == order[k]->key) continue;  // a later value wins
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, order[k]->key);
    out.push_back(':');
    out.append(text_, order[k]->begin, order[k]->end - order[k]->begin);
  }
  out.push_back('}');
  return out;
}

// ---------------------------------------------------------------- Journal

Journal::Journal(JournalOptions options) : options_(std::move(options)) {}

Journal::~Journal() { close(); }

void Journal::close() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  writer_cv_.notify_one();
  if (writer_.joinable()) writer_.join();  // the writer drains the queue before it ends
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

bool Journal::open(std::string* error) {
  std::lock_guard lock(mu_);
  if (options_.path.empty() || writer_.joinable()) return true;  // memory only, or already open
  file_ = std::fopen(options_.path.c_str(), "a");
  if (!file_) {
    if (error) *error = "cannot open journal " + options_.path;
    return false;
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(options_.path, ec);
  file_bytes_ = ec ? 0 : static_cast<size_t>(size);
  writer_ = std::thread([this] { writer_loop(); });
  return true;
}

std::string Journal::cut(const std::string& text) const { return utf8_truncate(text, options_.max_message_bytes); }

void Journal::write(WallTime at, JsonFields fields) {
  if (!fields.has("time")) fields.add("time", format_iso8601_ms(at));
  write_line(fields.str());
}

void Journal::write_line(std::string text) {
  bool wake = false;
  {
    std::unique_lock lock(mu_);
    if (writer_.joinable() && !stop_) {
      // Bounded queue. A full queue means the disk has not kept up for a
      // while: wait a little (a burst drains within one batch), but never let
      // a stalled disk hold request threads for long. Past full_wait the line
      // is dropped and counted; the in-memory ring below still gets it.
      auto full = [&] { return !pending_.empty() && pending_.size() + text.size() + 1 > options_.queue_bytes; };
      if (full()) {
        writer_cv_.notify_one();
        done_cv_.wait_for(lock, options_.full_wait, [&] { return !full() || stop_; });
      }
      if (full() || stop_) {
        ++dropped_;
      } else {
        wake = pending_.empty();  // the writer sleeps only while the queue is empty
        pending_.append(text);
        pending_.push_back('\n');
        ++queued_;
      }
    }
    recent_.push_back(std::move(text));
    while (recent_.size() > options_.memory_lines) recent_.pop_front();
  }
  if (wake) writer_cv_.notify_one();
}

void Journal::flush() {
  std::unique_lock lock(mu_);
  if (!writer_.joinable()) return;
  uint64_t target = queued_;
  if (written_ >= target) return;
  flush_to_ = std::max(flush_to_, target);
  writer_cv_.notify_one();
  done_cv_.wait(lock, [&] { return written_ >= target; });
}

uint64_t Journal::dropped_lines() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void Journal::writer_loop() {
  std::string batch;
  std::unique_lock lock(mu_);
  for (;;) {
    writer_cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
    if (pending_.empty()) break;  // stop_, and everything is written
    // Gather lines for a while so that a busy router costs one write per
    // batch, not one per line; the request threads do not wake us per line.
    // flush(), stop and a half-full queue cut the wait short.
    writer_cv_.wait_for(lock, options_.batch_interval, [&] {
      return stop_ || flush_to_ > written_ || pending_.size() >= options_.queue_bytes / 2;
    });
    batch.clear();
    batch.swap(pending_);  // pending_ takes the old batch's capacity: no allocation per batch
    uint64_t upto = queued_;
    lock.unlock();
    std::string error;
    uint64_t lost = 0;
    bool ok = write_batch(batch, &error, &lost);
    lock.lock();
    note_write_result(ok, error, lost);
    written_ = upto;
    done_cv_.notify_all();
  }
}

bool Journal::write_batch(const std::string& batch, std::string* error, uint64_t* lost) {
  // What could not be written is counted by lines: the whole batch when the
  // final flush fails (stdio cannot tell which of its buffered bytes landed).
  auto lines_in = [&](size_t from) {
    return static_cast<uint64_t>(std::count(batch.begin() + static_cast<std::ptrdiff_t>(from), batch.end(), '\n'));
  };
  auto fail = [&](size_t from, const char* what) {
    int err = errno;
    *error = std::string(what) + ": " + (err ? std::strerror(err) : "unknown error");
    *lost = lines_in(from);
    if (file_) std::clearerr(file_);
    return false;
  };
  size_t pos = 0;
  errno = 0;
  while (pos < batch.size()) {
    if (!file_) return fail(pos, "journal file is not open (rotation failed)");
    if (file_bytes_ + (batch.size() - pos) <= options_.max_bytes) {
      size_t n = std::fwrite(batch.data() + pos, 1, batch.size() - pos, file_);
      file_bytes_ += n;
      if (n != batch.size() - pos) return fail(0, "write");
      pos = batch.size();
      break;
    }
    // This batch crosses the size limit: line by line, rotating before the
    // line that would not fit (as when each line was written on its own).
    size_t nl = batch.find('\n', pos);
    size_t len = (nl == std::string::npos ? batch.size() : nl + 1) - pos;
    if (file_bytes_ > 0 && file_bytes_ + len > options_.max_bytes) rotate();
    if (!file_) return fail(pos, "journal file is not open (rotation failed)");
    size_t n = std::fwrite(batch.data() + pos, 1, len, file_);
    file_bytes_ += n;
    if (n != len) return fail(0, "write");
    pos += len;
  }
  // Readers of the file (flush() callers) see the batch; a full disk shows here.
  if (file_ && std::fflush(file_) != 0) return fail(0, "write");
  return true;
}

void Journal::note_write_result(bool ok, const std::string& error, uint64_t lost) {
  if (ok) {
    if (failing_ && options_.log)
      options_.log("INFO: Journal " + options_.path + " writes again (" + std::to_string(dropped_) +
                   " lines dropped in all)");
    failing_ = false;
    return;
  }
  failing_ = true;
  dropped_ += lost;
  errors_since_log_ += lost;
  ++write_errors_;
  last_error_ = error;
  // At most one ERROR line per interval, with what was lost since the last one.
  bool due = !last_error_log_ || !options_.clock ||
             options_.clock->monotonic() - *last_error_log_ >= options_.error_log_interval;
  if (!due) return;
  if (options_.log)
    options_.log("ERROR: Journal " + options_.path + " cannot be written (" + error + "): " +
                 std::to_string(errors_since_log_) + " lines dropped since the last report, " +
                 std::to_string(dropped_) + " in all; the router goes on, replays will have gaps");
  if (options_.clock) last_error_log_ = options_.clock->monotonic();
  errors_since_log_ = 0;
}

nlohmann::json Journal::status_json() const {
  std::lock_guard lock(mu_);
  std::string state = options_.path.empty() ? "memory_only" : failing_ ? "degraded" : "ok";
  return {{"state", state},
          {"path", options_.path},
          {"dropped_lines", dropped_},
          {"write_errors", write_errors_},
          {"last_error", last_error_.empty() ? nlohmann::json(nullptr) : nlohmann::json(last_error_)}};
}

void Journal::rotate() {
  std::fflush(file_);
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  std::filesystem::rename(options_.path, options_.path + ".1", ec);  // replaces the older .1
  file_ = std::fopen(options_.path.c_str(), "w");
  if (!file_) file_ = std::fopen(options_.path.c_str(), "a");  // keep writing where we can
  file_bytes_ = 0;
}

std::vector<std::string> Journal::recent(size_t limit) const {
  std::lock_guard lock(mu_);
  size_t n = std::min(limit, recent_.size());
  return std::vector<std::string>(recent_.end() - static_cast<std::ptrdiff_t>(n), recent_.end());
}

// ---------------------------------------------------------------- observer

// The fields below are the ones the nlohmann version wrote, with the same
// types; JsonFields sorts them, so the order here does not matter.
void JournalObserver::on_pool_event(const PoolEvent& e) {
  // attempt_ok / attempt_failed repeat on_attempt; the state changes are what matter here.
  if (e.kind == PoolEventKind::attempt_ok || e.kind == PoolEventKind::attempt_failed) return;
  JsonFields j;
  j.add("type", to_string(e.kind)).add("provider", e.provider);
  if (e.key_index > 0) j.add("key_id", e.key_index).add("masked_key", e.masked_key);
  if (e.cls != ErrorClass::ok) j.add("class", to_string(e.cls));
  if (e.status) j.add("status", e.status);
  if (!e.message.empty()) j.add("message", journal_.cut(e.message));
  if (e.until) j.add("until", format_iso8601_ms(*e.until));
  if (e.strikes) j.add("strikes", e.strikes);
  // Cluster mode: applied from another replica's report, not observed here.
  // The scenario checkers read when a quarantine reached this replica.
  if (e.remote) j.add("from_cluster", true);
  journal_.write(e.at, std::move(j));
}

void JournalObserver::on_attempt(const AttemptRecord& a) {
  JsonFields j;
  j.add("type", "attempt")
      .add("provider", a.provider)
      .add("key_id", a.key_index)
      .add("masked_key", a.masked_key)
      .add("class", to_string(a.cls))
      .add("signal", a.signal ? a.signal : "")
      .add("status", a.status)
      .add("latency_us", static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(a.latency).count()))
      .add("message", journal_.cut(a.message));
  if (!a.request_id.empty()) j.add("request_id", a.request_id);
  journal_.write(a.at, std::move(j));
}

void JournalObserver::on_emergency(const Verdict& v, WallTime at) {
  JsonFields providers;
  for (const auto& p : v.providers) {
    JsonFields one;
    one.add("failed", p.failed()).add("total", p.keys_total).add("cause", to_string(p.cause));
    providers.add_raw(p.name, one.str());
  }
  JsonFields j;
  j.add("type", "emergency")
      .add("cause", to_string(v.cause))
      .add("diagnosis", v.diagnosis)
      .add_raw("providers", providers.str());
  if (v.retry_at) j.add("retry_at", format_iso8601_ms(*v.retry_at));
  if (!v.request_id.empty()) j.add("request_id", v.request_id);
  journal_.write(at, std::move(j));
}

}  // namespace keyward::http
