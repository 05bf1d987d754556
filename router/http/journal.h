#pragma once
// Append-only JSONL journal of everything that happened on the request path:
// request arrivals and outcomes, every provider attempt, every key/provider
// state change, validations and reloads. It is the input of incident replay,
// so each line is self-contained and flushed as it is written. Bounded: the
// file rotates by size, keeping one previous generation (`<path>.1`), and a
// ring of recent lines is kept in memory for GET /api/journal.
#include <cstddef>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/core/chat_router.h"

namespace keyward::http {

// 2025-11-18T08:00:15.123Z
std::string format_iso8601_ms(WallTime t);

struct JournalOptions {
  std::string path;                     // "" = memory only
  size_t max_bytes = 64 << 20;          // rotate when the file would exceed this
  size_t memory_lines = 1000;           // recent lines kept for /api/journal
  size_t max_message_bytes = 2048;      // provider texts and prompts are cut to this
};

class Journal {
 public:
  explicit Journal(JournalOptions options);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // false (and an error) when the file cannot be opened.
  bool open(std::string* error);
  // Adds "time" (ISO with ms) first and writes one line.
  void write(WallTime at, nlohmann::json fields);
  std::vector<std::string> recent(size_t limit) const;
  const JournalOptions& options() const { return options_; }
  std::string cut(const std::string& text) const;

 private:
  void rotate_locked();
  JournalOptions options_;
  mutable std::mutex mu_;
  std::FILE* file_ = nullptr;
  size_t file_bytes_ = 0;
  std::deque<std::string> recent_;
};

// The request id of the request being routed on this thread ("" outside one),
// so attempts can be tied to their request without widening the core API.
void set_current_request_id(std::string id);
const std::string& current_request_id();

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
