// The journal: its lines are byte for byte what the nlohmann-built lines were
// (key order; the escaping itself is tested in tests/base/escape_test.cpp),
// the file gets every line in order once
// flush() returns, rotation by size, the in-memory ring, and the bound on the
// writer's queue.
#include "router/http/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "router/core/routing.h"

namespace keyward::http {
namespace {

using nlohmann::json;

std::string nl_dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string temp_file(const std::string& name) {
  std::string p = ::testing::TempDir() + "/keyward-journal-test-" + name + "-" + std::to_string(::getpid());
  std::filesystem::remove(p);
  std::filesystem::remove(p + ".1");
  return p;
}

WallTime at_ms(int64_t ms) { return WallTime(Millis(ms)); }

// ------------------------------------------------------------ JSON text

TEST(JournalJson, FieldsAreSortedAndTheLastRepeatWins) {
  JsonFields f;
  f.add("type", "attempt").add("b", -12).add("a", true).add("c", uint64_t{18446744073709551615ULL});
  f.add("nested", "overwritten below").add_raw("nested", R"({"x":1})");
  f.add("a", false).add("\xC3\xA9t\xC3\xA9", "\x80");
  json ref = json::object();
  ref["type"] = "attempt";
  ref["b"] = -12;
  ref["a"] = true;
  ref["c"] = uint64_t{18446744073709551615ULL};
  ref["nested"] = json{{"x", 1}};
  ref["a"] = false;
  ref["\xC3\xA9t\xC3\xA9"] = "\x80";
  EXPECT_EQ(f.str(), nl_dump(ref));
  EXPECT_EQ(JsonFields().str(), "{}");
  EXPECT_TRUE(f.has("nested"));
  EXPECT_FALSE(f.has("time"));
}

// ------------------------------------------------------------ observer lines
// The nlohmann code the observer used before; its output is the reference.

std::string old_pool_line(const Journal& journal, const PoolEvent& e) {
  json j{{"type", to_string(e.kind)}, {"provider", e.provider}};
  if (e.key_index > 0) {
    j["key_id"] = e.key_index;
    j["masked_key"] = e.masked_key;
  }
  if (e.cls != ErrorClass::ok) j["class"] = to_string(e.cls);
  if (e.status) j["status"] = e.status;
  if (!e.message.empty()) j["message"] = journal.cut(e.message);
  if (e.until) j["until"] = format_iso8601_ms(*e.until);
  if (e.strikes) j["strikes"] = e.strikes;
  j["time"] = format_iso8601_ms(e.at);
  return nl_dump(j);
}

std::string old_attempt_line(const Journal& journal, const AttemptRecord& a) {
  json j{{"type", "attempt"},
         {"provider", a.provider},
         {"key_id", a.key_index},
         {"masked_key", a.masked_key},
         {"class", to_string(a.cls)},
         {"signal", a.signal ? a.signal : ""},
         {"status", a.status},
         {"latency_us", std::chrono::duration_cast<std::chrono::microseconds>(a.latency).count()},
         {"message", journal.cut(a.message)}};
  if (!a.request_id.empty()) j["request_id"] = a.request_id;
  j["time"] = format_iso8601_ms(a.at);
  return nl_dump(j);
}

std::string old_emergency_line(const Verdict& v, WallTime at) {
  json providers = json::object();
  for (const auto& p : v.providers)
    providers[p.name] = {{"failed", p.failed()}, {"total", p.keys_total}, {"cause", to_string(p.cause)}};
  json j{{"type", "emergency"}, {"cause", to_string(v.cause)}, {"diagnosis", v.diagnosis}, {"providers", providers}};
  if (v.retry_at) j["retry_at"] = format_iso8601_ms(*v.retry_at);
  if (!v.request_id.empty()) j["request_id"] = v.request_id;
  j["time"] = format_iso8601_ms(at);
  return nl_dump(j);
}

TEST(JournalObserverLines, AreByteForByteTheNlohmannLines) {
  Journal journal(JournalOptions{.path = "", .max_bytes = 1 << 20, .memory_lines = 100, .max_message_bytes = 16});
  JournalObserver obs(journal);
  std::vector<std::string> expected;

  PoolEvent e;
  e.kind = PoolEventKind::key_quarantined;
  e.at = at_ms(1763452815123);
  e.provider = "groq";
  e.key_index = 3;
  e.masked_key = "sk-proj-...AAA";
  e.cls = ErrorClass::auth;
  e.status = 401;
  e.message = "Invalid API Key \"x\"\n\xC3\xA9 and a message longer than sixteen bytes \xE2\x82";
  e.until = at_ms(1763453115123);
  e.strikes = 2;
  obs.on_pool_event(e);
  expected.push_back(old_pool_line(journal, e));
  PoolEvent p;  // a provider-level event: no key, no class, no message
  p.kind = PoolEventKind::provider_ejected;
  p.at = at_ms(5);
  p.provider = "gem\x01ini";
  obs.on_pool_event(p);
  expected.push_back(old_pool_line(journal, p));
  PoolEvent skipped = e;  // repeats on_attempt: not journaled
  skipped.kind = PoolEventKind::attempt_failed;
  obs.on_pool_event(skipped);

  AttemptRecord a;
  a.at = at_ms(1763452815999);
  a.provider = "mistral";
  a.key_index = 1;
  a.masked_key = "msk-...ZZZ";
  a.cls = ErrorClass::rate_limited;
  a.signal = "http_429";
  a.status = 429;
  a.message = "slow down \xFF";
  a.latency = std::chrono::microseconds(1234567);
  obs.on_attempt(a);
  expected.push_back(old_attempt_line(journal, a));
  a.request_id = "req-42";
  a.signal = nullptr;
  obs.on_attempt(a);
  expected.push_back(old_attempt_line(journal, a));

  Verdict v;
  v.cause = EmergencyCause::all_authentication_failed;
  v.diagnosis = "every key \"failed\"";
  v.request_id = "req-42";
  v.retry_at = at_ms(1763452900000);
  ProviderVerdict g;
  g.name = "groq";
  g.keys_total = 3;
  g.auth = 3;
  g.cause = ErrorClass::auth;
  ProviderVerdict m = g;
  m.name = "gemini";
  m.network = 1;
  v.providers = {g, m};
  obs.on_emergency(v, at_ms(7));
  expected.push_back(old_emergency_line(v, at_ms(7)));
  v.request_id = "";
  v.retry_at.reset();
  v.providers.clear();
  obs.on_emergency(v, at_ms(8));
  expected.push_back(old_emergency_line(v, at_ms(8)));

  EXPECT_EQ(journal.recent(100), expected);
}

TEST(JournalObserverLines, WriteAddsTheTimeUnlessTheLineHasOne) {
  Journal journal(JournalOptions{});
  journal.write(at_ms(0), JsonFields().add("type", "reload").add("summary", "x"));
  journal.write(at_ms(0), JsonFields().add("type", "reload").add("time", "then"));
  auto lines = journal.recent(2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], R"({"summary":"x","time":"1970-01-01T00:00:00.000Z","type":"reload"})");
  EXPECT_EQ(lines[1], R"({"time":"then","type":"reload"})");
}

// ------------------------------------------------------------ the file

TEST(JournalFile, FlushPutsEveryLineInTheFileInOrder) {
  std::string path = temp_file("order");
  JournalOptions o;
  o.path = path;
  o.memory_lines = 5;
  Journal journal(o);
  ASSERT_TRUE(journal.open(nullptr));
  std::vector<std::string> written;
  for (int i = 0; i < 1000; ++i) {
    journal.write(at_ms(i), JsonFields().add("type", "t").add("n", i));
    written.push_back(journal.recent(1).at(0));
    if (i == 499) {
      journal.flush();  // half way: the file already has exactly the first half
      EXPECT_EQ(read_lines(path), written);
    }
  }
  journal.flush();
  EXPECT_EQ(read_lines(path), written);
  auto recent = journal.recent(100);  // the ring holds memory_lines
  EXPECT_EQ(recent, std::vector<std::string>(written.end() - 5, written.end()));
  EXPECT_EQ(journal.dropped_lines(), 0u);
  journal.flush();  // nothing queued: returns at once
  std::filesystem::remove(path);
}

TEST(JournalFile, ConcurrentWritersKeepEachThreadsOrder) {
  std::string path = temp_file("threads");
  JournalOptions o;
  o.path = path;
  Journal journal(o);
  ASSERT_TRUE(journal.open(nullptr));
  constexpr int kThreads = 4, kLines = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) journal.write(at_ms(i), JsonFields().add("thread", t).add("n", i));
      journal.flush();  // concurrent flushes are fine
    });
  for (auto& th : threads) th.join();
  journal.flush();
  std::vector<int> next(kThreads, 0);
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), size_t{kThreads * kLines});
  for (const auto& l : lines) {
    auto j = json::parse(l);
    int t = j["thread"];
    EXPECT_EQ(j["n"].get<int>(), next[t]++);
  }
  std::filesystem::remove(path);
}

TEST(JournalFile, DestructionWritesWhatIsQueuedAndReopenAppends) {
  std::string path = temp_file("reopen");
  JournalOptions o;
  o.path = path;
  std::vector<std::string> written;
  for (int run = 0; run < 2; ++run) {  // a restart: a second journal on the same file
    Journal journal(o);
    ASSERT_TRUE(journal.open(nullptr));
    for (int i = 0; i < 300; ++i) {
      journal.write(at_ms(i), JsonFields().add("run", run).add("n", i));
      written.push_back(journal.recent(1).at(0));
    }
  }  // no flush(): the destructor writes everything
  EXPECT_EQ(read_lines(path), written);
  std::filesystem::remove(path);
}

TEST(JournalFile, RotatesBySizeKeepingOnePreviousGeneration) {
  std::string path = temp_file("rotate");
  JournalOptions o;
  o.path = path;
  o.max_bytes = 1000;
  o.memory_lines = 10'000;
  Journal journal(o);
  ASSERT_TRUE(journal.open(nullptr));
  for (int i = 0; i < 200; ++i) {
    journal.write(at_ms(i), JsonFields().add("type", "t").add("pad", std::string(static_cast<size_t>(i % 37), 'x')));
    if (i == 100) journal.flush();  // rotation must not depend on how lines are batched
  }
  journal.flush();
  // The rule: a line that would take the file past max_bytes starts a new file
  // (unless the file is empty); the old file becomes <path>.1.
  auto lines = journal.recent(10'000);
  std::vector<std::vector<std::string>> generations(1);
  size_t bytes = 0;
  for (const auto& l : lines) {
    if (bytes > 0 && bytes + l.size() + 1 > o.max_bytes) {
      generations.emplace_back();
      bytes = 0;
    }
    generations.back().push_back(l);
    bytes += l.size() + 1;
  }
  ASSERT_GE(generations.size(), 3u);
  EXPECT_EQ(read_lines(path), generations.back());
  EXPECT_EQ(read_lines(path + ".1"), generations[generations.size() - 2]);
  EXPECT_LE(std::filesystem::file_size(path), o.max_bytes);
  EXPECT_LE(std::filesystem::file_size(path + ".1"), o.max_bytes);
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".1");
}

TEST(JournalFile, AFullQueueDropsAndCountsInsteadOfGrowing) {
  // The journal writes into a pipe that nobody reads yet: the writer thread
  // blocks once the pipe is full, as on a stalled disk. The queue holds at
  // most queue_bytes; past it (full_wait = 0) lines are dropped and counted.
  std::string path = temp_file("fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // so that the writer's open does not block
  ASSERT_GE(reader, 0);
  JournalOptions o;
  o.path = path;
  o.queue_bytes = 8 << 10;
  o.full_wait = std::chrono::milliseconds(0);
  o.memory_lines = 3;
  std::vector<std::string> written;
  auto journal = std::make_unique<Journal>(o);
  ASSERT_TRUE(journal->open(nullptr));
  // Far more than the pipe (64 KiB), stdio's buffer and the queue can hold.
  const std::string pad(200, 'p');
  for (int i = 0; i < 5000; ++i) {
    journal->write(at_ms(i), JsonFields().add("n", i).add("pad", pad));
    written.push_back(journal->recent(1).at(0));
  }
  uint64_t dropped = journal->dropped_lines();
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, written.size());
  EXPECT_EQ(journal->recent(10).size(), 3u);  // the ring is not affected by drops
  // Unblock the writer: read everything until the journal closes the pipe.
  ASSERT_EQ(::fcntl(reader, F_SETFL, 0), 0);
  std::string received;
  std::thread drain([&] {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(reader, buf, sizeof buf);
      if (n <= 0) break;
      received.append(buf, static_cast<size_t>(n));
    }
  });
  journal->flush();  // returns once the pipe has taken every queued line
  EXPECT_EQ(journal->dropped_lines(), dropped);
  journal.reset();  // closes the pipe: the drain thread reads to EOF
  drain.join();
  ::close(reader);
  std::filesystem::remove(path);
  // What arrived is exactly the written lines minus the dropped ones, in order.
  std::istringstream in(received);
  std::string line;
  size_t w = 0, got = 0;
  while (std::getline(in, line)) {
    while (w < written.size() && written[w] != line) ++w;
    ASSERT_LT(w, written.size()) << "a line that was not written, or out of order";
    ++got;
  }
  EXPECT_EQ(got, written.size() - dropped);
}

}  // namespace
}  // namespace keyward::http
