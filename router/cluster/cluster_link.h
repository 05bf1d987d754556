#pragma once
// A replica's link to the others, through Redis (docs/CLUSTER.md).
//
// Local state changes of the key pool (a quarantine, an exhausted quota, a
// rate limit, a recovery, a validation, a provider ejection) arrive here as
// pool events; the link queues them and its writer thread merges each key's
// shared facts into Redis (read, join, write back atomically) and publishes
// the merged facts. Its subscriber thread applies what other replicas publish
// to the local pool (ChatRouter::merge_shared). Requests never wait for Redis:
// they read the local pool only.
//
// When Redis is down, slow or unreachable, the replica keeps serving on what
// it knows (the link is "degraded", logged once per change and counted); when
// Redis is back, the link reads every key's facts (a full resync, merged
// monotonically) and publishes what it learnt alone meanwhile.
//
// Keys are named by the SHA-256 of their raw value (key_id()): a raw key never
// goes to Redis, and two replicas with the same key in their .env name it
// alike whatever its index there.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/cluster/redis_url.h"
#include "router/core/chat_router.h"
#include "router/core/incidents.h"

namespace keyward::cluster {

class RedisConnection;
struct RedisReply;

struct ClusterOptions {
  RedisUrl redis;
  std::string replica_id;             // unique per replica (default: host-pid)
  std::string key_prefix = "keyward";  // namespace of every Redis key and channel
  Millis redis_timeout{500};           // any one Redis operation
  Millis retry_max{1000};              // reconnect backoff cap (starts at 50 ms)
  Millis ttl{7 * 24 * 3600'000LL};     // Redis TTL: only collects garbage, never decides a deadline
  // The router's clock: claims hold until a deadline on it (null: the system
  // clock). On a simulated clock Redis's own expiry would be wall time.
  const Clock* clock = nullptr;
  std::function<void(const std::string&)> log;
};

// Hex SHA-256 of a raw key.
std::string key_id(const std::string& secret);

class ClusterLink final : public RouterObserver, public IncidentSharing {
 public:
  ClusterLink(ClusterOptions options, ChatRouter& router);
  // Without a router yet: `keyward serve` builds the link (for the claiming
  // outbox and the incident engine) before the service builds its router,
  // then attaches the router before start().
  explicit ClusterLink(ClusterOptions options);
  ~ClusterLink() override;  // stop()

  // The router facts are applied to; before start(), once.
  void attach(ChatRouter& router);
  const std::string& replica_id() const { return options_.replica_id; }

  // The keys of the running configuration: call before start() and after
  // every reload (ids are recomputed from the secrets).
  void set_config(const RouterConfig& config);
  // Connects and resynchronises (bounded by a few Redis timeouts; on failure
  // the link starts degraded and keeps trying), then runs its threads.
  void start();
  void stop();

  // RouterObserver: the local pool's changes, delivered after its lock.
  void on_pool_event(const PoolEvent& e) override;

  // Incidents: one per condition cluster-wide. The engine (which must outlive
  // the link, or be unset first) tells the link what it opened or resolved;
  // the link tells it what other replicas did. Null: incidents stay local.
  void set_incidents(IncidentEngine* engine);
  void opened(const IncidentRecord& incident) override;
  void resolved(const IncidentRecord& incident) override;
  // Frees claims (their names as ClaimingOutbox makes them), e.g. when the
  // condition they were about has ended, so that its next episode alerts.
  void release(std::vector<std::string> names);

  bool healthy() const { return healthy_.load(); }
  // Its subscriber is connected and resynchronised: what others publish arrives.
  bool subscribed() const { return subscribed_.load(); }
  // {"replica_id", "redis" (masked), "state":"connected"|"degraded",
  //  "degraded_reason" (only when degraded), "keys_shared", "published",
  //  "applied", "last_resync_ms"}
  nlohmann::json status_json() const;

  struct Stats {
    uint64_t published = 0;     // merged facts written and published
    uint64_t applied = 0;       // facts from other replicas merged here
    uint64_t redis_errors = 0;  // failed Redis operations
    uint64_t degraded = 0;      // times the link became degraded
    uint64_t resyncs = 0;       // full reads after (re)connecting
  };
  Stats stats() const;

  // Claims something once cluster-wide for `ttl` on the router's clock (SET
  // NX, or taking over a claim whose deadline has passed): true when this
  // replica holds it now. While degraded: true (at least once per replica).
  // Blocking (one Redis round trip): never call it on the request path.
  bool claim(const std::string& name, Millis ttl);
  // Facts of a key as Redis has them now (validation dedup at start-up).
  // Blocking, like claim().
  std::optional<SharedKeyState> read_key(const std::string& secret);

  // Blocks until everything queued before the call has been written (or the
  // link is degraded), at most `timeout`. For tests and orderly shutdown.
  bool flush(Millis timeout);
  // Caught up with the cluster: everything queued here is written and
  // published (flush), and everything any replica published before this call
  // has been applied here. A marker goes through the channel and comes back
  // to this replica's own subscriber, which handles messages in order.
  // False when degraded or after `timeout`. Blocking (Redis round trips):
  // for the scenario runner and tests, which wait for a cluster to settle.
  bool sync(Millis timeout);

 private:
  struct KeyName {
    std::string provider;
    int index = 0;
    std::string masked;
  };
  struct Pending {
    enum class Kind { key, provider, incident_open, incident_resolved, release } kind = Kind::key;
    std::string name;       // key id, provider name, incident id
    nlohmann::json facts;   // facts, the incident record, or the claim names to free
  };

  void writer_loop();
  void subscriber_loop();
  bool write(RedisConnection& c, const Pending& p);
  bool write_facts(RedisConnection& c, const Pending& p);
  bool write_incident(RedisConnection& c, const Pending& p);
  void enqueue(const std::string& slot, Pending p);
  bool resync(RedisConnection& c);
  void apply(const nlohmann::json& message);
  void set_healthy(bool ok, const std::string& reason);
  std::string redis_key(const std::string& kind, const std::string& name) const;
  std::string channel() const;
  std::unique_ptr<RedisConnection> connect(std::string* error);
  std::optional<RedisReply> claim_command(const std::vector<std::string>& argv, std::string* error);
  void log(const std::string& line) const;

  ClusterOptions options_;
  ChatRouter* router_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, KeyName> names_;                  // key id -> this replica's key
  std::map<std::pair<std::string, int>, std::string> ids_;  // (provider, index) -> key id
  std::map<std::string, Pending> pending_;                 // coalesced by (kind + name)
  IncidentEngine* incidents_ = nullptr;
  uint64_t enqueued_ = 0, written_ = 0;                    // for flush()
  uint64_t syncs_sent_ = 0, syncs_seen_ = 0;               // for sync(): markers published, come back
  bool stopping_ = false;
  std::string reason_;
  bool announced_ = false;  // the first state (joined or degraded) was logged
  bool joined_ = false;     // "joined" was logged (later recoveries say "back")
  int64_t last_resync_ms_ = -1;
  Stats stats_;

  std::atomic<bool> healthy_{false};
  std::atomic<bool> subscribed_{false};  // the subscriber is connected and resynchronised
  std::mutex claim_mu_;  // one claim connection, used by any thread
  std::unique_ptr<RedisConnection> claim_conn_;
  std::thread writer_, subscriber_;
  bool started_ = false;
};

}  // namespace keyward::cluster
