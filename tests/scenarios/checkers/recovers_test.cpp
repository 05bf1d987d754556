// recovers (liveness) on a real run: the key works again in the world at
// 10 s, but the router still holds it in its 5-minute quarantine. The second
// request gets the emergency answer: the router did not recover by 20 s, yet
// it broke no safety property (it left a key it knew bad alone).
#include "scenarios/report.h"
#include "tests/scenarios/checkers/checker_support.h"
#include "tests/scenarios/test_dir.h"

namespace keyward::scenarios::testing {
namespace {

const char* kFixedDuringQuarantine = R"(
name: key fixed during its quarantine
world:
  providers:
    - {name: groq, kind: groq, keys: {gsk-fixed-later-00001: revoked}}
  sinks: {smtp: {}}
router:
  env: "GROQ_API_KEY_1=gsk-fixed-later-00001\n"
  validate_on_start: false
timeline:
  - {at: 5s, id: first, request: {message: "hi"}}
  - {at: 10s, key_state: {provider: groq, key: gsk-fixed-later-00001, state: valid}}
  - {at: 20s, id: second, request: {message: "hi again"}}
)";

TEST(Recovers, ARouterStillHoldingTheFixedKeyOutHasNotRecovered) {
  Scenario s = scenario(std::string(kFixedDuringQuarantine) + "expect:\n  - invariant: recovers\n");
  RunRecord run = run_scenario(s, RunOptions{test_dir() + "/recovers-lag"});
  ASSERT_TRUE(run.setup_error.empty()) << run.setup_error;
  auto results = check_expectations(s, run);
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results[0].expectation->invariant, "recovers");
  EXPECT_FALSE(results[0].passed);
  EXPECT_EQ(results[0].actual, "last request at +00:00:20.000: status 503 (emergency); incident still open");
  for (size_t i = 1; i < results.size(); ++i)
    EXPECT_TRUE(results[i].passed) << results[i].expectation->invariant << ": " << results[i].actual;
  // Once the quarantine is over, the router serves again: recovered.
  Scenario later = scenario(std::string(kFixedDuringQuarantine) +
                            "  - {at: 6m, id: third, request: {message: \"hi\"}}\nexpect:\n  - invariant: recovers\n");
  ScenarioOutcome o{later, run_scenario(later, RunOptions{test_dir() + "/recovers-later"}), {}, {}};
  o.results = check_expectations(o.scenario, o.run);
  EXPECT_TRUE(o.passed()) << console_report(o, "");
}

TEST(Recovers, NothingToRecoverPasses) {
  Scenario s = scenario(std::string(kFixedDuringQuarantine)
                            .replace(std::string(kFixedDuringQuarantine).find("state: valid"), 12, "state: expired"));
  RunRecord run;
  CheckVerdict v = judge("recovers", s, run);
  EXPECT_TRUE(v.passed);
  EXPECT_EQ(v.actual, "the world has no usable router key at the end: nothing to recover");
}

}  // namespace
}  // namespace keyward::scenarios::testing
