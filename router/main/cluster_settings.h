#pragma once
// Cluster mode's settings for `keyward serve` (docs/CLUSTER.md): where Redis
// is, this replica's name and the namespace of the cluster's Redis keys.
//   KEYWARD_REDIS_URL=redis://:password@host:6379/0     (.env or environment)
//   cluster: {redis_url: ..., replica_id: web-1, key_prefix: keyward}
// KEYWARD_REDIS_URL wins over cluster.redis_url, as the environment wins over
// the file elsewhere. Neither set: no cluster, serve runs alone.
#include <optional>
#include <string>

#include "router/cluster/cluster_link.h"
#include "router/core/env_file.h"

namespace keyward {

// Not clustered: *out stays empty. Bad settings: false with `error` naming the
// place and the field ("keyward.yaml:7: cluster.key_prefix: ..." or
// ".env:3: KEYWARD_REDIS_URL: invalid Redis URL (...)"); never the password.
// replica_id defaults to "<hostname>:<pid>".
bool load_cluster_settings(const std::string& yaml_text, const std::string& yaml_file, const EnvMap& env,
                           std::optional<cluster::ClusterOptions>* out, std::string* error);

}  // namespace keyward
