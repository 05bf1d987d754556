// docs/RELIABILITY.md, "Bad-input matrix": hostile scenario files. Scenarios
// have no include mechanism, so there is no include cycle to make; the
// nearest thing is a YAML anchor that refers to itself, tested here.
#include <gtest/gtest.h>

#include "scenarios/scenario.h"
#include "tests/scenarios/scenario_test_support.h"

namespace keyward::scenarios {
namespace {

const char* kWorld =
    "name: hostile\n"
    "world:\n"
    "  providers:\n"
    "    - {name: groq, kind: groq}\n";

TEST(ScenarioBadInput, NegativeTimeIsAnErrorWithTheLine) {
  auto e = error_of(std::string(kWorld) + "timeline:\n  - {at: -5s, request: {message: x}}\n");
  EXPECT_NE(e.find("s.yaml:6"), std::string::npos) << e;
  EXPECT_NE(e.find("negative time '-5s'"), std::string::npos) << e;
  e = error_of(std::string(kWorld) + "timeline:\n  - {at: 1s, request: {message: x, every: -1s, repeat: 2}}\n");
  EXPECT_NE(e.find("negative time"), std::string::npos) << e;
}

TEST(ScenarioBadInput, DurationsThatWouldOverflowAreErrors) {
  auto e = error_of(std::string(kWorld) + "timeline:\n  - {at: 999999999999d, request: {message: x}}\n");
  EXPECT_NE(e.find("expected a duration"), std::string::npos) << e;
  e = error_of(std::string(kWorld) + "timeline:\n  - {at: 999999999999h999999999999h999999999999h, advance: {}}\n");
  EXPECT_NE(e.find("s.yaml:6"), std::string::npos) << e;
}

TEST(ScenarioBadInput, SelfReferencingAnchorsAreErrorsNotLoops) {
  auto e = error_of(std::string(kWorld) + "timeline: &t [*t]\n");
  EXPECT_NE(e.find("s.yaml:"), std::string::npos) << e;
  e = error_of("name: &n {a: *n}\nworld: {providers: [{name: groq, kind: groq}]}\n");
  EXPECT_NE(e.find("s.yaml:"), std::string::npos) << e;
}

TEST(ScenarioBadInput, ANonStringFieldNameIsAnError) {
  auto e = error_of(std::string(kWorld) + "timeline:\n  - {at: 1s, edit_env: {[A]: b}}\n");
  EXPECT_NE(e.find("a field name must be a plain string"), std::string::npos) << e;
}

TEST(ScenarioBadInput, ATimelineThatExpandsBeyondTheBoundIsAnError) {
  std::string yaml = std::string(kWorld) + "timeline:\n";
  for (int i = 0; i < 3; ++i) yaml += "  - {at: 1s, request: {message: x, repeat: 50000, every: 1ms}}\n";
  auto e = error_of(yaml);
  EXPECT_NE(e.find("more than 100000 events"), std::string::npos) << e;
}

TEST(ScenarioBadInput, DeepNestingIsAnErrorNotAStackOverflow) {
  auto e = error_of(std::string(kWorld) + "timeline: " + std::string(100'000, '[') + std::string(100'000, ']') + "\n");
  EXPECT_NE(e.find("s.yaml:"), std::string::npos) << e;
}

}  // namespace
}  // namespace keyward::scenarios
