#pragma once
// One synchronous connection to Redis (hiredis), for the cluster link's own
// threads: never used on the request path. Every failure is a result value;
// after a connection-level failure the connection is broken and the owner
// makes a new one.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "router/cluster/redis_url.h"

struct redisContext;

namespace keyward::cluster {

struct RedisReply {
  enum class Type { nil, integer, string, array, status, error };
  Type type = Type::nil;
  int64_t integer = 0;
  std::string str;  // string, status, error
  std::vector<RedisReply> elements;

  bool is_error() const { return type == Type::error; }
};

class RedisConnection {
 public:
  // Connects, authenticates and selects the database, each bounded by
  // `timeout`; later commands are bounded by it too. Null + error on failure.
  static std::unique_ptr<RedisConnection> connect(const RedisUrl& url, Millis timeout, std::string* error);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and reads its reply. nullopt: the connection failed
  // (error says why) and is broken from now on. A Redis error reply is a
  // reply (is_error()), not a failure.
  std::optional<RedisReply> command(const std::vector<std::string>& argv, std::string* error);
  // Subscriber mode (after SUBSCRIBE): the next pushed message, waiting at
  // most `timeout`. nullopt with *timed_out set: nothing came; nullopt
  // otherwise: the connection failed.
  std::optional<RedisReply> next_push(Millis timeout, bool* timed_out, std::string* error);
  bool broken() const { return broken_; }

 private:
  explicit RedisConnection(redisContext* c) : c_(c) {}
  std::optional<RedisReply> read_reply(std::string* error);
  redisContext* c_;
  Millis timeout_{1000};
  bool broken_ = false;
};

}  // namespace keyward::cluster
