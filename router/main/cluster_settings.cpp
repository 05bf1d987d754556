#include "router/main/cluster_settings.h"

#include <unistd.h>

#include <cstdio>

#include "base/yaml_reader.h"

namespace keyward {

namespace {

// Replica ids and key prefixes go into Redis keys, log lines and JSON: plain
// visible ASCII, no spaces, bounded.
bool plain_name(const std::string& s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

std::string default_replica_id() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || !host[0]) std::snprintf(host, sizeof host, "keyward");
  return std::string(host) + ":" + std::to_string(getpid());
}

}  // namespace

bool load_cluster_settings(const std::string& yaml_text, const std::string& yaml_file, const EnvMap& env,
                           std::optional<cluster::ClusterOptions>* out, std::string* error) {
  out->reset();
  cluster::ClusterOptions o;
  bool have_yaml = false;
  std::optional<YamlField> yaml_url;
  try {
    YAML::Node doc = parse_yaml(yaml_text, yaml_file);
    if (doc && doc.IsMap() && doc["cluster"] && !doc["cluster"].IsNull()) {
      have_yaml = true;
      YamlField root{doc, yaml_file, ""};
      root.child("cluster").each_field({"redis_url", "replica_id", "key_prefix"},
                                       [&](const std::string& name, const YamlField& v) {
                                         if (name == "redis_url") {
                                           yaml_url = v;
                                         } else if (name == "replica_id") {
                                           o.replica_id = v.str();
                                           if (!plain_name(o.replica_id, 128))
                                             v.fail("must be 1 to 128 visible ASCII characters without spaces");
                                         } else {
                                           o.key_prefix = v.str();
                                           if (!plain_name(o.key_prefix, 64))
                                             v.fail("must be 1 to 64 visible ASCII characters without spaces");
                                         }
                                       });
    }
    auto env_url = env.find("KEYWARD_REDIS_URL");
    if (env_url != env.end() && !env_url->second.value.empty()) {
      std::string why;
      if (!cluster::parse_redis_url(env_url->second.value, &o.redis, &why)) {
        const EnvEntry& e = env_url->second;
        *error = e.source + (e.line > 0 ? ":" + std::to_string(e.line) : "") + ": KEYWARD_REDIS_URL: " + why;
        return false;
      }
    } else if (yaml_url) {
      std::string text = yaml_url->str(), why;
      if (!cluster::parse_redis_url(text, &o.redis, &why)) yaml_url->fail(why);
    } else if (have_yaml) {
      YamlField{doc["cluster"], yaml_file, "cluster"}.fail(
          "cluster mode needs redis_url (or KEYWARD_REDIS_URL in the environment or .env)");
    } else {
      return true;  // alone
    }
  } catch (const SchemaError& e) {
    *error = e.what();
    return false;
  } catch (const std::exception& e) {
    *error = yaml_file + ": " + e.what();
    return false;
  }
  if (o.replica_id.empty()) o.replica_id = default_replica_id();
  *out = std::move(o);
  return true;
}

}  // namespace keyward
