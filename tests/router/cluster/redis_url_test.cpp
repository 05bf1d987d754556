#include "router/cluster/redis_url.h"

#include <gtest/gtest.h>

namespace keyward::cluster {
namespace {

TEST(RedisUrl, TcpWithPasswordPortAndDb) {
  RedisUrl u;
  std::string error;
  ASSERT_TRUE(parse_redis_url("redis://:s3cr%40t@cache.internal:6380/2", &u, &error)) << error;
  EXPECT_EQ(u.kind, RedisUrl::Kind::tcp);
  EXPECT_EQ(u.host, "cache.internal");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 2);
  EXPECT_EQ(u.password, "s3cr@t");
  EXPECT_EQ(u.display(), "redis://:***@cache.internal:6380/2");
}

TEST(RedisUrl, DefaultsAndIpv6) {
  RedisUrl u;
  std::string error;
  ASSERT_TRUE(parse_redis_url("redis://127.0.0.1", &u, &error));
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0);
  ASSERT_TRUE(parse_redis_url("redis://[::1]:7000", &u, &error));
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 7000);
}

TEST(RedisUrl, UnixSocketWithDbAndPassword) {
  RedisUrl u;
  std::string error;
  ASSERT_TRUE(parse_redis_url("unix:///run/redis/redis.sock?db=3&password=hunter2", &u, &error)) << error;
  EXPECT_EQ(u.kind, RedisUrl::Kind::unix_socket);
  EXPECT_EQ(u.path, "/run/redis/redis.sock");
  EXPECT_EQ(u.db, 3);
  EXPECT_EQ(u.password, "hunter2");
  EXPECT_EQ(u.display().find("hunter2"), std::string::npos);
}

TEST(RedisUrl, BadUrlsSayWhatIsWrongWithoutThePassword) {
  RedisUrl u;
  std::string error;
  EXPECT_FALSE(parse_redis_url("http://host", &u, &error));
  EXPECT_NE(error.find("unknown scheme"), std::string::npos);
  EXPECT_FALSE(parse_redis_url("redis://:topsecret@host:notaport", &u, &error));
  EXPECT_NE(error.find("port must be a number"), std::string::npos);
  EXPECT_EQ(error.find("topsecret"), std::string::npos);
  EXPECT_FALSE(parse_redis_url("unix://relative.sock", &u, &error));
  EXPECT_FALSE(parse_redis_url("redis://host:99999", &u, &error));
  EXPECT_FALSE(parse_redis_url("unix:///x.sock?color=red", &u, &error));
}

}  // namespace
}  // namespace keyward::cluster
