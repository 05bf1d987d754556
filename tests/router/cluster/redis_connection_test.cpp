// Against a real redis-server started for the test on a unix socket.
#include "router/cluster/redis_connection.h"

#include <gtest/gtest.h>

#include "tests/router/cluster/redis_server.h"

namespace keyward::cluster {
namespace {

RedisUrl url_of(const test::RedisServer& server, const std::string& password = "") {
  RedisUrl u;
  std::string error;
  parse_redis_url(server.url(), &u, &error);
  u.password = password;
  return u;
}

TEST(RedisConnection, CommandsAndReplies) {
  test::RedisServer server;
  ASSERT_TRUE(server.ready());
  std::string error;
  auto c = RedisConnection::connect(url_of(server), Millis(1000), &error);
  ASSERT_TRUE(c) << error;
  auto r = c->command({"SET", "k", "v\r\nwith bytes", "NX", "PX", "60000"}, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->type, RedisReply::Type::status);
  r = c->command({"SET", "k", "other", "NX"}, &error);
  EXPECT_EQ(r->type, RedisReply::Type::nil) << "NX: a second claim loses";
  r = c->command({"GET", "k"}, &error);
  EXPECT_EQ(r->str, "v\r\nwith bytes");
  r = c->command({"NOSUCHCOMMAND"}, &error);
  ASSERT_TRUE(r) << "an error reply is a reply";
  EXPECT_TRUE(r->is_error());
  EXPECT_FALSE(c->broken());
}

TEST(RedisConnection, PasswordAndDatabase) {
  test::RedisServer server("pw-123");
  ASSERT_TRUE(server.ready());
  std::string error;
  EXPECT_FALSE(RedisConnection::connect(url_of(server, "wrong"), Millis(1000), &error));
  EXPECT_NE(error.find("refused the password"), std::string::npos) << error;
  EXPECT_EQ(error.find("wrong"), std::string::npos) << "never the password";
  RedisUrl u = url_of(server, "pw-123");
  u.db = 5;
  auto c = RedisConnection::connect(u, Millis(1000), &error);
  ASSERT_TRUE(c) << error;
  c->command({"SET", "in5", "x"}, &error);
  u.db = 0;
  auto c0 = RedisConnection::connect(u, Millis(1000), &error);
  EXPECT_EQ(c0->command({"GET", "in5"}, &error)->type, RedisReply::Type::nil);
}

TEST(RedisConnection, SubscriberWaitsBoundedAndReceivesPublishedMessages) {
  test::RedisServer server;
  ASSERT_TRUE(server.ready());
  std::string error;
  auto sub = RedisConnection::connect(url_of(server), Millis(1000), &error);
  auto pub = RedisConnection::connect(url_of(server), Millis(1000), &error);
  ASSERT_TRUE(sub && pub) << error;
  auto ack = sub->command({"SUBSCRIBE", "chan"}, &error);
  ASSERT_TRUE(ack && ack->type == RedisReply::Type::array);
  bool timed_out = false;
  EXPECT_FALSE(sub->next_push(Millis(50), &timed_out, &error));
  EXPECT_TRUE(timed_out);
  EXPECT_FALSE(sub->broken()) << "a quiet channel is not a broken connection";
  pub->command({"PUBLISH", "chan", "hello"}, &error);
  std::optional<RedisReply> msg;
  for (int i = 0; i < 100 && !msg; ++i) msg = sub->next_push(Millis(100), &timed_out, &error);
  ASSERT_TRUE(msg) << error;
  ASSERT_EQ(msg->elements.size(), 3u);
  EXPECT_EQ(msg->elements[2].str, "hello");
}

TEST(RedisConnection, ADeadServerIsAnErrorNotAHang) {
  test::RedisServer server;
  ASSERT_TRUE(server.ready());
  std::string error;
  auto c = RedisConnection::connect(url_of(server), Millis(500), &error);
  ASSERT_TRUE(c);
  server.stop();
  auto r = c->command({"PING"}, &error);
  EXPECT_FALSE(r);
  EXPECT_TRUE(c->broken());
  EXPECT_FALSE(RedisConnection::connect(url_of(server), Millis(500), &error));
  EXPECT_NE(error.find("cannot connect"), std::string::npos);
}

}  // namespace
}  // namespace keyward::cluster
