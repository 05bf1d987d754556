// Concurrent traffic: bursts in flight at one simulated instant over real
// sockets, events that land `while` a burst runs, and a journal written in
// the canonical order of a burst.
#include <gtest/gtest.h>

#include <tuple>

#include "scenarios/expectations.h"
#include "scenarios/runner.h"
#include "tests/scenarios/test_dir.h"

namespace keyward::scenarios {
namespace {

const char* kBurst =
    "name: burst\n"
    "seed: 5\n"
    "world:\n"
    "  providers:\n"
    "    - name: groq\n"
    "      kind: groq\n"
    "      latency_ms: 5\n"
    "      keys: {gsk-burst-key-00000001: valid, gsk-burst-key-00000002: valid, gsk-burst-key-00000003: valid}\n"
    "router:\n"
    "  env: |\n"
    "    GROQ_API_KEY_1=gsk-burst-key-00000001\n"
    "    GROQ_API_KEY_2=gsk-burst-key-00000002\n"
    "  validate_on_start: false\n"
    "timeline:\n"
    "  - {at: 1s, id: storm, request: {message: hi, concurrent: 30, repeat: 2, every: 10s}}\n"
    "  - {at: 1s, while: storm, edit_env: {GROQ_API_KEY_2: gsk-burst-key-00000003}}\n"
    "  - {at: 1s, while: storm, id: swap, reload: true}\n";

TEST(Concurrent, ABurstIsSentWholeWithItsWhileEventsAndWrittenInCanonicalOrder) {
  Scenario s = parse_scenario(kBurst, "s.yaml");
  ASSERT_EQ(s.timeline.size(), 4u);  // two bursts, the two `while` events right after the first
  EXPECT_EQ(s.timeline[1].while_burst, "storm");
  EXPECT_EQ(s.timeline[2].while_burst, "storm");
  EXPECT_EQ(s.timeline[3].id, "storm");
  RunRecord a = run_scenario(s, RunOptions{test_dir() + "/burst-a"});
  ASSERT_EQ(a.setup_error, "");
  // Every request of both bursts is recorded, under its burst's event.
  ASSERT_EQ(a.requests.size(), 60u);
  for (size_t i = 0; i < 60; ++i) EXPECT_EQ(a.requests[i].event, i < 30 ? 0u : 3u);
  // Canonical order inside a burst: by status, then body.
  for (size_t i = 1; i < 60; ++i) {
    if (a.requests[i].event != a.requests[i - 1].event) continue;
    EXPECT_LE(std::tie(a.requests[i - 1].status, a.requests[i - 1].body),
              std::tie(a.requests[i].status, a.requests[i].body));
  }
  // The `while` events ran during the first burst, in file order, and the
  // reload took: the second burst's calls are counted against the new .env.
  ASSERT_GE(a.timeline.size(), 4u);
  EXPECT_NE(a.timeline[1].find("(while storm) operator: .env edited"), std::string::npos) << a.timeline[1];
  EXPECT_NE(a.timeline[2].find("(while storm) operator: reload"), std::string::npos) << a.timeline[2];
  for (const auto& c : a.calls) {
    if (!c.chat) continue;
    EXPECT_TRUE(c.event == 0 || c.event == 3) << c.event;  // a burst's calls belong to the burst
  }
}

TEST(Concurrent, WhileNamesABurstAtTheSameOffset) {
  auto error_of = [](const std::string& tail) {
    try {
      parse_scenario(std::string("name: w\nworld:\n  providers:\n    - {name: groq, kind: groq}\ntimeline:\n"
                                 "  - {at: 1s, id: storm, request: {message: hi, concurrent: 5}}\n") +
                         tail,
                     "s.yaml");
    } catch (const SchemaError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error_of("  - {at: 1s, while: strom, reload: true}\n"),
            "s.yaml:7: timeline[1].while: no burst 'strom' (a request with an id and concurrent > 1) (did you mean "
            "'storm'?)");
  EXPECT_EQ(error_of("  - {at: 2s, while: storm, reload: true}\n")
                .find("s.yaml:6: timeline: the event at line 7 runs "
                      "while 'storm', so it needs the burst's offset"),
            0u);
  EXPECT_EQ(error_of("  - {at: 1s, while: storm, restart: true}\n").find("s.yaml:7: timeline[1]: only key_state"), 0u);
  EXPECT_EQ(error_of("  - {at: 1s, while: storm, reload: true}\n"), "(no error)");
}

}  // namespace
}  // namespace keyward::scenarios
