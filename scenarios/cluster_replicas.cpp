#include "scenarios/cluster_replicas.h"

#include <chrono>
#include <thread>

namespace keyward::scenarios {

namespace {

using namespace std::chrono_literals;

// Bounds of the waits: generous, since a loaded CI machine is slow; a
// healthy cluster settles in about a millisecond.
constexpr Millis kStepTimeout{2000};
constexpr auto kLinkTimeout = 5s;
constexpr int kMaxSettleRounds = 10;

}  // namespace

ClusterReplicas::ClusterReplicas(int replicas, std::string work_dir)
    : work_dir_(std::move(work_dir)), partitioned_(static_cast<size_t>(replicas), false) {
  for (int i = 0; i < replicas; ++i) proxies_.push_back(nullptr);
}

ClusterReplicas::~ClusterReplicas() {
  for (auto& p : proxies_)
    if (p) p->stop();
  if (redis_) redis_->stop();
}

bool ClusterReplicas::start(std::string* error) {
  redis_ = std::make_unique<fakes::RedisServer>("", work_dir_);
  if (!redis_->ready()) {
    *error = "redis-server did not start (is it installed? see " + redis_->dir() + "/redis.log)";
    return false;
  }
  for (auto& p : proxies_) {
    p = std::make_unique<fakes::FaultProxy>(fakes::ProxyUpstream{redis_->socket()});
    if (!p->start(error)) return false;
  }
  return true;
}

RouterUnderTestOptions ClusterReplicas::options_for(int n, RouterUnderTestOptions o) const {
  std::string name = "replica-" + std::to_string(n);
  o.store_path = work_dir_ + "/keyward-" + name + ".sqlite";
  o.journal_path = work_dir_ + "/keyward-" + name + "-journal.jsonl";
  o.redis_url = "redis://127.0.0.1:" + std::to_string(proxies_[static_cast<size_t>(n - 1)]->port()) + "/0";
  o.replica_id = name;
  return o;
}

void ClusterReplicas::redis_down() {
  redis_->stop();
  redis_down_ = true;
}

bool ClusterReplicas::redis_up(std::string* error) {
  redis_->start();
  redis_down_ = false;
  if (redis_->ready()) return true;
  *error = "redis-server did not start again (see " + redis_->dir() + "/redis.log)";
  return false;
}

void ClusterReplicas::partition(int n) {
  partitioned_[static_cast<size_t>(n - 1)] = true;
  proxies_[static_cast<size_t>(n - 1)]->set_down(true);
}

void ClusterReplicas::heal(int n) {
  partitioned_[static_cast<size_t>(n - 1)] = false;
  proxies_[static_cast<size_t>(n - 1)]->set_down(false);
}

bool ClusterReplicas::reachable(int n) const { return !redis_down_ && !partitioned_[static_cast<size_t>(n - 1)]; }

bool ClusterReplicas::await_links(const std::vector<RouterUnderTest*>& routers, std::string* error) const {
  auto deadline = std::chrono::steady_clock::now() + kLinkTimeout;
  for (size_t i = 0; i < routers.size(); ++i) {
    int n = static_cast<int>(i + 1);
    bool want = reachable(n);
    auto shows = [&] { return want ? routers[i]->cluster_connected() : routers[i]->cluster_degraded(); };
    while (!shows() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);  // polling the link's state, with a bound
    if (!shows()) {
      *error = "replica " + std::to_string(n) + "'s cluster link did not become " + (want ? "connected" : "degraded") +
               " within 5 s";
      return false;
    }
  }
  return true;
}

bool ClusterReplicas::settle(const std::vector<RouterUnderTest*>& routers, std::string* error) const {
  auto activity = [&] {
    uint64_t sum = 0;
    for (auto* r : routers) sum += r->cluster_activity();
    return sum;
  };
  for (int round = 0; round < kMaxSettleRounds; ++round) {
    uint64_t before = activity();
    // First everything is published (claims included), then every replica
    // catches up with all of it.
    for (size_t i = 0; i < routers.size(); ++i)
      if (reachable(static_cast<int>(i + 1)) && !routers[i]->cluster_flush(kStepTimeout)) {
        *error = "replica " + std::to_string(i + 1) + " did not write its changes to Redis (bound: 2 s)";
        return false;
      }
    for (size_t i = 0; i < routers.size(); ++i)
      if (reachable(static_cast<int>(i + 1)) && !routers[i]->cluster_sync(kStepTimeout)) {
        *error = "replica " + std::to_string(i + 1) + " did not catch up with the cluster (bound: 2 s)";
        return false;
      }
    // Replicas cut off from Redis still claim (unclaimed) their alerts.
    for (size_t i = 0; i < routers.size(); ++i)
      if (!reachable(static_cast<int>(i + 1))) routers[i]->cluster_flush(kStepTimeout);
    if (activity() == before) return true;
  }
  *error = "the cluster did not settle after " + std::to_string(kMaxSettleRounds) + " rounds";
  return false;
}

}  // namespace keyward::scenarios
