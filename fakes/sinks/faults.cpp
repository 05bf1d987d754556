// Fault and journal data conversions shared by every sink and the control API.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "fakes/sinks/sink_common.h"

namespace keyward::fakes {

namespace {
constexpr std::pair<SmtpStage, const char*> kStages[] = {
    {SmtpStage::connect, "connect"},     {SmtpStage::helo, "helo"},
    {SmtpStage::auth, "auth"},           {SmtpStage::mail_from, "mail_from"},
    {SmtpStage::rcpt, "rcpt"},           {SmtpStage::data, "data"},
    {SmtpStage::data_end, "data_end"},
};
constexpr std::pair<SinkFault::Kind, const char*> kKinds[] = {
    {SinkFault::Kind::down, "down"},
    {SinkFault::Kind::slow, "slow"},
    {SinkFault::Kind::status, "status"},
    {SinkFault::Kind::reply, "reply"},
};
}  // namespace

const char* to_string(SmtpStage stage) {
  for (auto& [s, name] : kStages)
    if (s == stage) return name;
  return "?";
}

std::optional<SmtpStage> smtp_stage_from_string(const std::string& name) {
  for (auto& [s, n] : kStages)
    if (name == n) return s;
  return std::nullopt;
}

const char* to_string(SinkFault::Kind kind) {
  for (auto& [k, name] : kKinds)
    if (k == kind) return name;
  return "?";
}

nlohmann::json to_json(const SinkFault& f) {
  nlohmann::json j{{"kind", to_string(f.kind)}};
  switch (f.kind) {
    case SinkFault::Kind::down: break;
    case SinkFault::Kind::slow: j["delay_ms"] = f.delay_ms; break;
    case SinkFault::Kind::status: j["status"] = f.status; break;
    case SinkFault::Kind::reply:
      j["stage"] = to_string(f.stage);
      j["code"] = f.code;
      break;
  }
  if (!f.text.empty()) j["text"] = f.text;
  if (f.first > 0) j["first"] = f.first;
  return j;
}

SinkFault sink_fault_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("a fault must be a JSON object");
  auto int_field = [&](const char* key, int lo, int hi, int& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_number_integer()) throw std::invalid_argument(std::string(key) + ": expected an integer");
    auto v = j[key].get<long long>();
    if (v < lo || v > hi)
      throw std::invalid_argument(std::string(key) + ": must be in " + std::to_string(lo) + ".." +
                                  std::to_string(hi));
    out = static_cast<int>(v);
  };
  for (auto& [key, _] : j.items()) {
    static const char* allowed[] = {"kind", "delay_ms", "status", "stage", "code", "text", "first"};
    bool ok = false;
    for (auto* a : allowed) ok = ok || key == a;
    if (!ok) throw std::invalid_argument("unknown field '" + key + "'");
  }
  SinkFault f;
  if (!j.contains("kind") || !j["kind"].is_string())
    throw std::invalid_argument("kind: expected one of down|slow|status|reply");
  auto kind = j["kind"].get<std::string>();
  bool found = false;
  for (auto& [k, name] : kKinds)
    if (kind == name) f.kind = k, found = true;
  if (!found) throw std::invalid_argument("kind: expected one of down|slow|status|reply, got '" + kind + "'");
  // One hour is far beyond any client timeout; larger values are typos.
  int_field("delay_ms", 0, 3'600'000, f.delay_ms);
  int_field("status", 400, 599, f.status);
  int_field("code", 400, 599, f.code);
  int_field("first", 0, 1'000'000, f.first);
  if (j.contains("stage")) {
    if (!j["stage"].is_string()) throw std::invalid_argument("stage: expected a string");
    auto st = smtp_stage_from_string(j["stage"].get<std::string>());
    if (!st)
      throw std::invalid_argument(
          "stage: expected one of connect|helo|auth|mail_from|rcpt|data|data_end");
    f.stage = *st;
  }
  if (j.contains("text")) {
    if (!j["text"].is_string()) throw std::invalid_argument("text: expected a string");
    f.text = j["text"].get<std::string>();
    // The text ends up on an SMTP reply line: no line breaks, bounded.
    if (f.text.find_first_of("\r\n") != std::string::npos || f.text.size() > 200)
      throw std::invalid_argument("text: one line of at most 200 bytes");
  }
  if (f.kind == SinkFault::Kind::slow && !j.contains("delay_ms"))
    throw std::invalid_argument("delay_ms: required for kind slow");
  if (f.kind == SinkFault::Kind::reply && !j.contains("stage"))
    throw std::invalid_argument("stage: required for kind reply");
  return f;
}

std::string MailMessage::header(const std::string& name) const {
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  auto want = lower(name);
  for (auto& [k, v] : headers)
    if (lower(k) == want) return v;
  return "";
}

namespace sinks_detail {

ListenAddr parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    throw std::invalid_argument("expected host:port, e.g. 127.0.0.1:0");
  ListenAddr a;
  a.host = listen.substr(0, colon);
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  auto port = listen.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("port must be a number 0..65535");
  a.port = std::stoi(port);
  if (a.port > 65535) throw std::invalid_argument("port must be a number 0..65535");
  return a;
}

nlohmann::json to_json(const SinkJournalEntry& e) {
  return {{"time", format_iso8601_ms(e.time)}, {"what", e.what},       {"status", e.status},
          {"detail", e.detail},      {"latency_ms", e.latency_ms}};
}

}  // namespace sinks_detail
}  // namespace keyward::fakes
