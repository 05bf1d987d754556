// Incidents and alerts across two replicas sharing a real redis-server: the
// founding emergency alerts as if there were one router, and resolves once.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "router/cluster/claiming_outbox.h"
#include "tests/router/cluster/redis_server.h"
#include "tests/router/core/fixtures.h"

namespace keyward::cluster {
namespace {

using namespace std::chrono_literals;

class Scripted final : public BlockingTransport {
 public:
  std::atomic<bool> healthy{false};
  AttemptResult chat_now(const ProviderConfig& p, const KeyConfig&, const ChatRequest&, Millis, ChatAnswer* a,
                     StreamSink*) override {
    if (healthy) {
      a->content = "hi";
      return keyward::test::ok_200();
    }
    return p.name == "gemini" ? keyward::test::gemini_400_invalid() : keyward::test::groq_401();
  }
  AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis, std::vector<std::string>*) override {
    return keyward::test::ok_200();
  }
};

struct Fanout final : RouterObserver {
  std::vector<RouterObserver*> to;
  void on_pool_event(const PoolEvent& e) override {
    for (auto* o : to) o->on_pool_event(e);
  }
  void on_emergency(const Verdict& v, WallTime t) override {
    for (auto* o : to) o->on_emergency(v, t);
  }
};

struct Replica {
  Replica(const std::string& id, const std::string& url, SimClock& clock)
      : router(keyward::test::founding_config(), clock, &fanout) {
    ClusterOptions o;
    std::string error;
    parse_redis_url(url, &o.redis, &error);
    o.replica_id = id;
    o.key_prefix = "inc";
    o.log = [](const std::string&) {};
    link = std::make_unique<ClusterLink>(o, router);
    claiming = std::make_unique<ClaimingOutbox>(collected, *link, 1h);
    engine = std::make_unique<IncidentEngine>(router.config(), AlertPolicy{}, clock, *claiming, store);
    engine->set_sharing(link.get());
    link->set_incidents(engine.get());
    link->set_config(router.config());
    fanout.to = {engine.get(), link.get()};
    link->start();
  }
  ~Replica() {
    link->stop();
    link->set_incidents(nullptr);
  }
  Fanout fanout;
  ChatRouter router;
  CollectingOutbox collected;
  MemoryIncidentStore store;
  std::unique_ptr<ClusterLink> link;
  std::unique_ptr<ClaimingOutbox> claiming;
  std::unique_ptr<IncidentEngine> engine;
  bool settle() { return link->flush(5s) && claiming->flush(5s); }
};

template <typename F>
bool eventually(F done) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline && !done()) std::this_thread::sleep_for(2ms);
  return done();
}

size_t count_kind(Replica& a, Replica& b, AlertKind k) { return a.collected.of_kind(k).size() + b.collected.of_kind(k).size(); }

TEST(ClusterIncidents, TwoReplicasAlertLikeOneAndResolveOnce) {
  test::RedisServer redis;
  ASSERT_TRUE(redis.ready());
  SimClock clock(keyward::test::at("2025-11-18T08:00:15Z"));
  Replica a("a", redis.url(), clock), b("b", redis.url(), clock);
  Scripted t;
  // Both replicas get a request while every key is bad.
  a.router.route(ChatRequest{{{"user", "hi"}}, {}, {}, false, "a-1"}, t);
  b.router.route(ChatRequest{{{"user", "hi"}}, {}, {}, false, "b-1"}, t);
  ASSERT_TRUE(a.settle() && b.settle() && a.settle() && b.settle());
  ASSERT_TRUE(eventually([&] { return a.engine->incident_open() && b.engine->incident_open(); }));
  EXPECT_EQ(a.engine->incident_status_json()["id"], b.engine->incident_status_json()["id"]) << "one incident";
  EXPECT_EQ(count_kind(a, b, AlertKind::key_auth_failed), 6u);
  EXPECT_EQ(count_kind(a, b, AlertKind::provider_all_keys_failed), 3u);
  EXPECT_EQ(count_kind(a, b, AlertKind::all_providers_failed), 1u);

  // The keys are fixed; replica b sees it first.
  t.healthy = true;
  clock.advance(15min);
  b.router.route(ChatRequest{{{"user", "hi"}}, {}, {}, false, "b-2"}, t);
  ASSERT_TRUE(b.settle());
  ASSERT_TRUE(eventually([&] { return !a.engine->incident_open() && !b.engine->incident_open(); }));
  ASSERT_TRUE(a.settle());
  EXPECT_EQ(count_kind(a, b, AlertKind::resolved), 1u) << "one RESOLVED email for the cluster";
}

}  // namespace
}  // namespace keyward::cluster
