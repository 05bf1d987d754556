#include "scenarios/shrink.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "base/flags.h"
#include "base/progress_line.h"
#include "base/key_mask.h"
#include "router/core/env_file.h"
#include "scenarios/emit.h"
#include "scenarios/expectations.h"

namespace keyward::scenarios {

namespace {

// The search budget is real time, whatever the runs simulate.
using Stopwatch = std::chrono::steady_clock;

const char* kind_word(Event::Kind k) {
  switch (k) {
    case Event::Kind::request: return "request";
    case Event::Kind::key_state: return "key_state";
    case Event::Kind::fault: return "fault";
    case Event::Kind::clear_fault: return "clear_fault";
    case Event::Kind::sink_fault: return "sink_fault";
    case Event::Kind::clear_sink_fault: return "clear_sink_fault";
    case Event::Kind::edit_env: return "edit_env";
    case Event::Kind::reload: return "reload";
    case Event::Kind::restart: return "restart";
    case Event::Kind::health_check: return "health_check";
    case Event::Kind::advance: return "advance";
    case Event::Kind::redis: return "redis";
    case Event::Kind::partition: return "partition";
    case Event::Kind::heal: return "heal";
  }
  return "?";
}

std::string describe(const Event& e) {
  // No YAML line: after the first accepted step the lines are the re-emitted file's, not the input's.
  std::string s = std::string(kind_word(e.kind)) + " at " + yaml_duration(e.at);
  if (e.kind == Event::Kind::request) s += " \"" + e.request.message.substr(0, 40) + "\"";
  if (!e.id.empty()) s += " (" + e.id + ")";
  if (e.kind == Event::Kind::key_state) s += " " + e.provider + " " + mask_key(e.key) + " -> " + fakes::to_string(e.key_state);
  if (e.kind == Event::Kind::fault && e.fault.fault) s += " " + e.provider + " " + e.fault.fault->kind();
  if (e.kind == Event::Kind::clear_fault) s += " " + e.provider;
  return s;
}

// The .env text without the lines `drop` picks (comments and order kept).
template <class Drop>
std::string env_without(const std::string& env, Drop drop) {
  std::string out;
  size_t pos = 0;
  while (pos < env.size()) {
    size_t end = env.find('\n', pos);
    if (end == std::string::npos) end = env.size();
    std::string line = env.substr(pos, end - pos);
    pos = end + 1;
    if (!drop(line)) out += line + "\n";
  }
  return out;
}

// Drops the .env lines whose value is `value` (a key being removed).
std::string env_without_value(const std::string& env, const std::string& value) {
  return env_without(env, [&](const std::string& line) {
    for (const auto& [name, entry] : parse_env(line, ".env").entries)
      if (entry.value == value) return true;
    return false;
  });
}

// Drops the .env lines of a provider (PREFIX_...).
std::string env_without_prefix(const std::string& env, const std::string& prefix) {
  return env_without(env, [&](const std::string& line) {
    std::string t = line.rfind("export ", 0) == 0 ? line.substr(7) : line;
    return t.rfind(prefix + "_", 0) == 0;
  });
}

std::string prefix_of(const std::string& provider) {
  std::string p = provider;
  for (auto& c : p) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return p;
}

size_t real_event_count(const Scenario& s) {
  auto real = [](const Event& e) { return !e.synthetic; };
  return static_cast<size_t>(std::count_if(s.timeline.begin(), s.timeline.end(), real));
}

class Shrinker {
 public:
  Shrinker(const ShrinkOptions& o, const Scenario& input) : o_(o), started_(Stopwatch::now()) {
    progress_.max_attempts = o.max_attempts;
    progress_.events = real_event_count(input);
    progress_.providers = input.world.providers.size();
  }

  bool budget_left() {
    if (attempts_ >= o_.max_attempts || Stopwatch::now() - started_ >= o_.budget) {
      out_of_budget_ = true;
      return false;
    }
    return true;
  }

  // Runs `c` as written out and read back; true when the target still fails
  // with the same expected text. `called` gets the keys the router called.
  bool still_fails(const Scenario& c, Scenario* loaded = nullptr) {
    if (!budget_left()) return false;
    ++attempts_;
    progress_.attempts = attempts_;
    if (o_.on_attempt) o_.on_attempt(progress_);
    Scenario s;
    try {
      s = parse_scenario(emit_scenario(c), c.file);
    } catch (const SchemaError&) {
      return false;  // e.g. an expectation names an event that was removed
    }
    RunRecord run = run_scenario(s, RunOptions{o_.work_dir});
    if (!run.setup_error.empty()) return false;
    for (const auto& r : check_expectations(s, run)) {
      if (r.expectation->source != target_source || r.passed || r.expected != target_expected) continue;
      last_run_ = std::move(run);
      progress_.events = real_event_count(s);
      progress_.providers = s.world.providers.size();
      if (loaded) *loaded = std::move(s);
      return true;
    }
    return false;
  }

  const ShrinkOptions& o_;
  Stopwatch::time_point started_;
  int attempts_ = 0;
  bool out_of_budget_ = false;
  ShrinkProgress progress_;
  std::string target_source, target_expected;
  RunRecord last_run_;
};

// Without the timeline events at `drop` (indices into c.timeline).
Scenario without_events(const Scenario& c, const std::set<size_t>& drop) {
  Scenario n = c;
  n.timeline.clear();
  for (size_t i = 0; i < c.timeline.size(); ++i)
    if (!drop.count(i) && !c.timeline[i].synthetic) n.timeline.push_back(c.timeline[i]);
  return n;
}

std::vector<size_t> real_events(const Scenario& c) {
  std::vector<size_t> out;
  for (size_t i = 0; i < c.timeline.size(); ++i)
    if (!c.timeline[i].synthetic) out.push_back(i);
  return out;
}

// Keys (by fingerprint) the router sent a chat call to.
std::set<std::pair<std::string, std::string>> called_keys(const RunRecord& run) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& c : run.calls)
    if (c.chat) out.insert({c.provider, c.key_hash});
  return out;
}

}  // namespace

ShrinkResult shrink_scenario(const Scenario& input, const ShrinkOptions& options) {
  ShrinkResult res;
  auto t0 = Stopwatch::now();
  Shrinker sh(options, input);
  RunRecord first = run_scenario(input, RunOptions{options.work_dir});
  if (!first.setup_error.empty()) {
    res.setup_error = first.setup_error;
    return res;
  }
  for (const auto& r : check_expectations(input, first)) {
    if (r.passed) continue;
    res.failing = true;
    res.target_source = r.expectation->source;
    res.target_line = r.expectation->line;
    res.target_expected = r.expected;
    res.target_actual = r.actual;
    break;
  }
  res.minimal = input;
  if (!res.failing) return res;
  sh.target_source = res.target_source;
  sh.target_expected = res.target_expected;
  sh.last_run_ = std::move(first);
  Scenario cur = input;

  // 1. Only the target expectation.
  if (cur.expectations.size() > 1) {
    Scenario c = cur;
    c.expectations.clear();
    for (const auto& x : cur.expectations)
      if (x.source == res.target_source) {
        c.expectations.push_back(x);
        break;
      }
    Scenario loaded;
    if (sh.still_fails(c, &loaded)) {
      res.removed.push_back("expectations: " + std::to_string(cur.expectations.size() - 1) + " others");
      cur = loaded;
    }
  }

  // 2. Timeline events: delta debugging over chunks, down to single events.
  {
    auto events = real_events(cur);
    size_t n = 2;
    while (events.size() >= 1 && sh.budget_left()) {
      size_t chunk = std::max<size_t>(1, (events.size() + n - 1) / n);
      bool progress = false;
      for (size_t start = 0; start < events.size() && !progress; start += chunk) {
        std::set<size_t> drop(events.begin() + static_cast<std::ptrdiff_t>(start),
                              events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), start + chunk)));
        Scenario loaded;
        if (sh.still_fails(without_events(cur, drop), &loaded)) {
          for (size_t i : drop) res.removed.push_back("timeline: " + describe(cur.timeline[i]));
          cur = loaded;
          events = real_events(cur);
          n = std::max<size_t>(n - 1, 2);
          progress = true;
        }
        if (!sh.budget_left()) break;
      }
      if (!progress) {
        if (chunk == 1) break;
        n = std::min(events.size(), n * 2);
      }
    }
  }

  // 3. Faults the world starts with.
  for (size_t p = 0; p < cur.world.providers.size(); ++p) {
    for (size_t f = 0; f < cur.world.providers[p].faults.size() && sh.budget_left();) {
      Scenario c = cur;
      c.world.providers[p].faults.erase(c.world.providers[p].faults.begin() + static_cast<std::ptrdiff_t>(f));
      Scenario loaded;
      if (sh.still_fails(c, &loaded)) {
        const auto& spec = cur.world.providers[p].faults[f];
        res.removed.push_back("world: fault " + std::string(spec.fault ? spec.fault->kind() : "?") + " on " +
                              cur.world.providers[p].name);
        cur = loaded;
      } else {
        ++f;
      }
    }
  }

  // 4. Providers, then keys, the router never called.
  for (size_t p = 0; p < cur.world.providers.size() && sh.budget_left();) {
    auto called = called_keys(sh.last_run_);
    const auto& prov = cur.world.providers[p];
    bool any = std::any_of(called.begin(), called.end(), [&](const auto& k) { return k.first == prov.name; });
    if (any || cur.world.providers.size() == 1) {
      ++p;
      continue;
    }
    Scenario c = cur;
    c.world.providers.erase(c.world.providers.begin() + static_cast<std::ptrdiff_t>(p));
    c.env = env_without_prefix(c.env, prefix_of(prov.name));
    std::vector<Event> kept;
    for (const auto& e : c.timeline)
      if (e.provider != prov.name) kept.push_back(e);
    c.timeline = kept;
    Scenario loaded;
    if (sh.still_fails(c, &loaded)) {
      res.removed.push_back("world: provider " + prov.name + " (never called) and its .env lines and events");
      cur = loaded;
    } else {
      ++p;
    }
  }
  for (size_t p = 0; p < cur.world.providers.size(); ++p) {
    std::vector<std::string> keys;
    for (const auto& [k, spec] : cur.world.providers[p].keys) keys.push_back(k);
    for (const auto& key : keys) {
      if (!sh.budget_left()) break;
      auto called = called_keys(sh.last_run_);
      std::string name = cur.world.providers[p].name;
      if (called.count({name, key_fingerprint(key)})) continue;
      Scenario c = cur;
      c.world.providers[p].keys.erase(key);
      c.env = env_without_value(c.env, key);
      std::vector<Event> kept;
      for (const auto& e : c.timeline)
        if (!(e.kind == Event::Kind::key_state && e.provider == name && e.key == key)) kept.push_back(e);
      c.timeline = kept;
      Scenario loaded;
      if (sh.still_fails(c, &loaded)) {
        res.removed.push_back("world: " + name + " key " + mask_key(key) + " (never called)");
        cur = loaded;
      }
    }
  }

  // 5. Alert sinks.
  for (int which = 0; which < 3 && sh.budget_left(); ++which) {
    Scenario c = cur;
    auto& s = c.world.sinks;
    const char* name = which == 0 ? "smtp" : which == 1 ? "telegram" : "webhook";
    if (which == 0 && s.smtp) s.smtp.reset();
    else if (which == 1 && s.telegram) s.telegram.reset();
    else if (which == 2 && s.webhook) s.webhook.reset();
    else continue;
    std::vector<Event> kept;
    for (const auto& e : c.timeline)
      if (e.sink != name) kept.push_back(e);
    c.timeline = kept;
    Scenario loaded;
    if (sh.still_fails(c, &loaded)) {
      res.removed.push_back(std::string("world: sink ") + name);
      cur = loaded;
    }
  }

  // 6. Shorter durations: close each gap between events (all later events move with it).
  {
    size_t shortened = 0;
    auto events = real_events(cur);
    for (size_t k = 0; k < events.size() && sh.budget_left(); ++k) {
      Millis prev = k == 0 ? Millis(0) : cur.timeline[events[k - 1]].at;
      Millis gap = cur.timeline[events[k]].at - prev;
      for (Millis cut : {gap, gap / 2}) {
        if (cut <= Millis(0)) break;
        Scenario c = cur;
        for (size_t m = k; m < events.size(); ++m) c.timeline[events[m]].at -= cut;
        Scenario loaded;
        if (sh.still_fails(without_events(c, {}), &loaded)) {
          cur = loaded;
          events = real_events(cur);
          ++shortened;
          break;
        }
      }
    }
    if (shortened) res.removed.push_back("durations: " + std::to_string(shortened) + " gap(s) between events shortened");
  }

  res.minimal = cur;
  res.yaml = emit_scenario(cur);
  res.attempts = sh.attempts_;
  res.out_of_budget = sh.out_of_budget_;
  res.wall_s = std::chrono::duration<double>(Stopwatch::now() - t0).count();
  return res;
}

namespace {

constexpr Flag kShrinkFlags[] = {
    {"--shrink", "FILE", "the failing scenario to shrink"},
    {"--output", "OUT.yaml", "where to write the smallest scenario that still fails", "-o"},
    {"--shrink-seconds", "N", "wall-clock budget (1 to 3600, default 60)"},
    {"--shrink-attempts", "N", "at most this many runs (1 to 100000, default 500)"},
    {"--seed", "N", "run with this seed instead of the scenario's own"},
    {"--work-dir", "DIR", "where the runs keep their files"},
};

}  // namespace

const CommandHelp kShrinkCommand{
    "run --shrink", "FILE -o OUT.yaml [options]",
    "shrink a failing scenario to the smallest one that still fails the same expectation", kShrinkFlags,
    "On a terminal, progress shows on one line of stderr (attempts, current size).\n"
    "exit: 0 a smaller failing scenario was written, 1 the scenario passes or does not start, "
    "2 bad usage or a schema error\n"};

int shrink_main(int argc, char** argv) {
  ParsedArgs args;
  std::string error;
  if (!parse_flags(argc, argv, kShrinkFlags, &args, &error)) return usage_error(kShrinkCommand, error);
  if (!args.positionals.empty())
    return usage_error(kShrinkCommand, "unexpected '" + args.positionals.front() + "'");
  std::string file, output;
  ShrinkOptions o;
  std::optional<uint64_t> seed;
  for (const auto& [a, v] : args.flags) {
    try {
      if (a == "--shrink") file = v;
      else if (a == "--output") output = v;
      else if (a == "--shrink-seconds") o.budget = Millis(static_cast<int64_t>(std::clamp(std::stod(v), 1.0, 3600.0) * 1000));
      else if (a == "--shrink-attempts") o.max_attempts = std::clamp(std::stoi(v), 1, 100000);
      else if (a == "--seed") seed = std::stoull(v);
      else if (a == "--work-dir") o.work_dir = v + "/shrink";
    } catch (...) {
      return usage_error(kShrinkCommand, a + ": expected a number");
    }
  }
  if (file.empty()) return usage_error(kShrinkCommand, "--shrink needs the failing scenario's file");
  if (output.empty()) return usage_error(kShrinkCommand, "-o OUT.yaml is required");
  Scenario s;
  try {
    s = load_scenario(file);
  } catch (const SchemaError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (seed) s.seed = *seed;
  ProgressLine progress(std::cerr, is_terminal_stderr());
  if (progress.enabled())
    o.on_attempt = [&progress](const ShrinkProgress& p) {
      progress.show("shrink: attempt " + std::to_string(p.attempts) + "/" + std::to_string(p.max_attempts) +
                    ", smallest failing so far: " + std::to_string(p.events) + " events, " +
                    std::to_string(p.providers) + " providers");
    };
  ShrinkResult r = shrink_scenario(s, o);
  progress.clear();
  if (!r.setup_error.empty()) {
    std::fprintf(stderr, "keyward run --shrink: %s: %s\n", file.c_str(), r.setup_error.c_str());
    return 1;
  }
  if (!r.failing) {
    std::printf("%s passes: nothing to shrink\n", file.c_str());
    return 1;
  }
  std::printf("shrinking %s while this expectation keeps failing:\n  %s:%d: %s\n  expected: %s\n  actual:   %s\n",
              file.c_str(), file.c_str(), r.target_line, r.target_source.c_str(), r.target_expected.c_str(),
              r.target_actual.substr(0, 300).c_str());
  std::printf("removed (%zu):\n", r.removed.size());
  for (const auto& line : r.removed) std::printf("  - %s\n", line.c_str());
  std::string one_line = r.target_source;
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  std::ofstream out(output, std::ios::binary);
  out << "# Shrunk by `keyward run --shrink` from " << file << ": the smallest scenario found in which\n"
      << "# " << one_line << "\n# still fails (" << r.target_expected << ").\n"
      << r.yaml;
  if (!out) {
    std::fprintf(stderr, "keyward run --shrink: %s: cannot be written\n", output.c_str());
    return 2;
  }
  size_t events = 0;
  for (const auto& e : r.minimal.timeline) events += e.synthetic ? 0 : 1;
  std::printf("wrote %s: %zu timeline events, %zu providers, %zu expectation(s) after %d runs in %.1f s%s\n",
              output.c_str(), events, r.minimal.world.providers.size(), r.minimal.expectations.size(), r.attempts,
              r.wall_s, r.out_of_budget ? " (budget used up: smaller may exist)" : "");
  return 0;
}

}  // namespace keyward::scenarios
