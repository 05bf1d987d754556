// keyward_soak: the production assembly (App: service, incidents, SQLite
// outbox, channels) against the fake providers and sinks, on a simulated clock
// that runs ahead of real time. Mixed traffic (chat API, OpenAI, OpenAI
// streaming); provider faults, key states and sink faults switched on and off
// by one seeded PRNG. It stops after N requests, so `--seed S --requests N`
// reproduces a run exactly (--minutes/--seconds stop on the wall clock
// instead, for the long heap soak, and print the requests count to reproduce
// with). Checks:
//   - every safety checker of scenarios/checkers/ (the ones every scenario
//     run gets: well-formed answers, no call to a quarantined key, no alert
//     storm, no secret in any output, ...) over what it recorded, recorded as
//     a scenario and its run (soak_record.h) and judged in chunks;
//   - soak-specific: no 4xx answer (its requests are valid and its faults are
//     provider-side); every alert the dispatcher delivered arrived exactly once
//     (SMTP by Message-ID, webhook by alert_id, Telegram by count), and once
//     faults stop, the outbox drains to zero pending;
//   - the live heap (malloc bytes in use) is flat after warm-up; RSS is reported.
// The run re-executes itself once with glibc's per-thread caches off
// (GLIBC_TUNABLES=glibc.malloc.tcache_count=0): mallinfo2 counts the chunks a
// thread's tcache holds as in use, so with them on, "bytes in use" also grows
// as the caches of busy threads fill (up to 7 chunks in each of 64 size
// classes, 240 128 bytes per thread), which is not data anyone holds. See
// disable_malloc_thread_caches().
// Usage: keyward_soak [--requests N | --minutes N | --seconds N] [--seed S] [--check-every K] [--work-dir DIR]
// Prints the live-heap, SQLite and RSS curves and the totals; exit 1 on a
// violation ("reproduce with: keyward_soak --seed S --requests N").
#include <httplib.h>
#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/fnv1a.h"
#include "base/flags.h"
#include "fakes/world.h"
#include "router/main/app.h"
#include "router/store/alert_store.h"
#include "router/store/outbox.h"
#include "router/store/sqlite_backend.h"
#include "tests/soak/soak_record.h"

namespace keyward::soak {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

double rss_mb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

const char* kWorld = R"(
seed: 11
providers:
  - name: groq
    kind: groq
    keys: {sk-proj-SOAK-GROQ-AAA1: valid, sk-proj-SOAK-GROQ-BBB2: valid}
    journal_limit: 100
  - name: gemini
    kind: gemini
    keys: {AIza-SOAK-GEMINI-XXX1: valid}
    journal_limit: 100
  - name: mistral
    kind: mistral
    keys: {msk-SOAK-MISTRAL-ZZZ1: valid}
    journal_limit: 100
sinks:
  smtp: {journal_limit: 100}
  telegram: {token: "123:ABC", journal_limit: 100}
  webhook: {journal_limit: 100}
)";
// The fakes' request journals are kept small (the soak never reads them):
// the default ring of 10 000 entries per fake fills over half an hour and
// would add to the RSS that is meant to show the router's. The sinks'
// messages are collected and cleared as the run goes.

struct Key {
  std::string provider, raw;
};
const std::vector<Key> kKeys = {{"groq", "sk-proj-SOAK-GROQ-AAA1"},
                                {"groq", "sk-proj-SOAK-GROQ-BBB2"},
                                {"gemini", "AIza-SOAK-GEMINI-XXX1"},
                                {"mistral", "msk-SOAK-MISTRAL-ZZZ1"}};
const std::vector<std::string> kFaults = {
    "{kind: status, status: 503, probability: 0.5}", "{kind: status, status: 500}",
    "{kind: connection_reset, probability: 0.3}",    "{kind: empty_response, probability: 0.3}",
    "{kind: malformed_json, probability: 0.5}",      "{kind: truncated_body, keep_percent: 40}",
    "{kind: latency, latency_ms: 5, jitter_ms: 5}",  "{kind: stream_cut, after_chunks: 1}",
};
const std::vector<fakes::KeyState> kStates = {fakes::KeyState::valid,   fakes::KeyState::valid,
                                              fakes::KeyState::invalid, fakes::KeyState::expired,
                                              fakes::KeyState::quota_exhausted, fakes::KeyState::rate_limited};

// Ids the sinks received, kept as 64-bit FNV-1a hashes in storage reserved
// before the first heap sample, so the check for duplicates does not itself
// grow the heap being judged (a std::multiset of the ids did: ~120 bytes per
// email or webhook, about a fifth of the slow growth seen over 30 minutes).
class SeenIds {
 public:
  explicit SeenIds(size_t expected) { hashes_.reserve(expected); }
  void add(const std::string& id) {
    hashes_.push_back(fnv1a64(id));
  }
  size_t size() const { return hashes_.size(); }
  // Entries that repeat an earlier one. Called once, after the last sample.
  size_t duplicates() {
    std::sort(hashes_.begin(), hashes_.end());
    return static_cast<size_t>(hashes_.end() - std::unique(hashes_.begin(), hashes_.end()));
  }

 private:
  std::vector<uint64_t> hashes_;
};

struct Args {
  uint64_t requests = 0;  // stop after this many requests (reproducible)
  double seconds = 0;     // or after this much wall time (the long heap soak)
  uint64_t seed = 1;
  uint64_t check_every = 200;  // requests per judged chunk (a multiple of the 8 between alert drains)
  std::string work_dir;
};

constexpr Flag kSoakFlags[] = {
    {"--requests", "N", "stop after N requests: --seed S --requests N reproduces a run (default 2000)"},
    {"--minutes", "N", "stop after N minutes of wall time instead (the long heap soak)"},
    {"--seconds", "N", "stop after N seconds of wall time instead"},
    {"--seed", "S", "the seed of every random choice (default 1)"},
    {"--check-every", "K", "requests per chunk the safety checkers judge (rounded up to a multiple of 8, default 200)"},
    {"--work-dir", "DIR", "where the router's files go (default: a temporary folder, removed after)"},
};

bool parse_args(int argc, char** argv, Args* a) {
  ParsedArgs args;
  std::string error;
  if (!parse_flags(argc, argv, kSoakFlags, &args, &error) || !args.positionals.empty()) {
    if (!error.empty()) std::fprintf(stderr, "keyward_soak: %s\n", error.c_str());
    return false;
  }
  try {
    for (const auto& [k, v] : args.flags) {
      if (k == "--requests") a->requests = std::stoull(v);
      else if (k == "--minutes") a->seconds = std::stod(v) * 60;
      else if (k == "--seconds") a->seconds = std::stod(v);
      else if (k == "--seed") a->seed = std::stoull(v);
      else if (k == "--check-every") a->check_every = std::stoull(v);
      else if (k == "--work-dir") a->work_dir = v;
    }
  } catch (const std::exception&) {
    return false;
  }
  if (a->requests > 0 && a->seconds > 0) return false;  // one stop rule
  if (a->requests == 0 && a->seconds <= 0) a->requests = 2000;
  a->check_every = std::max<uint64_t>(8, (a->check_every + 7) / 8 * 8);
  return true;
}

constexpr const char* kNoThreadCaches = "glibc.malloc.tcache_count=0";

bool malloc_thread_caches_off() {
  const char* t = std::getenv("GLIBC_TUNABLES");
  return t && std::strstr(t, kNoThreadCaches);
}

// The heap verdict reads mallinfo2, which counts what each thread's tcache
// holds as in use. Those caches fill slowly on threads that stay busy (the
// soak's own thread runs the dispatcher and SQLite; the router's worker
// holding the soak's keep-alive connection handles every request, and the
// server hands the next connection to a fresh worker every 10 000 requests).
// Read with gdb in a seed-7 run: 0.47 MiB in the caches after 5 minutes (0.17
// on the soak's thread, 0.09 on that worker), and each new worker adds up to
// ~0.1 MiB: most of the slow "growth" of the 30-minute run, yet memory free
// to reuse, not data held. glibc reads its tunables at start-up
// only, so the soak starts itself once more with the caches off; a leak (live
// allocations) shows exactly as before. Under ASan malloc is ASan's: no-op.
// With the tunable already set (do so under valgrind, which would not follow
// the exec) there is no restart.
void disable_malloc_thread_caches(char** argv) {
#if !defined(__SANITIZE_ADDRESS__)
  if (malloc_thread_caches_off()) return;
  const char* t = std::getenv("GLIBC_TUNABLES");
  std::string value = t && *t ? std::string(t) + ":" + kNoThreadCaches : kNoThreadCaches;
  setenv("GLIBC_TUNABLES", value.c_str(), 1);
  execv("/proc/self/exe", argv);
  std::fprintf(stderr, "note: could not restart with %s (%s); heap figures include the threads' caches\n",
               kNoThreadCaches, std::strerror(errno));
#else
  (void)argv;
#endif
}

int run(const Args& args) {
  std::string dir = args.work_dir.empty()
                        ? (std::filesystem::temp_directory_path() / ("keyward-soak-" + std::to_string(::getpid()))).string()
                        : args.work_dir;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Random rng(args.seed);

  WallTime start;
  parse_iso8601("2025-11-18T08:00:00Z", &start);
  SimClock clock(start);
  YamlField root{YAML::Load(kWorld), "soak-world.yaml", ""};
  fakes::WorldOptions world_options = fakes::parse_world(root);
  fakes::World world(world_options, clock);
  world.start();
  auto* sinks = world.sinks();

  std::string keys;  // the .env lines a scenario's router.env would hold; the wiring to the fakes follows
  std::map<std::string, int> next_index;
  for (const auto& k : kKeys) {
    std::string prefix = k.provider == "groq" ? "GROQ" : k.provider == "gemini" ? "GEMINI" : "MISTRAL";
    keys += prefix + "_API_KEY_" + std::to_string(++next_index[prefix]) + "=" + k.raw + "\n";
  }
  std::string env = keys;
  for (auto* p : world.providers()) {
    std::string prefix = p->name() == "groq" ? "GROQ" : p->name() == "gemini" ? "GEMINI" : "MISTRAL";
    env += prefix + "_BASE_URL=" + p->base_url() + "\n";
  }
  for (const auto& [name, url] : sinks->listeners()) {
    if (name == "smtp")
      env += "SMTP_URL=" + url + "\nALERT_EMAIL_FROM=keyward@example.com\nALERT_EMAIL_TO=oncall@example.com\n";
    if (name == "telegram") env += "TELEGRAM_API_URL=" + url + "\nTELEGRAM_BOT_TOKEN=123:ABC\nTELEGRAM_CHAT_ID=42\n";
    if (name == "webhook") env += "ALERT_WEBHOOK_URL=" + url + "\n";
  }

  SoakRecord record(world_options, keys, dir + "/keyward-journal.jsonl", start);
  AppOptions o;
  o.config = default_config();
  o.config.timeouts.request = 2s;  // a provider that stalls costs at most this (real time)
  o.env = parse_env(env, ".env").entries;
  o.clock = &clock;
  o.listen = "127.0.0.1:0";
  o.journal_path = dir + "/keyward-journal.jsonl";
  o.store_path = dir + "/keyward.db";
  o.background = false;
  o.tls_verify = false;
  std::atomic<uint64_t> log_lines{0};
  o.log = [&](const std::string& line) {
    ++log_lines;
    record.log(clock.wall(), line);
  };
  App app(std::move(o));
  std::string error;
  if (!app.start(&error)) {
    std::fprintf(stderr, "router failed to start: %s\n", error.c_str());
    return 1;
  }

  httplib::Client client("127.0.0.1", app.service().port());
  client.set_read_timeout(30s);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);

  uint64_t requests = 0, successes = 0, emergencies = 0, other_ok = 0, violations = 0, delivered = 0, fault_switches = 0;
  // About one email and one webhook every 4 s of traffic (seed 7: 445 each in
  // 30 minutes), or every ~45 requests; past the reservation the vectors
  // still grow, visibly, once.
  size_t expected_alerts = 1024 + 2 * static_cast<size_t>(args.seconds) + static_cast<size_t>(args.requests / 20);
  SeenIds mail_ids(expected_alerts), hook_ids(expected_alerts);
  size_t telegrams = 0;
  // (wall seconds, RSS MiB, of which SQLite's heap MiB): SQLite's page caches
  // grow with the store towards their bound (cache_size) and are reported apart.
  // heap: bytes malloc has handed out and not had back (all arenas), so a leak
  // shows there while allocator and stack caches only show in RSS. Taken
  // right after a chunk of the record was judged and dropped.
  struct Sample {
    double t, rss, sqlite, heap;
  };
  std::vector<Sample> curve;
  curve.reserve(4096);
  auto sample = [&](double t) {
    struct mallinfo2 mi = mallinfo2();
    if (curve.size() == curve.capacity()) return;  // reserved before the first sample: the curve does not grow the heap
    curve.push_back({t, rss_mb(), sqlite3_memory_used() / (1024.0 * 1024.0),
                     static_cast<double>(mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0)});
  };
  auto wall0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(); };
  auto violation = [&](const std::string& what) {
    if (violations++ < 10)
      std::fprintf(stderr, "VIOLATION: %s (reproduce with: keyward_soak --seed %llu --requests %llu)\n", what.c_str(),
                   static_cast<unsigned long long>(args.seed), static_cast<unsigned long long>(requests));
  };
  auto get = [&](const char* path) {
    auto r = client.Get(path);
    return r ? r->body : std::string();
  };
  auto snapshot = [&](bool always) {
    auto st = json::parse(get("/api/status"), nullptr, false);
    if (st.is_object()) record.status(clock.wall(), st, always);
    else violation("GET /api/status: no JSON status");
  };
  std::map<std::string, uint64_t> call_seq;
  auto collect_calls = [&] {
    for (auto* p : world.providers())
      for (const auto& j : p->journal(call_seq[p->name()])) {
        call_seq[p->name()] = j.seq;
        record.call(j, p->name());
      }
  };
  auto collect_sinks = [&] {
    for (const auto& m : sinks->smtp()->messages()) {
      mail_ids.add(m.message_id);
      record.alert(m.received, "email", m.subject, m.body);
    }
    for (const auto& m : sinks->webhook()->messages()) {
      hook_ids.add(m.body.is_object() ? m.body.value("alert_id", "?") : "?");
      std::string subject = m.body.is_object() && m.body.contains("subject") && m.body["subject"].is_string()
                                ? m.body["subject"].get<std::string>()
                                : "";
      record.alert(m.received, "webhook", subject, m.body.dump());
    }
    for (const auto& m : sinks->telegram()->messages()) {
      ++telegrams;
      record.alert(m.received, "telegram", m.text.substr(0, m.text.find('\n')), m.text);
    }
    sinks->smtp()->clear();
    sinks->webhook()->clear();
    sinks->telegram()->clear();
  };
  // The timer pass and the dispatcher's, in simulated time, then the
  // snapshot that places the alerts just delivered in their incident.
  auto deliver = [&] {
    app.tick();
    delivered += app.drain_alerts();
    collect_sinks();
    snapshot(true);
  };
  auto judge = [&](const std::string& metrics) {
    app.service().journal().flush();
    for (const auto& v : record.checkpoint(clock.wall(), metrics)) violation(v);
    sample(elapsed());
  };
  auto done = [&] { return args.requests > 0 ? requests >= args.requests : elapsed() >= args.seconds; };

  sample(0);
  while (!done()) {
    // Chaos: every ~6 requests something in the world changes.
    if (rng.below(6) == 0) {
      ++fault_switches;
      auto* p = world.providers()[rng.below(world.providers().size())];
      switch (rng.below(4)) {
        case 0:
          p->clear_faults();
          record.clear_faults(clock.wall(), p->name());
          break;
        case 1: {
          YamlField f{YAML::Load(kFaults[rng.below(kFaults.size())]), "soak-fault", ""};
          if (p->faults().size() < 3) {
            auto spec = fakes::parse_fault_yaml(f);
            p->add_fault(spec);
            record.fault(clock.wall(), p->name(), spec);
          }
          break;
        }
        case 2: {
          const auto& k = kKeys[rng.below(kKeys.size())];
          auto state = kStates[rng.below(kStates.size())];
          world.provider(k.provider)->set_key_state(k.raw, state);
          record.key_state(clock.wall(), k.provider, k.raw, state);
          break;
        }
        case 3: {
          fakes::SinkFault sf;
          sf.kind = rng.below(2) ? fakes::SinkFault::Kind::down : fakes::SinkFault::Kind::status;
          sf.status = 503;
          switch (rng.below(4)) {
            case 0:  // 421 at the greeting
              sinks->smtp()->set_fault(fakes::SinkFault::down());
              record.sink_fault(clock.wall(), "smtp", fakes::SinkFault::down());
              break;
            case 1:
              sinks->webhook()->set_fault(sf);
              record.sink_fault(clock.wall(), "webhook", sf);
              break;
            case 2:
              sinks->telegram()->set_fault(sf);
              record.sink_fault(clock.wall(), "telegram", sf);
              break;
            default:
              sinks->smtp()->clear_faults();
              sinks->webhook()->clear_faults();
              sinks->telegram()->clear_faults();
              record.clear_sink_faults(clock.wall());
          }
          break;
        }
      }
    }
    // Traffic: chat API, OpenAI, OpenAI streaming; some repeated (cache).
    uint64_t kind = rng.below(4);
    std::string text = "soak question " + std::to_string(rng.below(50));
    bool chat = kind <= 1, stream = kind == 3;
    ++requests;
    httplib::Result r =
        chat ? client.Post("/api/ai/chat", json{{"message", text}}.dump(), "application/json")
             : client.Post("/v1/chat/completions",
                           json{{"model", "auto"}, {"messages", {{{"role", "user"}, {"content", text}}}}, {"stream", stream}}
                               .dump(),
                           "application/json");
    // No answer at all is well_formed_responses' to report; the client's error stands in for the body.
    int status = r ? r->status : 0;
    record.request(clock.wall(), chat ? "chat" : "openai", stream, text, status,
                   r ? r->body : "(client: " + httplib::to_string(r.error()) + ")");
    collect_calls();
    if (status >= 400 && status < 500)
      violation("a " + std::to_string(status) + " answer: the soak's requests are valid and its faults provider-side: " +
                r->body.substr(0, 200));
    if (status == 200) ++(chat ? successes : other_ok);
    else if (status != 0) ++emergencies;
    snapshot(false);
    clock.advance(Millis(200 + rng.below(3000)));
    if (requests % 8 == 0) deliver();
    if (requests % args.check_every == 0) judge("");
  }
  double traffic_seconds = elapsed();

  // Liveness: faults off, keys valid, time moves on: the outbox drains.
  for (auto* p : world.providers()) {
    p->clear_faults();
    record.clear_faults(clock.wall(), p->name());
  }
  for (const auto& k : kKeys) {
    world.provider(k.provider)->set_key_state(k.raw, fakes::KeyState::valid);
    record.key_state(clock.wall(), k.provider, k.raw, fakes::KeyState::valid);
  }
  sinks->smtp()->clear_faults();
  sinks->webhook()->clear_faults();
  sinks->telegram()->clear_faults();
  record.clear_sink_faults(clock.wall());
  for (int i = 0; i < 40; ++i) {
    clock.advance(5min);
    deliver();
  }
  judge(get("/metrics"));

  app.stop();  // flushes the store
  // What is on disk, read back as a restart would.
  auto opened = store::SqliteBackend::open(dir + "/keyward.db", clock.wall(), &error);
  store::OutboxCounts counts;
  if (opened) {
    store::MemoryOutbox persisted;
    for (const auto& a : opened->loaded.alerts) persisted.restore(a);
    counts = persisted.counts();
  } else {
    violation("cannot reopen the store: " + error);
  }
  counts.dropped = app.store().counts().dropped;
  opened.reset();
  world.stop();

  uint64_t received = mail_ids.size() + hook_ids.size() + telegrams;
  size_t mail_dups = mail_ids.duplicates(), hook_dups = hook_ids.duplicates();
  if (received != delivered)
    violation("delivered " + std::to_string(delivered) + " alerts, sinks received " + std::to_string(received));
  if (mail_dups) violation(std::to_string(mail_dups) + " duplicate emails by Message-ID");
  if (hook_dups) violation(std::to_string(hook_dups) + " duplicate webhooks by alert_id");
  if (counts.pending) violation(std::to_string(counts.pending) + " alert deliveries still pending after recovery");
  if (counts.dropped) violation(std::to_string(counts.dropped) + " alert deliveries dropped");

  // Flat after warm-up, judged on the live heap (malloc's bytes in use): the
  // last sample within max(2 MiB, 25%) of the first one taken at or after a
  // quarter of the run. RSS is reported but not judged: it also holds what
  // the allocator and the thread-stack cache keep for reuse, which grows in
  // steps as concurrency peaks and says nothing about leaks. Under ASan
  // malloc is ASan's (its quarantine keeps freed memory; LeakSanitizer
  // checks leaks there).
  Sample warm = curve.back();
  for (auto it = curve.rbegin(); it != curve.rend(); ++it)
    if (it->t >= traffic_seconds * 0.25) warm = *it;
  double peak = 0;
  for (const auto& c : curve) peak = std::max(peak, c.rss);
  const Sample& end = curve.back();
#if defined(__SANITIZE_ADDRESS__)
  constexpr bool kJudgeHeap = false;
#else
  constexpr bool kJudgeHeap = true;
#endif
  if (kJudgeHeap && end.heap > warm.heap + std::max(2.0, warm.heap * 0.25))
    violation("live heap grew after warm-up: " + std::to_string(warm.heap) + " MiB -> " + std::to_string(end.heap) +
              " MiB");

  std::printf("soak seed=%llu requests=%llu wall=%.1fs simulated=%llds chat_ok=%llu openai_ok=%llu emergency=%llu\n",
              static_cast<unsigned long long>(args.seed), static_cast<unsigned long long>(requests), traffic_seconds,
              static_cast<long long>((clock.wall() - start).count() / 1000), static_cast<unsigned long long>(successes),
              static_cast<unsigned long long>(other_ok), static_cast<unsigned long long>(emergencies));
  std::printf("faults switched=%llu log_lines=%llu; safety checkers judged %zu requests in chunks of %llu\n",
              static_cast<unsigned long long>(fault_switches), static_cast<unsigned long long>(log_lines.load()),
              record.requests_judged(), static_cast<unsigned long long>(args.check_every));
  std::printf("alerts: outbox rows delivered=%zu skipped=%zu pending=%zu dropped=%llu; dispatcher delivered=%llu; "
              "sinks received=%llu (email=%zu webhook=%zu telegram=%zu)\n",
              counts.delivered, counts.skipped, counts.pending, static_cast<unsigned long long>(counts.dropped),
              static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(received), mail_ids.size(),
              hook_ids.size(), telegrams);
  std::printf("malloc thread caches: %s\n", malloc_thread_caches_off() ? "off (GLIBC_TUNABLES)" : "on");
  std::printf("heap_mb warm=%.2f last=%.2f; rss_mb warm=%.1f last=%.1f peak=%.1f curve:", warm.heap, end.heap,
              warm.rss, end.rss, peak);
  // About 32 points of each curve (a long run judges hundreds of chunks), and the last one.
  size_t stride = std::max<size_t>(1, curve.size() / 32);
  auto print_curve = [&](double Sample::*field, const char* format) {
    for (size_t i = 0; i < curve.size(); i += stride) std::printf(format, curve[i].t, curve[i].*field);
    if ((curve.size() - 1) % stride != 0) std::printf(format, curve.back().t, curve.back().*field);
  };
  print_curve(&Sample::rss, " %.0fs=%.1f");
  std::printf("\nsqlite_heap_mb curve:");
  print_curve(&Sample::sqlite, " %.0fs=%.2f");
  std::printf("\nmalloc_in_use_mb curve:");
  print_curve(&Sample::heap, " %.0fs=%.2f");
  std::printf("\nviolations=%llu\n", static_cast<unsigned long long>(violations));
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  return violations == 0 ? 0 : 1;
}

}  // namespace
}  // namespace keyward::soak

int main(int argc, char** argv) {
  keyward::soak::Args args;
  if (!keyward::soak::parse_args(argc, argv, &args)) {
    std::fprintf(stderr, "usage: keyward_soak [options]\n%s", keyward::flags_help(keyward::soak::kSoakFlags).c_str());
    return 2;
  }
  keyward::soak::disable_malloc_thread_caches(argv);
  return keyward::soak::run(args);
}
