#pragma once
// Where the cluster's shared state lives: KEYWARD_REDIS_URL or
// `cluster.redis_url` in keyward.yaml. Two forms:
//   redis://[:password@]host[:port][/db]     (port 6379, db 0 by default)
//   unix:///path/to/redis.sock[?db=N&password=P]
// The password never leaves this struct except to AUTH: display() masks it.
#include <string>

namespace keyward::cluster {

struct RedisUrl {
  enum class Kind { tcp, unix_socket };
  Kind kind = Kind::tcp;
  std::string host;  // tcp
  int port = 6379;   // tcp
  std::string path;  // unix socket
  std::string password;
  int db = 0;

  // The URL with the password replaced by "***": safe for logs and status.
  std::string display() const;
};

// False with a message naming what is wrong (never quoting the password).
bool parse_redis_url(const std::string& text, RedisUrl* out, std::string* error);

}  // namespace keyward::cluster
