// no_call_to_quarantined_key: a chat call inside a window the router's
// journal opened fails; the window ends at its deadline, at the router's
// release of the key, and at an operator's reload or restart.
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kTwoKeys = R"(
name: two keys
start_at: 2025-11-18T08:00:00Z
world:
  providers:
    - {name: groq, kind: groq, keys: {gsk-test-key-one-0001: valid, gsk-test-key-two-0002: valid}}
router:
  env: "GROQ_API_KEY_1=gsk-test-key-one-0001\nGROQ_API_KEY_2=gsk-test-key-two-0002\n"
timeline:
  - {at: 10s, request: {message: hi}}
  - {at: 30s, request: {message: hi}}
)";

RunRecord key2_quarantined_until_5m10s() {
  RunRecord run;
  run.router_journal.push_back({{"time", "2025-11-18T08:00:10.000Z"},
                                {"type", "key_quarantined"},
                                {"provider", "groq"},
                                {"key_id", 2},
                                {"until", "2025-11-18T08:05:10.000Z"}});
  // The call that put it out: same millisecond, not judged.
  run.calls.push_back(chat_call(0, Millis(10'000), "groq", 2, 401));
  run.calls.push_back(chat_call(0, Millis(10'000), "groq", 1, 200));
  return run;
}

TEST(NoCallToQuarantinedKey, ACallInsideTheWindowFails) {
  Scenario s = scenario(kTwoKeys);
  RunRecord run = key2_quarantined_until_5m10s();
  run.calls.push_back(chat_call(1, Millis(30'000), "groq", 2, 401));
  CheckVerdict v = judge("no_call_to_quarantined_key", s, run);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.actual, "+00:00:30.000 chat call to groq key 2, quarantined from +00:00:10.000 until +00:05:10.000");
}

TEST(NoCallToQuarantinedKey, OtherKeysAndLaterCallsPass) {
  Scenario s = scenario(kTwoKeys);
  RunRecord run = key2_quarantined_until_5m10s();
  run.calls.push_back(chat_call(1, Millis(30'000), "groq", 1, 200));
  run.calls.push_back(chat_call(1, Millis(5 * 60'000 + 10'000), "groq", 2, 200));  // the deadline: out no more
  EXPECT_TRUE(judge("no_call_to_quarantined_key", s, run).passed);
  // Validation pings are no chat calls.
  CallRecord ping = chat_call(1, Millis(30'000), "groq", 2, 401);
  ping.chat = false;
  run.calls.push_back(ping);
  EXPECT_TRUE(judge("no_call_to_quarantined_key", s, run).passed);
}

TEST(NoCallToQuarantinedKey, TheRoutersReleaseEndsTheWindow) {
  Scenario s = scenario(kTwoKeys);
  RunRecord run = key2_quarantined_until_5m10s();
  run.router_journal.push_back(
      {{"time", "2025-11-18T08:00:20.000Z"}, {"type", "key_validated"}, {"provider", "groq"}, {"key_id", 2}});
  run.calls.push_back(chat_call(1, Millis(30'000), "groq", 2, 200));
  EXPECT_TRUE(judge("no_call_to_quarantined_key", s, run).passed);
}

TEST(NoCallToQuarantinedKey, AReloadEndsTheWindow) {
  Scenario s = scenario(std::string(kTwoKeys) + "  - {at: 20s, reload: true}\n");
  RunRecord run = key2_quarantined_until_5m10s();
  run.calls.push_back(chat_call(1, Millis(30'000), "groq", 2, 200));
  EXPECT_TRUE(judge("no_call_to_quarantined_key", s, run).passed);
}

}  // namespace
}  // namespace keyward::scenarios::testing
