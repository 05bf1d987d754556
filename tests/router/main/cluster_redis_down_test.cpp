// Redis stopped under two replicas: both keep answering every request on
// their own state, say `cluster: degraded` in /api/status, /metrics, the
// dashboard and the log (once), and once Redis is back each resynchronises:
// what one learnt alone reaches the other (issue 19, item 4).
#include <gtest/gtest.h>

#include "fakes/provider.h"
#include "tests/router/main/cluster_test_world.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

const char* kTwoGroqKeys = "GROQ_API_KEY_1=sk-proj-FIRST-AAA\nGROQ_API_KEY_2=sk-proj-GOOD-BBB\n";

uint64_t metric(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return UINT64_MAX;
  return std::stoull(text.substr(at + name.size() + 2));
}

TEST(ClusterRedisDown, ReplicasKeepServingShowDegradedAndResyncWhenRedisIsBack) {
  test::ClusterWorld w;
  ASSERT_TRUE(w.redis.ready());
  auto* groq = w.world->provider("groq");
  groq->set_key_state("sk-proj-FIRST-AAA", fakes::KeyState::valid);
  groq->set_key_state("sk-proj-GOOD-BBB", fakes::KeyState::valid);
  App a(w.replica("a", kTwoGroqKeys)), b(w.replica("b", kTwoGroqKeys));
  std::string error;
  ASSERT_TRUE(a.start(&error)) << error;
  ASSERT_TRUE(b.start(&error)) << error;
  EXPECT_EQ(test::status_of(a)["cluster"]["state"], "connected");
  EXPECT_FALSE(test::status_of(a)["cluster"].contains("degraded_reason"));
  EXPECT_EQ(metric(test::http_get(a, "/metrics")->body, "keyward_cluster_degraded"), 0u);
  EXPECT_EQ(w.lines_of("a", "INFO: cluster: replica a joined unix://" + w.redis.socket()), 1u);

  w.redis.stop();
  for (App* app : {&a, &b})
    ASSERT_TRUE(test::eventually([&] { return test::status_of(*app)["cluster"]["state"] == "degraded"; }));
  // Every request answered while Redis is away, on both replicas.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(test::http_chat(a, "q" + std::to_string(i))->status, 200);
    EXPECT_EQ(test::http_chat(b, "q" + std::to_string(i))->status, 200);
  }
  auto status = test::status_of(b);
  EXPECT_TRUE(status["cluster"]["degraded_reason"].is_string()) << status["cluster"];
  EXPECT_EQ(status["cluster"]["replica_id"], "b");
  auto metrics = test::http_get(b, "/metrics")->body;
  EXPECT_EQ(metric(metrics, "keyward_cluster_degraded"), 1u) << metrics;
  EXPECT_EQ(metric(metrics, "keyward_cluster_degraded_total"), 1u);
  EXPECT_NE(metrics.find("# TYPE keyward_cluster_degraded gauge"), std::string::npos);
  // The server-rendered line (the page's script holds the same words, but
  // not the replica's id; the reason may change between two reads).
  std::string page = test::http_get(b, "/dashboard")->body;
  auto shown = page.find("cluster: degraded</span> (");
  ASSERT_NE(shown, std::string::npos);
  EXPECT_NE(page.find("; replica b serves on its own state)", shown), std::string::npos);

  // Replica a learns alone that the first key was revoked meanwhile (a
  // second after the last successes: a failure newer than them).
  w.clock.advance(1s);
  groq->set_key_state("sk-proj-FIRST-AAA", fakes::KeyState::revoked);
  EXPECT_EQ(test::http_chat(a, "after the revocation")->status, 200);
  ASSERT_EQ(test::key_state_of(a, "groq", 1), KeyState::quarantined);
  uint64_t calls = groq->requests_for_key("sk-proj-FIRST-AAA");

  w.redis.start();  // an empty Redis on the same socket
  ASSERT_TRUE(w.redis.ready());
  for (App* app : {&a, &b})
    ASSERT_TRUE(test::eventually([&] { return test::status_of(*app)["cluster"]["state"] == "connected"; }));
  // What a learnt alone reaches b through the new Redis.
  ASSERT_TRUE(test::eventually([&] { return test::key_state_of(b, "groq", 1) == KeyState::quarantined; }));
  EXPECT_EQ(test::http_chat(b, "after the resync")->status, 200);
  EXPECT_EQ(groq->requests_for_key("sk-proj-FIRST-AAA"), calls) << "b called the key a quarantined";
  EXPECT_EQ(test::http_get(b, "/dashboard")->body.find("; replica b serves on its own state)"), std::string::npos);
  EXPECT_EQ(metric(test::http_get(b, "/metrics")->body, "keyward_cluster_degraded"), 0u);

  // Degraded and recovered: logged once each, per replica.
  for (const char* id : {"a", "b"}) {
    EXPECT_EQ(w.lines_of(id, "WARN: cluster: Redis at unix://" + w.redis.socket() + " is unreachable"), 1u) << id;
    EXPECT_EQ(w.lines_of(id, "INFO: cluster: Redis is back"), 1u) << id;
  }
  b.stop();
  a.stop();
}

}  // namespace
}  // namespace keyward
