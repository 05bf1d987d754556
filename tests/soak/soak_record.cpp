#include "tests/soak/soak_record.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <tuple>

#include "base/key_mask.h"
#include "router/core/config.h"
#include "router/core/env_file.h"
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"
#include "scenarios/emit.h"

namespace keyward::soak {

namespace {

using scenarios::Event;

// Chat calls, not validation pings: OpenAI's chat/completions, Gemini's
// :generateContent and :streamGenerateContent (as the scenario runner records them).
bool is_chat_path(const std::string& path) {
  return path.find("chat/completions") != std::string::npos || path.find("enerateContent") != std::string::npos;
}

fakes::ProviderOptions* provider_of(fakes::WorldOptions& w, const std::string& name) {
  for (auto& p : w.providers)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace

SoakRecord::SoakRecord(fakes::WorldOptions world, std::string env, std::string journal_path, WallTime start)
    : world_(std::move(world)), journal_path_(std::move(journal_path)) {
  scenario_.env = std::move(env);
  RouterConfig cfg = default_config();
  apply_env(cfg, parse_env(scenario_.env, ".env").entries, {});
  for (const auto& p : cfg.providers)
    for (const auto& k : p.keys) key_index_[{p.name, key_fingerprint(k.secret)}] = k.index;
  start_chunk(start);
}

void SoakRecord::start_chunk(WallTime now) {
  std::string env = std::move(scenario_.env);
  scenario_ = scenarios::Scenario{};
  scenario_.file = "soak";
  scenario_.name = "soak";
  scenario_.start_at = now;
  scenario_.world = world_;
  scenario_.env = std::move(env);
  run_ = scenarios::RunRecord{};
  // A sink that had a fault may still be delivering what it missed: the
  // chunk says so (the checkers do not place such deliveries by their time).
  for (const auto& sink : faulted_sinks_) {
    event(Event::Kind::sink_fault, now).sink = sink;
    event(Event::Kind::clear_sink_fault, now).sink = sink;
    scenario_.timeline.back().comment = scenario_.timeline[scenario_.timeline.size() - 2].comment =
        "faulty before this chunk";
  }
}

Event& SoakRecord::event(Event::Kind kind, WallTime at) {
  Event e;
  e.kind = kind;
  e.at = offset(at);
  scenario_.timeline.push_back(std::move(e));
  return scenario_.timeline.back();
}

void SoakRecord::key_state(WallTime at, const std::string& provider, const std::string& key, fakes::KeyState state) {
  Event& e = event(Event::Kind::key_state, at);
  e.provider = provider;
  e.key = key;
  e.key_state = state;
  if (auto* p = provider_of(world_, provider)) p->keys[key].state = state;
}

void SoakRecord::fault(WallTime at, const std::string& provider, const fakes::FaultSpec& fault) {
  Event& e = event(Event::Kind::fault, at);
  e.provider = provider;
  e.fault = fault;
  if (auto* p = provider_of(world_, provider)) p->faults.push_back(fault);
}

void SoakRecord::clear_faults(WallTime at, const std::string& provider) {
  event(Event::Kind::clear_fault, at).provider = provider;
  if (auto* p = provider_of(world_, provider)) p->faults.clear();
}

void SoakRecord::sink_fault(WallTime at, const std::string& sink, const fakes::SinkFault& fault) {
  Event& e = event(Event::Kind::sink_fault, at);
  e.sink = sink;
  e.sink_fault = fault;
  faulted_sinks_.insert(sink);
}

void SoakRecord::clear_sink_faults(WallTime at) {
  for (const char* sink : {"smtp", "telegram", "webhook"}) event(Event::Kind::clear_sink_fault, at).sink = sink;
}

void SoakRecord::request(WallTime at, const std::string& api, bool stream, const std::string& message, int status,
                         const std::string& body) {
  Event& e = event(Event::Kind::request, at);
  e.request.api = api;
  e.request.stream = stream;
  e.request.message = message;
  scenarios::RequestRecord r;
  r.event = scenario_.timeline.size() - 1;
  r.at = e.at;
  r.status = status;
  r.body = body;
  r.json = nlohmann::json::parse(body, nullptr, false);
  if (r.json.is_discarded()) r.json = nullptr;
  run_.requests.push_back(std::move(r));
}

void SoakRecord::call(const fakes::JournalEntry& j, const std::string& provider) {
  auto idx = key_index_.find({provider, j.key_hash});
  run_.calls.push_back({scenario_.timeline.empty() ? 0 : scenario_.timeline.size() - 1, offset(j.time), provider,
                        j.key_hash, j.key, idx == key_index_.end() ? 0 : idx->second, j.path, j.status,
                        is_chat_path(j.path)});
}

void SoakRecord::alert(WallTime at, const std::string& channel, const std::string& subject, const std::string& text) {
  run_.alerts.push_back(
      {scenario_.timeline.empty() ? 0 : scenario_.timeline.size() - 1, offset(at), channel, subject, text});
}

void SoakRecord::log(WallTime at, const std::string& line) {
  std::lock_guard lock(log_mu_);
  logs_.push_back({offset(at), line});
}

void SoakRecord::status(WallTime at, const nlohmann::json& status, bool always) {
  const nlohmann::json& incident = status.contains("incident") ? status["incident"] : nlohmann::json();
  if (!always && incident == last_incident_) return;
  last_incident_ = incident;
  run_.statuses.push_back({offset(at), status});
}

// The router's journal lines written since the last look (the soak flushes
// the journal first). A rotation (the file shorter than what was read) means
// the rest is in <path>.1.
void SoakRecord::read_journal() {
  auto read_from = [&](const std::string& path, uint64_t from) -> uint64_t {
    std::ifstream in(path, std::ios::binary);
    if (!in) return from;
    in.seekg(static_cast<std::streamoff>(from));
    std::string line;
    uint64_t done = from;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a line without its '\n' yet: read it next time
      done += line.size() + 1;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object()) run_.router_journal.push_back(std::move(j));
    }
    return done;
  };
  std::error_code ec;
  auto size = std::filesystem::file_size(journal_path_, ec);
  if (!ec && size < journal_offset_) {
    read_from(journal_path_ + ".1", journal_offset_);
    journal_offset_ = 0;
  }
  journal_offset_ = read_from(journal_path_, journal_offset_);
}

std::vector<std::string> SoakRecord::checkpoint(WallTime now, std::string metrics) {
  read_journal();
  {
    std::lock_guard lock(log_mu_);
    run_.logs = std::move(logs_);
    logs_.clear();
  }
  run_.metrics = std::move(metrics);
  scenario_.end_at = offset(now);
  run_.simulated = scenario_.end_at;
  std::vector<std::string> failed;
  for (const auto* c : scenarios::all_checkers()) {
    if (c->kind() != scenarios::CheckerKind::safety) continue;
    auto v = c->check(scenario_, run_);
    if (!v.passed) failed.push_back(std::string(c->name()) + ": expected " + v.expected + "; saw " + v.actual);
  }
  judged_ += run_.requests.size();
  ++chunks_;
  if (!failed.empty()) {
    std::string base = std::filesystem::path(journal_path_).parent_path() / ("chunk-" + std::to_string(chunks_));
    std::ofstream(base + ".yaml") << scenarios::emit_scenario(scenario_);
    nlohmann::json j = run_.journal();
    j["router_journal"] = run_.router_journal;
    j["statuses"] = nlohmann::json::array();
    for (const auto& [at, st] : run_.statuses) j["statuses"].push_back({{"at_ms", at.count()}, {"status", st}});
    std::ofstream(base + ".json") << j.dump(1);
    for (auto& f : failed) f += " [chunk written to " + base + ".yaml/.json]";
  }

  // What the next chunk's verdicts need from this one.
  std::vector<nlohmann::json> journal;  // the lines of windows still open (one window per line)
  for (const auto& w : scenarios::out_windows(scenario_, run_))
    if (w.to > scenario_.end_at) journal.push_back(run_.router_journal[w.journal_index]);
  // An alert may be delivered long after it was raised (its channel was
  // down) and is judged against what happened around its raising: carry
  // what happened within two reminder intervals.
  const Millis horizon = scenario_.end_at - 2 * scenario_.reminder_interval;
  // Each key's successful answers (they end an alert episode), as journal
  // lines, one per key and second (alerts say when they were raised to the second).
  std::set<std::tuple<std::string, int, int64_t>> answered;
  for (const auto& a : scenarios::key_answers(scenario_, run_)) {
    WallTime at = std::chrono::floor<std::chrono::seconds>(scenario_.start_at + a.at);
    if (a.at >= horizon && answered.insert({a.provider, a.key, at.time_since_epoch().count()}).second)
      journal.push_back({{"time", format_iso8601(at)},
                         {"type", "attempt"},
                         {"class", "ok"},
                         {"provider", a.provider},
                         {"key_id", a.key}});
  }
  // The last snapshot, and one per incident that resolved within the
  // horizon (the spans a later alert is judged against).
  std::vector<std::pair<WallTime, nlohmann::json>> statuses;
  auto spans = scenarios::incident_spans(scenario_, run_);
  for (const auto& sp : spans) {
    if (!sp.resolved || *sp.resolved < horizon) continue;
    WallTime at = scenario_.start_at + *sp.resolved;
    statuses.push_back({at,
                        {{"incident",
                          {{"state", "none"},
                           {"last_resolved",
                            {{"id", sp.id},
                             {"opened_at", format_iso8601(scenario_.start_at + sp.opened)},
                             {"resolved_at", format_iso8601(at)}}}}}}});
  }
  std::sort(statuses.begin(), statuses.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string open;
  if (!run_.statuses.empty()) {
    open = scenarios::open_incident_id(run_.statuses.back().second);
    statuses.push_back({scenario_.start_at + run_.statuses.back().first, run_.statuses.back().second});
  }
  // The last alert of each subject that could still be repeated wrongly: of
  // the incident still open, or raised within the horizon. Telegram
  // messages are placed by the snapshot at their delivery: not carried.
  std::map<std::pair<std::string, std::string>, scenarios::AlertRecord> alerts;
  for (const auto& a : run_.alerts) {
    if (a.channel == "telegram") continue;
    auto f = scenarios::alert_facts(scenario_, a);
    Millis raised = f.raised.value_or(a.at);
    std::string incident = f.incident;
    for (const auto& sp : spans)
      if (incident.empty() && f.raised && sp.contains(raised)) incident = sp.id;
    if ((!open.empty() && incident == open) || raised >= horizon) alerts[{a.channel, a.subject}] = a;
  }
  WallTime old_start = scenario_.start_at;
  start_chunk(now);
  run_.router_journal = std::move(journal);
  for (auto& [at, st] : statuses) run_.statuses.push_back({offset(at), std::move(st)});
  for (auto& [key, a] : alerts) {
    a.event = 0;
    a.at = offset(old_start + a.at);
    run_.alerts.push_back(std::move(a));
  }
  std::sort(run_.alerts.begin(), run_.alerts.end(),
            [](const scenarios::AlertRecord& x, const scenarios::AlertRecord& y) { return x.at < y.at; });
  return failed;
}

}  // namespace keyward::soak
