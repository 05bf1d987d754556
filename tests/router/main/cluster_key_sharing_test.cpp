// Replicas of `keyward serve` sharing one Redis learn from each other: a key
// one replica quarantined is not called by another, a key validated by one
// is not pinged again by the next to start, and the 06:00 health check runs
// on one replica per day (issue 19, items 2 and 3).
#include <gtest/gtest.h>

#include "fakes/provider.h"
#include "tests/router/main/cluster_test_world.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

const char* kTwoGroqKeys = "GROQ_API_KEY_1=sk-proj-REVOKED-AAA\nGROQ_API_KEY_2=sk-proj-GOOD-BBB\n";

TEST(ClusterKeySharing, AKeyQuarantinedByOneReplicaIsNotCalledByAnother) {
  test::ClusterWorld w;
  ASSERT_TRUE(w.redis.ready());
  auto* groq = w.world->provider("groq");
  groq->set_key_state("sk-proj-REVOKED-AAA", fakes::KeyState::revoked);
  groq->set_key_state("sk-proj-GOOD-BBB", fakes::KeyState::valid);
  App a(w.replica("a", kTwoGroqKeys)), b(w.replica("b", kTwoGroqKeys));
  std::string error;
  ASSERT_TRUE(a.start(&error)) << error;
  ASSERT_TRUE(b.start(&error)) << error;

  auto r = test::http_chat(a, "hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "failed over to the good key";
  ASSERT_EQ(groq->requests_for_key("sk-proj-REVOKED-AAA"), 1u);
  ASSERT_EQ(test::key_state_of(a, "groq", 1), KeyState::quarantined);

  // Replica b hears of it from Redis, not from the provider.
  ASSERT_TRUE(test::eventually([&] { return test::key_state_of(b, "groq", 1) == KeyState::quarantined; }));
  for (int i = 0; i < 5; ++i) {
    auto rb = test::http_chat(b, "hello " + std::to_string(i));
    ASSERT_TRUE(rb);
    EXPECT_EQ(rb->status, 200);
  }
  EXPECT_EQ(groq->requests_for_key("sk-proj-REVOKED-AAA"), 1u) << "replica b called the revoked key";
  EXPECT_EQ(groq->requests_for_key("sk-proj-GOOD-BBB"), 6u);
  auto metrics = test::http_get(b, "/metrics")->body;
  EXPECT_NE(metrics.find("keyward_cluster_applied_total "), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("keyward_cluster_applied_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(test::http_get(a, "/metrics")->body.find("keyward_cluster_published_total "), std::string::npos);
  b.stop();
  a.stop();
}

TEST(ClusterKeySharing, AKeyValidatedByAnotherReplicaMinutesAgoIsNotPingedAtStart) {
  test::ClusterWorld w;
  ASSERT_TRUE(w.redis.ready());
  auto* groq = w.world->provider("groq");
  groq->set_key_state("sk-proj-REVOKED-AAA", fakes::KeyState::revoked);
  groq->set_key_state("sk-proj-GOOD-BBB", fakes::KeyState::valid);
  auto oa = w.replica("a", kTwoGroqKeys);
  oa.validate_on_start = true;
  App a(std::move(oa));
  std::string error;
  ASSERT_TRUE(a.start(&error)) << error;
  ASSERT_EQ(groq->requests_for_key("sk-proj-REVOKED-AAA"), 1u);
  ASSERT_EQ(groq->requests_for_key("sk-proj-GOOD-BBB"), 1u);
  ASSERT_TRUE(a.cluster()->flush(5s));

  // Four minutes later a second replica starts: both verdicts are fresh.
  w.clock.advance(4min);
  auto ob = w.replica("b", kTwoGroqKeys);
  ob.validate_on_start = true;
  App b(std::move(ob));
  ASSERT_TRUE(b.start(&error)) << error;
  EXPECT_EQ(groq->requests_for_key("sk-proj-REVOKED-AAA"), 1u) << "pinged again";
  EXPECT_EQ(groq->requests_for_key("sk-proj-GOOD-BBB"), 1u) << "pinged again";
  EXPECT_TRUE(b.service().ready()) << "the good key's shared verdict is adopted";
  EXPECT_EQ(test::key_state_of(b, "groq", 1), KeyState::quarantined) << "the bad key's shared verdict is adopted";
  EXPECT_EQ(w.lines_of("b", "INFO: cluster: 2 keys (Groq #1, Groq #2) have a verdict from another replica"), 1u);

  // Six minutes after that the verdicts are stale: a third replica pings.
  w.clock.advance(6min);
  auto oc = w.replica("c", kTwoGroqKeys);
  oc.validate_on_start = true;
  App c(std::move(oc));
  ASSERT_TRUE(c.start(&error)) << error;
  EXPECT_EQ(groq->requests_for_key("sk-proj-GOOD-BBB"), 2u);
  c.stop();
  b.stop();
  a.stop();
}

TEST(ClusterKeySharing, TheDailyHealthCheckRunsOnOneReplicaPerDay) {
  test::ClusterWorld w;
  ASSERT_TRUE(w.redis.ready());
  auto* groq = w.world->provider("groq");
  groq->set_key_state("sk-proj-GOOD-BBB", fakes::KeyState::valid);
  const char* env = "GROQ_API_KEY_2=sk-proj-GOOD-BBB\n";
  App a(w.replica("a", env)), b(w.replica("b", env)), c(w.replica("c", env));
  std::string error;
  for (App* app : {&a, &b, &c}) ASSERT_TRUE(app->start(&error)) << error;
  ASSERT_EQ(groq->requests_for_key("sk-proj-GOOD-BBB"), 0u);

  w.clock.set_wall(test::AppWorld::start_time() + 22h);  // the next day, 06:00:15
  for (App* app : {&a, &b, &c}) app->tick();
  EXPECT_EQ(groq->requests_for_key("sk-proj-GOOD-BBB"), 1u) << "one replica pinged for the cluster";
  size_t ran = w.lines_of("a", "INFO: Daily key health check") + w.lines_of("b", "INFO: Daily key health check") +
               w.lines_of("c", "INFO: Daily key health check");
  EXPECT_EQ(ran, 1u);
  EXPECT_EQ(w.lines_of("b", "INFO: cluster: health_check of 2025-11-19 is another replica's"), 1u);

  w.clock.advance(24h);  // the day after: once again
  for (App* app : {&c, &b, &a}) app->tick();
  EXPECT_EQ(groq->requests_for_key("sk-proj-GOOD-BBB"), 2u);

  // Redis away: each replica does the job (at least once per replica).
  w.redis.stop();
  w.clock.advance(24h);
  for (App* app : {&a, &b, &c}) app->tick();
  EXPECT_EQ(groq->requests_for_key("sk-proj-GOOD-BBB"), 5u);
  for (App* app : {&a, &b, &c}) app->stop();
}

}  // namespace
}  // namespace keyward
