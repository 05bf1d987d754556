// Every expectation can fail: an unknown id anywhere (windows included) is a
// schema error with a suggestion, and a window that can contain nothing is an
// error unless the expectation says `empty: allowed`.
#include <gtest/gtest.h>

#include "scenarios/scenario.h"

namespace keyward::scenarios {
namespace {

const char* kBase =
    "name: ids\n"
    "world:\n"
    "  providers:\n"
    "    - {name: groq, kind: groq}\n"
    "timeline:\n"
    "  - {at: 1s, id: ask, request: {message: hi}}\n"
    "  - {at: 2s, id: broken, key_state: {provider: groq, key: gsk-x, state: invalid}}\n"
    "  - {at: 3s, id: again, request: {message: hi}}\n"
    "expect:\n";

std::string error_of(const std::string& expectations) {
  try {
    parse_scenario(std::string(kBase) + expectations, "s.yaml");
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ExpectationIds, ATypoInAProviderCallsWindowIsASchemaErrorWithASuggestion) {
  EXPECT_EQ(error_of("  - response: {of: ask, status: 200}\n"
                     "  - response: {of: ask, status: 200}\n"
                     "  - response: {of: ask, status: 200}\n"
                     "  - provider_calls: {during: [aks], total: 0}\n"),
            "s.yaml:13: expect[3].provider_calls.during[0]: no event 'aks' (did you mean 'ask'?)");
}

TEST(ExpectationIds, EveryPlaceAnIdGoesIsChecked) {
  EXPECT_EQ(error_of("  - provider_calls: {during: [ask, agian], total: 2}\n"),
            "s.yaml:10: expect[0].provider_calls.during[1]: no event 'agian' (did you mean 'again'?)");
  EXPECT_EQ(error_of("  - alerts: {channel: email, within: [brokn, +1s]}\n"),
            "s.yaml:10: expect[0].alerts.within[0]: no event 'brokn' (did you mean 'broken'?)");
  EXPECT_EQ(error_of("  - response: {of: aks, status: 200}\n"),
            "s.yaml:10: expect[0].response.of: no event 'aks' (did you mean 'ask'?)");
  EXPECT_EQ(error_of("  - log: {after: zzzzzz, contains: x}\n"), "s.yaml:10: expect[0].log.after: no event 'zzzzzz'");
  EXPECT_EQ(error_of("  - provider_calls: {during: [ask, +soon], total: 1}\n"),
            "s.yaml:10: expect[0].provider_calls.during[1]: expected an offset such as +1s, got '+soon'");
}

TEST(ExpectationIds, OffsetsAndKnownIdsAreAccepted) {
  EXPECT_EQ(error_of("  - provider_calls: {during: [ask], total: 1}\n"
                     "  - provider_calls: {during: [0s, 3s], total: 2}\n"
                     "  - provider_calls: {during: [ask, +1500ms], total: 1}\n"
                     "  - alerts: {channel: email, count: 0, within: [broken, again]}\n"),
            "(no error)");
}

TEST(ExpectationIds, AWindowThatCanContainNothingIsAnErrorUnlessAllowed) {
  EXPECT_EQ(error_of("  - provider_calls: {during: [broken], total: 0}\n")
                .find("s.yaml:10: expect[0].provider_calls.during: event 'broken' sends nothing itself"),
            0u);
  EXPECT_EQ(error_of("  - provider_calls: {during: [3s, 1s], total: 0}\n")
                .find("s.yaml:10: expect[0].provider_calls.during: the window [3s, 1s] ends before it begins"),
            0u);
  EXPECT_EQ(error_of("  - provider_calls: {during: [2500ms], total: 0}\n")
                .find("s.yaml:10: expect[0].provider_calls.during: no event happens at 2500ms"),
            0u);
  EXPECT_EQ(error_of("  - alerts: {channel: email, count: 0, within: [1h, 2h]}\n")
                .find("s.yaml:10: expect[0].alerts.within: the window starts at 1h, after the last event"),
            0u);
  EXPECT_EQ(error_of("  - provider_calls: {during: [broken], total: 0, empty: allowed}\n"), "(no error)");
  EXPECT_EQ(error_of("  - provider_calls: {during: [broken], total: 0, empty: yes}\n"),
            "s.yaml:10: expect[0].provider_calls.empty: expected 'allowed' (the only value: this window may be empty)");
}

TEST(ExpectationIds, ClearFaultNamesAFaultOfItsProvider) {
  std::string world =
      "name: f\n"
      "world:\n"
      "  providers:\n"
      "    - {name: groq, kind: groq}\n"
      "timeline:\n"
      "  - {at: 1s, fault: {provider: groq, id: slow, spec: {kind: latency, latency_ms: 10}}}\n";
  auto err = [&](const std::string& tail) {
    try {
      parse_scenario(world + tail, "s.yaml");
    } catch (const SchemaError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(err("  - {at: 2s, clear_fault: {provider: groq, id: slwo}}\n"),
            "s.yaml:7: timeline[1].clear_fault.id: no fault 'slwo' on groq (did you mean 'slow'?)");
  EXPECT_EQ(err("  - {at: 2s, clear_fault: {provider: groq, id: slow}}\n"), "(no error)");
}

}  // namespace
}  // namespace keyward::scenarios
