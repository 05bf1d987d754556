// Restarts remember what was said (issue 18, item 5): a condition alerted
// before a restart is not alerted again within alerts.dedup_window, and the
// log says so; a new or changed condition alerts as before.
#include <gtest/gtest.h>

#include "router/core/incidents.h"
#include "tests/router/store/founding_world.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

struct RestartDedup : ::testing::Test {
  test::FoundingWorld world;
  CollectingOutbox outbox;
  MemoryIncidentStore store;  // what survives the restart
  std::unique_ptr<IncidentEngine> engine;
  std::vector<std::string> logs;

  // A process: a fresh router (pool) and engine over the same store.
  void start_process() {
    engine = std::make_unique<IncidentEngine>(world.config, AlertPolicy{}, world.clock, outbox, store);
    engine->set_log([this](const std::string& l) { logs.push_back(l); });
    world.start(engine.get());
  }
  void SetUp() override {
    // Groq key 1 is revoked; every other key works: no incident, one alert.
    for (const char* s :
         {"sk-proj-EXPIRED-BBB", "sk-proj-EXPIRED-CCC", "AIza-EXPIRED-XXX", "AIza-EXPIRED-YYY", "msk-EXPIRED-ZZZ"})
      world.transport.valid.insert(s);
    start_process();
  }
  size_t auth_alerts() { return outbox.of_kind(AlertKind::key_auth_failed).size(); }
};

TEST_F(RestartDedup, ARestartWithinTheWindowDoesNotAlertTheSameConditionAgain) {
  EXPECT_EQ(world.ask().kind, RouteOutcome::Kind::provider);
  ASSERT_EQ(auth_alerts(), 1u);
  EXPECT_FALSE(engine->incident_open());

  world.clock.advance(10min);
  start_process();  // the restart
  EXPECT_EQ(world.ask("after the restart").kind, RouteOutcome::Kind::provider);
  EXPECT_EQ(auth_alerts(), 1u) << "the same revoked key, ten minutes later: no second email";
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("Not alerting key_auth_failed for groq#1 again"), std::string::npos) << logs[0];
  EXPECT_EQ(engine->stats().alerts_suppressed, 1u);
}

TEST_F(RestartDedup, ARestartAfterTheWindowAlertsAgain) {
  world.ask();
  world.clock.advance(61min);
  start_process();
  world.ask("much later");
  EXPECT_EQ(auth_alerts(), 2u);
}

TEST_F(RestartDedup, AChangedConditionAlertsAsBefore) {
  world.ask();
  world.clock.advance(10min);
  // The operator put another (also bad) key at the same index: a new condition.
  world.config.providers[0].keys[0].secret = "sk-proj-ANOTHER-QQQ";
  start_process();
  world.ask("with the new key");
  auto alerts = outbox.of_kind(AlertKind::key_auth_failed);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_NE(alerts[0].id, alerts[1].id);
  EXPECT_TRUE(logs.empty());
}

TEST_F(RestartDedup, AConditionThatEndedAlertsAgainAfterARestart) {
  world.ask();
  world.transport.valid.insert("sk-proj-EXPIRED-AAA");                  // fixed at the provider
  world.clock.advance(6min);                                            // quarantine over
  for (int i = 0; i < 3; ++i) world.ask("round " + std::to_string(i));  // key 1 serves again
  EXPECT_TRUE(store.alerted_conditions().empty()) << "the condition ended: forgotten";
  world.transport.valid.erase("sk-proj-EXPIRED-AAA");  // revoked again
  start_process();
  world.ask("broken again");
  EXPECT_EQ(auth_alerts(), 2u);
}

}  // namespace
}  // namespace keyward
