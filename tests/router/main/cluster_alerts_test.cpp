// The founding scenario on two replicas sharing one Redis: the operator gets
// the alerts of one router, not one set per replica, and one incident
// (issue 19, items 2 and 4).
#include <gtest/gtest.h>

#include <thread>

#include "tests/router/main/cluster_test_world.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

TEST(ClusterAlerts, TheFoundingScenarioOnTwoReplicasAlertsOnceNotOncePerReplica) {
  test::ClusterWorld w;
  ASSERT_TRUE(w.redis.ready());
  std::string error;
  // One router alone: the alerts the operator must get.
  store::OutboxCounts alone;
  {
    App solo(w.options());
    ASSERT_TRUE(solo.start(&error)) << error;
    ASSERT_EQ(test::http_chat(solo, "Help me fix this bug")->status, 503);
    solo.stop();
    alone = solo.store().counts();
  }
  ASSERT_GT(alone.alerts, 3u);

  App a(w.replica("a")), b(w.replica("b"));
  ASSERT_TRUE(a.start(&error)) << error;
  ASSERT_TRUE(b.start(&error)) << error;
  // Both replicas meet the broken keys at the same time.
  int status_a = 0, status_b = 0;
  std::thread ta([&] { status_a = test::http_chat(a, "Help me fix this bug")->status; });
  std::thread tb([&] { status_b = test::http_chat(b, "Help me fix this bug")->status; });
  ta.join();
  tb.join();
  EXPECT_EQ(status_a, 503);
  EXPECT_EQ(status_b, 503);
  ASSERT_TRUE(test::eventually([&] {
    auto sa = test::status_of(a), sb = test::status_of(b);
    return sa["incident"]["state"] == "open" && sa["incident"]["id"] == sb["incident"]["id"];
  })) << "one incident for the cluster";
  // More traffic on both: nothing new to tell the operator.
  for (int i = 0; i < 3; ++i) {
    test::http_chat(a, "again");
    test::http_chat(b, "again");
  }
  b.stop();
  a.stop();
  store::OutboxCounts ca = a.store().counts(), cb = b.store().counts();
  EXPECT_EQ(ca.alerts + cb.alerts, alone.alerts) << "a: " << ca.alerts << ", b: " << cb.alerts;
  EXPECT_EQ(ca.pending + cb.pending, alone.pending);
}

}  // namespace
}  // namespace keyward
