// no_emergency_while_key_valid: an emergency answer while a key of the
// active .env was usable in the world, and the router had it in service,
// fails; a key the router still held out (its knowledge lagging the world)
// does not count.
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kOneKey = R"(
name: one key
start_at: 2025-11-18T08:00:00Z
world:
  providers:
    - {name: groq, kind: groq, keys: {gsk-test-key-one-0001: valid}}
router:
  env: "GROQ_API_KEY_1=gsk-test-key-one-0001\n"
timeline:
  - {at: 10s, request: {message: hi}}
)";

TEST(NoEmergencyWhileKeyValid, GivingUpWithAUsableKeyInServiceFails) {
  Scenario s = scenario(kOneKey);
  RunRecord run;
  run.requests.push_back(answer(0, Millis(10'000), 503, kEmergency));
  CheckVerdict v = judge("no_emergency_while_key_valid", s, run);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(
      v.actual.find("emergency answer (status 503, YAML line 10) while usable and not out of service: groq key 1"),
      std::string::npos)
      << v.actual;
}

TEST(NoEmergencyWhileKeyValid, AKeyTheRouterHadOutDoesNotCount) {
  Scenario s = scenario(kOneKey);
  RunRecord run;
  run.requests.push_back(answer(0, Millis(10'000), 503, kEmergency));
  run.router_journal.push_back({{"time", "2025-11-18T08:00:05.000Z"},
                                {"type", "key_quarantined"},
                                {"provider", "groq"},
                                {"key_id", 1},
                                {"until", "2025-11-18T08:05:05.000Z"}});
  EXPECT_TRUE(judge("no_emergency_while_key_valid", s, run).passed);
  // An ejected provider takes all its keys out.
  run.router_journal[0] = {{"time", "2025-11-18T08:00:05.000Z"},
                           {"type", "provider_ejected"},
                           {"provider", "groq"},
                           {"until", "2025-11-18T08:00:35.000Z"}};
  EXPECT_TRUE(judge("no_emergency_while_key_valid", s, run).passed);
}

TEST(NoEmergencyWhileKeyValid, AFailingFaultOrAnotherStateMakesTheKeyUnusable) {
  RunRecord run;
  run.requests.push_back(answer(0, Millis(10'000), 503, kEmergency));
  std::string faulty = std::string(kOneKey);
  faulty.replace(faulty.find("valid}}"), 7, "valid}, faults: [{kind: status, status: 503, probability: 0.1}]}");
  EXPECT_TRUE(judge("no_emergency_while_key_valid", scenario(faulty), run).passed);
  // Latency and stream faults leave plain answers usable: still a violation.
  std::string slow = std::string(kOneKey);
  slow.replace(slow.find("valid}}"), 7, "valid}, faults: [{kind: latency, latency_ms: 5}, {kind: stream_cut}]}");
  EXPECT_FALSE(judge("no_emergency_while_key_valid", scenario(slow), run).passed);
  std::string revoked = std::string(kOneKey);
  revoked.replace(revoked.find("valid}}"), 7, "revoked}}");
  EXPECT_TRUE(judge("no_emergency_while_key_valid", scenario(revoked), run).passed);
}

}  // namespace
}  // namespace keyward::scenarios::testing
