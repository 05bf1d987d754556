// Replay, stage "read": journal lines -> typed, time-ordered records.
#include <algorithm>
#include <cstdio>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>

#include "scenarios/replay_stages.h"

namespace keyward::scenarios::replay {

namespace {

using nlohmann::json;

const std::map<std::string, RecordType>& record_types() {
  static const std::map<std::string, RecordType> t = {
      {"request", RecordType::request},
      {"outcome", RecordType::outcome},
      {"attempt", RecordType::attempt},
      {"emergency", RecordType::emergency},
      {"validation", RecordType::validation},
      {"reload", RecordType::reload},
      {"key_quarantined", RecordType::key_quarantined},
      {"key_exhausted", RecordType::key_exhausted},
      {"key_rate_limited", RecordType::key_rate_limited},
      {"key_released", RecordType::key_released},
      {"key_recovered", RecordType::key_recovered},
      {"key_validated", RecordType::key_validated},
      {"key_validation_failed", RecordType::key_validation_failed},
      {"provider_ejected", RecordType::provider_ejected},
      {"provider_restored", RecordType::provider_restored},
  };
  return t;
}

// A masked key is short and has the "..." in it; anything else might be a raw
// key written by mistake, and is never copied.
bool looks_masked(const std::string& m) { return m.size() <= 24 && m.find("...") != std::string::npos; }

std::string str(const json& j, const char* field, const std::string& def = "") {
  auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : def;
}

int integer(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

JournalRecord to_record(size_t no, WallTime at, RecordType type, const json& j) {
  JournalRecord r;
  r.line = no;
  r.at = at;
  r.type = type;
  r.provider = str(j, "provider");
  r.key_id = integer(j, "key_id");
  if (j.contains("masked_key") && j["masked_key"].is_string()) r.masked_key = j["masked_key"].get<std::string>();
  r.error_class = str(j, "class");
  r.status = integer(j, "status");
  r.message = str(j, "message");
  WallTime until;
  if (parse_iso8601(str(j, "until"), &until)) r.until = until;
  if (j.contains("latency_us") && j["latency_us"].is_number_integer()) r.latency_us = j["latency_us"].get<int64_t>();
  r.request_id = str(j, "request_id");
  r.route = str(j, "route", "chat");
  r.stream = j.contains("stream") && j["stream"].is_boolean() && j["stream"].get<bool>();
  if (j.contains("messages") && j["messages"].is_array())
    for (const auto& m : j["messages"]) {
      if (m.is_object() && m.contains("content") && m["content"].is_string())
        r.last_message = m["content"].get<std::string>();
      // journal.record_messages: false journals the size only: a placeholder of that size.
      else if (m.is_object() && m.contains("content_bytes") && m["content_bytes"].is_number_unsigned())
        r.last_message = "(prompt not recorded: " + std::to_string(m["content_bytes"].get<uint64_t>()) + " bytes)";
    }
  r.http_status = integer(j, "http_status");
  r.outcome_kind = str(j, "kind", "?");
  if (j.contains("provider")) r.outcome_provider = r.provider;
  if (j.contains("cause")) r.cause = str(j, "cause");
  if (type == RecordType::emergency && j.contains("providers") && j["providers"].is_object()) {
    for (const auto& [name, pv] : j["providers"].items()) {
      if (!pv.is_object() || !pv.contains("total") || !pv["total"].is_number_integer()) continue;
      r.verdict.push_back({name, pv["total"].get<int>(), str(pv, "cause")});
    }
  }
  return r;
}

// The journal should never hold a raw key: look anyway, everywhere but the
// request messages (redacted where they are copied, in the timeline stage).
void warn_raw_keys(size_t no, const json& j, Warnings& warn) {
  for (const auto& [k, v] : j.items()) {
    if (k == "messages" || !v.is_string()) continue;
    if (k == "masked_key" ? !looks_masked(v.get<std::string>()) : !find_raw_keys(v.get<std::string>()).empty())
      warn.add("line " + std::to_string(no) + ": field '" + k +
               "' holds something that looks like a raw key; it is not copied to the scenario");
  }
}

}  // namespace

std::vector<JournalRecord> read_journal(std::istream& in, const ReplayOptions& o, Warnings& warn, std::string* error,
                                        size_t* lines_read) {
  std::vector<JournalRecord> out;
  std::string cur;
  bool overlong = false;
  size_t no = 0, nonempty = 0, bad_json = 0, bad_shape = 0;
  std::map<std::string, size_t> unknown;
  bool stopped = false;
  // Lines are read with a bound on each line and on their number, so a huge
  // or hostile file cannot exhaust memory. A last line without '\n' is
  // reported as truncated when it does not parse.
  auto finish_line = [&](bool terminated) {
    ++no;
    std::string text;
    text.swap(cur);
    bool was_overlong = overlong;
    overlong = false;
    if (text.find_first_not_of(" \t\r") == std::string::npos && !was_overlong) return;
    ++nonempty;
    if (was_overlong) {
      warn.add("line " + std::to_string(no) + ": longer than " + std::to_string(o.max_line_bytes) + " bytes; skipped");
      return;
    }
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      if (!terminated)
        warn.add("line " + std::to_string(no) + ": truncated last line (the writer stopped mid-line); ignored");
      else if (++bad_json <= 5)
        warn.add("line " + std::to_string(no) + ": not JSON; skipped");
      return;
    }
    WallTime at;
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("time") ||
        !j["time"].is_string() || !parse_iso8601(j["time"].get<std::string>(), &at)) {
      if (++bad_shape <= 5)
        warn.add("line " + std::to_string(no) + ": not a journal event (needs \"time\" and \"type\"); skipped");
      return;
    }
    std::string type = j["type"].get<std::string>();
    auto known = record_types().find(type);
    if (known == record_types().end()) {
      if (unknown[type]++ == 0) warn.add("line " + std::to_string(no) + ": unknown event type '" + type + "'; ignored");
      return;
    }
    warn_raw_keys(no, j, warn);
    out.push_back(to_record(no, at, known->second, j));
  };
  char buf[65536];
  uint64_t bytes = 0;
  while (!stopped && in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    bytes += static_cast<uint64_t>(n);
    for (std::streamsize i = 0; i < n; ++i) {
      char c = buf[i];
      if (c == '\n') {
        finish_line(true);
        if (no >= o.max_lines) {
          warn.add("stopped after " + std::to_string(o.max_lines) + " lines (bound); use --to to replay a part");
          stopped = true;
          break;
        }
      } else if (!overlong) {
        if (cur.size() >= o.max_line_bytes) {
          overlong = true;
          cur.clear();
        } else {
          cur += c;
        }
      }
    }
    if (o.on_progress) o.on_progress(no, bytes);
    // A file that is no text at all (a binary, an image) is not a journal: stop early.
    if (no == 0 && out.empty() && cur.size() >= o.max_line_bytes) break;
  }
  if (!stopped && (!cur.empty() || overlong)) finish_line(false);
  *lines_read = no;
  if (bad_json > 5) warn.add(std::to_string(bad_json - 5) + " more lines that are not JSON were skipped");
  if (bad_shape > 5) warn.add(std::to_string(bad_shape - 5) + " more lines without time/type were skipped");
  for (const auto& [type, count] : unknown)
    if (count > 1) warn.add("event type '" + type + "': " + std::to_string(count) + " lines ignored in all");
  if (out.empty()) {
    *error = nonempty == 0 ? "empty: no journal lines"
                           : "not a keyward journal: no line is a JSON object with \"time\" and \"type\" "
                             "(expected the JSONL file `keyward serve --journal` writes)";
    return out;
  }
  if (out.size() * 2 < nonempty && out.size() < 3) {
    // A few accidental matches in a file that is mostly something else.
    *error = "not a keyward journal: only " + std::to_string(out.size()) + " of " + std::to_string(nonempty) +
             " lines are journal events";
    return out;
  }
  // Writers on several threads can interleave by a millisecond: order by time
  // (stably, so a request still precedes its attempts) and say so.
  size_t backwards = 0;
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].at < out[i - 1].at && ++backwards <= 3)
      warn.add("line " + std::to_string(out[i].line) + ": time " + format_iso8601_ms(out[i].at) +
               " is before the previous line's (" + format_iso8601_ms(out[i - 1].at) +
               "); lines are replayed in time order");
  }
  if (backwards > 3) warn.add(std::to_string(backwards) + " lines in all go back in time");
  std::stable_sort(out.begin(), out.end(), [](const JournalRecord& a, const JournalRecord& b) { return a.at < b.at; });
  return out;
}

}  // namespace keyward::scenarios::replay
