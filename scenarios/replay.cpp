// `keyward replay`: the stages (scenarios/replay_stages.h) build a Scenario;
// the scenario emitter writes it. This file runs them, checks the output,
// and is the command.
#include "scenarios/replay.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/flags.h"
#include "base/progress_line.h"
#include "router/core/config.h"
#include "scenarios/emit.h"
#include "scenarios/replay_stages.h"

namespace keyward::scenarios {

using namespace replay;

namespace {

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string factor(double f) {
  std::ostringstream s;
  s << f;
  return s.str();
}

// What a world key's comment says about where its stand-in came from.
std::string key_comment(const KeyGeneration& g) {
  std::string c = g.provider + " key " + std::to_string(g.id);
  if (g.assumed) return c + ", not named by any line: state from the emergency verdict";
  if (g.mask_ok) return c + ", " + g.mask + " in the journal";
  return c + ", (its journaled mask does not look masked: withheld)";
}

// The replayed scenario: the world and timeline the stages built, the
// router's .env of the epoch in force at the window's start, and what every
// replay expects.
Scenario assemble(const std::vector<JournalRecord>& records, const Epochs& epochs, const ReplayWorld& world,
                  ReplayTimeline timeline, const ReplayWindow& window, const ReplayOptions& o, size_t lines_read) {
  Scenario s;
  s.file = "replay";
  s.header_comment = {
      "Replayed by `keyward replay` from " + o.source_name + " (" + std::to_string(lines_read) + " lines, " +
          format_iso8601_ms(records.front().at) + " .. " + format_iso8601_ms(records.back().at) + ").",
      "Window " + format_iso8601_ms(window.start) + " .. " + format_iso8601_ms(window.end) +
          (o.compress != 1.0 ? ", time compressed " + factor(o.compress) + "x" : "") +
          (o.sample > 1 ? ", 1 request in " + std::to_string(o.sample) : "") + ".",
      "The journal holds masked keys only: every (provider, key id, masked key) it shows got an",
      "invented stand-in raw key below. Key states change when the journal first shows them",
      "(the world may have changed earlier, unobserved); provider failures are faults that",
      "clear at the provider's next answer. Edit freely: this is an ordinary scenario.",
  };
  s.name = "Replay of " + o.source_name + " from " + format_iso8601_ms(window.start);
  s.description = std::to_string(timeline.requests) + " requests, " + std::to_string(world.events.size()) +
                  " world changes and " + std::to_string(timeline.restarts) + " restarts replayed from the journal";
  s.seed = 1;
  s.start_at = window.start;
  s.world.seed = s.seed;
  for (const auto& p : default_config().providers) {
    fakes::ProviderOptions po;
    po.name = p.name;
    po.kind = fakes::provider_kind_from_string(p.name).value_or(fakes::ProviderKind::openai);
    po.default_key_state = fakes::KeyState::invalid;
    po.seed = Random::derive(s.world.seed, p.name);
    std::string path = "world.providers[" + std::to_string(s.world.providers.size()) + "].";
    for (const auto& [slot, list] : world.keys) {
      if (slot.first != p.name) continue;
      for (const auto& g : list) {
        po.keys[g.raw] = fakes::KeySpec{world.initial.at(g.raw), -1, std::nullopt};
        s.comments[path + "keys." + g.raw] = key_comment(g);
      }
    }
    if (po.keys.empty()) continue;
    if (auto r = world.retry_s.find(p.name); r != world.retry_s.end()) {
      po.rate_limited_retry_s = r->second;
      s.comments[path + "rate_limited_retry_s"] = "the longest wait the journal shows";
    }
    s.world.providers.push_back(std::move(po));
  }
  s.world.sinks.smtp.emplace();
  s.world.sinks.telegram.emplace();
  s.world.sinks.webhook.emplace();
  s.comments["world.sinks"] = "to count alerts";
  for (const auto& p : default_config().providers)
    for (const auto& [slot, g] : world.env_of[window.start_epoch])
      if (slot.first == p.name)
        s.env += p.env_prefix + "_API_KEY_" + std::to_string(slot.second) + "=" + world.keys.at(slot)[g].raw + "\n";
  if (s.env.empty()) s.env = "# no key of a known provider in the journal\n";
  if (world.hangs) {
    s.config_yaml = "timeouts:\n  request: " + yaml_duration(world.router_timeout) + "\n";
    s.comments["router.config"] = "timeouts seen: hangs wait this long (wall time), not the production timeout";
  }
  s.validate_on_start = epochs.list[window.start_epoch].validated && window.start_epoch == 0 && !o.from;
  s.comments["router.validate_on_start"] =
      s.validate_on_start ? "the journal starts with key validations" : "no validation before the first request";
  s.timeline = std::move(timeline.events);
  Expectation recovers;
  recovers.kind = Expectation::Kind::invariant;
  recovers.invariant = "recovers";
  recovers.source = "{invariant: recovers}";
  recovers.comment = "served again once the providers came back";
  s.expectations.push_back(recovers);
  s.comments["expect"] = "liveness, asked for; every safety checker runs anyway (docs/SCENARIOS.md, \"Checkers\")";
  return s;
}

}  // namespace

std::vector<std::string> find_raw_keys(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !key_char(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && key_char(text[i])) ++i;
    std::string tok = text.substr(start, i - start);
    if (tok.empty() || tok.rfind("replay-", 0) == 0) continue;
    bool lower = false, upper = false, digit = false;
    for (char c : tok) {
      lower = lower || (c >= 'a' && c <= 'z');
      upper = upper || (c >= 'A' && c <= 'Z');
      digit = digit || (c >= '0' && c <= '9');
    }
    bool prefixed = (tok.rfind("gsk_", 0) == 0 && tok.size() >= 20) || (tok.rfind("sk-", 0) == 0 && tok.size() >= 24) ||
                    (tok.rfind("AIza", 0) == 0 && tok.size() >= 30) || (tok.rfind("xai-", 0) == 0 && tok.size() >= 24);
    bool generic = tok.size() >= 32 && digit && lower && upper;
    if (prefixed || generic) out.push_back(tok);
  }
  return out;
}

ReplayResult replay_journal(std::istream& in, const ReplayOptions& o) {
  ReplayResult r;
  Warnings warn{r.warnings, o.max_warnings};
  std::string error;
  // read -> epochs -> world -> timeline -> a Scenario, written by the emitter.
  std::vector<JournalRecord> records = read_journal(in, o, warn, &error, &r.lines_read);
  if (!error.empty()) {
    r.error = error;
    return r;
  }
  Epochs epochs = split_epochs(records);
  ReplayWindow window;
  window.start = o.from.value_or(records.front().at);
  window.end = o.to.value_or(records.back().at);
  window.compress = o.compress;
  if (window.end < window.start) {
    r.error = "--to is before --from";
    return r;
  }
  for (size_t ei = 0; ei < epochs.list.size(); ++ei)
    if (epochs.list[ei].at <= window.start) window.start_epoch = ei;
  ReplayWorld world = build_world(records, epochs, window, o, warn);
  ReplayTimeline timeline = build_timeline(records, epochs, world, window, o, warn);
  r.keys = world.stand_ins;
  r.world_events = world.events.size();
  r.requests = timeline.requests;
  r.restarts = timeline.restarts;
  r.yaml = emit_scenario(assemble(records, epochs, world, std::move(timeline), window, o, r.lines_read));

  // Never write a raw key: the stand-ins are the only keys this file may hold.
  auto leaked = find_raw_keys(r.yaml);
  if (!leaked.empty()) {
    r.error = "refusing to write the scenario: it would hold " + std::to_string(leaked.size()) +
              " token(s) that look like raw API keys (first: " + leaked.front().substr(0, 6) + "...)";
    r.yaml.clear();
    return r;
  }
  try {
    parse_scenario(r.yaml, "replay");
  } catch (const SchemaError& e) {
    r.error = std::string("internal error: the replayed scenario does not load: ") + e.what();
    return r;
  }
  if (warn.dropped) r.warnings.push_back(std::to_string(warn.dropped) + " more warnings");
  r.ok = true;
  return r;
}

namespace {

constexpr Flag kReplayFlags[] = {
    {"--output", "OUT.yaml", "where to write the scenario (stdout without it)", "-o"},
    {"--from", "ISO-TIME", "start of the window, e.g. 2025-11-18T08:00:00Z"},
    {"--to", "ISO-TIME", "end of the window"},
    {"--compress", "FACTOR", "divide every offset by FACTOR (0.001 to 1000000)"},
    {"--sample", "N", "keep requests 0, N, 2N, ... of the window"},
};

// "37%" of `total` bytes; "" when the size is unknown (a pipe).
std::string percent_of(uint64_t bytes, uint64_t total) {
  if (total == 0) return "";
  return ", " + std::to_string(std::min<uint64_t>(100, bytes * 100 / total)) + "%";
}

}  // namespace

const CommandHelp kReplayCommand{
    "replay", "JOURNAL.jsonl [options]",
    "turn the router's journal into a scenario that re-creates the incident against the fakes", kReplayFlags,
    "On a terminal, progress shows on one line of stderr (lines read and percent).\n"
    "exit: 0 written, 1 refused (a raw key would reach the output), 2 bad usage, unreadable or not a journal\n"};

int replay_main(int argc, char** argv) {
  ParsedArgs args;
  std::string error;
  if (!parse_flags(argc, argv, kReplayFlags, &args, &error)) return usage_error(kReplayCommand, error);
  if (args.positionals.size() != 1)
    return usage_error(kReplayCommand, args.positionals.empty() ? "which journal? (JOURNAL.jsonl)"
                                                                : "one journal at a time");
  ReplayOptions o;
  std::string input = args.positionals.front(), output;
  for (const auto& [a, v] : args.flags) {
    if (a == "--output") {
      output = v;
    } else if (a == "--from" || a == "--to") {
      WallTime t;
      if (!parse_iso8601(v, &t)) {
        std::fprintf(stderr, "keyward replay: %s: expected an ISO-8601 UTC time such as 2025-11-18T08:00:00Z\n",
                     a.c_str());
        return 2;
      }
      (a == "--from" ? o.from : o.to) = t;
    } else if (a == "--compress") {
      try {
        o.compress = std::stod(v);
      } catch (...) {
        o.compress = 0;
      }
      if (!(o.compress >= 0.001 && o.compress <= 1e6)) {
        std::fprintf(stderr, "keyward replay: --compress: expected a factor between 0.001 and 1000000\n");
        return 2;
      }
    } else if (a == "--sample") {
      try {
        o.sample = std::stoi(v);
      } catch (...) {
        o.sample = 0;
      }
      if (o.sample < 1 || o.sample > 1'000'000) {
        std::fprintf(stderr, "keyward replay: --sample: expected an integer N >= 1 (keep 1 request in N)\n");
        return 2;
      }
    }
  }
  if (input.empty()) return usage_error(kReplayCommand, "which journal? (JOURNAL.jsonl)");
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "keyward replay: %s: cannot be read\n", input.c_str());
    return 2;
  }
  auto slash = input.find_last_of('/');
  o.source_name = slash == std::string::npos ? input : input.substr(slash + 1);
  std::error_code size_error;
  uint64_t total = std::filesystem::file_size(input, size_error);
  if (size_error) total = 0;
  ProgressLine progress(std::cerr, is_terminal_stderr());
  if (progress.enabled())
    o.on_progress = [&progress, total](size_t lines, uint64_t bytes) {
      progress.show("replay: " + std::to_string(lines) + " lines" + percent_of(bytes, total));
    };
  ReplayResult r = replay_journal(in, o);
  progress.clear();
  for (const auto& w : r.warnings) std::fprintf(stderr, "keyward replay: warning: %s: %s\n", input.c_str(), w.c_str());
  if (!r.ok) {
    std::fprintf(stderr, "keyward replay: %s: %s\n", input.c_str(), r.error.c_str());
    return r.error.rfind("refusing", 0) == 0 ? 1 : 2;
  }
  if (output.empty()) {
    std::fwrite(r.yaml.data(), 1, r.yaml.size(), stdout);
    return 0;
  }
  std::ofstream out(output, std::ios::binary);
  out << r.yaml;
  if (!out) {
    std::fprintf(stderr, "keyward replay: %s: cannot be written\n", output.c_str());
    return 2;
  }
  std::printf(
      "wrote %s: %zu requests, %zu world changes, %zu keys, %zu restarts from %zu journal lines\n"
      "run it: keyward run %s\n",
      output.c_str(), r.requests, r.world_events, r.keys, r.restarts, r.lines_read, output.c_str());
  return 0;
}

}  // namespace keyward::scenarios
