// Two replicas (two ChatRouters, each with its link) sharing one real
// redis-server: what one learns, the other's pool holds.
#include "router/cluster/cluster_link.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/router/cluster/redis_server.h"
#include "tests/router/core/fixtures.h"

namespace keyward::cluster {
namespace {

using namespace std::chrono_literals;

class AuthFails final : public BlockingTransport {
 public:
  AttemptResult chat_now(const ProviderConfig& p, const KeyConfig&, const ChatRequest&, Millis, ChatAnswer*,
                     StreamSink*) override {
    return p.name == "gemini" ? keyward::test::gemini_400_invalid() : keyward::test::groq_401();
  }
  AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis, std::vector<std::string>*) override {
    return keyward::test::ok_200();
  }
};

// The router feeds its observer; here the link is the only one.
struct LinkObserver final : RouterObserver {
  ClusterLink* link = nullptr;
  void on_pool_event(const PoolEvent& e) override {
    if (link) link->on_pool_event(e);
  }
};

// One replica: a router and its link. `publishes`: the router's pool events go
// to the link (as in `keyward serve`), for the replica whose requests teach
// the cluster; otherwise it only applies what the others publish.
struct Replica {
  Replica(const std::string& id, const std::string& url, const SimClock& clock, bool publishes = false,
          Millis retry_max = ClusterOptions{}.retry_max)
      : router(keyward::test::founding_config(), clock, publishes ? &observer : nullptr) {
    ClusterOptions o;
    std::string error;
    parse_redis_url(url, &o.redis, &error);
    o.replica_id = id;
    o.key_prefix = "test";
    o.retry_max = retry_max;
    o.log = [this](const std::string& line) {
      std::lock_guard lock(mu);
      logs.push_back(line);
    };
    link = std::make_unique<ClusterLink>(o, router);
    link->set_config(router.config());
    observer.link = link.get();
  }
  LinkObserver observer;  // before the router, which holds a pointer to it
  ChatRouter router;
  std::unique_ptr<ClusterLink> link;
  std::mutex mu;
  std::vector<std::string> logs;
};

// Polls (bounded) until `done`: propagation crosses real sockets and threads.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return done();
}

TEST(ClusterLink, AQuarantineOnOneReplicaReachesTheOther) {
  test::RedisServer redis;
  ASSERT_TRUE(redis.ready());
  SimClock clock(keyward::test::at("2025-11-18T08:00:15Z"));
  Replica a("a", redis.url(), clock, /*publishes=*/true);
  Replica b("b", redis.url(), clock);
  a.link->start();
  b.link->start();
  ASSERT_TRUE(a.link->healthy());

  AuthFails t;
  a.router.route(ChatRequest{{{"user", "hi"}}, {}, {}, false, "req-1"}, t);  // six keys quarantined on a
  ASSERT_TRUE(a.link->flush(5s));
  ASSERT_TRUE(eventually([&] {
    auto snap = b.router.snapshot();
    for (const auto& p : snap.keys)
      for (const auto& k : p)
        if (k.state != KeyState::quarantined) return false;
    return true;
  })) << "replica b holds every quarantine replica a recorded";
  auto snap = b.router.snapshot();
  auto a_snap = a.router.snapshot();
  EXPECT_EQ(snap.keys[0][0].until, a_snap.keys[0][0].until) << "the same absolute deadline";
  EXPECT_GE(b.link->stats().applied, 6u);
  b.link->stop();
  a.link->stop();
}

// sync(): once it returns true, everything published before it was applied
// here: no polling needed (the scenario runner relies on it).
TEST(ClusterLink, SyncReturnsOnceEverythingPublishedBeforeIsApplied) {
  test::RedisServer redis;
  ASSERT_TRUE(redis.ready());
  SimClock clock(keyward::test::at("2025-11-18T08:00:15Z"));
  Replica a("a", redis.url(), clock, /*publishes=*/true);
  Replica b("b", redis.url(), clock);
  a.link->start();
  b.link->start();
  ASSERT_TRUE(eventually([&] { return a.link->healthy() && b.link->healthy(); }));
  AuthFails t;
  for (int round = 0; round < 20; ++round) {
    clock.advance(std::chrono::minutes(10));  // every quarantine over: the next request fails them anew
    a.router.route(ChatRequest{{{"user", "hi"}}, {}, {}, false, "req-" + std::to_string(round)}, t);
    ASSERT_TRUE(a.link->flush(5s));
    uint64_t published = a.link->stats().published;
    ASSERT_TRUE(b.link->sync(5s));
    auto snap = b.router.snapshot();
    auto a_snap = a.router.snapshot();
    for (size_t p = 0; p < snap.keys.size(); ++p)
      for (size_t k = 0; k < snap.keys[p].size(); ++k)
        ASSERT_EQ(snap.keys[p][k].until, a_snap.keys[p][k].until) << "round " << round << ", after " << published;
  }
  redis.stop();
  ASSERT_TRUE(eventually([&] { return !b.link->healthy(); }));
  EXPECT_FALSE(b.link->sync(1s)) << "degraded: not caught up with anything";
  b.link->stop();
  a.link->stop();
}

TEST(ClusterLink, AReplicaThatJoinsLaterLearnsWhatTheClusterKnows) {
  test::RedisServer redis;
  ASSERT_TRUE(redis.ready());
  SimClock clock(keyward::test::at("2025-11-18T08:00:15Z"));
  Replica a("a", redis.url(), clock, /*publishes=*/true);
  a.link->start();
  AuthFails t;
  a.router.route(ChatRequest{{{"user", "hi"}}, {}, {}, false, "req-1"}, t);
  ASSERT_TRUE(a.link->flush(5s));

  Replica late("late", redis.url(), clock);
  late.link->start();  // resyncs before it serves
  auto snap = late.router.snapshot();
  EXPECT_EQ(snap.keys[0][0].state, KeyState::quarantined);
  EXPECT_EQ(snap.keys[2][0].state, KeyState::quarantined);
  late.link->stop();
  a.link->stop();
}

TEST(ClusterLink, RedisDownIsDegradedAndItsReturnResynchronises) {
  test::RedisServer redis;
  ASSERT_TRUE(redis.ready());
  SimClock clock(keyward::test::at("2025-11-18T08:00:15Z"));
  Replica a("a", redis.url(), clock, /*publishes=*/true, /*retry_max=*/100ms);
  a.link->start();
  ASSERT_TRUE(a.link->healthy());
  redis.stop();
  ASSERT_TRUE(eventually([&] { return !a.link->healthy(); }));
  EXPECT_EQ(a.link->status_json()["state"], "degraded");
  // Learnt while Redis is away: kept, and written once it is back.
  AuthFails t;
  auto out = a.router.route(ChatRequest{{{"user", "hi"}}, {}, {}, false, "req-1"}, t);
  EXPECT_EQ(out.kind, RouteOutcome::Kind::emergency) << "requests never wait for Redis";
  EXPECT_TRUE(a.link->claim("alert-x", 60s)) << "partitioned: alert anyway";
  redis.start();
  ASSERT_TRUE(redis.ready());
  ASSERT_TRUE(eventually([&] { return a.link->healthy(); }));
  ASSERT_TRUE(a.link->flush(5s));
  Replica late("late", redis.url(), clock);
  late.link->start();
  EXPECT_EQ(late.router.snapshot().keys[0][0].state, KeyState::quarantined) << "republished after the outage";
  std::lock_guard lock(a.mu);
  int warnings = 0;
  for (const auto& l : a.logs) warnings += l.find("unreachable") != std::string::npos;
  EXPECT_EQ(warnings, 1) << "logged once per outage";
  late.link->stop();
  a.link->stop();
}

TEST(ClusterLink, ClaimsAreOncePerName) {
  test::RedisServer redis;
  ASSERT_TRUE(redis.ready());
  SimClock clock(keyward::test::at("2025-11-18T08:00:15Z"));
  Replica a("a", redis.url(), clock), b("b", redis.url(), clock);
  a.link->start();
  b.link->start();
  EXPECT_TRUE(a.link->claim("alert:groq#1", 60s));
  EXPECT_FALSE(b.link->claim("alert:groq#1", 60s));
  EXPECT_FALSE(a.link->claim("alert:groq#1", 60s)) << "held: also for the claimer";
  EXPECT_TRUE(b.link->claim("alert:groq#2", 60s));
  a.link->stop();
  b.link->stop();
}

}  // namespace
}  // namespace keyward::cluster
