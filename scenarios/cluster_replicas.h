#pragma once
// What a cluster scenario (`router: {replicas: N}`, N > 1) runs on besides
// its routers: a private redis-server in the run's work dir, and one fault
// proxy per replica between that replica and Redis (a `partition` takes the
// proxy down, a `heal` brings it back). The runner builds the replicas
// (RouterUnderTest, one SimClock) with options_for() and, after every event,
// lets the cluster settle(): until then nothing of the next event happens, so
// a run is as deterministic as a one-router run.
#include <memory>
#include <string>
#include <vector>

#include "fakes/fault_proxy.h"
#include "fakes/redis_server.h"
#include "scenarios/router_under_test.h"

namespace keyward::scenarios {

class ClusterReplicas {
 public:
  ClusterReplicas(int replicas, std::string work_dir);
  ~ClusterReplicas();

  // Starts Redis and the proxies. False + error.
  bool start(std::string* error);
  int size() const { return static_cast<int>(proxies_.size()); }

  // Replica `n` (1-based): its own store and journal in the work dir, Redis
  // through its proxy, replica id "replica-N".
  RouterUnderTestOptions options_for(int n, RouterUnderTestOptions base) const;

  // `redis: {down: true}`: SIGKILL (as a crash); `{down: false}`: started
  // again on the same socket, empty. False + error when it does not start.
  void redis_down();
  bool redis_up(std::string* error);
  void partition(int n);
  void heal(int n);
  // Whether replica n should reach Redis now (Redis up, n not partitioned).
  bool reachable(int n) const;

  // Waits (bounded) until each replica's link says what the faults imply:
  // connected when reachable, degraded otherwise. `routers[n - 1]` is replica n.
  bool await_links(const std::vector<RouterUnderTest*>& routers, std::string* error) const;
  // Waits (bounded) until the cluster is quiet: every reachable replica has
  // claimed its alerts and written what it queued, and has applied what the
  // others published; repeated until a round changes nothing anywhere.
  bool settle(const std::vector<RouterUnderTest*>& routers, std::string* error) const;

 private:
  std::string work_dir_;
  std::unique_ptr<fakes::RedisServer> redis_;
  std::vector<std::unique_ptr<fakes::FaultProxy>> proxies_;
  std::vector<bool> partitioned_;
  bool redis_down_ = false;
};

}  // namespace keyward::scenarios
