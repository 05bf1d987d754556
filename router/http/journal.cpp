#include "router/http/journal.h"

#include <cstdio>
#include <filesystem>

#include "router/core/routing.h"

namespace keyward::http {

std::string format_iso8601_ms(WallTime t) {
  std::string s = format_iso8601(std::chrono::floor<std::chrono::seconds>(t));  // ...Z
  auto ms = (t.time_since_epoch().count() % 1000 + 1000) % 1000;
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(ms));
  if (!s.empty() && s.back() == 'Z') s.insert(s.size() - 1, buf);
  return s;
}

Journal::Journal(JournalOptions options) : options_(std::move(options)) {}

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

bool Journal::open(std::string* error) {
  std::lock_guard lock(mu_);
  if (options_.path.empty() || file_) return true;
  file_ = std::fopen(options_.path.c_str(), "a");
  if (!file_) {
    if (error) *error = "cannot open journal " + options_.path;
    return false;
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(options_.path, ec);
  file_bytes_ = ec ? 0 : static_cast<size_t>(size);
  return true;
}

std::string Journal::cut(const std::string& text) const {
  if (text.size() <= options_.max_message_bytes) return text;
  return text.substr(0, options_.max_message_bytes) + "...";
}

void Journal::rotate_locked() {
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  std::filesystem::rename(options_.path, options_.path + ".1", ec);  // replaces the older .1
  file_ = std::fopen(options_.path.c_str(), "w");
  file_bytes_ = 0;
}

void Journal::write(WallTime at, nlohmann::json fields) {
  nlohmann::json line = nlohmann::json::object();
  line["time"] = format_iso8601_ms(at);
  for (auto& [k, v] : fields.items()) line[k] = std::move(v);
  // Provider texts are untrusted bytes: replace invalid UTF-8 instead of throwing.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mu_);
  if (file_) {
    if (file_bytes_ > 0 && file_bytes_ + text.size() + 1 > options_.max_bytes) rotate_locked();
    if (file_) {
      std::fwrite(text.data(), 1, text.size(), file_);
      std::fputc('\n', file_);
      std::fflush(file_);  // one line at a time: a crash loses at most the line being written
      file_bytes_ += text.size() + 1;
    }
  }
  recent_.push_back(std::move(text));
  while (recent_.size() > options_.memory_lines) recent_.pop_front();
}

std::vector<std::string> Journal::recent(size_t limit) const {
  std::lock_guard lock(mu_);
  size_t n = std::min(limit, recent_.size());
  return std::vector<std::string>(recent_.end() - static_cast<std::ptrdiff_t>(n), recent_.end());
}

namespace {
thread_local std::string t_request_id;
}

void set_current_request_id(std::string id) { t_request_id = std::move(id); }
const std::string& current_request_id() { return t_request_id; }

void JournalObserver::on_pool_event(const PoolEvent& e) {
  // attempt_ok / attempt_failed repeat on_attempt; the state changes are what matter here.
  if (e.kind == PoolEventKind::attempt_ok || e.kind == PoolEventKind::attempt_failed) return;
  nlohmann::json j{{"type", to_string(e.kind)}, {"provider", e.provider}};
  if (e.key_index > 0) {
    j["key_id"] = e.key_index;
    j["masked_key"] = e.masked_key;
  }
  if (e.cls != ErrorClass::ok) j["class"] = to_string(e.cls);
  if (e.status) j["status"] = e.status;
  if (!e.message.empty()) j["message"] = journal_.cut(e.message);
  if (e.until) j["until"] = format_iso8601_ms(*e.until);
  if (e.strikes) j["strikes"] = e.strikes;
  journal_.write(e.at, std::move(j));
}

void JournalObserver::on_attempt(const AttemptRecord& a) {
  nlohmann::json j{{"type", "attempt"},
                   {"provider", a.provider},
                   {"key_id", a.key_index},
                   {"masked_key", a.masked_key},
                   {"class", to_string(a.cls)},
                   {"signal", a.signal ? a.signal : ""},
                   {"status", a.status},
                   {"latency_us", std::chrono::duration_cast<std::chrono::microseconds>(a.latency).count()},
                   {"message", journal_.cut(a.message)}};
  if (!current_request_id().empty()) j["request_id"] = current_request_id();
  journal_.write(a.at, std::move(j));
}

void JournalObserver::on_emergency(const Verdict& v, WallTime at) {
  nlohmann::json providers = nlohmann::json::object();
  for (const auto& p : v.providers)
    providers[p.name] = {{"failed", p.failed()}, {"total", p.keys_total}, {"cause", to_string(p.cause)}};
  nlohmann::json j{{"type", "emergency"},
                   {"cause", to_string(v.cause)},
                   {"diagnosis", v.diagnosis},
                   {"providers", std::move(providers)}};
  if (v.retry_at) j["retry_at"] = format_iso8601_ms(*v.retry_at);
  if (!current_request_id().empty()) j["request_id"] = current_request_id();
  journal_.write(at, std::move(j));
}

}  // namespace keyward::http
