// keyward_soak: the production assembly (App: service, incidents, SQLite
// outbox, channels) against the fake providers and sinks, on a simulated clock
// that runs ahead of real time, for a wall-clock duration. Mixed traffic
// (chat API, OpenAI, OpenAI streaming); provider faults, key states and sink
// faults switched on and off by one seeded PRNG. Checks:
//   - no crash; every answer is a success or a well-formed emergency answer;
//   - every alert the dispatcher delivered arrived exactly once (SMTP by
//     Message-ID, webhook by alert_id, Telegram by count), and once faults
//     stop, the outbox drains to zero pending;
//   - the live heap (malloc bytes in use) is flat after warm-up; RSS is reported.
// The run re-executes itself once with glibc's per-thread caches off
// (GLIBC_TUNABLES=glibc.malloc.tcache_count=0): mallinfo2 counts the chunks a
// thread's tcache holds as in use, so with them on, "bytes in use" also grows
// as the caches of busy threads fill (up to 7 chunks in each of 64 size
// classes, 240 128 bytes per thread), which is not data anyone holds. See
// disable_malloc_thread_caches().
// Usage: keyward_soak [--minutes N | --seconds N] [--seed S] [--work-dir DIR]
// Prints the live-heap, SQLite and RSS curves and the totals; exit 1 on a violation ("reproduce with --seed S").
#include <httplib.h>
#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
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

#include "fakes/world.h"
#include "router/main/app.h"
#include "router/store/alert_store.h"
#include "router/store/outbox.h"
#include "router/store/sqlite_backend.h"

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
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : id) h = (h ^ c) * 0x100000001b3ULL;
    hashes_.push_back(h);
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
  double seconds = 60;
  uint64_t seed = 1;
  std::string work_dir;
};

bool parse_args(int argc, char** argv, Args* a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--minutes") a->seconds = std::stod(v) * 60;
    else if (k == "--seconds") a->seconds = std::stod(v);
    else if (k == "--seed") a->seed = std::stoull(v);
    else if (k == "--work-dir") a->work_dir = v;
    else return false;
  }
  return argc % 2 == 1;
}

// The documented shapes (docs/OPERATIONS.md / api.h): success or emergency.
bool well_formed_chat(int status, const std::string& body, std::string* why) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return *why = "not JSON", false;
  if (status == 200 && j.value("status", "") == "success" && j.contains("content") && j.contains("provider"))
    return true;
  if (status == 503 && j.value("status", "") == "error" && j.value("model", "") == "emergency/fallback" &&
      j.contains("content") && j.contains("error") && j.contains("retry_after_seconds") && j.contains("providers") &&
      j.contains("support_url"))
    return true;
  return *why = "status " + std::to_string(status), false;
}

bool well_formed_openai(int status, const std::string& body, bool stream, std::string* why) {
  if (stream && status == 200) {
    if (body.find("data: ") != std::string::npos && body.find("[DONE]") != std::string::npos) return true;
    // Cut after the first delta: no failover is possible any more, so the
    // documented end is an OpenAI error frame and no [DONE] (service.cpp).
    auto last = body.rfind("data: ");
    auto frame = last == std::string::npos ? json() : json::parse(body.substr(last + 6), nullptr, false);
    if (!frame.is_discarded() && frame.is_object() && frame.contains("error") &&
        frame["error"].value("code", "") == "upstream_stream_failed")
      return true;
    return *why = "stream with neither [DONE] nor an error frame", false;
  }
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return *why = "not JSON", false;
  if (status == 200 && j.value("object", "") == "chat.completion" && j.contains("choices")) return true;
  if (status >= 500 && j.contains("error") && j["error"].is_object() && j["error"].contains("message") &&
      j["error"].contains("type"))
    return true;
  return *why = "status " + std::to_string(status), false;
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
  fakes::World world(fakes::parse_world(root), clock);
  world.start();
  auto* sinks = world.sinks();

  std::string env;
  int n = 0;
  std::map<std::string, int> next_index;
  for (const auto& k : kKeys) {
    std::string prefix = k.provider == "groq" ? "GROQ" : k.provider == "gemini" ? "GEMINI" : "MISTRAL";
    env += prefix + "_API_KEY_" + std::to_string(++next_index[prefix]) + "=" + k.raw + "\n";
    ++n;
  }
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
  uint64_t log_lines = 0;
  o.log = [&](const std::string&) { ++log_lines; };
  App app(std::move(o));
  std::string error;
  if (!app.start(&error)) {
    std::fprintf(stderr, "router failed to start: %s\n", error.c_str());
    return 1;
  }

  httplib::Client client("127.0.0.1", app.service().port());
  client.set_read_timeout(30s);
  client.set_keep_alive(true);

  uint64_t requests = 0, successes = 0, emergencies = 0, other_ok = 0, violations = 0, delivered = 0, fault_switches = 0;
  // About one email and one webhook every 4 s of traffic (seed 7: 445 each in
  // 30 minutes); past the reservation the vectors still grow, visibly, once.
  size_t expected_alerts = 1024 + 2 * static_cast<size_t>(args.seconds);
  SeenIds mail_ids(expected_alerts), hook_ids(expected_alerts);
  size_t telegrams = 0;
  // (wall seconds, RSS MiB, of which SQLite's heap MiB): SQLite's page caches
  // grow with the store towards their bound (cache_size) and are reported apart.
  // heap: bytes malloc has handed out and not had back (all arenas), so a leak
  // shows there while allocator and stack caches only show in RSS.
  struct Sample {
    double t, rss, sqlite, heap;
  };
  std::vector<Sample> curve;
  auto sample = [&](double t) {
    struct mallinfo2 mi = mallinfo2();
    curve.push_back({t, rss_mb(), sqlite3_memory_used() / (1024.0 * 1024.0),
                     static_cast<double>(mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0)});
  };
  auto wall0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(); };
  double next_sample = 0, sample_every = std::max(1.0, args.seconds / 30);
  auto collect_sinks = [&] {
    for (const auto& m : sinks->smtp()->messages()) mail_ids.add(m.message_id);
    for (const auto& m : sinks->webhook()->messages())
      hook_ids.add(m.body.is_object() ? m.body.value("alert_id", "?") : "?");
    telegrams += sinks->telegram()->messages().size();
    sinks->smtp()->clear();
    sinks->webhook()->clear();
    sinks->telegram()->clear();
  };
  auto violation = [&](const std::string& what) {
    if (violations++ < 10) std::fprintf(stderr, "VIOLATION: %s (reproduce with --seed %llu)\n", what.c_str(),
                                        static_cast<unsigned long long>(args.seed));
  };

  while (elapsed() < args.seconds) {
    if (elapsed() >= next_sample) {
      sample(elapsed());
      next_sample += sample_every;
    }
    // Chaos: every ~6 requests something in the world changes.
    if (rng.below(6) == 0) {
      ++fault_switches;
      auto* p = world.providers()[rng.below(world.providers().size())];
      switch (rng.below(4)) {
        case 0: p->clear_faults(); break;
        case 1: {
          YamlField f{YAML::Load(kFaults[rng.below(kFaults.size())]), "soak-fault", ""};
          if (p->faults().size() < 3) p->add_fault(fakes::parse_fault_yaml(f));
          break;
        }
        case 2: {
          const auto& k = kKeys[rng.below(kKeys.size())];
          world.provider(k.provider)->set_key_state(k.raw, kStates[rng.below(kStates.size())]);
          break;
        }
        case 3: {
          fakes::SinkFault sf;
          sf.kind = rng.below(2) ? fakes::SinkFault::Kind::down : fakes::SinkFault::Kind::status;
          sf.status = 503;
          switch (rng.below(4)) {
            case 0: sinks->smtp()->set_fault(fakes::SinkFault::down()); break;  // 421 at the greeting
            case 1: sinks->webhook()->set_fault(sf); break;
            case 2: sinks->telegram()->set_fault(sf); break;
            default:
              sinks->smtp()->clear_faults();
              sinks->webhook()->clear_faults();
              sinks->telegram()->clear_faults();
          }
          break;
        }
      }
    }
    // Traffic: chat API, OpenAI, OpenAI streaming; some repeated (cache).
    uint64_t kind = rng.below(4);
    std::string text = "soak question " + std::to_string(rng.below(50));
    ++requests;
    if (kind <= 1) {
      auto r = client.Post("/api/ai/chat", json{{"message", text}}.dump(), "application/json");
      std::string why;
      if (!r) violation("chat: no answer (" + httplib::to_string(r.error()) + ")");
      else if (!well_formed_chat(r->status, r->body, &why)) violation("chat: " + why + ": " + r->body.substr(0, 200));
      else if (r->status == 200) ++successes;
      else ++emergencies;
    } else {
      bool stream = kind == 3;
      json body{{"model", "auto"}, {"messages", {{{"role", "user"}, {"content", text}}}}, {"stream", stream}};
      auto r = client.Post("/v1/chat/completions", body.dump(), "application/json");
      std::string why;
      if (!r) violation("openai: no answer (" + httplib::to_string(r.error()) + ")");
      else if (!well_formed_openai(r->status, r->body, stream, &why))
        violation("openai: " + why + ": " + r->body.substr(0, 200));
      else if (r->status == 200) ++other_ok;
      else ++emergencies;
    }
    clock.advance(Millis(200 + rng.below(3000)));
    if (requests % 8 == 0) {  // the 1 s timer and the dispatcher's pass, in simulated time
      app.tick();
      delivered += app.drain_alerts();
      collect_sinks();
    }
  }
  double traffic_seconds = elapsed();

  // Liveness: faults off, keys valid, time moves on: the outbox drains.
  for (auto* p : world.providers()) p->clear_faults();
  for (const auto& k : kKeys) world.provider(k.provider)->set_key_state(k.raw, fakes::KeyState::valid);
  sinks->smtp()->clear_faults();
  sinks->webhook()->clear_faults();
  sinks->telegram()->clear_faults();
  for (int i = 0; i < 40; ++i) {
    clock.advance(5min);
    app.tick();
    delivered += app.drain_alerts();
    collect_sinks();
  }
  sample(elapsed());

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
  // last sample within max(2 MiB, 25%) of the one at 25% of the run. RSS is
  // reported but not judged: it also holds what the allocator and the
  // thread-stack cache keep for reuse, which grows in steps as concurrency
  // peaks and says nothing about leaks. Under ASan malloc is ASan's (its
  // quarantine keeps freed memory; LeakSanitizer checks leaks there).
  Sample warm = curve.front();
  double peak = 0;
  for (const auto& c : curve) {
    if (c.t <= traffic_seconds * 0.25) warm = c;
    peak = std::max(peak, c.rss);
  }
  const Sample& end = curve.back();
  double last = end.rss;
#if defined(__SANITIZE_ADDRESS__)
  constexpr bool kJudgeHeap = false;
#else
  constexpr bool kJudgeHeap = true;
#endif
  if (kJudgeHeap && end.heap > warm.heap + std::max(2.0, warm.heap * 0.25))
    violation("live heap grew after warm-up: " + std::to_string(warm.heap) + " MiB -> " + std::to_string(end.heap) +
              " MiB");

  std::printf("soak seed=%llu wall=%.1fs simulated=%llds requests=%llu chat_ok=%llu openai_ok=%llu emergency=%llu\n",
              static_cast<unsigned long long>(args.seed), traffic_seconds,
              static_cast<long long>((clock.wall() - start).count() / 1000), static_cast<unsigned long long>(requests),
              static_cast<unsigned long long>(successes), static_cast<unsigned long long>(other_ok),
              static_cast<unsigned long long>(emergencies));
  std::printf("faults switched=%llu log_lines=%llu\n", static_cast<unsigned long long>(fault_switches),
              static_cast<unsigned long long>(log_lines));
  std::printf("alerts: outbox rows delivered=%zu skipped=%zu pending=%zu dropped=%llu; dispatcher delivered=%llu; "
              "sinks received=%llu (email=%zu webhook=%zu telegram=%zu)\n",
              counts.delivered, counts.skipped, counts.pending, static_cast<unsigned long long>(counts.dropped),
              static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(received), mail_ids.size(),
              hook_ids.size(), telegrams);
  std::printf("malloc thread caches: %s\n", malloc_thread_caches_off() ? "off (GLIBC_TUNABLES)" : "on");
  std::printf("heap_mb warm=%.2f last=%.2f; rss_mb warm=%.1f last=%.1f peak=%.1f curve:", warm.heap, end.heap,
              warm.rss, last, peak);
  for (const auto& c : curve) std::printf(" %.0fs=%.1f", c.t, c.rss);
  std::printf("\nsqlite_heap_mb curve:");
  for (const auto& c : curve) std::printf(" %.0fs=%.2f", c.t, c.sqlite);
  std::printf("\nmalloc_in_use_mb curve:");
  for (const auto& c : curve) std::printf(" %.0fs=%.2f", c.t, c.heap);
  std::printf("\nviolations=%llu\n", static_cast<unsigned long long>(violations));
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  return violations == 0 ? 0 : 1;
}

}  // namespace
}  // namespace keyward::soak

int main(int argc, char** argv) {
  keyward::soak::Args args;
  if (!keyward::soak::parse_args(argc, argv, &args)) {
    std::fprintf(stderr, "usage: keyward_soak [--minutes N | --seconds N] [--seed S] [--work-dir DIR]\n");
    return 2;
  }
  keyward::soak::disable_malloc_thread_caches(argv);
  return keyward::soak::run(args);
}
