#pragma once
// Replicas of `keyward serve` (App, as serve builds it) sharing one private
// redis-server and the same fake providers and simulated clock: each replica
// with its own store, its own log and its `cluster:` settings.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <thread>

#include "router/cluster/cluster_link.h"
#include "tests/router/cluster/redis_server.h"
#include "tests/router/main/app_test_world.h"

namespace keyward::test {

using namespace std::chrono_literals;

struct ClusterWorld : AppWorld {
  cluster::test::RedisServer redis;
  std::mutex replica_log_mu;
  std::map<std::string, std::vector<std::string>> replica_logs;

  explicit ClusterWorld(const std::string& requirepass = "") : redis(requirepass) {}

  std::string redis_url() const { return redis.url(); }

  // Replica `id`: KEYWARD_REDIS_URL=`url` (default: this world's Redis) and
  // `cluster: {replica_id: id, key_prefix: t}`.
  AppOptions replica(const std::string& id, const std::string& env_text = kFoundingEnvText, std::string url = "") {
    AppOptions o = options(env_text);
    if (url.empty()) url = redis_url();
    o.env["KEYWARD_REDIS_URL"] = EnvEntry{url, "environment", 0};
    o.config_yaml = "cluster:\n  replica_id: " + id + "\n  key_prefix: t\n";
    o.store_path = (dir / (id + ".db")).string();
    o.log = [this, id](const std::string& l) {
      std::lock_guard lock(replica_log_mu);
      replica_logs[id].push_back(l);
    };
    return o;
  }
  std::vector<std::string> log_of(const std::string& id) {
    std::lock_guard lock(replica_log_mu);
    return replica_logs[id];
  }
  size_t lines_of(const std::string& id, const std::string& needle) {
    size_t n = 0;
    for (const auto& l : log_of(id))
      if (l.find(needle) != std::string::npos) ++n;
    return n;
  }
};

// Waits for `done` with a bound (the cluster propagates on its own threads).
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds bound = 15s) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);  // polling a condition, not timing
  }
  return done();
}

inline nlohmann::json status_of(App& app) {
  auto r = http_get(app, "/api/status");
  return r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
}

// The local pool's state of <provider> key N.
inline KeyState key_state_of(App& app, const std::string& provider, int index) {
  auto snap = app.service().router().snapshot();
  for (size_t p = 0; p < snap.config.providers.size(); ++p) {
    if (snap.config.providers[p].name != provider) continue;
    for (size_t i = 0; i < snap.config.providers[p].keys.size(); ++i)
      if (snap.config.providers[p].keys[i].index == index)
        return snap.now < snap.keys[p][i].until ? snap.keys[p][i].state : KeyState::healthy;
  }
  return KeyState::healthy;
}

}  // namespace keyward::test
