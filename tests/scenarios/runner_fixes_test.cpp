// The four harness bugs of issue 15, item 2: each test fails on the runner
// before its fix.
#include <gtest/gtest.h>

#include "scenarios/expectations.h"
#include "scenarios/runner.h"
#include "tests/scenarios/test_dir.h"

namespace keyward::scenarios {
namespace {

RunRecord run(const std::string& yaml, const std::string& dir) {
  Scenario s = parse_scenario(yaml, "s.yaml");
  RunRecord r = run_scenario(s, RunOptions{test_dir() + "/" + dir});
  EXPECT_EQ(r.setup_error, "");
  return r;
}

std::vector<const CallRecord*> chat_calls(const RunRecord& r, size_t event, const std::string& provider) {
  std::vector<const CallRecord*> out;
  for (const auto& c : r.calls)
    if (c.chat && c.event == event && c.provider == provider) out.push_back(&c);
  return out;
}

TEST(RunnerFixes, ClearFaultByIdRemovesOnlyThatFault) {
  auto r =
      run("name: clear one fault\n"
          "world:\n"
          "  providers:\n"
          "    - {name: groq, kind: groq, keys: {gsk-clear-fault-key-01: valid}}\n"
          "router:\n"
          "  env: |\n"
          "    GROQ_API_KEY_1=gsk-clear-fault-key-01\n"
          "  validate_on_start: false\n"
          "timeline:\n"
          "  - {at: 1s, fault: {provider: groq, id: f1, spec: {kind: status, status: 503}}}\n"
          "  - {at: 1s, fault: {provider: groq, id: f2, spec: {kind: status, status: 500}}}\n"
          "  - {at: 2s, clear_fault: {provider: groq, id: f1}}\n"
          "  - {at: 3s, id: ask, request: {message: hi}}\n",
          "clear-fault");
  auto calls = chat_calls(r, 3, "groq");
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls[0]->status, 500);  // f2 is still installed; f1 is gone
}

// Groq hangs past the router's per-attempt timeout on the first request; the
// fake finishes that call while the next event (slowed by latency faults)
// runs. It belongs to the event that sent it.
TEST(RunnerFixes, ACallFinishedAfterTheTimeoutCountsForTheEventThatSentIt) {
  auto r =
      run("name: late call\n"
          "world:\n"
          "  providers:\n"
          "    - name: groq\n"
          "      kind: groq\n"
          "      keys: {gsk-late-call-key-0001: valid}\n"
          "      faults: [{kind: hang, hang_ms: 450, first: 1}]\n"
          "    - {name: gemini, kind: gemini, keys: {AIza-late-call-fallback: valid}}\n"
          "router:\n"
          "  env: |\n"
          "    GROQ_API_KEY_1=gsk-late-call-key-0001\n"
          "    GEMINI_API_KEY_1=AIza-late-call-fallback\n"
          "  config:\n"
          "    timeouts: {request: 300ms}\n"
          "  validate_on_start: false\n"
          "timeline:\n"
          "  - {at: 5s, id: ask, request: {message: hi}}\n"
          "  - {at: 5500ms, fault: {provider: groq, spec: {kind: latency, latency_ms: 250}}}\n"
          "  - {at: 5500ms, fault: {provider: gemini, spec: {kind: latency, latency_ms: 250}}}\n"
          "  - {at: 6s, id: later, request: {message: hi}}\n"
          "  - {at: 7s, id: last, request: {message: hi}}\n",
          "late-call");
  auto hung = chat_calls(r, 0, "groq");
  ASSERT_EQ(hung.size(), 1u);
  EXPECT_EQ(hung[0]->status, 0);  // unanswered
  for (size_t e = 1; e < 5; ++e)
    for (const auto* c : chat_calls(r, e, "groq")) EXPECT_NE(c->status, 0) << "event " << e;
}

TEST(RunnerFixes, TheJournalIsByteIdenticalWithCallsHungAtTheEnd) {
  const std::string yaml =
      "name: hung at the end\n"
      "seed: 3\n"
      "world:\n"
      "  providers:\n"
      "    - name: groq\n"
      "      kind: groq\n"
      "      keys: {gsk-hung-key-00000001: valid, gsk-hung-key-00000002: valid, gsk-hung-key-00000003: valid}\n"
      "      faults: [{kind: hang, hang_ms: 0}]\n"
      "    - name: gemini\n"
      "      kind: gemini\n"
      "      keys: {AIza-hung-key-0000001: valid, AIza-hung-key-0000002: valid}\n"
      "      faults: [{kind: hang, hang_ms: 0}]\n"
      "router:\n"
      "  env: |\n"
      "    GROQ_API_KEY_1=gsk-hung-key-00000001\n"
      "    GROQ_API_KEY_2=gsk-hung-key-00000002\n"
      "    GROQ_API_KEY_3=gsk-hung-key-00000003\n"
      "    GEMINI_API_KEY_1=AIza-hung-key-0000001\n"
      "    GEMINI_API_KEY_2=AIza-hung-key-0000002\n"
      "  config:\n"
      "    timeouts: {request: 60ms}\n"
      "  validate_on_start: false\n"
      "timeline:\n"
      "  - {at: 1s, id: ask, request: {message: hi, repeat: 4, every: 1m}}\n";
  std::string first;
  size_t hung = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = run(yaml, "hung-" + std::to_string(i));
    hung = 0;
    for (const auto& c : r.calls) hung += c.chat && c.status == 0;
    auto dump = r.journal().dump();
    if (i == 0)
      first = dump;
    else
      EXPECT_EQ(dump, first) << "run " << i;
  }
  EXPECT_GE(hung, 4u);
}

TEST(RunnerFixes, StartUpValidationAlertsAreDeliveredAtOffsetZero) {
  auto r =
      run("name: start-up alert\n"
          "world:\n"
          "  providers:\n"
          "    - {name: groq, kind: groq, keys: {gsk-startup-bad-key-01: invalid, gsk-startup-good-key-1: valid}}\n"
          "  sinks: {smtp: {}}\n"
          "router:\n"
          "  env: |\n"
          "    GROQ_API_KEY_1=gsk-startup-bad-key-01\n"
          "    GROQ_API_KEY_2=gsk-startup-good-key-1\n"
          "timeline:\n"
          "  - {at: 10s, id: ask, request: {message: hi}}\n",
          "startup-alert");
  ASSERT_FALSE(r.alerts.empty());
  EXPECT_EQ(r.alerts[0].at, Millis(0)) << r.alerts[0].subject;
  EXPECT_NE(r.alerts[0].subject.find("Authentication Failed"), std::string::npos) << r.alerts[0].subject;
}

}  // namespace
}  // namespace keyward::scenarios
