// keyward replay: a journal recorded from a live in-process run becomes a
// scenario that, run again, gives the same verdicts.
#include <gtest/gtest.h>

#include <regex>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenarios/emit.h"
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"
#include "scenarios/replay.h"
#include "scenarios/report.h"
#include "tests/scenarios/test_dir.h"

namespace keyward::scenarios {
namespace {

std::string library(const std::string& name) { return std::string(KEYWARD_SOURCE_DIR) + "/scenarios/library/" + name; }

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* const kInvariants[] = {"no_emergency_while_key_valid", "no_call_to_quarantined_key", "one_alert_per_kind",
                                   "recovers"};

void add_invariants(Scenario& s) {
  for (const char* name : kInvariants) {
    Expectation x;
    x.kind = Expectation::Kind::invariant;
    x.invariant = name;
    x.source = std::string("{invariant: ") + name + "}";
    s.expectations.push_back(x);
  }
}

ScenarioOutcome run(Scenario s, const std::string& dir) {
  ScenarioOutcome o{std::move(s), {}, {}, {}};
  o.run = run_scenario(o.scenario, RunOptions{test_dir() + "/" + dir});
  o.results = check_expectations(o.scenario, o.run);
  return o;
}

// (wall time, answer source) of every request: the moments of the verdicts.
std::vector<std::pair<int64_t, std::string>> answers(const ScenarioOutcome& o) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const auto& r : o.run.requests)
    out.push_back({(o.scenario.start_at + r.at).time_since_epoch().count(), answer_source(r)});
  return out;
}

std::map<std::string, bool> invariant_verdicts(const ScenarioOutcome& o) {
  std::map<std::string, bool> out;
  for (const auto& r : o.results)
    if (r.expectation->kind == Expectation::Kind::invariant) out[r.expectation->invariant] = r.passed;
  return out;
}

// Records a journal from the library scenario, replays it and runs the replay.
void record_replay_and_compare(const std::string& file, const std::string& dir) {
  Scenario original = load_scenario(library(file));
  add_invariants(original);
  auto recorded = run(original, dir + "-original");
  ASSERT_TRUE(recorded.passed()) << console_report(recorded, "");
  std::ifstream journal(test_dir() + "/" + dir + "-original/keyward-journal.jsonl");
  ASSERT_TRUE(journal.good());
  ReplayOptions ro;
  ro.source_name = file;
  ReplayResult r = replay_journal(journal, ro);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  Scenario replayed = parse_scenario(r.yaml, dir + ".yaml");
  auto again = run(replayed, dir + "-replayed");
  ASSERT_TRUE(again.run.setup_error.empty()) << again.run.setup_error;
  EXPECT_TRUE(again.passed()) << console_report(again, "") << "\n" << r.yaml;
  // The same verdicts: every invariant as on the live run, every answer
  // (provider, cache, emergency) at the same moment.
  EXPECT_EQ(invariant_verdicts(recorded), invariant_verdicts(again));
  EXPECT_EQ(invariant_verdicts(again).size(), all_checkers().size());  // recovers, and every safety checker
  EXPECT_EQ(answers(recorded), answers(again)) << r.yaml;
  // Stand-ins only: no key of the original scenario reaches the output.
  for (const auto& p : original.world.providers)
    for (const auto& [key, spec] : p.keys) EXPECT_EQ(r.yaml.find(key), std::string::npos) << key;
  EXPECT_NE(r.yaml.find("replay-groq-key-1-"), std::string::npos);
}

TEST(Replay, FoundingScenarioReplaysWithTheSameVerdicts) {
  record_replay_and_compare("all_keys_auth_failed.yaml", "replay-founding");
}

TEST(Replay, MixedFailuresReplayWithTheSameVerdicts) {
  record_replay_and_compare("mixed_failures.yaml", "replay-mixed");
}

TEST(Replay, FoundingReplayHasTheKeyChangesRestartAndFoldedStorm) {
  Scenario original = load_scenario(library("all_keys_auth_failed.yaml"));
  run(original, "replay-shape");
  std::ifstream journal(test_dir() + "/replay-shape/keyward-journal.jsonl");
  ReplayResult r = replay_journal(journal, {});
  ASSERT_TRUE(r.ok) << r.error;
  Scenario s = parse_scenario(r.yaml, "shape.yaml");
  EXPECT_EQ(r.restarts, 1u);
  // Six old keys, six new ones after the restart, but Mistral's old and new
  // keys have the same mask ("ms...ZZ"): one slot, its state flips at the restart.
  EXPECT_EQ(r.keys, 11u);
  int key_changes = 0, restarts = 0, edits = 0;
  for (const auto& e : s.timeline) {
    key_changes += e.kind == Event::Kind::key_state;
    restarts += e.kind == Event::Kind::restart;
    edits += e.kind == Event::Kind::edit_env;
    // Groq key 1 served at the journal's first line and failed 10 s later
    // (the others were first seen failing, so they fail from the start); the
    // Mistral slot validates at the restart.
    if (e.kind == Event::Kind::key_state && e.provider == "groq") {
      EXPECT_EQ(e.at, Millis(10'000));
      EXPECT_EQ(e.key_state, fakes::KeyState::invalid);
    }
    if (e.kind == Event::Kind::key_state && e.provider == "mistral") {
      EXPECT_EQ(e.at, Millis(15 * 60'000 - 5'000));
      EXPECT_EQ(e.key_state, fakes::KeyState::valid);
    }
    if (e.kind == Event::Kind::restart) {
      EXPECT_EQ(e.at, Millis(15 * 60'000 - 5'000));
    }
  }
  EXPECT_EQ(key_changes, 2);
  EXPECT_EQ(restarts, 1);
  EXPECT_EQ(edits, 1);
  // 50 identical emergency requests one second apart: one event with repeat.
  EXPECT_NE(r.yaml.find("repeat: 50, every: 1s"), std::string::npos) << r.yaml;
  EXPECT_NE(r.yaml.find("recorded: 503 emergency (all_authentication_failed)"), std::string::npos);
  EXPECT_NE(r.yaml.find("validate_on_start: false"), std::string::npos);
}

TEST(Replay, WindowCompressionAndSampling) {
  Scenario original = load_scenario(library("all_keys_auth_failed.yaml"));
  run(original, "replay-window");
  std::string text = read(test_dir() + "/replay-window/keyward-journal.jsonl");
  auto requests = [](const ReplayResult& r) {
    Scenario s = parse_scenario(r.yaml, "w.yaml");
    std::vector<Millis> at;
    for (const auto& e : s.timeline)
      if (e.kind == Event::Kind::request) at.push_back(e.at);
    return at;
  };
  std::istringstream a(text);
  ReplayResult full = replay_journal(a, {});
  ASSERT_TRUE(full.ok);
  EXPECT_EQ(requests(full).size(), 54u);

  ReplayOptions sampled;
  sampled.sample = 10;
  std::istringstream b(text);
  EXPECT_EQ(requests(replay_journal(b, sampled)).size(), 6u);  // requests 0, 10, ..., 50

  ReplayOptions compressed;
  compressed.compress = 10;
  std::istringstream c(text);
  auto at = requests(replay_journal(c, compressed));
  ASSERT_EQ(at.size(), 54u);
  EXPECT_EQ(at.back(), Millis((15 * 60'000 + 30'000 - 5'000) / 10));

  ReplayOptions window;
  ASSERT_TRUE(parse_iso8601("2025-11-18T08:00:20Z", &window.from.emplace()));
  ASSERT_TRUE(parse_iso8601("2025-11-18T08:00:30Z", &window.to.emplace()));
  std::istringstream d(text);
  ReplayResult w = replay_journal(d, window);
  ASSERT_TRUE(w.ok) << w.error;
  EXPECT_EQ(requests(w).size(), 11u);  // 08:00:20 .. 08:00:30
  // Keys dead before the window start dead: no key_state event, the state is initial.
  Scenario ws = parse_scenario(w.yaml, "w.yaml");
  EXPECT_EQ(ws.world.providers[0].keys.begin()->second.state, fakes::KeyState::invalid);
  EXPECT_EQ(ws.timeline.front().at, Millis(0));
}

TEST(Replay, DamagedJournalIsReadWithWarnings) {
  Scenario original = load_scenario(library("mixed_failures.yaml"));
  run(original, "replay-damaged");
  std::string text = read(test_dir() + "/replay-damaged/keyward-journal.jsonl");
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_GE(lines.size(), 5u);
  std::string damaged;
  // Out of order: a line stamped a second earlier than the one before.
  std::string early = lines[2];
  auto pos = early.find("14:00:05.000Z");
  ASSERT_NE(pos, std::string::npos);
  early.replace(pos, 13, "14:00:04.000Z");
  lines.insert(lines.begin() + 3, early);
  // An event type this version does not know.
  lines.insert(lines.begin() + 1, R"({"time":"2025-11-18T14:00:05.000Z","type":"weather","provider":"groq"})");
  for (const auto& l : lines) damaged += l + "\n";
  // A crash mid-write: half a line, no newline.
  damaged += lines.back().substr(0, lines.back().size() / 2);
  std::istringstream d(damaged);
  ReplayResult r = replay_journal(d, {});
  ASSERT_TRUE(r.ok) << r.error;
  std::string all;
  for (const auto& w : r.warnings) all += w + "\n";
  EXPECT_NE(all.find("truncated last line"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown event type 'weather'"), std::string::npos) << all;
  EXPECT_NE(all.find("is before the previous line's"), std::string::npos) << all;
  EXPECT_NO_THROW(parse_scenario(r.yaml, "damaged.yaml"));
}

TEST(Replay, AJournalWithoutPromptTextReplaysWithPlaceholderMessages) {
  // journal.record_messages: false journals each message's size, not its text.
  Scenario original = load_scenario(library("mixed_failures.yaml"));
  run(original, "replay-unrecorded");
  std::string text = read(test_dir() + "/replay-unrecorded/keyward-journal.jsonl");
  std::regex content(R"re("content":"(?:[^"\\]|\\.)*")re");
  std::string stripped = std::regex_replace(text, content, R"("content_bytes":12)");
  ASSERT_NE(stripped, text);
  ASSERT_EQ(stripped.find("\"content\":"), std::string::npos);
  std::istringstream in(stripped);
  ReplayResult r = replay_journal(in, {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.yaml.find("(prompt not recorded: 12 bytes)"), std::string::npos) << r.yaml;
  EXPECT_NO_THROW(parse_scenario(r.yaml, "unrecorded.yaml"));
}

TEST(Replay, NotAJournalIsAClearErrorAndExitTwo) {
  std::istringstream yaml("name: a scenario\nworld: {providers: []}\n");
  ReplayResult r = replay_journal(yaml, {});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("not a keyward journal"), std::string::npos) << r.error;
  std::istringstream empty("");
  EXPECT_FALSE(replay_journal(empty, {}).ok);
  std::string binary(200000, '\x01');
  std::istringstream bin(binary);
  EXPECT_FALSE(replay_journal(bin, {}).ok);

  std::string path = test_dir() + "/not-a-journal.txt";
  std::ofstream(path) << "hello\nworld\n";
  std::string out = test_dir() + "/never-written.yaml";
  std::filesystem::remove(out);
  std::vector<std::string> args = {"replay", path, "-o", out};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  EXPECT_EQ(replay_main(static_cast<int>(argv.size()), argv.data()), 2);
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(Replay, CommandWritesAScenarioThatLoads) {
  Scenario original = load_scenario(library("mixed_failures.yaml"));
  run(original, "replay-cli");
  std::string journal = test_dir() + "/replay-cli/keyward-journal.jsonl";
  std::string out = test_dir() + "/replay-cli.yaml";
  std::vector<std::string> args = {"replay", journal, "-o", out, "--compress", "2", "--sample", "1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ASSERT_EQ(replay_main(static_cast<int>(argv.size()), argv.data()), 0);
  Scenario s = load_scenario(out);
  EXPECT_EQ(s.expectations.size(), 1u);  // recovers; the safety checkers run without being listed
  EXPECT_NE(read(out).find("# Replayed by `keyward replay`"), std::string::npos);
}

TEST(Replay, RawKeysNeverReachTheOutput) {
  EXPECT_EQ(find_raw_keys("replay-groq-key-1-1a2b3c4d sk-proj-...AAA ms...ZZ gsk-mixe...001").size(), 0u);
  EXPECT_EQ(find_raw_keys("key gsk_4f9XwQ2mN8vB1cL7pR3tY6uZ0aS5dE here").size(), 1u);
  EXPECT_EQ(find_raw_keys("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY").size(), 1u);
  EXPECT_EQ(find_raw_keys("sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t").size(), 1u);

  // A journal that (wrongly) holds raw keys: in a prompt and in masked_key.
  std::string raw = "gsk_4f9XwQ2mN8vB1cL7pR3tY6uZ0aS5dE";
  std::string journal =
      R"({"time":"2025-11-18T08:00:00.000Z","type":"request","request_id":"req-1","route":"chat","stream":false,"messages":[{"role":"user","content":"my key is )" +
      raw + R"("}]})" "\n" +
      R"({"time":"2025-11-18T08:00:00.000Z","type":"attempt","request_id":"req-1","provider":"groq","key_id":1,"masked_key":")" +
      raw + R"(","class":"ok","status":200,"signal":"success","message":""})" "\n" +
      R"({"time":"2025-11-18T08:00:00.000Z","type":"outcome","request_id":"req-1","kind":"provider","http_status":200,"provider":"groq"})" "\n";
  std::istringstream in(journal);
  ReplayResult r = replay_journal(in, {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.yaml.find(raw), std::string::npos) << r.yaml;
  EXPECT_NE(r.yaml.find("[redacted-key]"), std::string::npos);
  std::string all;
  for (const auto& w : r.warnings) all += w + "\n";
  EXPECT_NE(all.find("looks like a raw key"), std::string::npos) << all;
  EXPECT_NE(all.find("looks like an API key"), std::string::npos) << all;
}

}  // namespace
}  // namespace keyward::scenarios
