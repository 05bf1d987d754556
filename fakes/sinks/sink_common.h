#pragma once
// Internal to fakes/sinks: the pieces every sink shares — bounded journal,
// bounded message store, fault book, listen-address parsing. Not part of the
// public API (include fakes/sinks/sinks.h instead).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/utc_time.h"
#include "fakes/sinks/sinks.h"

namespace keyward::fakes::sinks_detail {

struct ListenAddr {
  std::string host;
  int port = 0;
};
// "127.0.0.1:0" → {127.0.0.1, 0}. Throws std::invalid_argument.
ListenAddr parse_listen(const std::string& listen);

// Every interaction, newest last; the oldest entries fall off past `limit` so a
// long soak cannot grow memory without bound.
class Journal {
 public:
  explicit Journal(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}
  void add(SinkJournalEntry e) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= limit_) entries_.pop_front();
    entries_.push_back(std::move(e));
  }
  std::vector<SinkJournalEntry> snapshot() const {
    std::lock_guard lock(mu_);
    return {entries_.begin(), entries_.end()};
  }
  void clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::deque<SinkJournalEntry> entries_;
  std::size_t limit_;
};
nlohmann::json to_json(const SinkJournalEntry& e);

// Stored messages, bounded (oldest dropped); delivered_count keeps counting
// past the bound so a test can still see how many arrived.
template <typename Message>
class MessageStore {
 public:
  explicit MessageStore(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}
  // Returns the delivery number (1-based since the last clear()).
  std::size_t add(Message m) {
    std::size_t n;
    {
      std::lock_guard lock(mu_);
      if (messages_.size() >= limit_) messages_.pop_front();
      messages_.push_back(std::move(m));
      n = ++delivered_;
    }
    cv_.notify_all();
    return n;
  }
  std::vector<Message> snapshot() const {
    std::lock_guard lock(mu_);
    return {messages_.begin(), messages_.end()};
  }
  std::size_t delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
  }
  void clear() {
    std::lock_guard lock(mu_);
    messages_.clear();
    delivered_ = 0;
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<Message> messages_;
  std::size_t delivered_ = 0;
  std::size_t limit_;
};

// The active faults of one sink. `first: N` faults are consumed as they fire
// and dropped when spent. Delays wait on a condition variable rather than
// sleeping so that stop() interrupts them at once.
class FaultBook {
 public:
  static constexpr std::size_t kMaxFaults = 64;  // a control API client cannot grow this forever

  void set(const SinkFault& f) {
    std::lock_guard lock(mu_);
    if (faults_.size() >= kMaxFaults) faults_.erase(faults_.begin());
    faults_.push_back(f);
  }
  void clear() {
    std::lock_guard lock(mu_);
    faults_.clear();
  }
  std::vector<SinkFault> list() const {
    std::lock_guard lock(mu_);
    return faults_;
  }
  // The first active fault for which `match` is true; consumes one use of it.
  std::optional<SinkFault> take(const std::function<bool(const SinkFault&)>& match) {
    std::lock_guard lock(mu_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (!match(*it)) continue;
      SinkFault hit = *it;
      if (it->first > 0 && --it->first == 0) faults_.erase(it);
      return hit;
    }
    return std::nullopt;
  }
  std::optional<SinkFault> take_kind(SinkFault::Kind kind) {
    return take([kind](const SinkFault& f) { return f.kind == kind; });
  }
  // Applies a `slow` fault if one is active. Returns the delay applied (ms).
  int apply_slow() {
    auto f = take_kind(SinkFault::Kind::slow);
    if (!f || f->delay_ms <= 0) return 0;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(f->delay_ms), [&] { return stopping_; });
    return f->delay_ms;
  }
  void set_stopping(bool stopping) {
    {
      std::lock_guard lock(mu_);
      stopping_ = stopping;
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SinkFault> faults_;
  bool stopping_ = false;
};

// Milliseconds elapsed since `start` on the steady clock (journal latencies).
inline double elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// ---- MIME (mime.cpp) ----
std::string base64_decode(const std::string& in);
std::string base64_encode(const std::string& in);
std::string quoted_printable_decode(const std::string& in);
// Decodes RFC 2047 encoded-words (B and Q; UTF-8, US-ASCII and ISO-8859-1
// converted to UTF-8, other charsets passed through as bytes).
std::string decode_rfc2047(const std::string& value);
// Fills the parsed fields of `m` from m.raw.
void parse_mail(MailMessage& m);

// ---- Telegram entity validation (telegram_entities.cpp) ----
// Returns an error ("Unsupported start tag \"x\" at byte offset 3") or nullopt;
// on success `plain` receives the text with markup removed.
std::optional<std::string> check_html_entities(const std::string& text, std::string& plain);
std::optional<std::string> check_markdown_v2_entities(const std::string& text, std::string& plain);

}  // namespace keyward::fakes::sinks_detail
