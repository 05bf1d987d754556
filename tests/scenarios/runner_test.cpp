// The runner end to end: the founding scenario against the fakes, twice.
#include <gtest/gtest.h>

#include "tests/scenarios/scenario_test_support.h"

namespace keyward::scenarios {
namespace {

TEST(Runner, SameSeedGivesAByteIdenticalJournal) {
  Scenario s = load_scenario(library("all_keys_auth_failed.yaml"));
  auto a = run(s, "det-a");
  auto b = run(s, "det-b");
  ASSERT_TRUE(a.passed()) << console_report(a, "");
  EXPECT_EQ(a.run.journal().dump(), b.run.journal().dump());
  EXPECT_GT(a.run.calls.size(), 6u);
  EXPECT_GE(a.run.alerts.size(), 12u);
}

TEST(Runner, AFailedExpectationSaysExpectedActualLineAndHowToReplay) {
  Scenario s = load_scenario(library("one_key_expired.yaml"));
  // Break one expectation: the per-key alert is sent once, not twice.
  for (auto& x : s.expectations)
    if (x.kind == Expectation::Kind::alerts && x.count == 1) x.count = 2;
  auto o = run(s, "fail");
  ASSERT_FALSE(o.passed());
  int failed = 0;
  for (const auto& r : o.results) {
    if (r.passed) continue;
    ++failed;
    EXPECT_EQ(r.expected.rfind("2 email alert(s)", 0), 0u) << r.expected;
    EXPECT_NE(r.actual.find("1 matching"), std::string::npos) << r.actual;
  }
  EXPECT_EQ(failed, 1);
  std::string report = console_report(o, "keyward run one_key_expired.yaml --seed 2");
  EXPECT_NE(report.find("FAIL  One key expired"), std::string::npos);
  EXPECT_NE(report.find("one_key_expired.yaml:23:"), std::string::npos) << report;
  EXPECT_NE(report.find("timeline:"), std::string::npos);
  EXPECT_NE(report.find("replay: keyward run one_key_expired.yaml --seed 2"), std::string::npos);
  EXPECT_NE(junit_report({o}).find("<failure message=\"expected 2 email alert(s)"), std::string::npos);
}

TEST(Runner, WrongResponseExpectationFails) {
  Scenario s = load_scenario(library("all_keys_auth_failed.yaml"));
  for (auto& x : s.expectations)
    if (x.kind == Expectation::Kind::response && x.of == "first") x.status = 200;
  auto o = run(s, "wrong-status");
  ASSERT_FALSE(o.passed());
  bool found = false;
  for (const auto& r : o.results)
    if (!r.passed) found = r.expected == "status 200" && r.actual.rfind("status 503", 0) == 0;
  EXPECT_TRUE(found);
}

TEST(Runner, HtmlReportHasSwimlanesPerKey) {
  auto o = run(load_scenario(library("provider_outage_503.yaml")), "html");
  std::string html = html_report({o});
  EXPECT_NE(html.find("groq key 1 gsk-outa...001"), std::string::npos);
  EXPECT_NE(html.find("class=\"seg ejected\""), std::string::npos);
  EXPECT_NE(html.find("class=\"mark req\""), std::string::npos);
}

}  // namespace
}  // namespace keyward::scenarios
