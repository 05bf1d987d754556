// no_secret_in_output: a raw key or token of the scenario anywhere the router
// writes fails; its masked form does not, and the verdict itself shows the
// key masked.
#include "scenarios/checkers/run_facts.h"
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kKeys = R"(
name: secrets
world:
  providers:
    - {name: groq, kind: groq, keys: {gsk-world-only-key-0009: valid}}
router:
  env: |
    GROQ_API_KEY_1=gsk-secret-key-one-0001
    GROQ_API_KEY_1_EXPIRES=2025-12-31
    KEYWARD_ADMIN_TOKEN=admin-token-s3cret
timeline:
  - {at: 1s, edit_env: {GROQ_API_KEY_2: gsk-edited-in-key-0002}}
)";

TEST(NoSecretInOutput, TheScenariosSecretsAreItsKeysAndTokens) {
  auto secrets = raw_secrets(scenario(kKeys));
  EXPECT_EQ(secrets, (std::set<std::string>{"admin-token-s3cret", "gsk-edited-in-key-0002", "gsk-secret-key-one-0001",
                                            "gsk-world-only-key-0009"}));
}

TEST(NoSecretInOutput, ARawKeyInAnyOutputFails) {
  Scenario s = scenario(kKeys);
  RunRecord clean;
  clean.logs.push_back({Millis(1000), "Groq Key 1 authentication failed (gsk-secr...001)"});
  clean.metrics = "keyward_requests_total 1\n";
  EXPECT_TRUE(judge("no_secret_in_output", s, clean).passed);

  auto leaks = [&](RunRecord run) { return judge("no_secret_in_output", s, run); };
  RunRecord log = clean;
  log.logs.push_back({Millis(2000), "calling groq with gsk-secret-key-one-0001"});
  CheckVerdict v = leaks(log);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.actual.find("in a log line at +00:00:02.000"), std::string::npos) << v.actual;
  EXPECT_EQ(v.actual.find("gsk-secret-key-one-0001"), std::string::npos) << "the report must not leak it either";

  RunRecord response = clean;
  response.requests.push_back(answer(0, Millis(1000), 200, R"({"content":"your key is gsk-edited-in-key-0002"})"));
  EXPECT_FALSE(leaks(response).passed);
  RunRecord mail = clean;
  mail.alerts.push_back(alert(Millis(1000), "email", "token admin-token-s3cret"));
  EXPECT_FALSE(leaks(mail).passed);
  RunRecord status = clean;
  status.statuses.push_back({Millis(1000), {{"keys", {"gsk-world-only-key-0009"}}}});
  EXPECT_FALSE(leaks(status).passed);
  RunRecord journal = clean;
  journal.router_journal.push_back({{"type", "attempt"}, {"message", "bad key gsk-secret-key-one-0001"}});
  EXPECT_FALSE(leaks(journal).passed);
  RunRecord metrics = clean;
  metrics.metrics += "keyward_key{key=\"gsk-secret-key-one-0001\"} 1\n";
  EXPECT_FALSE(leaks(metrics).passed);
}

}  // namespace
}  // namespace keyward::scenarios::testing
