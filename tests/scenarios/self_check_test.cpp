// The self-check re-judges passed expectations with mutated expected values
// against the recorded run; one that still passes is vacuous.
#include "scenarios/self_check.h"

#include <gtest/gtest.h>

namespace keyward::scenarios {
namespace {

const char* kScenario =
    "name: self-check\n"
    "world:\n"
    "  providers:\n"
    "    - {name: groq, kind: groq}\n"
    "timeline:\n"
    "  - {at: 1s, id: ask, request: {message: hi}}\n"
    "expect:\n";

RunRecord one_answer() {
  RunRecord r;
  RequestRecord q;
  q.status = 200;
  q.body = R"({"status":"success","source":"provider","key_id":1})";
  q.json = nlohmann::json::parse(q.body);
  q.at = Millis(1000);
  r.requests.push_back(q);
  CallRecord c;
  c.provider = "groq";
  c.key_index = 1;
  c.chat = true;
  c.at = Millis(1000);
  r.calls.push_back(c);
  r.alerts.push_back({0, Millis(1000), "email", "Quota", "text"});
  return r;
}

std::vector<VacuousExpectation> vacuous(const Scenario& s, const RunRecord& run) {
  return self_check(s, run, check_expectations(s, run));
}

TEST(SelfCheck, ExpectationsThatCheckSomethingAreNotVacuous) {
  Scenario s =
      parse_scenario(std::string(kScenario) +
                         "  - response: {of: ask, status: 200, source: provider, json: {key_id: 1}, body: success}\n"
                         "  - provider_calls: {during: [ask], total: 1, per_key: {groq: [1]}}\n"
                         "  - provider_calls: {during: [ask], per_key: {groq: [{max: 2}]}}\n"
                         "  - alerts: {channel: email, subject: Quota, within: [ask, +1s]}\n"
                         "  - alerts: {channel: telegram, count: 0}\n",
                     "s.yaml");
  RunRecord run = one_answer();
  auto results = check_expectations(s, run);
  for (size_t i = 0; i < s.expectations.size(); ++i) ASSERT_TRUE(results[i].passed) << s.expectations[i].source;
  auto found = self_check(s, run, results);
  EXPECT_TRUE(found.empty()) << describe_vacuous(s, found);
}

TEST(SelfCheck, ABoundThatHoldsForAnyCountIsVacuousWithItsLine) {
  Scenario s = parse_scenario(std::string(kScenario) +
                                  "  - response: {of: ask, status: 200}\n"
                                  "  - alerts: {channel: email, count: {min: 0}}\n",
                              "s.yaml");
  auto found = vacuous(s, one_answer());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].line, 9);
  EXPECT_EQ(describe_vacuous(s, found),
            "s.yaml:9: vacuous expectation (count: count {min: 0} holds for any count): "
            "{alerts: {channel: email, count: {min: 0}}}\n");
}

TEST(SelfCheck, AnAlertWindowIsMovedPastTheEnd) {
  Scenario s = parse_scenario(std::string(kScenario) + "  - alerts: {channel: email, within: [0s, 2s]}\n", "s.yaml");
  RunRecord run = one_answer();
  auto results = check_expectations(s, run);
  ASSERT_TRUE(results[0].passed);
  EXPECT_TRUE(self_check(s, run, results).empty());
  // A failed expectation is reported as failed, not judged again.
  run.alerts.clear();
  results = check_expectations(s, run);
  ASSERT_FALSE(results[0].passed);
  EXPECT_TRUE(self_check(s, run, results).empty());
}

}  // namespace
}  // namespace keyward::scenarios
