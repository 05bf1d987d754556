// The scenario emitter round-trips, and shrinking a scenario that fails
// because of one injected fault ends with that fault alone. (What the
// invariants were tested for here is in tests/scenarios/checkers/.)
#include <gtest/gtest.h>

#include <filesystem>

#include "scenarios/emit.h"
#include "scenarios/report.h"
#include "scenarios/shrink.h"
#include "tests/scenarios/test_dir.h"

namespace keyward::scenarios {
namespace {

std::string library_dir() { return std::string(KEYWARD_SOURCE_DIR) + "/scenarios/library"; }

TEST(Emit, EveryLibraryScenarioRoundTrips) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(library_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    Scenario a = load_scenario(entry.path().string());
    std::string text = emit_scenario(a);
    Scenario b;
    ASSERT_NO_THROW(b = parse_scenario(text, "emitted.yaml")) << entry.path() << "\n" << text;
    EXPECT_EQ(emit_scenario(b), text) << entry.path();
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.start_at, b.start_at);
    EXPECT_EQ(a.env, b.env) << entry.path();
    EXPECT_EQ(a.validate_on_start, b.validate_on_start);
    ASSERT_EQ(a.timeline.size(), b.timeline.size()) << entry.path() << "\n" << text;
    for (size_t i = 0; i < a.timeline.size(); ++i) {
      EXPECT_EQ(a.timeline[i].at, b.timeline[i].at);
      EXPECT_EQ(a.timeline[i].kind, b.timeline[i].kind);
      EXPECT_EQ(a.timeline[i].id, b.timeline[i].id);
      EXPECT_EQ(a.timeline[i].key, b.timeline[i].key);
      EXPECT_EQ(a.timeline[i].request.message, b.timeline[i].request.message);
      EXPECT_EQ(a.timeline[i].env_edits, b.timeline[i].env_edits);
    }
    ASSERT_EQ(a.expectations.size(), b.expectations.size());
    for (size_t i = 0; i < a.expectations.size(); ++i) EXPECT_EQ(a.expectations[i].source, b.expectations[i].source);
    ASSERT_EQ(a.world.providers.size(), b.world.providers.size());
    for (size_t i = 0; i < a.world.providers.size(); ++i) {
      const auto& p = a.world.providers[i];
      const auto& q = b.world.providers[i];
      EXPECT_EQ(p.seed, q.seed) << entry.path();
      EXPECT_EQ(p.keys.size(), q.keys.size());
      ASSERT_EQ(p.faults.size(), q.faults.size());
      for (size_t f = 0; f < p.faults.size(); ++f) EXPECT_EQ(p.faults[f].to_json(), q.faults[f].to_json());
    }
  }
  EXPECT_GE(files, 16);
}

TEST(Emit, AwkwardStringsAreQuoted) {
  for (std::string s : std::vector<std::string>{"null", "true", "No", "~", "12", "a: b", "x #y", "\"q\"", "tab\there", "new\nline", "", "-x",
                        "{a}", "ünïcode ✓", std::string("ctl\x01")}) {
    YAML::Node n = YAML::Load("v: " + yaml_scalar(s));
    EXPECT_EQ(n["v"].as<std::string>(), s) << yaml_scalar(s);
  }
  EXPECT_EQ(yaml_duration(Millis(5'400'250)), "1h30m250ms");
  EXPECT_EQ(yaml_duration(Millis(0)), "0s");
}

Scenario parse(const std::string& yaml) { return parse_scenario(yaml, "inline.yaml"); }

ScenarioOutcome run(Scenario s, const std::string& dir) {
  ScenarioOutcome o{std::move(s), {}, {}, {}};
  o.run = run_scenario(o.scenario, RunOptions{test_dir() + "/" + dir});
  o.results = check_expectations(o.scenario, o.run);
  return o;
}

// One good key; a 503 fault makes the request fail; everything else is noise.
const char* kOneFault = R"(
name: one injected fault breaks the answer
seed: 3
world:
  providers:
    - name: groq
      kind: groq
      keys: {gsk-good-key-0000001: valid, gsk-spare-key-000002: valid, gsk-unused-key-00003: valid}
    - {name: mistral, kind: mistral, keys: {msk-unused-key-000001: valid}}
  sinks: {smtp: {}, webhook: {}}
router:
  env: |
    GROQ_API_KEY_1=gsk-good-key-0000001
  validate_on_start: false
timeline:
  - {at: 1s, request: {message: "warm up", repeat: 5, every: 1s}}
  - {at: 7s, key_state: {provider: mistral, key: msk-unused-key-000001, state: revoked}}
  - {at: 8s, sink_fault: {sink: smtp, down: true}}
  - {at: 9s, clear_sink_fault: smtp}
  - {at: 10s, fault: {provider: groq, id: outage, spec: {kind: status, status: 503}}}
  - {at: 12s, advance: true}
  - {at: 14s, key_state: {provider: groq, key: gsk-spare-key-000002, state: expired}}
  - {at: 20s, id: ask, request: {message: "hello"}}
  - {at: 25s, request: {message: "after", repeat: 3, every: 2s}}
expect:
  - provider_calls: {during: [ask], total: 1}
  - response: {of: ask, status: 200}
  - alerts: {channel: email, count: 0, within: [0s, 9s]}
)";

TEST(Shrink, OneInjectedFaultEndsAlone) {
  Scenario s = parse(kOneFault);
  ShrinkOptions o;
  o.work_dir = test_dir() + "/shrink-one-fault";
  // Bounded by attempts, not wall time: how long a run takes depends on the
  // machine's load (and on ASan), the search itself does not.
  o.budget = Millis(3'600'000);
  ShrinkResult r = shrink_scenario(s, o);
  ASSERT_TRUE(r.setup_error.empty()) << r.setup_error;
  ASSERT_TRUE(r.failing);
  EXPECT_EQ(r.target_expected, "status 200");
  EXPECT_FALSE(r.out_of_budget);
  const Scenario& m = r.minimal;
  std::vector<const Event*> events;
  for (const auto& e : m.timeline)
    if (!e.synthetic) events.push_back(&e);
  ASSERT_EQ(events.size(), 2u) << r.yaml;
  EXPECT_EQ(events[0]->kind, Event::Kind::fault);
  EXPECT_EQ(events[0]->fault.fault->params().value("status", 0), 503);
  EXPECT_EQ(events[1]->kind, Event::Kind::request);
  EXPECT_EQ(events[1]->id, "ask");
  EXPECT_EQ(events[1]->at, Millis(0)) << r.yaml;  // durations shortened
  ASSERT_EQ(m.world.providers.size(), 1u) << r.yaml;
  EXPECT_EQ(m.world.providers[0].name, "groq");
  ASSERT_EQ(m.world.providers[0].keys.size(), 1u) << r.yaml;
  EXPECT_EQ(m.world.providers[0].keys.begin()->first, "gsk-good-key-0000001");
  ASSERT_EQ(m.expectations.size(), 1u);
  EXPECT_EQ(m.expectations[0].kind, Expectation::Kind::response);
  std::string removed;
  for (const auto& line : r.removed) removed += line + "\n";
  EXPECT_NE(removed.find("provider mistral"), std::string::npos) << removed;
  EXPECT_NE(removed.find("timeline: request at 1s \"warm up\""), std::string::npos) << removed;

  // The written scenario loads and still fails the same way; without the fault it passes.
  Scenario again = parse(r.yaml);
  auto o1 = run(again, "shrink-check");
  ASSERT_EQ(again.expectations.size(), 1u);
  EXPECT_EQ(o1.failures(), 1);  // the safety checkers (results after it) pass
  EXPECT_FALSE(o1.results[0].passed);
  EXPECT_EQ(o1.results[0].expected, "status 200");
  Scenario healed = again;
  healed.timeline.erase(healed.timeline.begin());
  EXPECT_TRUE(run(healed, "shrink-healed").passed());
}

TEST(Shrink, APassingScenarioHasNothingToShrink) {
  Scenario s = parse(kOneFault);
  s.expectations.erase(s.expectations.begin() + 1);  // drop the failing one
  ShrinkOptions o;
  o.work_dir = test_dir() + "/shrink-pass";
  ShrinkResult r = shrink_scenario(s, o);
  EXPECT_FALSE(r.failing);
  EXPECT_EQ(r.attempts, 0);
}

TEST(Shrink, AttemptsAreBounded) {
  Scenario s = parse(kOneFault);
  ShrinkOptions o;
  o.work_dir = test_dir() + "/shrink-bounded";
  o.max_attempts = 3;
  ShrinkResult r = shrink_scenario(s, o);
  ASSERT_TRUE(r.failing);
  EXPECT_LE(r.attempts, 3);
  EXPECT_TRUE(r.out_of_budget);
  EXPECT_NO_THROW(parse(r.yaml));
}

TEST(Shrink, ReportsEachAttemptAndTheSmallestFailingSize) {
  Scenario s = parse(kOneFault);
  size_t input_events = 0;
  for (const auto& e : s.timeline) input_events += e.synthetic ? 0 : 1;
  ShrinkOptions o;
  o.work_dir = test_dir() + "/shrink-progress";
  o.max_attempts = 15;
  std::vector<ShrinkProgress> seen;
  o.on_attempt = [&](const ShrinkProgress& p) { seen.push_back(p); };
  ShrinkResult r = shrink_scenario(s, o);
  ASSERT_TRUE(r.failing);
  ASSERT_EQ(seen.size(), static_cast<size_t>(r.attempts));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front().events, input_events);
  EXPECT_EQ(seen.front().providers, s.world.providers.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].attempts, static_cast<int>(i + 1));
    EXPECT_EQ(seen[i].max_attempts, 15);
    if (i > 0) {
      EXPECT_LE(seen[i].events, seen[i - 1].events) << "the smallest so far never grows";
    }
  }
  size_t minimal_events = 0;
  for (const auto& e : r.minimal.timeline) minimal_events += e.synthetic ? 0 : 1;
  EXPECT_LT(seen.back().events, input_events) << "15 attempts remove some of the noise";
  EXPECT_GE(seen.back().events, minimal_events);
}

}  // namespace
}  // namespace keyward::scenarios
