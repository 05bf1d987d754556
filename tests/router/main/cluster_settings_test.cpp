// Cluster settings for `keyward serve`: KEYWARD_REDIS_URL (environment or
// .env) or `cluster:` in keyward.yaml; bad ones are errors naming the place
// and the field, never quoting the password (issue 19, item 1).
#include "router/main/cluster_settings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/router/main/app_test_world.h"

namespace keyward {
namespace {

std::string load_error(const std::string& yaml, const EnvMap& env = {}) {
  std::optional<cluster::ClusterOptions> out;
  std::string error;
  EXPECT_FALSE(load_cluster_settings(yaml, "keyward.yaml", env, &out, &error));
  EXPECT_FALSE(out.has_value());
  return error;
}

EnvMap redis_env(const std::string& url, int line = 3) {
  EnvMap env;
  env["KEYWARD_REDIS_URL"] = EnvEntry{url, ".env", line};
  return env;
}

TEST(ClusterSettings, NeitherSetMeansServingAlone) {
  std::optional<cluster::ClusterOptions> out;
  std::string error;
  EXPECT_TRUE(load_cluster_settings("", "keyward.yaml", {}, &out, &error)) << error;
  EXPECT_FALSE(out.has_value());
  EXPECT_TRUE(load_cluster_settings("journal: {record_messages: false}\ncluster:\n", "keyward.yaml", {}, &out, &error));
  EXPECT_FALSE(out.has_value());
}

TEST(ClusterSettings, YamlFieldsAndDefaults) {
  std::optional<cluster::ClusterOptions> out;
  std::string error;
  ASSERT_TRUE(
      load_cluster_settings("cluster:\n  redis_url: redis://:pw@10.0.0.5:6380/2\n", "keyward.yaml", {}, &out, &error))
      << error;
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->redis.host, "10.0.0.5");
  EXPECT_EQ(out->redis.port, 6380);
  EXPECT_EQ(out->redis.db, 2);
  EXPECT_EQ(out->key_prefix, "keyward");
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  EXPECT_EQ(out->replica_id, std::string(host) + ":" + std::to_string(getpid())) << "default: hostname:pid";

  ASSERT_TRUE(load_cluster_settings("cluster: {redis_url: 'unix:///run/redis.sock', replica_id: web-2, key_prefix: kw}",
                                    "keyward.yaml", {}, &out, &error));
  EXPECT_EQ(out->redis.path, "/run/redis.sock");
  EXPECT_EQ(out->replica_id, "web-2");
  EXPECT_EQ(out->key_prefix, "kw");
}

TEST(ClusterSettings, TheEnvironmentWinsOverTheFile) {
  std::optional<cluster::ClusterOptions> out;
  std::string error;
  ASSERT_TRUE(load_cluster_settings("cluster:\n  redis_url: unix:///run/redis.sock\n  replica_id: web-1\n",
                                    "keyward.yaml", redis_env("redis://cache.internal:6379"), &out, &error))
      << error;
  EXPECT_EQ(out->redis.kind, cluster::RedisUrl::Kind::tcp);
  EXPECT_EQ(out->redis.host, "cache.internal");
  EXPECT_EQ(out->replica_id, "web-1") << "the rest still comes from the file";
  // The environment alone is enough.
  ASSERT_TRUE(load_cluster_settings("", "keyward.yaml", redis_env("redis://h"), &out, &error));
  EXPECT_EQ(out->redis.host, "h");
}

TEST(ClusterSettings, BadSettingsNameTheFieldAndTheLine) {
  EXPECT_EQ(load_error("alerts: {}\ncluster:\n  redis_url: http://h:1\n"),
            "keyward.yaml:3: cluster.redis_url: invalid Redis URL (unknown scheme); expected "
            "redis://[:password@]host[:port][/db] or unix:///path/to/redis.sock[?db=N]");
  EXPECT_EQ(load_error("cluster:\n  redis_url: redis://h\n  replica: a\n"),
            "keyward.yaml:3: cluster.replica: unknown field 'replica'");
  EXPECT_EQ(load_error("cluster:\n  redis_url: redis://h\n  key_prefix: 'a b'\n"),
            "keyward.yaml:3: cluster.key_prefix: must be 1 to 64 visible ASCII characters without spaces");
  EXPECT_EQ(load_error("cluster:\n  replica_id: ''\n  redis_url: redis://h\n"),
            "keyward.yaml:2: cluster.replica_id: must be 1 to 128 visible ASCII characters without spaces");
  EXPECT_EQ(load_error("cluster:\n  replica_id: web-1\n"),
            "keyward.yaml:2: cluster: cluster mode needs redis_url (or KEYWARD_REDIS_URL in the environment or .env)");
  EXPECT_EQ(load_error("cluster: [a]\n"), "keyward.yaml:1: cluster: expected a mapping");
}

TEST(ClusterSettings, ABadUrlInDotEnvNamesTheLineAndNeverThePassword) {
  std::string error = load_error("", redis_env("redis://:Sup3rS3cret@cache:63x79/0", 7));
  EXPECT_EQ(error,
            ".env:7: KEYWARD_REDIS_URL: invalid Redis URL (port must be a number); expected "
            "redis://[:password@]host[:port][/db] or unix:///path/to/redis.sock[?db=N]");
  EXPECT_EQ(error.find("Sup3rS3cret"), std::string::npos);
  error = load_error("cluster:\n  redis_url: 'redis://:Sup3rS3cret@'\n");
  EXPECT_EQ(error.find("Sup3rS3cret"), std::string::npos) << error;
  EXPECT_NE(error.find("keyward.yaml:2: cluster.redis_url: invalid Redis URL (no host)"), std::string::npos) << error;
}

TEST(ClusterSettings, ServeRefusesToStartOnBadClusterSettings) {
  test::AppWorld w;
  auto o = w.options();
  o.config_yaml = "cluster:\n  redis_url: redis://h\n  replcia_id: a\n";
  App app(std::move(o));
  std::string error;
  EXPECT_FALSE(app.start(&error));
  EXPECT_EQ(error, "keyward.yaml:3: cluster.replcia_id: unknown field 'replcia_id'");

  auto o2 = w.options();
  o2.env["KEYWARD_REDIS_URL"] = EnvEntry{"redis//missing-colon", "environment", 0};
  App app2(std::move(o2));
  EXPECT_FALSE(app2.start(&error));
  EXPECT_EQ(error.rfind("environment: KEYWARD_REDIS_URL: invalid Redis URL (unknown scheme)", 0), 0u) << error;
}

}  // namespace
}  // namespace keyward
